"""run_window(config, window, ...) -> WindowSummary: the one sequence that measures a window
(extract, measure, store, its page), which the CLI calls and the Airflow stages split into tasks
step by step. Its Evidently report follows, once the window is stored and its alert raised
(run.report: the only part that reads rows into Python, a seeded sample of each side)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitors.checks.results import schema_measurements
from monitors.checks.suites import load_suite
from monitors.checks.warehouse import load_warehouse_check_measurements, window_sql
from monitors.compute.drift import compute_drift_rows
from monitors.compute.measure import compute_performance_rows
from monitors.compute.quality import compute_quality_measurements
from monitors.compute.series import compute_coverage_bound
from monitors.compute.tracing import compute_tracing_rows
from monitors.config import ModelConfig
from monitors.core.counts import Counts, VolumeFacts
from monitors.core.kinds import Kind
from monitors.core.location import Location
from monitors.core.measurement import Measurement, compute_status, compute_window_status
from monitors.core.profile import Profile
from monitors.core.tallies import Tally
from monitors.core.window import Window, compute_zone
from monitors.reports.pages import compute_window_link
from monitors.reports.text import compute_failure_message
from monitors.run.beside import ChecksBeside, load_beside_rows
from monitors.run.custom import load_custom_rows
from monitors.run.loss_estimation import load_loss_estimates
from monitors.run.multivariate import load_multivariate_rows
from monitors.run.pages import write_window_reports
from monitors.run.previous import load_previous_drift_rows
from monitors.run.reference import Baseline, load_reference, write_calibration
from monitors.run.report import ReportJob
from monitors.run.series import load_series_rows
from monitors.storage import results
from monitors.warehouse.counts import load_window_counts
from monitors.warehouse.engine import create_warehouse_engine, query_errors
from monitors.warehouse.outcomes import load_tallies
from monitors.warehouse.queries import Query, load_window_query
from monitors.warehouse.volume import load_coverage_history, load_volume_facts

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from monitors.warehouse.engine import Engine


@dataclass
class WindowSummary:
    model: str
    window: Window
    rows: list[Measurement]
    status: str
    store_file: Location
    report: Location | None = None
    row_count: int = 0
    report_error: str | None = None  # the report failed; the rows are stored
    report_job: ReportJob | None = None  # its Evidently report, to render now that it is stored

    @property
    def broken(self) -> list[Measurement]:
        return [r for r in self.rows if r.is_alert]


@dataclass
class Extract:
    """What the warehouse counts of a window: its query, slot counts, outcome tallies and volume."""

    query: Query
    counts: Counts
    tallies: dict[str | None, Tally]
    volume: VolumeFacts

    @property
    def rows(self) -> int:
        return self.counts.rows.get(None, 0)


def create_run_id(prefix: str = "cli") -> str:
    return f"{prefix}__{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S')}__{uuid.uuid4().hex[:6]}"


def load_extract(engine: Engine, config: ModelConfig, window: Window, query: Query, baseline: Baseline
                 ) -> Extract:
    """The window (its query) counted in the warehouse."""
    profile = baseline.reference.profile
    return Extract(query, load_window_counts(engine, config, query, profile),
                   load_tallies(engine, config, query.select, profile)[0],
                   load_volume_facts(engine, config, window, query, baseline.volume))


def load_check_rows(engine: Engine, config: ModelConfig, window: Window, extract: Extract, profile: Profile,
                    suite: dict | None, gx: Future[list[Measurement]] | None = None) -> list[Measurement]:
    """Schema and data quality: our own measurements from the counts and the volume facts, then
    the GX suite's, validated in the warehouse on the window's query (here, or by `gx`: the
    same validation beside this process, run.beside)."""
    query = extract.query
    rows = compute_quality_measurements(config, extract.counts, profile, query.missing_columns, window,
                                        extract.volume)
    if suite is not None:
        rows += schema_measurements(suite, query.columns)
    if suite is not None and extract.rows:
        found = load_beside_rows(gx, config.model, window) if gx is not None else None
        rows += found if found is not None else \
            load_warehouse_check_measurements(suite, engine, query.select, config.model)
    return rows


def load_tracing_rows(engine: Engine, config: ModelConfig, query: Query, baseline: Baseline,
                      metric: str) -> list[Measurement]:
    """Slices of the window and of the baseline, counted in the warehouse, ranked by their
    contribution to the drop of `metric` (the baseline's slices once per run)."""
    profile = baseline.reference.profile
    current, names = load_tallies(engine, config, query.select, profile, tracing=True)
    if baseline.slices is None:
        baseline.slices, _ = load_tallies(engine, config, baseline.query.select, profile, tracing=True)
    return compute_tracing_rows(current, baseline.slices, names, metric)


def load_performance_rows(engine: Engine, config: ModelConfig, window: Window, query: Query,
                          tallies: dict[str | None, Tally], baseline: Baseline, as_of: datetime
                          ) -> list[Measurement]:
    """Performance from the window's tallies (a regression's estimates from a sample of its rows);
    tracing queries the warehouse when a rule breaks (optional: if it fails, the window keeps
    its rows and a skipped `<metric>_tracing` row)."""
    def trace(metric: str) -> list[Measurement]:
        try:
            return load_tracing_rows(engine, config, query, baseline, metric)
        except Exception as exc:  # an optional part never loses the window
            log.warning("model %s, window %s: tracing failed, rows kept without it: %s",
                        config.model, window, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return [Measurement(Kind.TRACING, f"{metric}_tracing", None, None, "skipped")]

    whole = tallies.get(None)
    losses = load_loss_estimates(engine, config, query, baseline.loss,
                                 {key: tally.total for key, tally in tallies.items()})
    rows = compute_performance_rows(config, window, tallies, baseline.reference, as_of, trace, losses)
    return load_coverage_season(engine, config, window, rows, whole.total if whole else 0, as_of)


def load_coverage_season(engine: Engine, config: ModelConfig, window: Window, rows: list[Measurement],
                         total: int, as_of: datetime) -> list[Measurement]:
    """label_coverage at maturity by the same rules as volume: when it breaks min_label_coverage,
    the season's earlier mature windows (counted in the warehouse) may lower the bound to the
    bottom of their expected range (compute.series.compute_coverage_bound)."""
    at = next((i for i, r in enumerate(rows) if r.kind == Kind.PERFORMANCE and r.metric == "label_coverage"
               and r.segment is None and r.is_alert), None)
    if at is None or config.volume.seasonality == "none" or rows[at].threshold is None:
        return rows
    zone = compute_zone(config.timezone)
    history = [(s.astimezone(zone), n, k) for s, n, k in load_coverage_history(engine, config, window, as_of)]
    row = rows[at]
    bound, season, learned = compute_coverage_bound(
        config.volume, row.threshold or 0.0, history, window.start.astimezone(zone),
        (window.end - window.start).total_seconds() / 3600, total)
    if season is None:
        return rows
    judged = replace(row, threshold=bound, status=compute_status("label_coverage", row.value, bound))
    season_row = Measurement(Kind.EXPECTED, "label_coverage_season", float(learned),
                             float(config.volume.season_windows), "ok", season)
    return [*rows[:at], judged, *rows[at + 1:], season_row]


def load_window_message(config: ModelConfig, window: Window, rows: list[Measurement] | None = None,
                        with_report: bool = True) -> str | None:
    """The failure message of a stored window (None when no rule broke): each broken rule, NEW
    or ONGOING since when (from the stored results), the alerts it resolved, the report."""
    rows = rows if rows is not None else results.load_window_rows(config.store_path, config.model, window)
    if not any(r.is_alert for r in rows):
        return None
    lifecycle = results.load_window_lifecycle(config.store_path, config.model, window)
    page = compute_window_link(config, window) if with_report else None
    return compute_failure_message(config.model, window, rows, page, lifecycle)


def run_window(config: ModelConfig, window: Window, *, engine: Engine | None = None,
               baseline: Baseline | None = None, run_id: str | None = None,
               as_of: datetime | None = None, write_reports: bool = True,
               beside: ChecksBeside | None = None, model_pages: bool = True) -> WindowSummary:
    """Measure one window in the warehouse, replace its results in the store, write its page (and
    say, in `report_job`, whether its Evidently report is wanted: the caller renders it after);
    never raises for broken rules (see WindowSummary.broken, and load_window_message once the
    run's windows are stored), only for bad input or infrastructure. With `beside`, the GX
    suite is validated in that process while this one measures drift and performance.
    `model_pages` False: the caller writes the month, model and home pages once after its
    windows (run.batch)."""
    as_of = as_of or datetime.now(UTC)
    run_id = run_id or create_run_id()
    engine = engine or create_warehouse_engine(config)
    suite = load_suite(config)
    baseline = baseline or load_reference(engine, config, as_of)
    profile = baseline.reference.profile
    measuring = f"measuring window {window} of table {config.predictions.table!r}"
    with query_errors(engine, config.model, measuring):
        query = load_window_query(engine, config, window, as_of)
        gx = None  # the suite's validation beside starts now, while this process counts the window
        if beside is not None and suite is not None and not query.empty:
            gx = beside.submit(config, window, window_sql(engine, query.select), suite)
        extract = load_extract(engine, config, window, query, baseline)
        drift, calibration = compute_drift_rows(config.drift, extract.counts, profile,
                                                config.predictions.outputs, config.min_segment_rows)
        measured = (drift + load_previous_drift_rows(engine, config, window, extract.counts, baseline)
                    + load_multivariate_rows(engine, config, extract.query, baseline.pca)
                    + load_performance_rows(engine, config, window, extract.query, extract.tallies,
                                            baseline, as_of)
                    + load_custom_rows(engine, config, window, extract.query, extract.tallies, baseline,
                                       as_of))
        rows = load_check_rows(engine, config, window, extract, profile, suite, gx) + measured
        rows += load_series_rows(config, window, rows)
    write_calibration(config, baseline, calibration)
    store_file = results.replace_window(config.store_path, config.model, window, rows, run_id)
    summary = WindowSummary(config.model, window, rows, compute_window_status(rows), store_file,
                            row_count=extract.rows)
    if config.report.compute_wants_evidently(summary.status == "alert") and extract.rows:
        summary.report_job = ReportJob(window, as_of, profile.key, extract.rows, profile.rows.get(None, 0))
    if write_reports:  # after the rows are stored: a failing report loses no window
        try:
            summary.report = write_window_reports(config, window, rows, extract.counts, profile,
                                                  pending=summary.report_job is not None,
                                                  model_pages=model_pages)
        except Exception as exc:  # reported by the caller: the rows are stored
            detail = str(exc).splitlines()[0] if str(exc) else ""
            summary.report_error = (f"model {config.model}, window {window}: the report failed (the "
                                    f"results are stored): {type(exc).__name__}: {detail}")
    return summary
