"""Multivariate drift, wired: the baseline's PCA (fitted from warehouse sums once per baseline,
then read from the store) and a window's row (its mean reconstruction error, one query)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from monitors.compute.multivariate import (
    compute_correlation,
    compute_multivariate_row,
    compute_pca_components,
)
from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.multivariate import MAX_FEATURES, PcaModel
from monitors.core.profile import Profile
from monitors.storage import baseline_cache
from monitors.warehouse.counts import compute_present
from monitors.warehouse.multivariate import compute_halves, load_error_summary, load_moments, load_products
from monitors.warehouse.queries import Query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def compute_pca_columns(config: ModelConfig, query: Query) -> list[str]:
    """The numerical features the PCA is fitted on: present, numeric, at most MAX_FEATURES."""
    found = [c for c in config.predictions.features.numerical if query.columns.get(c) == "numeric"]
    return found[:MAX_FEATURES]


def load_pca_model(engine: Engine, config: ModelConfig, query: Query, profile: Profile) -> PcaModel | None:
    """The baseline's PCA, fitted on one half of the baseline's rows and its errors measured on
    the other (warehouse.multivariate.compute_halves): from the store when this baseline (its
    profile key) was fitted before; None when drift.multivariate is off, fewer than two
    features vary or the baseline is too small."""
    if not config.drift.multivariate:
        return None
    path = baseline_cache.compute_pca_file(config, profile.key)
    cached = baseline_cache.load_cached_pca(path)
    if cached is not None:
        return cached
    columns = compute_pca_columns(config, query)
    fit, held = compute_halves(query.features, columns)
    rows, means, squares = load_moments(engine, fit, columns, config.model)
    kept = [(c, m, math.sqrt(max(s - m * m, 0.0))) for c, m, s in zip(columns, means, squares, strict=True)
            if m is not None and s is not None and s - m * m > 1e-12 * max(1.0, m * m)]
    if len(kept) < 2 or rows < 2:
        return None
    names, centres, scales = (tuple(x) for x in zip(*kept, strict=True))
    products = load_products(engine, fit, names, centres, scales, config.model)
    components = compute_pca_components(compute_correlation(rows, products, len(names)))
    draft = PcaModel(names, centres, scales, tuple(tuple(float(w) for w in c) for c in components.T),
                     0.0, 0.0, 0)
    held_rows, mean, square = load_error_summary(engine, held, draft, config.model)
    if held_rows < 2:
        return None
    error_mean = mean or 0.0
    model = PcaModel(names, centres, scales, draft.components, error_mean,
                     math.sqrt(max((square or 0.0) - error_mean ** 2, 0.0)), held_rows)
    baseline_cache.write_pca(path, model)
    return model


def load_multivariate_rows(engine: Engine, config: ModelConfig, query: Query, model: PcaModel | None
                           ) -> list[Measurement]:
    """The window's multivariate drift row (none without a model; skipped when one of the
    model's columns is missing from the window: the schema rows say which)."""
    if model is None:
        return []
    if not set(model.columns) <= compute_present(query):
        return compute_multivariate_row(model, None, 0, config.drift)
    rows, mean, _ = load_error_summary(engine, query.features, model, config.model)
    return compute_multivariate_row(model, mean, rows, config.drift)

