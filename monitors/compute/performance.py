"""Realized performance on rows whose labels have arrived, held against the baseline's, from
outcome tallies counted in the warehouse (warehouse.outcomes).

Score metrics (accuracy, precision, recall, f1, roc_auc, r2) alert when they fall more than
max_drop below the baseline; error metrics (log_loss, mae, mse, rmse, mape, msle, rmsle) when
they rise more than max_drop (as a fraction) above it.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from monitors.config import ModelConfig
from monitors.core.counts import Tally, compute_slot_order
from monitors.core.measurement import Measurement, Status, clean_value, compute_status
from monitors.core.metrics import BINARY, METRICS, MULTICLASS, REGRESSION, compute_task_metrics
from monitors.core.window import Window, compute_utc


def compute_auc(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """ROC AUC from positive and negative counts (or weights) per score slot, slots in score
    order on the last axis; rows in one slot count as tied (half), as roc_auc_score does."""
    below = np.cumsum(negative, axis=-1) - negative
    pairs = positive.sum(axis=-1) * negative.sum(axis=-1)
    wins = np.sum(positive * (below + 0.5 * negative), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, wins / np.where(pairs > 0, pairs, 1), np.nan)


def compute_confusion_metrics(positive: np.ndarray, counts: np.ndarray, predicted: np.ndarray,
                              index: np.ndarray, slots: int) -> dict[str, np.ndarray]:
    """Binary metrics of groups (predicted label, score slot `index` in score order) holding
    `counts` rows of which `positive` are positive: counted (realized) or expected or drawn
    (CBPE; a leading axis holds draws). A zero division gives NaN."""
    negative = counts - positive
    pred = predicted == 1
    tp, fp = positive[..., pred].sum(axis=-1), negative[..., pred].sum(axis=-1)
    fn, tn = positive[..., ~pred].sum(axis=-1), negative[..., ~pred].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"accuracy": (tp + tn) / counts.sum(), "precision": tp / (tp + fp),
               "recall": tp / (tp + fn), "f1": 2 * tp / (2 * tp + fp + fn)}
    out["roc_auc"] = compute_auc(_per_slot(positive, index, slots), _per_slot(negative, index, slots))
    return out


def _per_slot(values: np.ndarray, index: np.ndarray, slots: int) -> np.ndarray:
    if values.ndim == 1:
        return np.bincount(index, weights=values, minlength=slots)
    return np.stack([np.bincount(index, weights=v, minlength=slots) for v in values])


def _binary(tally: Tally) -> dict[str, float | None]:
    """Realized metrics of the labelled rows; precision, recall and f1 are 0 when undefined, as
    scikit-learn gives them, ROC AUC None when one class is absent."""
    g = tally.groups
    g = g[(g[:, 0] >= 0) & (g[:, 1] >= 0)]
    n = g[:, 3].astype(float)
    if n.sum() == 0:
        return dict.fromkeys(compute_task_metrics(BINARY))
    slots, index = np.unique(compute_slot_order(g[:, 2]), return_inverse=True)
    found = compute_confusion_metrics(n * (g[:, 0] == 1), n, g[:, 1], index, len(slots))
    out: dict[str, float | None] = {m: float(np.nan_to_num(v, nan=0.0)) for m, v in found.items()}
    out["roc_auc"] = None if np.isnan(found["roc_auc"]) else float(found["roc_auc"])
    out["log_loss"] = tally.log_loss_sum / float(n.sum())
    return out


def _multiclass(tally: Tally) -> dict[str, float | None]:
    confusion = tally.confusion
    total = sum(confusion.values())
    if not total:
        return dict.fromkeys(compute_task_metrics(MULTICLASS))
    labels = sorted({a for a, _ in confusion} | {b for _, b in confusion})
    precision, recall, f1 = [], [], []
    for k in labels:
        tp = confusion.get((k, k), 0)
        predicted = sum(n for (_, b), n in confusion.items() if b == k)
        actual = sum(n for (a, _), n in confusion.items() if a == k)
        precision.append(tp / predicted if predicted else 0.0)
        recall.append(tp / actual if actual else 0.0)
        f1.append(2 * tp / (predicted + actual) if predicted + actual else 0.0)
    correct = sum(n for (a, b), n in confusion.items() if a == b)
    return {"accuracy": correct / total, "precision": float(np.mean(precision)),
            "recall": float(np.mean(recall)), "f1": float(np.mean(f1)),
            "roc_auc": compute_one_vs_rest_auc(tally),
            "log_loss": tally.log_loss_sum / tally.log_loss_rows if tally.log_loss_rows else None}


def compute_one_vs_rest_auc(tally: Tally) -> float | None:
    """Macro one-vs-rest ROC AUC from the per-class probability counts (as scikit-learn's
    roc_auc_score(multi_class="ovr", average="macro")); a class without positives or without
    negatives in the rows is left out; None without class probabilities."""
    aucs = []
    for rows in tally.probabilities.values():
        if not len(rows):
            continue
        slots, index = np.unique(compute_slot_order(rows[:, 2]), return_inverse=True)
        n = rows[:, 3].astype(float)
        positive = np.bincount(index, weights=n * (rows[:, 0] == 1), minlength=len(slots))
        negative = np.bincount(index, weights=n * (rows[:, 0] == 0), minlength=len(slots))
        if positive.sum() and negative.sum():
            aucs.append(float(compute_auc(positive, negative)))
    return float(np.mean(aucs)) if aucs else None


def _regression(tally: Tally) -> dict[str, float | None]:
    s = tally.sums
    n = s.get("n", 0.0)
    if not n:
        return dict.fromkeys(compute_task_metrics(REGRESSION))
    total_sq = s["yy"] - s["y"] ** 2 / n
    r2 = (1 - s["sq"] / total_sq if total_sq > 0 else (1.0 if s["sq"] == 0 else 0.0)) if n > 1 else None
    msle = s["sle"] / s["sle_n"] if s.get("sle_n") else None
    return {"mae": s["abs"] / n, "mse": s["sq"] / n, "rmse": float(np.sqrt(s["sq"] / n)),
            "mape": s["ape"] / s["ape_n"] if s["ape_n"] else None, "msle": msle,
            "rmsle": float(np.sqrt(msle)) if msle is not None else None, "r2": r2}


def compute_metrics(tally: Tally) -> dict[str, float | None]:
    """Every metric of the task; None where it is undefined (e.g. one class only)."""
    if tally.task == BINARY:
        return _binary(tally)
    if tally.task == MULTICLASS:
        return _multiclass(tally)
    return _regression(tally)


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
    """Standard error of a metric: binomial for accuracy, precision, recall and (approximately)
    f1, Hanley-McNeil for ROC AUC, from the errors' moments for mae, mse, rmse, msle and rmsle;
    None otherwise."""
    if tally.task == BINARY:
        g = tally.groups[(tally.groups[:, 0] >= 0) & (tally.groups[:, 1] >= 0)]
        y, pred, n = g[:, 0], g[:, 1], g[:, 3]
        tp, fp = int(n[(y == 1) & (pred == 1)].sum()), int(n[(y != 1) & (pred == 1)].sum())
        fn, n1 = int(n[(y == 1) & (pred != 1)].sum()), int(n[y == 1].sum())
        n0 = int(n.sum()) - n1
        if metric == "roc_auc":
            q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
            var = value * (1 - value) + (n1 - 1) * (q1 - value ** 2) + (n0 - 1) * (q2 - value ** 2)
            return float(np.sqrt(max(var, 0.0) / (n1 * n0))) if n1 and n0 else None
        size = {"accuracy": n.sum(), "precision": tp + fp, "recall": tp + fn,
                "f1": tp + (fp + fn) / 2}.get(metric)
    elif tally.task == REGRESSION:
        s = tally.sums
        k = s.get("n", 0.0)
        if not k:
            return None
        if metric == "mae":
            return float(np.sqrt(max(s["sq"] / k - (s["abs"] / k) ** 2, 0.0) / k))
        # the mean of a loss: its spread over the rows; its root: the delta method
        loss, square, rows = {"mse": ("sq", "quad", k), "rmse": ("sq", "quad", k),
                              "msle": ("sle", "sle_sq", s.get("sle_n", 0.0)),
                              "rmsle": ("sle", "sle_sq", s.get("sle_n", 0.0))}.get(metric, ("", "", 0.0))
        if not rows or not s[loss] > 0:
            return None
        mean = s[loss] / rows
        se = float(np.sqrt(max(s[square] / rows - mean ** 2, 0.0) / rows))
        return se / (2 * np.sqrt(mean)) if metric.startswith("r") else se
    else:
        size = tally.labelled
    return float(np.sqrt(value * (1 - value) / size)) if size and 0 <= value <= 1 else None


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
