"""Glue: run_window(config, window, ...) -> WindowSummary, the one entry point the CLI and the
Airflow tasks call. Stages pass plain values; only warehouse, store and report touch the world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors import (
    checks,
    counts,
    dashboard,
    drift,
    estimation,
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
from monitors.profile import Profile
from monitors.window import Window

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


@dataclass
class Reference:
    """The baseline, read once per run of many windows."""

    frame: pd.DataFrame
    metrics: dict[str, float | None]
    has_labels: bool
    calibrator: Any = None  # CBPE: scores -> P(label = 1), fitted on the labelled baseline
    profile: Profile | None = None  # drift and data quality: counted in the warehouse


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
    frame = warehouse.load_baseline(engine, config, as_of)
    return compute_reference(config, frame.data, frame.has_labels,
                             counts.load_baseline_profile(engine, config))


def compute_reference(config: ModelConfig, frame: pd.DataFrame, has_labels: bool,
                      profile: Profile | None = None) -> Reference:
    """The baseline's metrics and, for binary classification, its score calibration."""
    if not has_labels:
        return Reference(frame, {}, False, profile=profile)
    labelled = performance.compute_labelled(frame, config)
    calibrator = (estimation.compute_calibrator(labelled.score, labelled.y_true)
                  if config.task == "binary_classification" else None)
    return Reference(frame, performance.compute_metrics(config.task, labelled), True, calibrator,
                     profile)


