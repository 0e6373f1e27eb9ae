"""A window's custom metrics: their values counted in the warehouse (one SELECT of the window's
rows), the baseline's once per run (kept on the Baseline), judged by compute.custom."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitors.compute.custom import compute_custom_rows
from monitors.compute.performance import compute_labels_pending
from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.tallies import Tally
from monitors.core.window import Window
from monitors.run.reference import Baseline
from monitors.warehouse.custom import label_custom_metrics, load_custom_values
from monitors.warehouse.queries import Query

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
    return compute_custom_rows(config, load_custom_values(engine, config, query), baseline.custom,
                               label_custom_metrics(config), pending)
