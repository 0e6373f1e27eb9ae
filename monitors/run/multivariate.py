"""Multivariate drift, wired: the baseline's PCA of its numerical features and top categories
(fitted from warehouse sums once per baseline, then read from the store) and a window's row (its
mean reconstruction error, one query)."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from monitors.compute.multivariate import (
    compute_correlation,
    compute_multivariate_row,
    compute_pca_basis,
    compute_vectors,
)
from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.multivariate import (
    MAX_FEATURES,
    MIN_CATEGORY_SHARE,
    TOP_CATEGORIES,
    Input,
    PcaModel,
)
from monitors.core.profile import Profile
from monitors.storage import baseline_cache
from monitors.warehouse.counts import present_columns
from monitors.warehouse.multivariate import baseline_halves, load_error_summary, load_moments, load_products
from monitors.warehouse.queries import Query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def pca_columns(config: ModelConfig, query: Query) -> list[str]:
    """The numerical features the PCA is fitted on: present, numeric, at most MAX_FEATURES."""
    found = [c for c in config.predictions.features.numerical if query.columns.get(c) == "numeric"]
    return found[:MAX_FEATURES]


def pca_categories(config: ModelConfig, query: Query, profile: Profile, room: int
                           ) -> list[tuple[str, str]]:
    """The one-hot inputs: each present categorical feature's most frequent baseline values
    (at most TOP_CATEGORIES, each at least MIN_CATEGORY_SHARE of the rows), at most `room`."""
    found: list[tuple[str, str]] = []
    rows = profile.rows.get(None) or 0
    for column in config.predictions.features.categorical:
        counts = profile.slots.get((None, column))
        if column not in query.columns or counts is None or not rows:
            continue
        values = profile.values.get(column, [])[:TOP_CATEGORIES]
        found += [(column, v) for v, n in zip(values, counts, strict=False) if n >= MIN_CATEGORY_SHARE * rows]
    return found[:max(room, 0)]


def load_pca_fit(engine: Engine, fit: Any, held: Any, inputs: list[Input],
                 model: str) -> PcaModel | None:
    """The PCA of the rows `fit` (their moments, then every pair's products, in the warehouse),
    its errors measured on the rows `held`; None when fewer than two inputs vary."""
    rows, means, squares = load_moments(engine, fit, inputs, model)
    kept = [(c, m, math.sqrt(max(s - m * m, 0.0))) for c, m, s in zip(inputs, means, squares, strict=True)
            if m is not None and s is not None and s - m * m > 1e-12 * max(1.0, m * m)]
    if len(kept) < 2 or rows < 2:
        return None
    names, centres, scales = (tuple(x) for x in zip(*kept, strict=True))
    products = load_products(engine, fit, names, centres, scales, model)
    components, rest = compute_pca_basis(compute_correlation(rows, products, len(names)))
    numerical = tuple(n for n in names if isinstance(n, str))
    categories = tuple(n for n in names if not isinstance(n, str))
    draft = PcaModel(numerical, centres, scales, compute_vectors(components), 0.0, 0.0, 0, categories,
                     compute_vectors(rest))
    held_rows, mean, square = load_error_summary(engine, held, draft, model)
    if held_rows < 2:
        return None
    error_mean = mean or 0.0
    return dataclasses.replace(draft, error_mean=error_mean, rows=held_rows,
                               error_sd=math.sqrt(max((square or 0.0) - error_mean ** 2, 0.0)))


def load_pca_model(engine: Engine, config: ModelConfig, query: Query, profile: Profile) -> PcaModel | None:
    """The baseline's PCA, fitted on one half of the baseline's rows and its errors measured on
    the other (warehouse.multivariate.baseline_halves): from the store when this baseline (its
    profile key) was fitted before; None when drift.multivariate is off, fewer than two
    inputs vary or the baseline is too small."""
    if not config.drift.multivariate:
        return None
    path = baseline_cache.pca_file(config, profile.key)
    cached = baseline_cache.load_cached_pca(path)
    if cached is not None:
        return cached
    columns = pca_columns(config, query)
    categories = pca_categories(config, query, profile, MAX_FEATURES - len(columns))
    fit, held = baseline_halves(query.features, columns, list(dict.fromkeys(c for c, _ in categories)))
    model = load_pca_fit(engine, fit, held, [*columns, *categories], config.model)
    if model is not None:
        baseline_cache.write_pca(path, model)
    return model


def load_multivariate_rows(engine: Engine, config: ModelConfig, query: Query, model: PcaModel | None
                           ) -> list[Measurement]:
    """The window's multivariate drift row (none without a model; skipped when one of the
    model's columns is missing from the window: the schema rows say which)."""
    if model is None:
        return []
    if not model.needed <= present_columns(query):
        return compute_multivariate_row(model, None, 0, config.drift)
    rows, mean, _ = load_error_summary(engine, query.features, model, config.model)
    return compute_multivariate_row(model, mean, rows, config.drift)

