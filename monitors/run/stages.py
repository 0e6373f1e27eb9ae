"""The Airflow tasks' work. `measure` does a window in one process, as `monitors run` does
(run_window: extract, checks, drift, performance, store, the window's page), then refreshes
earlier windows' late labels; it says which parts broke a rule, so the DAG runs a failing task
per part (checks, drift, performance) only for a window that broke one, a `report` task after
them only when the window wants its Evidently report (report.evidently) or its page failed, and
a late-labels task only when new labels broke a rule. One process per window when nothing is
wrong; each stage returns a small JSON-able dict (for XCom)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitors.config import ModelConfig
from monitors.core.errors import MonitorsError
from monitors.core.kinds import PARTS
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.pages import compute_window_link
from monitors.reports.text import compute_broken_rules, compute_rule_text
from monitors.run import labels
from monitors.run.pages import write_stored_window_pages
from monitors.run.reference import load_reference
from monitors.run.report import ReportJob, run_evidently_report
from monitors.run.window import load_window_message, run_window
from monitors.storage import results
from monitors.warehouse.engine import create_warehouse_engine


def broken_parts(rows: list[Measurement]) -> list[str]:
    """The parts (PARTS) whose rules the window broke, in PARTS' order."""
    kinds = {r.kind for r in rows if r.is_alert}
    return [part for part, part_kinds in PARTS.items() if kinds & set(part_kinds)]


def run_measure(config: ModelConfig, window: Window, run_id: str, *, url: str | None = None,
                as_of: datetime | None = None) -> dict[str, Any]:
    """Measure and store the window and write its page (the page's failure loses nothing: the
    rows are stored first), then recompute earlier windows' realized performance with labels
    that arrived since. Returns the asset event's extra (window, status, broken rules, page),
    the broken parts, the page's error, the Evidently report's job (None when the window wants
    none) and the late labels' message (None when nothing to say)."""
    as_of = as_of or datetime.now(UTC)
    engine = create_warehouse_engine(config, url)
    try:
        baseline = load_reference(engine, config, as_of)
        summary = run_window(config, window, engine=engine, baseline=baseline, run_id=run_id, as_of=as_of)
        refreshed = labels.run_refresh_maturing(config, engine, baseline, as_of, run_id, skip={window}) \
            if config.ground_truth is not None else []
    finally:
        engine.dispose()
    report_error = summary.report_error
    try:
        write_stored_window_pages(config, [r.window for r in refreshed], labels.REFRESHED_NOTE)
    except Exception as exc:  # the rows are stored; `report` runs (this window's pages, logged
        # error) and the next run or `monitors report` rebuilds the refreshed windows' pages
        report_error = report_error or f"model {config.model}: refreshed pages failed: {exc}"
    late = [r.message for r in refreshed if r.message]
    return {"model": config.model, "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(), "status": summary.status, "rows": summary.row_count,
            "broken": [compute_rule_text(r) for r in compute_broken_rules(summary.rows)],
            "report": compute_window_link(config, window), "parts": broken_parts(summary.rows),
            "report_error": report_error, "late_labels": "\n\n".join(late) if late else None,
            "refreshed": [r.window.key for r in refreshed],
            "report_job": None if summary.report_job is None else {
                "profile_key": summary.report_job.profile_key, "window_rows": summary.report_job.window_rows,
                "baseline_rows": summary.report_job.baseline_rows, "as_of": as_of.isoformat()}}


def run_part(config: ModelConfig, window: Window, part: str) -> str | None:
    """The stored window's failure message (every broken rule, NEW or ONGOING, the page) when
    `part` broke a rule; None when it broke none."""
    rows = results.load_window_rows(config.store_path, config.model, window)
    if not rows:
        raise MonitorsError(f"model {config.model}: no stored results for window {window}")
    if part not in broken_parts(rows):
        return None
    return load_window_message(config, window, rows)


def run_report(config: ModelConfig, window: Window, job: dict[str, Any] | None = None, *,
               rebuild: bool = True, url: str | None = None, as_of: datetime | None = None
               ) -> dict[str, Any]:
    """After `measure` stored the window: its Evidently report from samples read now when
    report.evidently wants one (`job`: what `measure` returned of it, else found again), then,
    with `rebuild` (its pages failed in `measure`), its pages again from the stored rows."""
    rows = results.load_window_rows(config.store_path, config.model, window)
    if not rows:
        raise MonitorsError(f"model {config.model}: no stored results for window {window}")
    at = datetime.fromisoformat(job["as_of"]) if job else as_of or datetime.now(UTC)
    if job is not None or config.report.compute_wants_evidently(any(r.is_alert for r in rows)):
        report_job = None if job is None else ReportJob(window, at, job["profile_key"], job["window_rows"],
                                                        job["baseline_rows"])
        run_evidently_report(config, report_job, window, at, url)
    if rebuild:
        write_stored_window_pages(config, [window], "Rebuilt from the store after the report failed.")
    return {"report": compute_window_link(config, window)}
