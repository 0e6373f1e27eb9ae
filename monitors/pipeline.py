"""Glue: run_window(config, window, ...) -> WindowSummary, the one entry point the CLI and the
Airflow tasks call. Stages pass plain values; only warehouse, store and report touch the world."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors import (
    checks,
    counts,
    dashboard,
    drift,
    estimation,
    frames,
    performance,
    quality,
    report,
    store,
    tracing,
    warehouse,
    warehouse_checks,
)
from monitors.alerts import compute_failure_message
from monitors.config import ModelConfig
from monitors.histogram import Counts
from monitors.measurement import Measurement
from monitors.outcomes import Tally
from monitors.profile import Profile
from monitors.window import Window

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


@dataclass
class Reference:
    """The baseline, summarised once per run of many windows, in the warehouse: its profile
    (drift, data quality) and its outcome tallies, whole and per segment (performance); with its
    query, for what is counted later (tracing's slices, the report's sample)."""

    profile: Profile
    tallies: dict[str | None, Tally]
    query: warehouse.Query
    calibrator: Any = None  # CBPE: scores -> P(label = 1), fitted on the labelled baseline
    slices: dict[str | None, Tally] | None = None  # tracing's slices, counted at the first alert

    @property
    def has_labels(self) -> bool:
        whole = self.tallies.get(None)
        return whole is not None and whole.labelled > 0

    @property
    def metrics(self) -> dict[str, float | None]:
        return performance.compute_metrics(self.tallies[None]) if self.has_labels else {}


@dataclass
class WindowSummary:
    model: str
    window: Window
    rows: list[Measurement]
    message: str | None
    status: str
    store_file: Path
    report: Path | None = None
    evidently: Path | None = None
    row_count: int = 0

    @property
    def broken(self) -> list[Measurement]:
        return [r for r in self.rows if r.is_alert]


def compute_run_id(prefix: str = "cli") -> str:
    return f"{prefix}__{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S')}__{uuid.uuid4().hex[:6]}"


def load_reference(engine: Engine, config: ModelConfig, as_of: datetime | None = None) -> Reference:
    query = warehouse.compute_baseline_query(engine, config, as_of)
    baseline = counts.load_baseline_profile(engine, config, query)
    tallies = counts.load_baseline_tallies(engine, config, query, baseline)
    reference = Reference(baseline, tallies, query)
    if config.task == "binary_classification" and reference.has_labels:
        reference.calibrator = estimation.compute_calibrator(
            tallies[None], counts.compute_score_bins(config, baseline))
    return reference


def compute_check_rows(config: ModelConfig, engine: Engine, query: warehouse.Query,
                       window_counts: Counts, baseline: Profile, suite: dict | None
                       ) -> list[Measurement]:
    """Schema and data quality: our own measurements from the counts, then the GX suite's,
    validated in the warehouse on the window's query."""
    rows = quality.compute_quality_measurements(config, window_counts, baseline,
                                                query.missing_columns)
    if suite is not None:
        rows += checks.compute_schema_measurements(suite, query.columns)
    if suite is not None and window_counts.rows.get(None):
        rows += warehouse_checks.compute_warehouse_check_measurements(suite, engine, query.select,
                                                                      config.model)
    return rows


def compute_drift_rows(config: ModelConfig, window_counts: Counts, baseline: Profile
                       ) -> list[Measurement]:
    """Drift of every column, whole and per segment value, with calibrated bounds (the profile
    keeps null moments computed for a new window size: see Profile.changed)."""
    p = config.predictions
    if not window_counts.rows.get(None):
        return [Measurement("drift", "drifted_share", None, config.drift.max_drifted_share, "skipped")]
    columns = list(baseline.shapes)
    segments = sorted({s for s in [*baseline.rows, *window_counts.rows] if s is not None})
    keys: list[tuple[str | None, str]] = [(None, c) for c in columns]
    keys += [(s, c) for s in segments for c in columns if c != s.split("=", 1)[0]]
    drifts = drift.compute_column_drifts(baseline, window_counts, keys, config.drift,
                                         config.min_segment_rows)
    drifts, added = drift.compute_thresholds(baseline, drifts, config.drift)
    baseline.changed = baseline.changed or added
    return drift.compute_drift_measurements(drifts, config.drift, p.score, [None, *segments])


