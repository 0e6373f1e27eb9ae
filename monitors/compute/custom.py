"""The rows of a window's custom metrics (kind custom, metric = the metric's name), from their
values counted in the warehouse (warehouse.custom) and the baseline's: each judged by its
bounds (min, max, and max_change around the baseline's value), whole and per segment value (a
segment below min_segment_rows is measured, not judged); a metric reading the label is judged
only once the window's labels are in. The stored threshold is the bound the value broke, or
else the nearer one. Pure."""

from __future__ import annotations

from monitors.config import ModelConfig
from monitors.core.custom import ROWS, CustomMetric
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, Status

Values = dict[str | None, dict[str, float | None]]  # segment (None: all rows) -> metric -> value


def compute_custom_judgement(metric: CustomMetric, value: float | None, baseline: float | None
                             ) -> tuple[float | None, Status]:
    """(threshold, status) of a value: the broken bound and alert, or the nearer bound and ok."""
    low, high = metric.compute_bounds(baseline)
    if value is None:
        return None, "skipped"
    if low is not None and value < low:
        return low, "alert"
    if high is not None and value > high:
        return high, "alert"
    bounds = [b for b in (low, high) if b is not None]
    return (min(bounds, key=lambda b: abs(value - b)) if bounds else None), "ok"


def compute_custom_rows(config: ModelConfig, values: Values, baseline: Values, label_metrics: set[str],
                        labels_pending: bool) -> list[Measurement]:
    """The baseline's values (kind baseline_custom, whole window), then each metric whole and
    per segment value."""
    if not values:
        return []
    reference = baseline.get(None, {})
    rows = [Measurement(Kind.BASELINE_CUSTOM, m.name, reference.get(m.name)) for m in config.custom_metrics
            if reference]
    for key in [None, *sorted(k for k in values if k is not None)]:
        current, before = values[key], baseline.get(key, {})
        rows_n = min(current.get(ROWS) or 0, before.get(ROWS) or 0)
        small = key is not None and rows_n < config.min_segment_rows
        for m in config.custom_metrics:
            value = current.get(m.name)
            threshold, status = compute_custom_judgement(m, value, before.get(m.name))
            if small or (labels_pending and m.name in label_metrics):
                status = "skipped"
            rows.append(Measurement(Kind.CUSTOM, m.name, value, threshold, status, None, key))
    return rows
