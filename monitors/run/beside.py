"""The GX suite validated beside a window's measurement, in a process of its own: forked when a
CLI run starts, it imports Great Expectations (~4 s, the largest fixed cost of a small window)
while this process reads the baseline, then validates each window's suite in the warehouse
while this one measures the window's drift and performance. Same rows, same errors (a
ChecksError raised there is raised here, before anything is stored), two cores instead of one.
Only where fork exists and with a second core; elsewhere, with `--jobs N` (the workers fill the
cores) and under Airflow (the `measure` task, whose scheduler preloaded GX), the suite is
validated in line."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from monitors.checks.context import gx_context
from monitors.checks.warehouse import load_warehouse_check_measurements
from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.warehouse.dialects import DIALECTS, backend_name
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import load_window_query

log = logging.getLogger(__name__)


def _load_gx() -> None:
    """GX imported and its context made (returned as nothing: it does not pickle)."""
    gx_context()


def load_gx_rows(config: ModelConfig, window: Window, as_of: datetime, suite: dict[str, Any]
                 ) -> list[Measurement]:
    """The suite's rows of the window (the suite as the parent read it; the window's query built
    again here: the same SQL)."""
    engine = create_warehouse_engine(config)
    try:
        query = load_window_query(engine, config, window, as_of)
        return load_warehouse_check_measurements(suite, engine, query.select, config.model)
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

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        # every object this process holds goes to the permanent generation before the fork: the
        # child's garbage collector never frees an inherited one (a DuckDB connection freed
        # there joined threads the child does not have, and hung it: seen in a test process)
        gc.freeze()
        try:
            self._pool.submit(_load_gx)  # forks now, and starts the import
        finally:
            gc.unfreeze()

    @staticmethod
    def available(config: ModelConfig) -> bool:
        """A suite to validate, a fork to validate it in, a second core to run it on, and a
        driver that survives a fork (the dialect's record says)."""
        return (config.suite_path is not None and (os.cpu_count() or 1) > 1
                and "fork" in multiprocessing.get_all_start_methods()
                and getattr(DIALECTS.get(backend_name(config.warehouse)), "fork_safe", True))

    def submit(self, config: ModelConfig, window: Window, as_of: datetime, suite: dict[str, Any]
               ) -> Future[list[Measurement]] | None:
        """The window's validation, started; None when the process has died (validate in line)."""
        try:
            return self._pool.submit(load_gx_rows, config, window, as_of, suite)
        except BrokenProcessPool as exc:
            _warn_died(config.model, window, exc)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
