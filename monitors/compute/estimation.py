"""Performance without labels: confidence-based performance estimation (CBPE, as NannyML
describes it) for binary classification.

Calibrate the scores on the labelled baseline (isotonic regression), then take the expected
confusion matrix from the calibrated probabilities: a row predicted positive with calibrated
probability p is a true positive with probability p, a false positive with 1 - p. ROC AUC is
the area under the expected ROC curve. The sampling-error band is 3 standard deviations of the
realized metric when labels are drawn from the calibrated probabilities (a seeded parametric
bootstrap). Rows come as outcome tallies: counts per (predicted label, score slot), the slot's
score at its bin's middle, so a window of any size costs the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from monitors.compute.performance import compute_bound, compute_confusion_metrics
from monitors.config import ModelConfig
from monitors.core.counts import FINE_BINS, OVER, UNDER, NumericBins, Tally, compute_slot_order
from monitors.core.measurement import Measurement, Status, clean_value, compute_status
from monitors.core.metrics import BINARY, compute_estimated_metrics

ESTIMATED = compute_estimated_metrics()
BOOTSTRAPS = 40
BAND_SIGMAS = 3.0
MIN_ROWS = 30


@dataclass(frozen=True)
class Estimate:
    metric: str
    value: float | None
    band: float | None  # half-width: the estimate +- band


def compute_slot_scores(slots: np.ndarray, bins: NumericBins) -> np.ndarray:
    """A score slot's score: its bin's middle; below and above the bins, the bins' ends."""
    middle = bins.low + (np.minimum(slots, FINE_BINS - 1) + 0.5) * bins.width
    return np.where(slots == UNDER, bins.low, np.where(slots == OVER, bins.high, middle))


def compute_calibrator(baseline: Tally, bins: NumericBins) -> Any | None:
    """Isotonic calibration of scores to P(label = 1) on the labelled baseline; None without
    both classes."""
    from sklearn.isotonic import IsotonicRegression

    g = baseline.groups[(baseline.groups[:, 0] >= 0) & (baseline.groups[:, 1] >= 0)]
    if g[:, 3].sum() < MIN_ROWS or len(np.unique(g[:, 0])) < 2:
        return None
    return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
        compute_slot_scores(g[:, 2], bins), (g[:, 0] == 1).astype(float), sample_weight=g[:, 3])


def compute_estimates(calibrator: Any, tally: Tally, bins: NumericBins, seed: int = 0
                      ) -> list[Estimate]:
    """CBPE estimates with their sampling-error bands, from every row with a finite score."""
    g = tally.groups
    if calibrator is None or g[:, 3].sum() < MIN_ROWS:
        return [Estimate(m, None, None) for m in ESTIMATED]
    keys = np.stack([g[:, 1] == 1, g[:, 2]], axis=1).astype(np.int64)  # (predicted, slot)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=g[:, 3], minlength=len(unique))
    slots, index = np.unique(compute_slot_order(unique[:, 1]), return_inverse=True)
    probability = np.asarray(calibrator.predict(compute_slot_scores(unique[:, 1], bins)), dtype=float)
    predicted = unique[:, 0]
    values = compute_confusion_metrics(probability * counts, counts, predicted, index, len(slots))
    rng = np.random.default_rng(seed)
    drawn = rng.binomial(counts.astype(np.int64), probability, size=(BOOTSTRAPS, len(counts)))
    draws = compute_confusion_metrics(drawn.astype(float), counts, predicted, index, len(slots))
    out = []
    for metric in ESTIMATED:
        value = float(values[metric])
        finite = draws[metric][np.isfinite(draws[metric])]
        band = BAND_SIGMAS * float(np.std(finite)) if len(finite) > 2 else None
        out.append(Estimate(metric, None if np.isnan(value) else value, band))
    return out


def compute_estimated_measurements(config: ModelConfig, tally: Tally, bins: NumericBins,
                                   calibrator: Any, baseline_metrics: dict[str, float | None],
                                   pending: bool, segment: str | None = None) -> list[Measurement]:
    """Rows of kind estimated_performance: each estimate with its bound (as the realized metric)
    and its band (`<metric>_band`: the half-width). Estimates alert only while labels are
    pending; once realized metrics can be judged, the estimate is kept for comparison."""
    if config.task != BINARY or not tally.total:
        return []
    rows = []
    for estimate in compute_estimates(calibrator, tally, bins):
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
