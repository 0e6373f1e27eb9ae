"""Drift against the previous window (drift.compare: previous_window): the schedule's window
just before, in time, read from the warehouse, so a backfill in any order (or in parallel)
compares the same two windows. A run of consecutive windows keeps each window's counts, so the
next one reuses them instead of counting its previous window again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitors.compute.drift import compute_previous_drift_rows
from monitors.config import ModelConfig
from monitors.core.counts import Counts
from monitors.core.measurement import Measurement
from monitors.core.window import Window, compute_trailing_windows
from monitors.run.reference import Baseline
from monitors.warehouse.counts import load_window_counts
from monitors.warehouse.queries import load_window_query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine

KEPT = 2  # windows whose counts a run keeps (the one measured and the one before)


def previous_window(config: ModelConfig, window: Window) -> Window:
    """The schedule's window just before `window`."""
    return compute_trailing_windows(config.schedule, window, 1, config.timezone)[-1]


def load_previous_drift_rows(engine: Engine, config: ModelConfig, window: Window, counts: Counts,
                             baseline: Baseline) -> list[Measurement]:
    """The window's drift against the window before (none unless drift.compare asks for it)."""
    if "previous_window" not in config.drift.compare:
        return []
    previous = previous_window(config, window)
    found = baseline.windows.get(previous)
    profile = baseline.reference.profile
    if found is None:
        found = load_window_counts(engine, config, load_window_query(engine, config, previous), profile)
    baseline.windows[window] = counts
    for old in sorted(baseline.windows, key=lambda w: w.start)[:-KEPT]:
        del baseline.windows[old]
    return compute_previous_drift_rows(config.drift, counts, found, profile, config.predictions.outputs,
                                       config.min_segment_rows)
