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
    dashboard,
    drift,
    estimation,
    performance,
    quality,
    report,
    store,
    tracing,
    warehouse,
)
from monitors.alerts import compute_failure_message
from monitors.config import ModelConfig
from monitors.measurement import Measurement
from monitors.window import Window

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

MIN_SEGMENT_ROWS = 30


@dataclass
class Reference:
    """The baseline, read once per run of many windows."""

    frame: pd.DataFrame
    metrics: dict[str, float | None]
    has_labels: bool
    calibrator: Any = None  # CBPE: scores -> P(label = 1), fitted on the labelled baseline


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
    return compute_reference(config, frame.data, frame.has_labels)


def compute_reference(config: ModelConfig, frame: pd.DataFrame, has_labels: bool) -> Reference:
    """The baseline's metrics and, for binary classification, its score calibration."""
    if not has_labels:
        return Reference(frame, {}, False)
    labelled = performance.compute_labelled(frame, config)
    calibrator = (estimation.compute_calibrator(labelled.score, labelled.y_true)
                  if config.task == "binary_classification" else None)
    return Reference(frame, performance.compute_metrics(config.task, labelled), True, calibrator)


def _segment_values(column: str, current: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    values = set(reference[column].dropna().astype(str)) if column in reference.columns else set()
    if column in current.columns:
        values |= set(current[column].dropna().astype(str))
    return sorted(values)


def compute_check_rows(config: ModelConfig, current: warehouse.Frame, reference: Reference,
                       suite: dict | None) -> list[Measurement]:
    """Schema and data quality: our own measurements, then the GX suite's."""
    rows = quality.compute_quality_measurements(config, current.data, reference.frame,
                                                current.missing_columns)
    if suite is not None:
        rows += checks.compute_schema_measurements(suite, current.columns)
    if suite is not None and not current.data.empty:
        rows += checks.compute_check_measurements(suite, current.data, config.model)
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


def _as_segment_rows(rows: list[Measurement], small: bool) -> list[Measurement]:
    """Segments are measured, not judged: their bounds need per-segment calibration (sample
    size), so they never alert; too small a segment is marked skipped."""
    return [Measurement(r.kind, r.metric, r.value, None,
                        "skipped" if small or r.status == "skipped" else "ok", r.column_name,
                        r.segment) for r in rows]


def compute_drift_rows(config: ModelConfig, current: pd.DataFrame, reference: Reference
                       ) -> list[Measurement]:
    p = config.predictions
    numerical = [*p.features.numerical, p.score]
    if current.empty:
        return [Measurement("drift", "drifted_share", None, config.drift.max_drifted_share, "skipped")]
    rows = drift.compute_drift_measurements(
        drift.compute_drift(reference.frame, current, numerical, p.features.categorical,
                            config.drift), config.drift, p.score)
    for column, label, cur, ref in _segments(config, current, reference.frame):
        categorical = [c for c in p.features.categorical if c != column]
        seg = drift.compute_drift_measurements(
            drift.compute_drift(ref, cur, numerical, categorical, config.drift), config.drift,
            p.score, label)
        rows += _as_segment_rows(seg, len(cur) < MIN_SEGMENT_ROWS or len(ref) < MIN_SEGMENT_ROWS)
    return rows


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
    for _column, label, cur, ref in _segments(config, current, reference.frame):
        seg_metrics = (performance.compute_metrics(config.task, performance.compute_labelled(ref, config))
                       if reference.has_labels else {})
        seg = performance.compute_performance_measurements(
            config, window, performance.compute_labelled(cur, config), seg_metrics, as_of, label)
        rows += _as_segment_rows(seg, len(cur) < MIN_SEGMENT_ROWS or len(ref) < MIN_SEGMENT_ROWS)
    return rows


def compute_measurements(config: ModelConfig, window: Window, current: warehouse.Frame,
                         reference: Reference, as_of: datetime, suite: dict | None
                         ) -> list[Measurement]:
    """Every measurement of one window, from plain frames: checks, drift, performance."""
    return (compute_check_rows(config, current, reference, suite)
            + compute_drift_rows(config, current.data, reference)
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
    current = warehouse.load_window(engine, config, window, as_of)
    rows = compute_measurements(config, window, current, reference, as_of, suite)
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
