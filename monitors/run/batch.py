"""A batch of windows (`monitors run`, `monitors demo`): each window measured and stored (in
`jobs` processes), the late-label refresh of earlier windows, the alerts' messages once every
window is stored, then the Evidently reports (rendered beside since each window was stored) and
the pages. The CLI parses and prints; this module does the work. It imports the measurement's
modules once the suite's process is forked (run.beside imports nothing heavy), so GX's import
overlaps this process's, and before the reports' process is, which inherits them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitors.run.beside import ChecksBeside, ReportsBeside

if TYPE_CHECKING:
    from monitors.config import ModelConfig
    from monitors.core.window import Window
    from monitors.run.labels import Refreshed
    from monitors.run.reference import Baseline
    from monitors.run.report import ReportJob
    from monitors.warehouse.engine import Engine


@dataclass(frozen=True)
class WindowResult:
    """What a worker says of a window it stored (small and picklable: it crosses processes)."""

    status: str
    rows: int
    broken: int
    report_error: str | None
    report_job: ReportJob | None


@dataclass
class Worker:
    """A process's state for running windows: the config, its warehouse connection and its baseline
    read once, and the suite's process beside (one process only: forked first)."""

    config: ModelConfig
    engine: Engine
    baseline: Baseline
    as_of: datetime
    run_id: str
    reports: bool
    checks: ChecksBeside | None = None

    @classmethod
    def start(cls, config: ModelConfig, as_of: datetime, run_id: str, reports: bool,
              checks: ChecksBeside | None = None) -> Worker:
        from monitors.run.reference import load_reference
        from monitors.warehouse.engine import create_warehouse_engine

        engine = create_warehouse_engine(config)
        try:
            return cls(config, engine, load_reference(engine, config, as_of), as_of, run_id, reports, checks)
        except BaseException:
            engine.dispose()
            raise

    def run(self, window: Window) -> WindowResult:
        from monitors.run.window import run_window

        summary = run_window(self.config, window, engine=self.engine, baseline=self.baseline,
                             run_id=self.run_id, as_of=self.as_of, write_reports=self.reports,
                             beside=self.checks, model_pages=False)
        return WindowResult(summary.status, summary.row_count, len(summary.broken), summary.report_error,
                            summary.report_job if self.reports else None)

    def close(self) -> None:
        self.engine.dispose()
        if self.checks is not None:
            self.checks.close()


class _PoolWorker:
    """The worker of a pool process (set by its initializer; one per process)."""

    worker: Worker | None = None

    @classmethod
    def start(cls, config: ModelConfig, as_of: datetime, run_id: str, reports: bool) -> None:
        cls.worker = Worker.start(config, as_of, run_id, reports)

    @classmethod
    def run(cls, window: Window) -> WindowResult:
        assert cls.worker is not None, "the pool's initializer starts the worker"
        return cls.worker.run(window)


@dataclass
class Batch:
    """What a batch did, for the CLI to print: windows that broke a rule, the failure messages
    (windows, then late labels), the refreshed windows and the reports' warnings."""

    broke: list[Window] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    refreshed: list[Refreshed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Show = Callable[[int, "Window", WindowResult], None]


def run_batch(config: ModelConfig, windows: list[Window], as_of: datetime, reports: bool, jobs: int,
              show: Show, alert: Callable[[Batch], None]) -> Batch:
    """Each window stored (shown as it is), the late-label refresh, then `alert` with the messages
    (before any report is waited for), then the Evidently reports and the pages."""
    batch = Batch()
    # forked before any warehouse connection: first the suite's process (the first window waits
    # for it), then, once this one has imported the measurement's modules (NumPy, pandas, SciPy,
    # SQLAlchemy, PyArrow: ~1.2 s of CPU), the reports', which inherits them instead of
    # importing them again beside the measurement
    checks = ChecksBeside(config) if jobs == 1 and ChecksBeside.available(config) else None
    from monitors.run import labels
    from monitors.run.window import create_run_id, load_window_message

    beside = ReportsBeside(config) if reports and config.report.evidently != "never" else None
    try:

        run_id = create_run_id()
        worker = Worker.start(config, as_of, run_id, reports, checks)
        try:
            def stored(i: int, window: Window, result: WindowResult) -> None:
                show(i, window, result)
                if result.broken:
                    batch.broke.append(window)
                if result.report_error:
                    batch.warnings.append(result.report_error)
                if beside is not None and result.report_job is not None:
                    beside.submit(config, result.report_job)

            _run_windows(worker, windows, jobs, stored)
            batch.refreshed = labels.run_refresh_maturing(config, worker.engine, worker.baseline, as_of,
                                                          run_id, skip=set(windows))
        finally:
            worker.close()
        # once every window is stored, so NEW / ONGOING do not depend on which worker finished first
        batch.messages = [m for w in batch.broke
                          if (m := load_window_message(config, w, with_report=reports))]
        batch.messages += [r.message for r in batch.refreshed if r.message]
        alert(batch)
        if beside is not None:
            batch.warnings += beside.wait(config.model)
    finally:
        if beside is not None:
            beside.close()
    if reports:
        batch.warnings += _write_pages(config, windows, batch.refreshed)
    return batch


def _run_windows(worker: Worker, windows: list[Window], jobs: int, stored: Show) -> None:
    """The windows, oldest first: in this process, or in `jobs` spawned ones (each its own worker)."""
    if jobs == 1:
        for i, window in enumerate(windows, 1):
            stored(i, window, worker.run(window))
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_PoolWorker.start,
                             initargs=(worker.config, worker.as_of, worker.run_id, worker.reports)) as pool:
        futures = [pool.submit(_PoolWorker.run, w) for w in windows]
        for i, (window, future) in enumerate(zip(windows, futures, strict=True), 1):
            stored(i, window, future.result())


def _write_pages(config: ModelConfig, windows: list[Window], refreshed: list[Refreshed]) -> list[str]:
    """The refreshed windows' pages, then the windows' month pages, the model and home pages,
    once for the batch (its windows wrote their own pages only); a warning when they fail (the
    results are stored)."""
    from monitors.run.labels import REFRESHED_NOTE
    from monitors.run.pages import write_model_pages, write_stored_window_pages

    try:
        again = [r.window for r in refreshed]
        write_stored_window_pages(config, again, REFRESHED_NOTE, model_pages=False)
        write_model_pages(config, [*windows, *again])
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return [f"model {config.model}: the pages failed (the results are stored): "
                f"{type(exc).__name__}: {detail}"]
    return []