def _as_segment_rows(rows: list[Measurement], small: bool) -> list[Measurement]:
    """A segment below min_segment_rows is measured, not judged."""
    return [Measurement(r.kind, r.metric, r.value, r.threshold, "skipped", r.column_name,
                        r.segment) if small else r for r in rows]


def compute_segment_sigmas(config: ModelConfig, segments: int) -> float:
    """How many standard errors a segment's metric must fall: drift.false_alert_rate shared by
    every judged (segment, metric) of the window."""
    from scipy import stats

    family = max(segments * len(config.performance.metrics), 1)
    return float(stats.norm.isf(config.drift.false_alert_rate / family))


def compute_performance_rows(config: ModelConfig, window: Window, tallies: dict[str | None, Tally],
                             reference: Reference, as_of: datetime,
                             trace: Callable[[str], list[Measurement]] | None = None
                             ) -> list[Measurement]:
    """Realized performance (whole and per segment), CBPE estimates, and, when a realized rule
    breaks, the tracing rows `trace(metric)` gives."""
    whole = tallies.get(None)
    if config.ground_truth is None or whole is None or not whole.total:
        return []
    rows = performance.compute_baseline_measurements(reference.metrics)
    rows += performance.compute_performance_measurements(config, window, whole, reference.metrics, as_of)
    pending = performance.compute_labels_pending(config, window, whole.coverage, as_of) \
        or whole.labelled < config.performance.min_labels
    rows += estimation.compute_estimated_measurements(
        config, whole, counts.compute_score_bins(config, reference.profile), reference.calibrator,
        reference.metrics, pending)
    broken = {r.metric for r in rows if r.kind == "performance" and r.is_alert}
    traced = [m for m in config.performance.metrics if m in broken]
    if traced and reference.has_labels and trace is not None:
        rows += trace(traced[0])
    segments = sorted({k for k in [*tallies, *reference.tallies] if k is not None})
    sigmas = compute_segment_sigmas(config, len(segments))
    for key in segments:
        cur = tallies.get(key) or Tally(config.task)
        ref = reference.tallies.get(key) or Tally(config.task)
        seg_metrics = performance.compute_metrics(ref) if ref.labelled else {}
        seg = performance.compute_segment_judgement(performance.compute_performance_measurements(
            config, window, cur, seg_metrics, as_of, key), cur, ref, seg_metrics, sigmas)
        rows += _as_segment_rows(seg, min(cur.total, ref.total) < config.min_segment_rows)
    return rows


def load_tracing_rows(engine: Engine, config: ModelConfig, query: warehouse.Query,
                      reference: Reference, metric: str) -> list[Measurement]:
    """Slices of the window and of the baseline, counted in the warehouse, ranked by their
    contribution to the drop of `metric`."""
    current, names = counts.load_tallies(engine, config, query.select, reference.profile, tracing=True)
    if reference.slices is None:  # once per run of many windows, as the rest of the reference
        reference.slices, _ = counts.load_tallies(engine, config, reference.query.select, reference.profile,
                                                  tracing=True)
    return tracing.compute_tracing_rows(current, reference.slices, names, metric)


def compute_measurements(config: ModelConfig, window: Window, engine: Engine,
                         query: warehouse.Query, window_counts: Counts,
                         tallies: dict[str | None, Tally], reference: Reference, as_of: datetime,
                         suite: dict | None) -> list[Measurement]:
    """Every measurement of one window: checks, drift, performance."""
    return (compute_check_rows(config, engine, query, window_counts, reference.profile, suite)
            + compute_drift_rows(config, window_counts, reference.profile)
            + compute_performance_rows(
                config, window, tallies, reference, as_of,
                partial(load_tracing_rows, engine, config, query, reference)))


