"""Realized performance on rows whose labels have arrived, held against the baseline's, from
outcome tallies counted in the warehouse (warehouse.outcomes).

Score metrics (accuracy, precision, recall, f1, roc_auc, r2) alert when they fall more than
max_drop below the baseline; error metrics (log_loss, mae, mse, rmse, mape, msle, rmsle) when
they rise more than max_drop (as a fraction) above it.

What differs by task type (the metrics from a tally, their standard errors, the tally of rows in
pandas) is in one module each: binary, multiclass, regression, looked up by the tally's task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import numpy as np

from monitors.compute.performance import binary, multiclass, regression
from monitors.config import ModelConfig
from monitors.core.counts import NumericBins
from monitors.core.measurement import Measurement, Status, clean_value, compute_status
from monitors.core.metrics import BINARY, METRICS, MULTICLASS, REGRESSION
from monitors.core.tallies import Tally
from monitors.core.window import Window, compute_utc


class TaskPerformance(Protocol):
    """What each task type's module (binary, multiclass, regression) provides."""

    def compute_metrics(self, tally: Tally) -> dict[str, float | None]: ...

    def compute_standard_error(self, tally: Tally, metric: str, value: float) -> float | None: ...

    def compute_frame_tally(self, frame: Any, config: ModelConfig, score_bins: NumericBins) -> Tally: ...


TASK_MODULES: dict[str, TaskPerformance] = {BINARY: binary, MULTICLASS: multiclass, REGRESSION: regression}


def compute_metrics(tally: Tally) -> dict[str, float | None]:
    """Every metric of the task; None where it is undefined (e.g. one class only)."""
    return TASK_MODULES[tally.task].compute_metrics(tally)


def compute_bound(metric: str, baseline: float | None, max_drop: float) -> float | None:
    if baseline is None:
        return None
    if METRICS[metric].relative_bound:
        return baseline * (1 + max_drop)
    return baseline - max_drop


def compute_labels_pending(config: ModelConfig, window: Window, coverage: float,
                           as_of: datetime) -> bool:
    """Labels may still arrive: coverage below the minimum and the window younger than
    max_delay."""
    gt = config.ground_truth
    if gt is None or coverage >= config.performance.min_label_coverage:
        return False
    return window.end + gt.max_delay > compute_utc(as_of)


def compute_performance_measurements(config: ModelConfig, window: Window, current: Tally,
                                     baseline_metrics: dict[str, float | None], as_of: datetime,
                                     segment: str | None = None) -> list[Measurement]:
    """label_coverage, then every metric of the task with its bound from the baseline."""
    perf = config.performance
    pending = compute_labels_pending(config, window, current.coverage, as_of)
    coverage_status = "skipped" if pending else compute_status(
        "label_coverage", current.coverage, perf.min_label_coverage)
    if current.total == 0:
        coverage_status = "skipped"
    rows = [Measurement("performance", "label_coverage", current.coverage if current.total else None,
                        perf.min_label_coverage, coverage_status, None, segment)]
    too_few = current.labelled < perf.min_labels
    values = compute_metrics(current)
    for metric, value in values.items():
        watched = metric in perf.metrics
        bound = compute_bound(metric, baseline_metrics.get(metric), perf.max_drop) if watched else None
        status: Status
        if too_few or pending or value is None:
            status = "skipped"
        else:
            status = compute_status(metric, value, bound)
        rows.append(Measurement("performance", metric, clean_value(value), bound, status, None,
                                segment))
    return rows


def compute_baseline_measurements(metrics: dict[str, float | None], segment: str | None = None
                                  ) -> list[Measurement]:
    return [Measurement("baseline_performance", name, clean_value(value), None,
                        "ok" if value is not None else "skipped", None, segment)
            for name, value in metrics.items()]


SEGMENT_DRAWS = 50


def compute_standard_error(tally: Tally, metric: str, value: float) -> float | None:
    """A metric's standard error (each task's module says how); None where it has none."""
    return TASK_MODULES[tally.task].compute_standard_error(tally, metric, value)


def compute_segment_judgement(rows: list[Measurement], current: Tally, baseline: Tally,
                              baseline_metrics: dict[str, float | None], sigmas: float
                              ) -> list[Measurement]:
    """A segment is small: its metric alerts only when it also falls `sigmas` standard errors
    (of the window's and the baseline's values together) beyond its baseline; the bound widens
    to that where sampling error is larger than max_drop, so small segments do not alert on
    noise."""
    out = []
    for row in rows:
        base = baseline_metrics.get(row.metric)
        if row.status != "alert" or row.threshold is None or base is None or row.value is None:
            out.append(row)
            continue
        se = float(np.hypot(compute_standard_error(current, row.metric, row.value) or 0.0,
                            compute_standard_error(baseline, row.metric, base) or 0.0))
        if METRICS[row.metric].relative_bound:
            bound = max(row.threshold, base + sigmas * se)
        else:
            bound = min(row.threshold, base - sigmas * se)
        out.append(Measurement(row.kind, row.metric, row.value, round(bound, 12),
                               compute_status(row.metric, row.value, bound), row.column_name,
                               row.segment))
    return out
