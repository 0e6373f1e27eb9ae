"""Processes beside a CLI run's windows, forked when it starts, before this process imports the
measurement's modules (so their imports overlap): this module imports nothing heavy.

The GX suite validated beside a window's measurement, in a process of its own: forked when a
CLI run starts, it imports Great Expectations (~4 s, the largest fixed cost of a small window)
while this process reads the baseline, then validates each window's suite in the warehouse
while this one measures the window's drift and performance. Same rows, same errors (a
ChecksError raised there is raised here, before anything is stored), two cores instead of one.
Only where fork exists and with a second core; elsewhere, with `--jobs N` (the workers fill the
cores) and under Airflow (the `measure` task, whose scheduler preloaded GX), the suite is
validated in line.

The Evidently reports rendered beside (ReportsBeside; run.report renders them)."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from monitors.warehouse.dialects import DIALECTS, backend_name

if TYPE_CHECKING:
    from monitors.checks.warehouse import WindowSql
    from monitors.config import ModelConfig
    from monitors.core.location import Location
    from monitors.core.measurement import Measurement
    from monitors.core.window import Window
    from monitors.run.report import ReportJob

log = logging.getLogger(__name__)


def _load_gx(dialect: str) -> None:
    """GX imported and its context made (returned as nothing: it does not pickle), without the
    integrations of other dialects (checks.context.gx_context_for)."""
    from monitors.checks.context import gx_context_for

    gx_context_for(dialect)


def load_gx_rows(config: ModelConfig, sql: WindowSql, suite: dict[str, Any]) -> list[Measurement]:
    """The suite's rows of the window (the suite as the parent read it, the window's query as the
    parent compiled it: no reflection here)."""
    from monitors.checks.warehouse import load_warehouse_check_measurements
    from monitors.warehouse.engine import create_warehouse_engine

    engine = create_warehouse_engine(config)
    try:
        return load_warehouse_check_measurements(suite, engine, sql, config.model)
    finally:
        engine.dispose()


def load_beside_rows(gx: Future[list[Measurement]], model: str, window: Window) -> list[Measurement] | None:
    """The rows validated beside; None when that process died (killed, out of memory), for the
    caller to validate in line: a window is not lost to the process that was to save time."""
    try:
        return gx.result()
    except BrokenProcessPool as exc:
        _warn_died(model, window, exc)
        return None


def _warn_died(model: str, window: Window, exc: BrokenProcessPool) -> None:
    log.warning("model %s, window %s: the process validating the suite beside died (%s); "
                "validating in this one", model, window, exc)


class ChecksBeside:
    """One forked worker, importing GX from the moment it is created: create it before this
    process opens a warehouse connection (a forked child must not share one)."""

    def __init__(self, config: ModelConfig) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        # every object this process holds goes to the permanent generation before the fork: the
        # child's garbage collector never frees an inherited one (a DuckDB connection freed
        # there joined threads the child does not have, and hung it: seen in a test process)
        gc.freeze()
        try:
            # forks now, and starts the import
            self._pool.submit(_load_gx, backend_name(config.warehouse))
        finally:
            gc.unfreeze()

    @staticmethod
    def available(config: ModelConfig) -> bool:
        """A suite to validate, a fork to validate it in, a second core to run it on, and a
        driver that survives a fork (the dialect's record says)."""
        return (config.suite_path is not None and (os.cpu_count() or 1) > 1
                and "fork" in multiprocessing.get_all_start_methods()
                and getattr(DIALECTS.get(backend_name(config.warehouse)), "fork_safe", True))

    def submit(self, config: ModelConfig, window: Window, sql: WindowSql, suite: dict[str, Any]
               ) -> Future[list[Measurement]] | None:
        """The window's validation (its query as checks.warehouse.window_sql compiled it), started;
        None when the process has died (validate in line)."""
        try:
            return self._pool.submit(load_gx_rows, config, sql, suite)
        except BrokenProcessPool as exc:
            _warn_died(config.model, window, exc)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _load_evidently() -> None:
    """Evidently and the report's modules imported (its fixed cost, ~5 s), at the lowest priority
    this process may take: it runs while the parent measures, and must not slow it."""
    os.nice(10)
    from monitors.reports.evidently_page import load_evidently
    from monitors.run import report  # noqa: F401

    load_evidently()


def _render(config: ModelConfig, job: ReportJob) -> Location | None:
    from monitors.run.report import run_evidently_report

    return run_evidently_report(config, job, job.window, job.as_of)


class ReportsBeside:
    """One worker process rendering the run's Evidently reports (run.report) while this one
    measures the next windows; create it before this process opens a warehouse connection (a
    forked child must not share one). Forked where the dialect's driver survives a fork, spawned
    elsewhere."""

    def __init__(self, config: ModelConfig) -> None:
        forks = ("fork" in multiprocessing.get_all_start_methods()
                 and getattr(DIALECTS.get(backend_name(config.warehouse)), "fork_safe", True))
        method = "fork" if forks else "spawn"
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method))
        gc.freeze()  # as ChecksBeside: the child's collector must not free what it inherited
        try:
            self._pool.submit(_load_evidently)
        finally:
            gc.unfreeze()
        self.pending: list[tuple[Window, Future[Location | None]]] = []
        self.submitted = False

    def submit(self, config: ModelConfig, job: ReportJob) -> None:
        self.submitted = True
        self.pending.append((job.window, self._pool.submit(_render, config, job)))

    def wait(self, model: str) -> list[str]:
        """Every submitted report finished; a warning per report that failed (its window is stored)."""
        warnings = []
        for window, future in self.pending:
            try:
                future.result()
            except Exception as exc:  # a report never loses its window: the rows are stored
                warnings.append(report_warning(model, window, exc))
        self.pending.clear()
        return warnings

    def close(self) -> None:
        """Stopped; when no window wanted a report, without waiting for Evidently's import (a
        run of quiet windows does not pay for it)."""
        if not self.submitted:
            for process in list(self._pool._processes.values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)


def report_warning(model: str, window: Window, exc: BaseException) -> str:
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return (f"model {model}, window {window}: the report failed (the results are stored): "
            f"{type(exc).__name__}: {detail}")
