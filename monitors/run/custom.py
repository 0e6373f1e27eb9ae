"""A window's custom metrics: their values counted in the warehouse (one SELECT of the window's
rows), the baseline's once per run (kept on the Baseline), judged by compute.custom; with
max_change_previous also against the previous window's values: from the store when it holds
that window (a run of consecutive windows, or a backfill that reached it), else counted in the
warehouse (a backfill in any order compares the same two windows)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitors.compute.custom import Values, compute_custom_previous_rows, compute_custom_rows
from monitors.compute.performance import compute_labels_pending
from monitors.config import ModelConfig
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement
from monitors.core.tallies import Tally
from monitors.core.window import Window
from monitors.run.previous import previous_window
from monitors.run.reference import Baseline
from monitors.storage import results
from monitors.warehouse.custom import label_custom_metrics, load_custom_values
from monitors.warehouse.queries import Query, load_window_query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def load_custom_rows(engine: Engine, config: ModelConfig, window: Window, query: Query,
                     tallies: dict[str | None, Tally], baseline: Baseline, as_of: datetime
                     ) -> list[Measurement]:
    """The window's custom metric rows (none without custom_metrics)."""
    if not config.custom_metrics:
        return []
    if baseline.custom is None:
        baseline.custom = load_custom_values(engine, config, baseline.query)
    whole = tallies.get(None)
    pending = config.ground_truth is not None and (
        whole is None or compute_labels_pending(config, window, whole.coverage, as_of))
    values, labelled = load_custom_values(engine, config, query), label_custom_metrics(config)
    rows = compute_custom_rows(config, values, baseline.custom, labelled, pending)
    if any(m.max_change_previous is not None for m in config.custom_metrics):
        previous = load_previous_custom_values(engine, config, window, as_of)
        rows += compute_custom_previous_rows(config, values, previous, labelled, pending)
    return rows


def load_previous_custom_values(engine: Engine, config: ModelConfig, window: Window, as_of: datetime
                                ) -> Values:
    """The previous window's custom values: its stored rows (the value a row was stored with,
    judged or not), or, when the store does not hold them, the warehouse's."""
    before = previous_window(config, window)
    stored = [r for r in results.load_window_rows(config.store_path, config.model, before)
              if r.kind == Kind.CUSTOM]
    compared = {m.name for m in config.custom_metrics if m.max_change_previous is not None}
    if not compared <= {r.metric for r in stored if r.segment is None}:  # not stored, or before the metric
        return load_custom_values(engine, config, load_window_query(engine, config, before, as_of))
    found: Values = {}
    for r in stored:
        found.setdefault(r.segment, {})[r.metric] = r.value
    return found
