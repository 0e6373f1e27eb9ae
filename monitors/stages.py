"""The pipeline split into stages that run as separate processes (the Airflow tasks): extract,
checks, drift, performance, store, report, evaluate. The extract stages the window's counts and
outcome tallies (JSON) and the report's samples (Parquet) in a folder beside the store; each
stage returns a small JSON-able dict (for XCom).
The measurements are the same functions run_window uses, so both paths store the same rows.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from monitors import checks, counts, maturity, pipeline, report, store, warehouse
from monitors.alerts import compute_failure_message
from monitors.config import ModelConfig
from monitors.errors import MonitorsError
from monitors.measurement import Measurement
from monitors.window import Window

STAGE_FILES = ("checks", "drift", "performance")


def compute_staging_dir(config: ModelConfig, window: Window) -> Path:
    return store.compute_data_dir(config.store_path) / "staging" / config.model / window.key


def _meta(staging: Path) -> dict[str, Any]:
    try:
        return json.loads((staging / "meta.json").read_text())
    except FileNotFoundError:
        raise MonitorsError(f"staging folder {staging} has no extract; rerun the extract task") from None


def _write_rows(staging: Path, name: str, rows: list[Measurement]) -> dict[str, int]:
    report.write_text(staging / f"{name}.json", json.dumps([r.__dict__ for r in rows]))
    return {"rows": len(rows), "alerts": sum(r.is_alert for r in rows)}


def _read_rows(staging: Path, name: str) -> list[Measurement]:
    return [Measurement(**item) for item in json.loads((staging / f"{name}.json").read_text())]


def run_extract(config: ModelConfig, window: Window, *, url: str | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
    """Count the window in the warehouse (bins for drift and data quality, outcomes for
    performance) into the staging folder, with seeded samples for the report."""
    as_of = as_of or datetime.now(UTC)
    staging = compute_staging_dir(config, window)
    if staging.exists():
        shutil.rmtree(staging)  # a retry or a rerun starts clean
    staging.mkdir(parents=True)
    engine = warehouse.create_warehouse_engine(config, url)
    try:
        reference = pipeline.load_reference(engine, config, as_of)
        query = warehouse.compute_window_query(engine, config, window, as_of)
        window_counts = counts.load_window_counts(engine, config, query, reference.profile)
        tallies, _ = counts.load_tallies(engine, config, query.select, reference.profile)
        rows = window_counts.rows.get(None, 0)
        samples = pipeline.load_report_samples(engine, config, query, reference) \
            if config.report.evidently and rows else None
    finally:
        engine.dispose()
    counts.write_counts_file(staging / "counts.json", window_counts)
    counts.write_tallies_file(staging / "tallies.json", tallies)
    if samples is not None:
        samples[0].to_parquet(staging / "current_sample.parquet", index=False)
        samples[1].to_parquet(staging / "reference_sample.parquet", index=False)
    meta = {"table": query.table, "missing_columns": query.missing_columns,
            "columns": query.columns, "as_of": as_of.isoformat(), "rows": rows,
            "profile": reference.profile.key}
    report.write_text(staging / "meta.json", json.dumps(meta))
    return {"staging": str(staging), "rows": rows, "as_of": meta["as_of"]}


def run_checks(config: ModelConfig, window: Window, *, url: str | None = None) -> dict[str, int]:
    """Our data-quality shares from the staged counts; the GX suite validated in the warehouse
    on the window's query (as of the extract)."""
    staging = compute_staging_dir(config, window)
    meta = _meta(staging)
    engine = warehouse.create_warehouse_engine(config, url)
    try:
        query = warehouse.compute_window_query(engine, config, window,
                                               datetime.fromisoformat(meta["as_of"]))
        rows = pipeline.compute_check_rows(config, engine, query,
                                           counts.load_counts_file(staging / "counts.json"),
                                           counts.load_profile_by_key(config, meta["profile"]),
                                           checks.load_suite(config))
    finally:
        engine.dispose()
    return _write_rows(staging, "checks", rows)


