"""The Evidently report of a stored window, rendered after its rows are stored, its status decided
and its alert raised: the window's page is written first (saying its report follows), then the
report from seeded samples read now, then the page again with its link. Under Airflow it is the
`report` task; in `monitors run` a process of its own (run.beside.ReportsBeside), forked when
the run starts so Evidently's import (~5 s) overlaps the measurement, niced so it never slows
it. A report that fails is a warning: the window's rows are stored before it starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitors.config import ModelConfig
from monitors.core.location import Location
from monitors.core.window import Window
from monitors.reports.evidently_page import write_evidently_report
from monitors.reports.window_page import write_window_page
from monitors.run.reference import load_baseline_profile
from monitors.storage import baseline_cache, results
from monitors.warehouse import frames
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import Query, load_baseline_query, load_window_query

if TYPE_CHECKING:
    import pandas as pd

    from monitors.warehouse.engine import Engine

PENDING = (" Its Evidently report is rendered after the window's rows are stored; this page links it "
           "once it is written.")
# Evidently's run is a fixed cost plus one that grows with the rows it reads (with 25 features,
# CPU seconds: 5k rows a side 4.0, 10k 5.8, 20k 7.6; docs/report-after-alert.md): a
# report.sample_size raised above LARGE_SAMPLE is lowered to it for windows of more than LARGE
# rows, which the page says
LARGE, LARGE_SAMPLE = 50_000, 20_000


@dataclass(frozen=True)
class ReportJob:
    """What the report needs from the measured window: the baseline profile's key (its cached
    sample's name) and both sides' row counts (the page's note); small and picklable."""

    window: Window
    as_of: datetime
    profile_key: str
    window_rows: int
    baseline_rows: int


def report_sample_size(config: ModelConfig, window_rows: int) -> int:
    """Rows a side the report reads: report.sample_size, and at most LARGE_SAMPLE for a window of
    more than LARGE rows (so a large window's report costs what a mid-sized one's does)."""
    size = config.report.sample_size
    return min(size, LARGE_SAMPLE) if window_rows > LARGE else size


def sample_note(config: ModelConfig, job: ReportJob, current: int, reference: int) -> str:
    size = report_sample_size(config, job.window_rows)
    rule = (f"at most {size:,} per side: report.sample_size, lowered to {LARGE_SAMPLE:,} for windows of "
            f"more than {LARGE:,} rows" if size < config.report.sample_size else
            f"at most {size:,} per side")
    return (f"Stored values use all {job.window_rows:,} window rows and {job.baseline_rows:,} baseline "
            f"rows. The Evidently report uses seeded samples: {current:,} window rows and {reference:,} "
            f"baseline rows ({rule}).")


def load_report_samples(engine: Engine, config: ModelConfig, query: Query, baseline: Query | None,
                        job: ReportJob) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Seeded samples of the window and of the baseline (stored values never depend on them). The
    baseline's is kept beside its profile and read from there by later runs."""
    size = report_sample_size(config, job.window_rows)
    current = frames.load_sample(engine, config, query, size)
    path = baseline_cache.sample_file(config, job.profile_key, size)
    reference = baseline_cache.load_cached_sample(path)
    if reference is None:
        reference = frames.load_sample(engine, config, baseline or load_baseline_query(engine, config), size)
        baseline_cache.write_sample(path, reference)
    return (current, reference) if not current.empty and not reference.empty else None


def load_report_job(engine: Engine, config: ModelConfig, window: Window, as_of: datetime) -> ReportJob:
    """The job of a stored window measured in another process (Airflow's report task, `monitors
    report --window W --evidently`): the baseline's profile (cached) and the stored row count."""
    profile = load_baseline_profile(engine, config)
    rows = results.load_window_rows(config.store_path, config.model, window)
    count = next((r.value for r in rows if r.kind == "data_quality" and r.metric == "row_count"
                  and r.segment is None), None)
    return ReportJob(window, as_of, profile.key, int(count or 0), profile.rows.get(None, 0))


def run_evidently_report(config: ModelConfig, job: ReportJob | None, window: Window, as_of: datetime,
                         url: str | None = None) -> Location | None:
    """The window's Evidently report from samples read now, then its page again with the link
    (histograms kept); None when the window has no rows to report on."""
    engine = create_warehouse_engine(config, url)
    try:
        job = job or load_report_job(engine, config, window, as_of)
        query = load_window_query(engine, config, window, as_of)
        samples = load_report_samples(engine, config, query, None, job)
    finally:
        engine.dispose()
    if samples is None:
        return None
    current, reference = samples
    path = write_evidently_report(config, window, reference, current)
    rows = results.load_window_rows(config.store_path, config.model, window)
    write_window_page(config, window, rows, sample_note(config, job, len(current), len(reference)),
                      path)
    return path
