"""Regression performance without labels: direct loss estimation (DLE, as NannyML describes it),
a window's estimates from compute.loss_models' models.

A window's metric is the mean of the predicted losses over its rows (msle: over those whose
prediction is above -1; the label is unknown), rmse and rmsle its root. The rows are a seeded
sample of the window (at most SAMPLE_ROWS; run.loss_estimation reads it), never the whole window;
a segment value's are the sample's rows of that value. The band is 3 standard deviations of what
the realized metric would be: each row's predicted loss times the baseline's relative spread of
the loss where it was predicted alike (its coefficient of variation in a tenth of the baseline's
predicted losses: heavy tails lie where the errors are large, and a window moving there spreads
its errors more), over the window's row count; plus the sample's own error when the window has
more rows than the sample, and the models' own learning error as that of a mean of the baseline
rows they learnt from (the same spread over their count); widened where the loss is skewed (a
squared log-normal error's mean over a window lies above its estimate more often and further
than below: the Cornish-Fisher quantile of the mean, from the baseline's noise skewness); roots
by the delta method. The estimate is the realized metric's median, not its mean (the same
expansion at 0 standard deviations: the mean less a sixth of the mean's skewness, at most
MEDIAN_SKEW, times its spread): a skewed mean lies below its own average in most windows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from monitors.compute.estimation import BAND_SIGMAS, Estimate
from monitors.compute.loss_models import LossModel, compute_design, compute_row_spread
from monitors.core.metrics import REGRESSION, compute_estimated_metrics

SAMPLE_ROWS = 20_000  # window rows the loss models estimate from
# the largest skewness of a window's mean loss the band widens for: the Cornish-Fisher expansion
# holds for a moderately skewed mean; beyond, one baseline row's extreme loss sets the sample
# skewness (the multiplicative family's seed 14: 97), and the band would widen without bound
MAX_SKEW = 1.0
# the largest skewness the estimate (the median) is shifted for: at most a twelfth of the window's
# spread below the mean. A wrong skewness costs a shifted estimate in every window and a band
# only in its tails: capped at 1 as the band, the multiplicative family's shifted windows had
# their mse estimated 22-44% below the mean where their median lies 10-20% below it
# (benchmarks/loss_estimates_direct.py, seeds 11-22; docs/measured.md)
MEDIAN_SKEW = 0.5
# each estimated metric: the loss whose mean it is, and whether it is that mean's root
METRIC_LOSSES = {"mae": ("absolute", False), "mse": ("squared", False), "rmse": ("squared", True),
                 "mape": ("percentage", False), "msle": ("log", False), "rmsle": ("log", True)}


def compute_loss_estimates(model: LossModel | None, sample: Any, window_rows: int) -> list[Estimate]:
    """Every estimated regression metric over `sample` (the window's rows, or a seeded sample of
    its `window_rows`), with bands; None values without a model, a model of the metric's loss
    or rows with a prediction it is defined for."""
    names = compute_estimated_metrics(REGRESSION)
    if model is None or sample is None or not len(sample):
        return [Estimate(m, None, None) for m in names]
    design = compute_design(sample, model.numerical, model.categories)
    prediction = design[:, len(model.numerical) - 1]
    finite = np.isfinite(prediction)
    usable = {"absolute": finite, "squared": finite, "percentage": finite, "log": finite & (prediction > -1)}
    found = {}
    for loss, learnt in model.models.items():
        rows = usable[loss]
        if rows.any():
            predicted = np.maximum(learnt.predict(design[rows]), 0.0)
            found[loss] = _mean_and_band(predicted, model.cv[loss], window_rows * rows.mean(),
                                         model.fitted[loss], model.skew.get(loss, 0.0))
    out = []
    for metric in names:
        loss, root = METRIC_LOSSES[metric]
        if loss not in found:
            out.append(Estimate(metric, None, None))
            continue
        mean, band = found[loss]
        if root:  # the delta method
            out.append(Estimate(metric, math.sqrt(mean), band / (2 * math.sqrt(mean)) if mean > 0 else None))
        else:
            out.append(Estimate(metric, mean, band))
    return out


def compute_segment_loss_estimates(model: LossModel | None, sample: Any, rows: dict[str | None, int],
                                   segments: list[str]) -> dict[str | None, list[Estimate]]:
    """Estimates of the whole window (key None) and of each segment value ("segment=value", as
    the outcome tallies' keys) with rows in `rows` (the window's row count per key), each from
    the sample's rows of that value."""
    found: dict[str | None, list[Estimate]] = {None: compute_loss_estimates(model, sample, rows.get(None, 0))}
    for key, count in rows.items():
        segment, _, value = (key or "").partition("=")
        if key is None or segment not in segments or sample is None or segment not in sample:
            continue
        part = sample[sample[segment].astype("string") == value]
        found[key] = compute_loss_estimates(model, part, count)
    return found


def _mean_and_band(predicted: np.ndarray, cv: tuple[np.ndarray, np.ndarray], window_rows: float,
                   fitted: int, skew: float = 0.0) -> tuple[float, float]:
    """The estimated loss (the realized mean's median) and its band: the realized mean's spread
    over the window's rows (each row's loss spread as the baseline's where its loss was predicted
    alike), plus the sample's own error when the window has more rows than the sample, plus the
    model's learning error, as a mean's over the `fitted` baseline rows it learnt from (the same
    spread). The band's upper end is the Cornish-Fisher quantile of the skewed mean (BAND_SIGMAS
    standard deviations plus (BAND_SIGMAS^2 - 1) / 6 times its skewness, at most MAX_SKEW: the
    rows' noise skewness `skew` over the window's rows), taken on both sides; the estimate is
    the same expansion at 0 standard deviations (the mean less a sixth of that skewness, at most
    MEDIAN_SKEW, times the window's spread)."""
    m = len(predicted)
    n = max(int(window_rows), m)
    unsampled = max(1.0 - m / n, 0.0)  # no sampling error when the sample is the window
    each = compute_row_spread(predicted, cv) ** 2
    spread = float(np.mean(each))
    sampled = unsampled * float(np.var(predicted)) / m
    # the skewness of a mean of n rows of variances `each`: skew * sum(s^3) / sum(s^2)^1.5
    skewed = max(skew, 0.0) * float(np.mean(each ** 1.5)) / (spread ** 1.5 * math.sqrt(n)) \
        if spread > 0 else 0.0
    sigmas = BAND_SIGMAS + (BAND_SIGMAS ** 2 - 1) / 6 * min(skewed, MAX_SKEW)
    median = float(predicted.mean()) - min(skewed, MEDIAN_SKEW) / 6 * math.sqrt(spread / n)  # at 0
    return max(median, 0.0), sigmas * math.sqrt(spread / n + spread / fitted + sampled)
