"""Late labels: each run recomputes the realized performance of stored windows whose labels may
still arrive, and their custom metrics when one reads the label, so they are picked up without
rerunning old windows; a rule the new labels break is reported like a window's (for most models
this is how performance is ever judged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitors.config import ModelConfig
from monitors.core.kinds import LABELLED, LABELLED_CUSTOM
from monitors.core.window import Window
from monitors.reports.pages import compute_window_link
from monitors.reports.text import compute_late_label_message
from monitors.run.custom import load_custom_rows
from monitors.run.reference import Baseline
from monitors.run.series import write_refreshed_series
from monitors.run.window import load_performance_rows
from monitors.storage import results
from monitors.warehouse.custom import label_custom_metrics
from monitors.warehouse.engine import query_errors
from monitors.warehouse.outcomes import load_tallies
from monitors.warehouse.queries import load_window_query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine

REFRESHED_NOTE = "Performance refreshed with labels that arrived since the window ran."


@dataclass(frozen=True)
class Refreshed:
    window: Window
    message: str | None  # the rules the new labels broke, None when they broke none


def maturing_windows(config: ModelConfig, windows: list[Window], as_of: datetime) -> list[Window]:
    """Stored windows whose labels may still arrive: younger than max_delay, plus one window
    length so the first run after a window matures records its final state."""
    if config.ground_truth is None:
        return []
    delay = config.ground_truth.max_delay
    return [w for w in windows if w.end <= as_of < w.end + delay + (w.end - w.start)]


def run_refresh_maturing(config: ModelConfig, engine: Engine, baseline: Baseline, as_of: datetime,
                         run_id: str, skip: set[Window] | None = None) -> list[Refreshed]:
    """Recompute the realized performance of maturing windows with the labels that arrived since
    (and their custom metrics when one reads the label), replacing only those rows; late labels
    are picked up without reruns. Each refreshed window comes with the message naming the rules
    its new labels broke, if any."""
    refreshed = []
    horizon = as_of - config.ground_truth.max_delay if config.ground_truth else as_of
    stored = results.load_windows(config.store_path, config.model, horizon - results.LONGEST_WINDOW)
    kinds = LABELLED | (LABELLED_CUSTOM if label_custom_metrics(config) else frozenset())
    for window in maturing_windows(config, stored, as_of):
        if skip and window in skip:
            continue
        with query_errors(engine, config.model, f"refreshing the labels of window {window}"):
            query = load_window_query(engine, config, window, as_of)
            tallies, _ = load_tallies(engine, config, query.select, baseline.reference.profile)
            rows = load_performance_rows(engine, config, window, query, tallies, baseline, as_of)
            if kinds & LABELLED_CUSTOM:
                rows += load_custom_rows(engine, config, window, query, tallies, baseline, as_of)
        before = results.load_window_rows(config.store_path, config.model, window)
        if results.replace_rows(config.store_path, config.model, window, kinds, rows, run_id):
            write_refreshed_series(config, window, kinds, run_id)
            page = compute_window_link(config, window)
            refreshed.append(Refreshed(window, compute_late_label_message(
                config.model, window, [r for r in before if r.kind in kinds], rows, page)))
    return refreshed
