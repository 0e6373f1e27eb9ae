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


def compute_previous_judgement(metric: CustomMetric, value: float | None, previous: float | None
                               ) -> tuple[float | None, Status]:
    """(threshold, status) of a value against the previous window's: skipped without either."""
    low, high = metric.compute_previous_bounds(previous)
    if value is None or low is None or high is None:
        return None, "skipped"
    if value < low:
        return low, "alert"
    if value > high:
        return high, "alert"
    return min((low, high), key=lambda b: abs(value - b)), "ok"


def compute_custom_previous_rows(config: ModelConfig, values: Values, previous: Values,
                                 label_metrics: set[str], labels_pending: bool) -> list[Measurement]:
    """Each metric with max_change_previous against the previous window's value (kind
    custom_previous), whole and per segment value; skipped where the previous window has no value
    (no rows), the segment has fewer than min_segment_rows rows in this window (the previous
    window's count is not stored, so it is not asked: the store and the warehouse agree), or the
    label is pending."""
    compared = [m for m in config.custom_metrics if m.max_change_previous is not None]
    if not values or not compared:
        return []
    rows = []
    for key in [None, *sorted(k for k in values if k is not None)]:
        current, before = values[key], previous.get(key, {})
        small = key is not None and (current.get(ROWS) or 0) < config.min_segment_rows
        for m in compared:
            value = current.get(m.name)
            threshold, status = compute_previous_judgement(m, value, before.get(m.name))
            if small or (labels_pending and m.name in label_metrics):
                status = "skipped"
            rows.append(Measurement(Kind.CUSTOM_PREVIOUS, m.name, value, threshold, status, None, key))
    return rows