def run_drift(config: ModelConfig, window: Window) -> dict[str, int]:
    """Drift from the staged counts (no frame is read); the profile keeps any new calibration."""
    staging = compute_staging_dir(config, window)
    baseline = counts.load_profile_by_key(config, _meta(staging)["profile"])
    rows = pipeline.compute_drift_rows(config, counts.load_counts_file(staging / "counts.json"),
                                       baseline)
    if baseline.changed:
        counts.write_profile_calibration(config, baseline)
    return _write_rows(staging, "drift", rows)


def run_performance(config: ModelConfig, window: Window, *, url: str | None = None
                    ) -> dict[str, int]:
    """Performance from the staged tallies against the baseline's; tracing, when a rule breaks,
    counts slices in the warehouse."""
    staging = compute_staging_dir(config, window)
    meta = _meta(staging)
    as_of = datetime.fromisoformat(meta["as_of"])
    engine = warehouse.create_warehouse_engine(config, url)
    try:
        reference = pipeline.load_reference(engine, config, as_of)
        query = warehouse.compute_window_query(engine, config, window, as_of)
        rows = pipeline.compute_performance_rows(
            config, window, counts.load_tallies_file(staging / "tallies.json"), reference, as_of,
            partial(pipeline.load_tracing_rows, engine, config, query, reference))
    finally:
        engine.dispose()
    return _write_rows(staging, "performance", rows)


def run_store(config: ModelConfig, window: Window, run_id: str) -> dict[str, Any]:
    """Replace the window's results with the stages' rows, atomically."""
    staging = compute_staging_dir(config, window)
    rows = [row for name in STAGE_FILES for row in _read_rows(staging, name)]
    path = store.replace_window(config.store_path, config.model, window, rows, run_id)
    return {"file": str(path), "rows": len(rows), "alerts": sum(r.is_alert for r in rows)}


def run_refresh(config: ModelConfig, window: Window, run_id: str, *, url: str | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
    """Recompute the realized performance of earlier windows whose labels are still arriving."""
    as_of = as_of or datetime.now(UTC)
    if config.ground_truth is None:
        return {"refreshed": 0}
    engine = warehouse.create_warehouse_engine(config, url)
    try:
        reference = pipeline.load_reference(engine, config, as_of)
        refreshed = maturity.refresh_maturing(config, engine, reference, as_of, run_id, skip={window})
    finally:
        engine.dispose()
    pipeline.write_stored_window_pages(config, refreshed, maturity.REFRESHED_NOTE)
    return {"refreshed": len(refreshed), "windows": [w.key for w in refreshed]}


def run_report(config: ModelConfig, window: Window) -> dict[str, Any]:
    """The window's pages from its stored rows, staged counts and samples; then the staging
    goes."""
    import pandas as pd

    staging = compute_staging_dir(config, window)
    meta = _meta(staging)
    samples = None
    if (staging / "current_sample.parquet").exists():
        samples = (pd.read_parquet(staging / "current_sample.parquet"),
                   pd.read_parquet(staging / "reference_sample.parquet"))
    rows = store.load_window_rows(config.store_path, config.model, window)
    page = pipeline.write_window_reports(config, window, rows,
                                         counts.load_counts_file(staging / "counts.json"),
                                         counts.load_profile_by_key(config, meta["profile"]), samples)
    shutil.rmtree(staging, ignore_errors=True)
    return {"report": str(page)}


def run_evaluate(config: ModelConfig, window: Window) -> str | None:
    """The failure message for the stored window (None when no rule broke)."""
    rows = store.load_window_rows(config.store_path, config.model, window)
    if not rows:
        raise MonitorsError(f"model {config.model}: no stored results for window {window}")
    page = report.compute_window_dir(config, window) / "index.html"
    return compute_failure_message(config.model, window, rows, page)
