"""Performance without labels: confidence-based performance estimation (CBPE, as NannyML
describes it) for binary and multiclass classification.

Calibrate the scores on the labelled baseline (isotonic regression; binary scores that are
probabilities the baseline finds calibrated, by a Hosmer-Lemeshow test, are kept as they are),
then take the expected confusion matrix from the calibrated probabilities: a row predicted
positive with calibrated probability p is a true positive with probability p, a false positive
with 1 - p. ROC AUC is the area under the expected ROC curve. The sampling-error band is 3
standard deviations of the realized metric when labels are drawn from the calibrated
probabilities (a seeded parametric bootstrap). Rows come as outcome tallies: counts per
(predicted label, score slot), the slot's score at its bin's middle, so a window of any size
costs the same.

Multiclass (with class_scores): each class's probability is calibrated one-vs-rest on the
baseline, each class's expected one-vs-rest confusion matrix taken from its calibrated
probabilities over the rows (predicted that class or not), and the macro averages taken, as
scikit-learn's and NannyML's; accuracy is the expected correct rows over all rows. The
calibrated probabilities of a row are not rescaled to sum to 1 (NannyML does): the counts hold
each class's probability apart from the others'.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from monitors.compute.performance import compute_bound
from monitors.compute.performance.confusion import compute_confusion_metrics
from monitors.config import ModelConfig
from monitors.core.counts import (
    DEFAULT_SCORE_BINS,
    FINE_BINS,
    OVER,
    UNDER,
    NumericBins,
    compute_slot_order,
)
from monitors.core.measurement import Measurement, Status, clean_value, compute_status
from monitors.core.metrics import BINARY, compute_estimated_metrics
from monitors.core.tallies import BinaryTally, MulticlassTally, Tally
from monitors.core.tasks import CBPE, CLASS_CBPE, compute_task_type

ESTIMATED = compute_estimated_metrics(BINARY)  # multiclass: the same
BOOTSTRAPS = 40
BAND_SIGMAS = 3.0
MIN_ROWS = 30
# scores in [0, 1] whose baseline passes the Hosmer-Lemeshow test at this level are taken as the
# probabilities: an isotonic step function fitted to a calibrated model only adds its noise
CALIBRATION_BINS, CALIBRATED_P = 10, 0.05


@dataclass(frozen=True)
class Estimate:
    metric: str
    value: float | None
    band: float | None  # half-width: the estimate +- band


def compute_slot_scores(slots: np.ndarray, bins: NumericBins) -> np.ndarray:
    """A score slot's score: its bin's middle; below and above the bins, the bins' ends."""
    middle = bins.low + (np.minimum(slots, FINE_BINS - 1) + 0.5) * bins.width
    return np.where(slots == UNDER, bins.low, np.where(slots == OVER, bins.high, middle))


@dataclass(frozen=True)
class Isotonic:
    """A fitted isotonic regression: at each distinct score of the fit its non-decreasing fitted
    value; between them linear, outside them the nearest end's (scikit-learn's
    IsotonicRegression(out_of_bounds="clip"), without importing it: ~0.15 CPU s before a window's
    first estimate)."""

    scores: np.ndarray
    values: np.ndarray

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(np.clip(scores, self.scores[0], self.scores[-1]), self.scores, self.values)


