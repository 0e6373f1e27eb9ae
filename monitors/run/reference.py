"""The baseline, read once per run of many windows: its profile and outcome tallies from the
store's cache when this baseline was counted before, counted in the warehouse otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitors.checks.suites import load_schema_snapshot
from monitors.compute.loss_models import LossModel
from monitors.compute.measure import Reference, compute_reference
from monitors.config import ModelConfig
from monitors.core.counts import Counts
from monitors.core.multivariate import PcaModel
from monitors.core.profile import (
    Calibration,
    Profile,
    compute_bins,
    compute_hash,
    compute_profile,
    compute_profile_key,
)
from monitors.core.tallies import SUMS, Tally
from monitors.core.window import Window
from monitors.run.loss_estimation import load_loss_model
from monitors.run.multivariate import load_pca_model
from monitors.storage import baseline_cache
from monitors.storage.codecs import TALLY_FORMAT
from monitors.warehouse.counts import load_column_stats, load_select_counts, present_columns
from monitors.warehouse.engine import compiled_query, engine_identity, query_errors
from monitors.warehouse.outcomes import load_label_summary, load_tallies
from monitors.warehouse.queries import Query, load_baseline_query
from monitors.warehouse.schema import check_schema
from monitors.warehouse.volume import Kept

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


@dataclass
class Baseline:
    """The baseline summarised (reference), with its query, for what is counted later (tracing's
    slices, counted at the first alert; the report's sample)."""

    reference: Reference
    query: Query
    slices: dict[str | None, Tally] | None = None
    pca: PcaModel | None = None  # multivariate drift (run.multivariate)
    loss: LossModel | None = None  # a regression's estimates without labels (run.loss_estimation)
    custom: dict[str | None, dict[str, float | None]] | None = None  # custom metrics' values (run.custom)
    windows: dict[Window, Counts] = field(default_factory=dict)  # the last windows' counts (run.previous)
    volume: Kept = field(default_factory=dict)  # the volume rules' earlier windows counted (warehouse.volume)


def load_reference(engine: Engine, config: ModelConfig, as_of: datetime | None = None) -> Baseline:
    """The baseline summarised, after the config was checked against the tables (a ConfigError
    before anything is measured or written)."""
    check_schema(engine, config, load_schema_snapshot(config))
    table = config.baseline.table or config.predictions.table
    with query_errors(engine, config.model, f"reading the baseline from table {table!r}"):
        query = load_baseline_query(engine, config, as_of)
        profile = load_baseline_profile(engine, config, query)
        tallies = load_baseline_tallies(engine, config, query, profile)
        return Baseline(compute_reference(config, profile, tallies), query,
                        pca=load_pca_model(engine, config, query, profile),
                        loss=load_loss_model(engine, config, query))


def write_calibration(config: ModelConfig, baseline: Baseline, added: Calibration) -> None:
    """Null moments compute.drift computed for new window sizes: kept on the run's baseline
    (later windows reuse them) and with its profile in the store."""
    if added:
        baseline.reference.profile = baseline.reference.profile.with_calibration(added)
        baseline_cache.write_profile_calibration(config, baseline.reference.profile)


def load_baseline_profile(engine: Engine, config: ModelConfig, query: Query | None = None) -> Profile:
    """The profile of the baseline's rows without labels (so the labels' as-of moment does not
    matter): from the store when this baseline was profiled before. `query`: the baseline's
    query, built when not given."""
    query = query or load_baseline_query(engine, config)
    present = present_columns(query)
    p = config.predictions
    numerical = [c for c in dict.fromkeys([*p.features.numerical, *p.outputs])
                 if c in present and query.columns.get(c) == "numeric"]
    categorical = [c for c in p.features.categorical if c in present]
    segments = [s for s in config.segment_columns if s in present]
    stats = load_column_stats(engine, query.features, numerical)
    key = compute_profile_key(*compiled_query(engine, query.features), engine_identity(engine),
                              numerical, categorical, segments, stats)
    cached = baseline_cache.load_cached_profile(config, key)
    if cached is not None:
        return cached
    numeric = {c: compute_bins(s[1], s[2]) for c, s in stats.items() if s[1] is not None and s[2] is not None}
    counts = load_select_counts(engine, query.features, numeric, categorical, segments)
    profile = compute_profile(key, counts, numeric, {c: s[3] or 0.0 for c, s in stats.items()},
                              categorical)
    baseline_cache.write_profile(baseline_cache.profile_file(config, key), profile)
    return profile


def load_baseline_tallies(engine: Engine, config: ModelConfig, query: Query, baseline: Profile
                          ) -> dict[str | None, Tally]:
    """The baseline's outcome tallies, whole and per segment. When the labels are a column of the
    baseline table they are kept beside its profile, keyed by the profile, the task, the
    predictions and segments config and a summary of the label column (count, distinct values,
    min, max; the sum of numeric labels), so later runs do not count the baseline again. A
    baseline window's labels are still arriving: counted each run."""
    if not query.has_labels:
        return {}
    if config.baseline.window is not None:
        return load_tallies(engine, config, query.select, baseline)[0]
    summary = load_label_summary(engine, config, query)
    # TALLY_FORMAT and SUMS (the regression tally's sums): a tally cached in an older format or
    # before a sum was added is counted again
    key = compute_hash([baseline.key, *compiled_query(engine, query.select), summary, config.task,
                        TALLY_FORMAT, SUMS, config.predictions.model_dump(mode="json"),
                        config.segment_columns])
    path = baseline_cache.tallies_file(config, baseline.key, key)
    cached = baseline_cache.load_cached_tallies(path)
    if cached is not None:
        return cached
    tallies = load_tallies(engine, config, query.select, baseline)[0]
    baseline_cache.write_tallies(path, tallies)
    return tallies