def _segment_values(column: str, current: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    values = set(reference[column].dropna().astype(str)) if column in reference.columns else set()
    if column in current.columns:
        values |= set(current[column].dropna().astype(str))
    return sorted(values)


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


def _segments(config: ModelConfig, current: pd.DataFrame, reference: pd.DataFrame
              ) -> list[tuple[str, str, pd.DataFrame, pd.DataFrame]]:
    out = []
    for column in config.segments:
        for value in _segment_values(column, current, reference):
            cur = current[current[column].astype(str) == value] if column in current.columns \
                else current[:0]
            ref = reference[reference[column].astype(str) == value]
            out.append((column, f"{column}={value}", cur, ref))
    return out


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


def compute_performance_rows(config: ModelConfig, window: Window, current: pd.DataFrame,
                             reference: Reference, as_of: datetime) -> list[Measurement]:
    if config.ground_truth is None or current.empty:
        return []
    rows = performance.compute_baseline_measurements(reference.metrics)
    labelled = performance.compute_labelled(current, config)
    rows += performance.compute_performance_measurements(config, window, labelled, reference.metrics, as_of)
    pending = performance.compute_labels_pending(config, window, labelled.coverage, as_of) \
        or len(labelled.y_true) < config.performance.min_labels
    rows += estimation.compute_estimated_measurements(config, current, reference.calibrator,
                                                      reference.metrics, pending)
    broken = {r.metric for r in rows if r.kind == "performance" and r.is_alert}
    traced = [m for m in config.performance.metrics if m in broken]
    if traced and reference.has_labels:
        rows += tracing.compute_tracing_rows(config, current, reference.frame, traced[0])
    segments = _segments(config, current, reference.frame)
    sigmas = compute_segment_sigmas(config, len(segments))
    for _column, label, cur, ref in segments:
        ref_labelled = performance.compute_labelled(ref, config)
        seg_metrics = performance.compute_metrics(config.task, ref_labelled) if reference.has_labels else {}
        seg_labelled = performance.compute_labelled(cur, config)
        seg = performance.compute_segment_judgement(config.task, performance.compute_performance_measurements(
            config, window, seg_labelled, seg_metrics, as_of, label), seg_labelled, ref_labelled, seg_metrics,
            sigmas)
        small = min(len(cur), len(ref)) < config.min_segment_rows
        rows += _as_segment_rows(seg, small)
    return rows


def compute_measurements(config: ModelConfig, window: Window, engine: Engine,
                         query: warehouse.Query, current: warehouse.Frame, window_counts: Counts,
                         reference: Reference, as_of: datetime, suite: dict | None
                         ) -> list[Measurement]:
    """Every measurement of one window: checks, drift, performance."""
    assert reference.profile is not None
    return (compute_check_rows(config, engine, query, window_counts, reference.profile, suite)
            + compute_drift_rows(config, window_counts, reference.profile)
            + compute_performance_rows(config, window, current.data, reference, as_of))


def run_window(config: ModelConfig, window: Window, *, engine: Engine | None = None,
               reference: Reference | None = None, run_id: str | None = None,
               as_of: datetime | None = None, write_reports: bool = True) -> WindowSummary:
    """Measure one window, replace its results in the store, write its report; never raises for
    broken rules (see WindowSummary.message), only for bad input or infrastructure."""
    as_of = as_of or datetime.now(UTC)
    run_id = run_id or compute_run_id()
    engine = engine or warehouse.create_warehouse_engine(config)
    suite = checks.load_suite(config)
    reference = reference or load_reference(engine, config, as_of)
    query = warehouse.compute_window_query(engine, config, window, as_of)
    current = warehouse.load_query(engine, config, query)
    assert reference.profile is not None
    window_counts = counts.load_window_counts(engine, config, query, reference.profile, current.data)
    rows = compute_measurements(config, window, engine, query, current, window_counts, reference,
                                as_of, suite)
    if reference.profile.changed:
        counts.write_profile_calibration(config, reference.profile)
    status = report.compute_window_status(rows)
    page = report.compute_window_dir(config, window) / "index.html" if write_reports else None
    message = compute_failure_message(config.model, window, rows, page)
    store_file = store.replace_window(config.store_path, config.model, window, rows, run_id)
    summary = WindowSummary(config.model, window, rows, message, status, store_file,
                            row_count=len(current.data))
    if write_reports:
        summary.report = write_window_reports(config, window, rows, current.data, reference.frame)
        summary.evidently = summary.report.parent / "evidently.html" if config.report.evidently \
            and not current.data.empty else None
    return summary


REFRESHED_NOTE = "Performance refreshed with labels that arrived since the window ran."
PERFORMANCE_KINDS = {"performance", "baseline_performance", "estimated_performance", "tracing"}


def compute_maturing(config: ModelConfig, windows: list[Window], as_of: datetime) -> list[Window]:
    """Stored windows whose labels may still arrive: younger than max_delay, plus one window
    length so the first run after a window matures records its final state."""
    if config.ground_truth is None:
        return []
    delay = config.ground_truth.max_delay
    return [w for w in windows if w.end <= as_of < w.end + delay + (w.end - w.start)]


def refresh_maturing(config: ModelConfig, engine: Engine, reference: Reference, as_of: datetime,
                     run_id: str, skip: set[Window] | None = None) -> list[Window]:
    """Recompute the realized performance of maturing windows with the labels that arrived since,
    replacing only their performance rows; late labels are picked up without reruns."""
    refreshed = []
    for window in compute_maturing(config, store.load_windows(config.store_path, config.model), as_of):
        if skip and window in skip:
            continue
        current = warehouse.load_window(engine, config, window, as_of)
        rows = compute_performance_rows(config, window, current.data, reference, as_of)
        if store.replace_rows(config.store_path, config.model, window, PERFORMANCE_KINDS, rows, run_id):
            refreshed.append(window)
    return refreshed


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
        suite = checks.compute_suite(config, warehouse.load_baseline(engine, config).data,
                                     warehouse.load_table_columns(engine, config))
    finally:
        engine.dispose()
    checks.write_suite(path, suite)
    return suite


def write_window_reports(config: ModelConfig, window: Window, rows: list[Measurement],
                         current: pd.DataFrame, reference: pd.DataFrame) -> Path:
    """The window's page (with histograms) and Evidently report, the model page, the home page."""
    evidently = None
    size = config.report.sample_size
    note = (f"Stored values use all {len(current):,} window rows and {len(reference):,} baseline "
            f"rows; the Evidently report uses a seeded sample of at most {size:,} rows per side.")
    if config.report.evidently and not current.empty and not reference.empty:
        evidently = report.write_evidently_report(config, window, reference, current)
    page = report.write_window_page(config, window, rows, note, evidently,
                                    report.compute_histograms(config, current, reference))
    write_model_pages(config)
    return page


def write_model_pages(config: ModelConfig) -> None:
    """The model page from the store's trend file, and the home page over all models."""
    dashboard.write_model_page(config.reports_path, config.model,
                               store.load_trend(config.store_path, config.model))
    dashboard.write_home(config.reports_path)
