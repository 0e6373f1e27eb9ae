"""The Airflow tasks: run_window's steps (run.window), each in its own process: extract, checks,
drift, performance, store, refresh, report, evaluate. The extract stages the window's counts,
tallies and, with report.evidently: always, the report's samples (storage.staging); each stage
returns a small JSON-able dict (for XCom). The same step functions as run_window, so both paths
store the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitors.checks.suites import load_suite
from monitors.compute.drift import compute_drift_rows
from monitors.config import ModelConfig
from monitors.core.counts import VolumeFacts
from monitors.core.errors import MonitorsError
from monitors.core.measurement import Measurement, compute_window_status
from monitors.core.window import Window
from monitors.reports.pages import compute_window_link
from monitors.reports.text import compute_broken_rules, compute_rule_text
from monitors.run import labels
from monitors.run.pages import write_stored_window_pages, write_window_reports
from monitors.run.reference import load_reference
from monitors.run.window import (
    load_check_rows,
    load_extract,
    load_performance_rows,
    load_window_message,
    load_window_samples,
)
from monitors.storage import baseline_cache, results, staging
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import load_window_query

STAGE_FILES = ("checks", "drift", "performance")


def _write_rows(config: ModelConfig, window: Window, name: str, rows: list[Measurement]) -> dict[str, int]:
    staging.write_staged_rows(config, window, name, rows)
    return {"rows": len(rows), "alerts": sum(r.is_alert for r in rows)}


def run_extract(config: ModelConfig, window: Window, *, url: str | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
    """Count the window in the warehouse (bins for drift and data quality, outcomes for
    performance) into the staging folder, with seeded samples for the report."""
    as_of = as_of or datetime.now(UTC)
    engine = create_warehouse_engine(config, url)
    try:
        baseline = load_reference(engine, config, as_of)
        extract = load_extract(engine, config, window, baseline, as_of, samples=True)
    finally:
        engine.dispose()
    query = extract.query
    meta = {"table": query.table, "missing_columns": query.missing_columns, "columns": query.columns,
            "as_of": as_of.isoformat(), "rows": extract.rows, "profile": baseline.reference.profile.key,
            "trailing": extract.volume.trailing,
            "newest": extract.volume.newest.isoformat() if extract.volume.newest else None}
    folder = staging.replace_staging(config, window, extract.counts, extract.tallies, extract.samples,
                                     meta)
    return {"staging": str(folder), "rows": extract.rows, "as_of": meta["as_of"]}


def run_checks(config: ModelConfig, window: Window, *, url: str | None = None) -> dict[str, int]:
    """Our data-quality shares from the staged counts; the GX suite validated in the warehouse
    on the window's query (as of the extract)."""
    meta = staging.load_meta(config, window)
    engine = create_warehouse_engine(config, url)
    try:
        query = load_window_query(engine, config, window, datetime.fromisoformat(meta["as_of"]))
        volume = VolumeFacts(meta["trailing"],
                             datetime.fromisoformat(meta["newest"]) if meta["newest"] else None)
        rows = load_check_rows(engine, config, window, query, staging.load_staged_counts(config, window),
                               volume, baseline_cache.load_profile_by_key(config, meta["profile"]),
                               load_suite(config))
    finally:
        engine.dispose()
    return _write_rows(config, window, "checks", rows)


def run_drift(config: ModelConfig, window: Window) -> dict[str, int]:
    """Drift from the staged counts (no frame is read); the profile keeps any new calibration."""
    profile = baseline_cache.load_profile_by_key(config, staging.load_meta(config, window)["profile"])
    rows = compute_drift_rows(config, staging.load_staged_counts(config, window), profile)
    if profile.changed:
        baseline_cache.write_profile_calibration(config, profile)
    return _write_rows(config, window, "drift", rows)


def run_performance(config: ModelConfig, window: Window, *, url: str | None = None
                    ) -> dict[str, int]:
    """Performance from the staged tallies against the baseline's; tracing, when a rule breaks,
    counts slices in the warehouse."""
    as_of = datetime.fromisoformat(staging.load_meta(config, window)["as_of"])
    engine = create_warehouse_engine(config, url)
    try:
        baseline = load_reference(engine, config, as_of)
        query = load_window_query(engine, config, window, as_of)
        rows = load_performance_rows(engine, config, window, query,
                                     staging.load_staged_tallies(config, window), baseline, as_of)
    finally:
        engine.dispose()
    return _write_rows(config, window, "performance", rows)


def run_store(config: ModelConfig, window: Window, run_id: str) -> dict[str, Any]:
    """Replace the window's results with the stages' rows, atomically; what was stored, as the
    extra of the model's asset event: the window, its status, its broken rules, its page."""
    rows = [row for name in STAGE_FILES for row in staging.load_staged_rows(config, window, name)]
    path = results.replace_window(config.store_path, config.model, window, rows, run_id)
    return {"file": str(path), "rows": len(rows), "alerts": sum(r.is_alert for r in rows),
            "model": config.model, "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(), "status": compute_window_status(rows),
            "broken": [compute_rule_text(r) for r in compute_broken_rules(rows)],
            "report": compute_window_link(config, window)}


def run_refresh(config: ModelConfig, window: Window, run_id: str, *, url: str | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
    """Recompute the realized performance of earlier windows whose labels are still arriving;
    `message` names the rules the new labels broke (the task fails with it, as evaluate does)."""
    as_of = as_of or datetime.now(UTC)
    if config.ground_truth is None:
        return {"refreshed": 0, "windows": [], "message": None}
    engine = create_warehouse_engine(config, url)
    try:
        baseline = load_reference(engine, config, as_of)
        refreshed = labels.run_refresh_maturing(config, engine, baseline, as_of, run_id, skip={window})
    finally:
        engine.dispose()
    write_stored_window_pages(config, [r.window for r in refreshed], labels.REFRESHED_NOTE)
    messages = [r.message for r in refreshed if r.message]
    return {"refreshed": len(refreshed), "windows": [r.window.key for r in refreshed],
            "message": "\n\n".join(messages) if messages else None}


def run_report(config: ModelConfig, window: Window, *, url: str | None = None) -> dict[str, Any]:
    """The window's pages from its stored rows, staged counts and samples (report.evidently:
    always), or samples read now when the window broke a rule (alerts); then the staging goes."""
    meta = staging.load_meta(config, window)
    rows = results.load_window_rows(config.store_path, config.model, window)
    samples = staging.load_staged_samples(config, window)
    staged = config.report.evidently == "always"  # the extract staged them (or found none)
    wanted = config.report.compute_wants_evidently(compute_window_status(rows) == "alert")
    if not staged and wanted and meta["rows"]:
        engine = create_warehouse_engine(config, url)
        try:
            samples = load_window_samples(engine, config, window, datetime.fromisoformat(meta["as_of"]))
        finally:
            engine.dispose()
    page = write_window_reports(config, window, rows, staging.load_staged_counts(config, window),
                                baseline_cache.load_profile_by_key(config, meta["profile"]), samples)
    staging.delete_staging(config, window)
    return {"report": str(page)}


def run_evaluate(config: ModelConfig, window: Window) -> str | None:
    """The failure message for the stored window (None when no rule broke)."""
    rows = results.load_window_rows(config.store_path, config.model, window)
    if not rows:
        raise MonitorsError(f"model {config.model}: no stored results for window {window}")
    return load_window_message(config, window, rows)
