"""Realized performance on rows whose labels have arrived, held against the baseline's.

Score metrics (accuracy, precision, recall, f1, roc_auc, r2) alert when they fall more than
max_drop below the baseline; error metrics (log_loss, mae, rmse, mape) when they rise more than
max_drop (as a fraction) above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from monitors.config import CLASSIFICATION_METRICS, REGRESSION_METRICS, ModelConfig
from monitors.measurement import Measurement, Status, clean_value, compute_status
from monitors.warehouse import LABEL
from monitors.window import Window, compute_utc

ERROR_METRICS = frozenset({"log_loss", "mae", "rmse", "mape"})


@dataclass(frozen=True)
class Labelled:
    """The rows of a frame that have a label and a finite score."""

    y_true: np.ndarray
    score: np.ndarray
    y_pred: np.ndarray
    total: int

    @property
    def coverage(self) -> float:
        return len(self.y_true) / self.total if self.total else 0.0


def compute_labelled(frame: pd.DataFrame, config: ModelConfig) -> Labelled:
    p = config.predictions
    if LABEL not in frame.columns or p.score not in frame.columns:
        return Labelled(np.array([]), np.array([]), np.array([]), len(frame))
    score = pd.to_numeric(frame[p.score], errors="coerce").replace([np.inf, -np.inf], np.nan)
    keep = frame[LABEL].notna() & score.notna()
    if p.predicted_label and p.predicted_label in frame.columns:
        keep &= frame[p.predicted_label].notna()
        y_pred = frame.loc[keep, p.predicted_label].to_numpy()
    elif config.task == "binary_classification":
        y_pred = (score[keep] >= 0.5).astype(int).to_numpy()
    else:
        y_pred = score[keep].to_numpy()
    y_true = frame.loc[keep, LABEL].to_numpy()
    if config.task == "binary_classification":
        y_true = y_true.astype(float).astype(int)
        y_pred = np.asarray(y_pred).astype(float).astype(int)
    return Labelled(y_true, score[keep].to_numpy(float), y_pred, len(frame))


def compute_metrics(task: str, data: Labelled) -> dict[str, float | None]:
    """Every metric of the task; None where it is undefined (e.g. one class only)."""
    from sklearn import metrics as m

    y, s, pred = data.y_true, data.score, data.y_pred
    if len(y) == 0:
        names = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
        return dict.fromkeys(names)
    if task == "regression":
        nonzero = y != 0
        return {
            "mae": float(m.mean_absolute_error(y, s)),
            "rmse": float(np.sqrt(m.mean_squared_error(y, s))),
            "mape": float(np.mean(np.abs((y[nonzero] - s[nonzero]) / y[nonzero])))
            if nonzero.any() else None,
            "r2": float(m.r2_score(y, s)) if len(y) > 1 else None,
        }
    binary = task == "binary_classification"
    average = "binary" if binary else "macro"
    two_classes = len(np.unique(y)) == 2
    result: dict[str, float | None] = {
        "accuracy": float(m.accuracy_score(y, pred)),
        "precision": float(m.precision_score(y, pred, average=average, zero_division=0)),
        "recall": float(m.recall_score(y, pred, average=average, zero_division=0)),
        "f1": float(m.f1_score(y, pred, average=average, zero_division=0)),
        "roc_auc": float(m.roc_auc_score(y, s)) if binary and two_classes else None,
        "log_loss": float(m.log_loss(y, np.clip(s, 1e-15, 1 - 1e-15), labels=[0, 1]))
        if binary else None,
    }
    return result


def compute_bound(metric: str, baseline: float | None, max_drop: float) -> float | None:
    if baseline is None:
        return None
    if metric in ERROR_METRICS:
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


def compute_performance_measurements(config: ModelConfig, window: Window, current: Labelled,
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
    too_few = len(current.y_true) < perf.min_labels
    values = compute_metrics(config.task, current)
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


def compute_standard_error(task: str, data: Labelled, metric: str, value: float,
                           seed: int = 0) -> float | None:
    """Standard error of a metric over the labelled rows: binomial for accuracy, precision,
    recall and (approximately) f1, Hanley-McNeil for ROC AUC, a bootstrap otherwise."""
    y, pred = data.y_true, data.y_pred
    if task == "binary_classification" and metric in ("accuracy", "precision", "recall", "f1"):
        tp, fp, fn = (int(np.sum((y == 1) & (pred == 1))), int(np.sum((y == 0) & (pred == 1))),
                      int(np.sum((y == 1) & (pred == 0))))
        n = {"accuracy": len(y), "precision": tp + fp, "recall": tp + fn,
             "f1": tp + (fp + fn) / 2}[metric]
        return float(np.sqrt(value * (1 - value) / n)) if n else None
    if task == "binary_classification" and metric == "roc_auc":
        n1, n0 = int(np.sum(y == 1)), int(np.sum(y == 0))
        q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
        var = (value * (1 - value) + (n1 - 1) * (q1 - value ** 2) + (n0 - 1) * (q2 - value ** 2))
        return float(np.sqrt(max(var, 0.0) / (n1 * n0))) if n1 and n0 else None
    rng = np.random.default_rng(seed)
    values: list[float] = []
    for _ in range(SEGMENT_DRAWS):
        pick = rng.integers(0, len(y), len(y))
        found = compute_metrics(task, Labelled(y[pick], data.score[pick], pred[pick], len(y)))
        drawn = found.get(metric)
        if drawn is not None:
            values.append(drawn)
    return float(np.std(values)) if len(values) > 1 else None


def compute_segment_judgement(task: str, rows: list[Measurement], data: Labelled,
                              baseline: Labelled, baseline_metrics: dict[str, float | None],
                              sigmas: float) -> list[Measurement]:
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
        se = float(np.hypot(compute_standard_error(task, data, row.metric, row.value) or 0.0,
                            compute_standard_error(task, baseline, row.metric, base) or 0.0))
        if row.metric in ERROR_METRICS:
            bound = max(row.threshold, base + sigmas * se)
        else:
            bound = min(row.threshold, base - sigmas * se)
        out.append(Measurement(row.kind, row.metric, row.value, round(bound, 12),
                               compute_status(row.metric, row.value, bound), row.column_name,
                               row.segment))
    return out