def compute_isotonic(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> Isotonic:
    """The weighted least-squares non-decreasing fit of y on x, in [0, 1]: rows of equal x pooled
    (their weighted mean), then adjacent violators pooled until the values do not decrease."""
    x, y, weights = x[weights > 0], y[weights > 0], weights[weights > 0]
    distinct, which = np.unique(x, return_inverse=True)
    pooled_w = np.bincount(which, weights=weights, minlength=len(distinct))
    pooled_y = np.bincount(which, weights=weights * y, minlength=len(distinct)) / pooled_w
    means: list[float] = []
    sums: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(pooled_y.tolist(), pooled_w.tolist(), strict=True):
        means.append(value)
        sums.append(weight)
        sizes.append(1)
        while len(means) > 1 and means[-2] >= means[-1]:  # a violator: pool the last two blocks
            weight_sum = sums[-2] + sums[-1]
            means[-2] = (means[-2] * sums[-2] + means[-1] * sums[-1]) / weight_sum
            sums[-2], sizes[-2] = weight_sum, sizes[-2] + sizes[-1]
            del means[-1], sums[-1], sizes[-1]
    return Isotonic(distinct.astype(float), np.clip(np.repeat(means, sizes), 0.0, 1.0))


def _fit_isotonic(scores: np.ndarray, positive: np.ndarray, counts: np.ndarray) -> Isotonic | None:
    """Isotonic regression of P(positive) on the scores; None without both outcomes."""
    if counts.sum() < MIN_ROWS or len(np.unique(positive)) < 2:
        return None
    return compute_isotonic(scores, positive.astype(float), counts.astype(float))


class _AsScored:
    """The scores taken as the probabilities (clipped to [0, 1]): a baseline already calibrated."""

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.clip(scores, 0.0, 1.0)


def compute_calibration_test(probability: np.ndarray, positive: np.ndarray, counts: np.ndarray
                             ) -> float:
    """Hosmer-Lemeshow test of rows counted by group: the p-value of the chi-square (CALIBRATION_BINS
    degrees of freedom) of the positives against their probabilities' sum over CALIBRATION_BINS
    bins of equal counts, rows ordered by the probability. Small when the probabilities are off."""
    from scipy.stats import chi2

    order = np.argsort(probability, kind="stable")
    w, p, y = counts[order], probability[order], positive[order].astype(float)
    which = np.minimum(((np.cumsum(w) - w / 2) * CALIBRATION_BINS / w.sum()).astype(int),
                       CALIBRATION_BINS - 1)
    rows, seen, expected = (np.bincount(which, weights=v, minlength=CALIBRATION_BINS)
                            for v in (w, w * y, w * p))
    spread = expected * (1 - expected / np.maximum(rows, 1))
    terms = np.where(spread > 0, (seen - expected) ** 2 / np.maximum(spread, 1e-12),
                     np.where(seen == expected, 0.0, np.inf))
    return float(chi2.sf(terms.sum(), CALIBRATION_BINS))


def compute_calibrator(baseline: BinaryTally, bins: NumericBins) -> Any | None:
    """Isotonic calibration of scores to P(label = 1) on the labelled baseline, or the scores as
    they are when they are probabilities the baseline finds calibrated (compute_calibration_test
    at CALIBRATED_P); None without both classes."""
    g = baseline.labelled_groups
    scores, positive, counts = compute_slot_scores(g[:, 2], bins), g[:, 0] == 1, g[:, 3].astype(float)
    calibrator = _fit_isotonic(scores, positive, counts)
    if calibrator is None or scores.min() < 0 or scores.max() > 1 \
            or compute_calibration_test(scores, positive, counts) < CALIBRATED_P:
        return calibrator
    return _AsScored()


def compute_class_calibrators(baseline: MulticlassTally) -> dict[str, Any] | None:
    """Per class, isotonic calibration of its probability to P(label = the class) on the
    labelled baseline (one vs rest); None without class probabilities or if a class cannot be
    calibrated (never seen, or always)."""
    found = {}
    for name, rows in baseline.probabilities.items():
        g = rows[rows[:, 0] >= 0]
        found[name] = _fit_isotonic(compute_slot_scores(g[:, 2], DEFAULT_SCORE_BINS), g[:, 0] == 1, g[:, 3])
    return found if found and all(c is not None for c in found.values()) else None


@dataclass(frozen=True)
class _Expected:
    """One binary (or one-vs-rest) table's CBPE: its metrics from the expected counts and from
    BOOTSTRAPS draws of labels, and its expected and drawn true positives."""

    values: dict[str, np.ndarray]
    draws: dict[str, np.ndarray]
    true_positives: float
    drawn_true_positives: np.ndarray
    rows: float


def _expect(calibrator: Any, predicted: np.ndarray, slots: np.ndarray, counts: np.ndarray,
            bins: NumericBins, rng: np.random.Generator) -> _Expected:
    """Groups (predicted positive 1/0, score slot) holding `counts` rows -> metrics expected
    from the calibrated probabilities of their slots' scores."""
    keys = np.stack([predicted == 1, slots], axis=1).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    n = np.bincount(inverse.ravel(), weights=counts, minlength=len(unique))
    ordered, index = np.unique(compute_slot_order(unique[:, 1]), return_inverse=True)
    probability = np.asarray(calibrator.predict(compute_slot_scores(unique[:, 1], bins)), dtype=float)
    values = compute_confusion_metrics(probability * n, n, unique[:, 0], index, len(ordered))
    drawn = rng.binomial(n.astype(np.int64), probability, size=(BOOTSTRAPS, len(n))).astype(float)
    draws = compute_confusion_metrics(drawn, n, unique[:, 0], index, len(ordered))
    chosen = unique[:, 0] == 1
    return _Expected(values, draws, float((probability * n)[chosen].sum()),
                     drawn[:, chosen].sum(axis=1), float(n.sum()))


def _as_estimates(values: dict[str, Any], draws: dict[str, np.ndarray]) -> list[Estimate]:
    out = []
    for metric in ESTIMATED:
        value = float(values[metric])
        finite = draws[metric][np.isfinite(draws[metric])]
        band = BAND_SIGMAS * float(np.std(finite)) if len(finite) > 2 else None
        out.append(Estimate(metric, None if np.isnan(value) else value, band))
    return out


def compute_estimates(calibrator: Any, tally: BinaryTally, bins: NumericBins, seed: int = 0
                      ) -> list[Estimate]:
    """CBPE estimates with their sampling-error bands, from every row with a finite score."""
    g = tally.groups
    if calibrator is None or g[:, 3].sum() < MIN_ROWS:
        return [Estimate(m, None, None) for m in ESTIMATED]
    found = _expect(calibrator, g[:, 1], g[:, 2], g[:, 3], bins, np.random.default_rng(seed))
    return _as_estimates(found.values, found.draws)


def compute_class_estimates(calibrators: dict[str, Any] | None, tally: MulticlassTally, seed: int = 0
                            ) -> list[Estimate]:
    """Multiclass CBPE: macro one-vs-rest ROC AUC, precision, recall and f1 and accuracy, with
    bands, from every row's class probability counts."""
    tables = tally.probabilities
    if not calibrators or not tables or any(name not in tables for name in calibrators) \
            or max(tables[name][:, 3].sum() for name in calibrators) < MIN_ROWS:
        return [Estimate(m, None, None) for m in ESTIMATED]
    rng = np.random.default_rng(seed)
    each = [_expect(calibrators[name], tables[name][:, 1], tables[name][:, 2], tables[name][:, 3],
                    DEFAULT_SCORE_BINS, rng) for name in calibrators]
    rows = max(e.rows for e in each)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a class's metric undefined in every draw
        values = {m: np.nanmean([e.values[m] for e in each]) for m in ESTIMATED}
        draws = {m: np.nanmean(np.stack([e.draws[m] for e in each]), axis=0) for m in ESTIMATED}
    values["accuracy"] = np.float64(sum(e.true_positives for e in each) / rows)
    draws["accuracy"] = sum(e.drawn_true_positives for e in each) / rows
    return _as_estimates(values, draws)


# per estimator of the task-type registry (core.tasks) that estimates from the tallies: its
# calibrator, fitted on the baseline's tally, and its estimates of a window's tally
CALIBRATORS: dict[str, Callable[[Tally, NumericBins], Any]] = {
    CBPE: lambda baseline, bins: compute_calibrator(cast(BinaryTally, baseline), bins),
    CLASS_CBPE: lambda baseline, bins: compute_class_calibrators(cast(MulticlassTally, baseline)),
}
ESTIMATORS: dict[str, Callable[[Any, Tally, NumericBins], list[Estimate]]] = {
    CBPE: lambda calibrator, tally, bins: compute_estimates(calibrator, cast(BinaryTally, tally), bins),
    CLASS_CBPE: lambda calibrators, tally, bins: compute_class_estimates(
        calibrators, cast(MulticlassTally, tally)),
}


def compute_reference_calibrator(task: str, baseline: Tally, bins: NumericBins) -> Any:
    """The calibrator of the task's estimator, fitted on the baseline's labelled tally; None for
    an estimator that needs none (regression's: compute.loss_estimation)."""
    calibrate = CALIBRATORS.get(compute_task_type(task).estimator)
    return calibrate(baseline, bins) if calibrate is not None else None


def compute_estimated_measurements(config: ModelConfig, tally: Tally, bins: NumericBins,
                                   calibrator: Any, baseline_metrics: dict[str, float | None],
                                   pending: bool, estimates: list[Estimate] | None = None,
                                   segment: str | None = None) -> list[Measurement]:
    """Rows of kind estimated_performance: each estimate with its bound (as the realized metric)
    and its band (`<metric>_band`: the half-width); CBPE's from the tally, or `estimates` given
    (regression's, compute.loss_estimation). Estimates alert only while labels are pending; once
    realized metrics can be judged, the estimate is kept for comparison."""
    if estimates is None:
        task = compute_task_type(config.task)
        estimator = ESTIMATORS.get(task.estimator)
        if estimator is None or not tally.total \
                or not all(getattr(config.predictions, need) for need in task.estimator_needs):
            return []
        estimates = estimator(calibrator, tally, bins)
    rows = []
    for estimate in estimates:
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
