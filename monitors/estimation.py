"""Performance without labels: confidence-based performance estimation (CBPE, as NannyML
describes it) for binary classification.

Calibrate the scores on the labelled baseline (isotonic regression), then take the expected
confusion matrix from the calibrated probabilities: a row predicted positive with calibrated
probability p is a true positive with probability p, a false positive with 1 - p. ROC AUC is
the area under the expected ROC curve. The sampling-error band is 3 standard deviations of the
realized metric when labels are drawn from the calibrated probabilities (a seeded parametric
bootstrap on at most 20,000 of the window's rows, scaled to its size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitors.config import ModelConfig
from monitors.measurement import Measurement, Status, clean_value, compute_status

ESTIMATED = ("roc_auc", "accuracy", "precision", "recall", "f1")
BOOTSTRAPS = 40
BOOTSTRAP_ROWS = 20_000
BAND_SIGMAS = 3.0
MIN_ROWS = 30


@dataclass(frozen=True)
class Estimate:
    metric: str
    value: float | None
    band: float | None  # half-width: the estimate +- band


def compute_calibrator(scores: np.ndarray, labels: np.ndarray) -> Any | None:
    """Isotonic calibration of scores to P(label = 1); None without both classes."""
    from sklearn.isotonic import IsotonicRegression

    finite = np.isfinite(scores)
    scores, labels = scores[finite], labels[finite]
    if len(scores) < MIN_ROWS or len(np.unique(labels)) < 2:
        return None
    return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, labels)


def compute_expected_metrics(probability: np.ndarray, predicted: np.ndarray, scores: np.ndarray
                             ) -> dict[str, float | None]:
    """The expected metrics from calibrated probabilities and the predicted labels."""
    positive = predicted == 1
    tp, fp = probability[positive].sum(), (1 - probability[positive]).sum()
    fn, tn = probability[~positive].sum(), (1 - probability[~positive]).sum()
    n = len(probability)
    out: dict[str, float | None] = {
        "accuracy": float((tp + tn) / n) if n else None,
        "precision": float(tp / (tp + fp)) if tp + fp > 0 else None,
        "recall": float(tp / (tp + fn)) if tp + fn > 0 else None,
        "f1": float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn > 0 else None,
    }
    order = np.argsort(-scores, kind="mergesort")
    p = probability[order]
    total_pos, total_neg = p.sum(), (1 - p).sum()
    if total_pos <= 0 or total_neg <= 0:
        out["roc_auc"] = None
    else:
        # group tied scores so a tie counts as half, as roc_auc_score does
        s = scores[order]
        last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
        tpr = np.r_[0.0, np.cumsum(p)[last] / total_pos]
        fpr = np.r_[0.0, np.cumsum(1 - p)[last] / total_neg]
        out["roc_auc"] = float(np.trapezoid(tpr, fpr))
    return out


def compute_estimates(calibrator: Any, scores: np.ndarray, predicted: np.ndarray,
                      seed: int = 0) -> list[Estimate]:
    """CBPE estimates with their sampling-error bands."""
    finite = np.isfinite(scores)
    scores, predicted = scores[finite], predicted[finite]
    order = np.lexsort((predicted, scores))  # the same band whatever order the rows came in
    scores, predicted = scores[order], predicted[order]
    if calibrator is None or len(scores) < MIN_ROWS:
        return [Estimate(m, None, None) for m in ESTIMATED]
    probability = np.asarray(calibrator.predict(scores), dtype=float)
    values = compute_expected_metrics(probability, predicted, scores)
    # the band: how far the realized metric strays from the estimate when labels are drawn from
    # the calibrated probabilities (a parametric bootstrap of the labels)
    rng = np.random.default_rng(seed)
    size = min(len(scores), BOOTSTRAP_ROWS)
    pick = rng.choice(len(scores), size, replace=False) if size < len(scores) else np.arange(size)
    draws: dict[str, list[float]] = {m: [] for m in ESTIMATED}
    for _ in range(BOOTSTRAPS):
        labels = (rng.random(size) < probability[pick]).astype(float)
        for metric, value in compute_expected_metrics(labels, predicted[pick], scores[pick]).items():
            if value is not None:
                draws[metric].append(value)
    scale = np.sqrt(size / len(scores))
    out = []
    for metric in ESTIMATED:
        spread = float(np.std(draws[metric]) * scale) if len(draws[metric]) > 2 else None
        band = None if spread is None else BAND_SIGMAS * spread
        out.append(Estimate(metric, values[metric], band))
    return out


def compute_estimated_measurements(config: ModelConfig, frame: pd.DataFrame, calibrator: Any,
                                   baseline_metrics: dict[str, float | None], pending: bool,
                                   segment: str | None = None) -> list[Measurement]:
    """Rows of kind estimated_performance: each estimate with its bound (as the realized metric)
    and its band (`<metric>_band`: the half-width). Estimates alert only while labels are
    pending; once realized metrics can be judged, the estimate is kept for comparison."""
    from monitors.performance import compute_bound

    if config.task != "binary_classification" or frame.empty:
        return []
    p = config.predictions
    scores = pd.to_numeric(frame[p.score], errors="coerce").to_numpy(float)
    if p.predicted_label and p.predicted_label in frame.columns:
        predicted = pd.to_numeric(frame[p.predicted_label], errors="coerce").fillna(-1).to_numpy()
    else:
        predicted = (scores >= 0.5).astype(int)
    rows = []
    for estimate in compute_estimates(calibrator, scores, predicted):
        watched = estimate.metric in config.performance.metrics
        bound = compute_bound(estimate.metric, baseline_metrics.get(estimate.metric),
                              config.performance.max_drop) if watched else None
        if estimate.value is None:
            status: Status = "skipped"
        else:
            status = compute_status(estimate.metric, estimate.value, bound) if pending else "ok"
        rows.append(Measurement("estimated_performance", estimate.metric, clean_value(estimate.value),
                                bound, status, None, segment))
        rows.append(Measurement("estimated_performance", f"{estimate.metric}_band",
                                clean_value(estimate.band), None,
                                "ok" if estimate.band is not None else "skipped", None, segment))
    return rows