def run_window(config: ModelConfig, window: Window, *, engine: Engine | None = None,
               reference: Reference | None = None, run_id: str | None = None,
               as_of: datetime | None = None, write_reports: bool = True) -> WindowSummary:
    """Measure one window in the warehouse, replace its results in the store, write its report;
    never raises for broken rules (see WindowSummary.message), only for bad input or
    infrastructure. Only the report reads rows into Python: a seeded sample of each side."""
    as_of = as_of or datetime.now(UTC)
    run_id = run_id or compute_run_id()
    engine = engine or warehouse.create_warehouse_engine(config)
    suite = checks.load_suite(config)
    reference = reference or load_reference(engine, config, as_of)
    query = warehouse.compute_window_query(engine, config, window, as_of)
    window_counts = counts.load_window_counts(engine, config, query, reference.profile)
    tallies, _ = counts.load_tallies(engine, config, query.select, reference.profile)
    rows = compute_measurements(config, window, engine, query, window_counts, tallies, reference,
                                as_of, suite)
    if reference.profile.changed:
        counts.write_profile_calibration(config, reference.profile)
    status = report.compute_window_status(rows)
    page = report.compute_window_dir(config, window) / "index.html" if write_reports else None
    message = compute_failure_message(config.model, window, rows, page)
    store_file = store.replace_window(config.store_path, config.model, window, rows, run_id)
    row_count = window_counts.rows.get(None, 0)
    summary = WindowSummary(config.model, window, rows, message, status, store_file,
                            row_count=row_count)
    if write_reports:
        samples = load_report_samples(engine, config, query, reference) \
            if config.report.evidently and row_count \
            else None
        summary.report = write_window_reports(config, window, rows, window_counts,
                                              reference.profile, samples)
        summary.evidently = summary.report.parent / "evidently.html" if samples else None
    return summary


def load_report_samples(engine: Engine, config: ModelConfig, query: warehouse.Query,
                        reference: Reference) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Seeded samples of at most report.sample_size rows of the window and of the baseline, for
    the Evidently report (stored values never depend on them). The baseline's is kept beside
    its profile and read from there by later runs."""
    import pandas as pd

    size = config.report.sample_size
    current = frames.load_sample(engine, config, query, size)
    path = counts.compute_profile_dir(config) / f"{reference.profile.key}.sample-{size}.parquet"
    if path.exists():
        baseline = pd.read_parquet(path)
    else:
        baseline = frames.load_sample(engine, config, reference.query, size)
        store.replace_file(path, lambda tmp: baseline.to_parquet(tmp, index=False))
    return (current, baseline) if not current.empty and not baseline.empty else None


def write_stored_window_pages(config: ModelConfig, windows: list[Window], note: str) -> None:
    """Window pages from their stored rows (histograms and Evidently reports kept), then the
    model and home pages."""
    for window in windows:
        evidently = report.compute_window_dir(config, window) / "evidently.html"
        report.write_window_page(config, window,
                                 store.load_window_rows(config.store_path, config.model, window),
                                 note, evidently if evidently.exists() else None)
    if windows:
        write_model_pages(config)


def write_profiled_suite(config: ModelConfig, path: Path | None = None) -> dict:
    """Profile the baseline (and snapshot the predictions table's schema) into the GX suite."""
    path = path or config.suite_path
    if path is None:
        raise checks.ChecksError(f"model {config.model}: the config has no checks.suite to write")
    engine = warehouse.create_warehouse_engine(config)
    try:
        suite = checks.compute_suite(config, frames.load_baseline(engine, config).data,
                                     warehouse.load_table_columns(engine, config))
    finally:
        engine.dispose()
    checks.write_suite(path, suite)
    return suite


def write_window_reports(config: ModelConfig, window: Window, rows: list[Measurement],
                         window_counts: Counts, baseline: Profile,
                         samples: tuple[pd.DataFrame, pd.DataFrame] | None) -> Path:
    """The window's page (with histograms from the counts) and Evidently report (on the samples),
    the model page, the home page."""
    evidently = None
    total, base_total = window_counts.rows.get(None, 0), baseline.rows.get(None, 0)
    note = f"Stored values use all {total:,} window rows and {base_total:,} baseline rows."
    if samples is not None:
        current, reference = samples
        note += (f" The Evidently report uses seeded samples: {len(current):,} window rows and "
                 f"{len(reference):,} baseline rows (at most {config.report.sample_size:,} per side).")
        evidently = report.write_evidently_report(config, window, reference, current)
    page = report.write_window_page(config, window, rows, note, evidently,
                                    report.compute_histograms(config, baseline, window_counts))
    write_model_pages(config)
    return page


def write_model_pages(config: ModelConfig) -> None:
    """The model page from the store's trend file, and the home page over all models."""
    dashboard.write_model_page(config.reports_path, config.model,
                               store.load_trend(config.store_path, config.model))
    dashboard.write_home(config.reports_path)
