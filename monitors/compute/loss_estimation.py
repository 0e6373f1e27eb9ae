"""Regression performance without labels: direct loss estimation (DLE, as NannyML describes it).

On the labelled baseline, gradient-boosted models (scikit-learn's HistGradientBoostingRegressor)
learn each row's loss from its features and its prediction, one model per loss: the absolute
error (mae), the absolute percentage error (mape; rows with a label of 0 left out) and the
squared log error (log1p(label) - log1p(prediction))^2 (msle, rmsle; rows with a label or
prediction at or below -1 left out, where log1p is undefined). The squared error (mse, rmse) is
not learnt from itself but from the absolute error's model: its prediction squared, times the
baseline's ratio of the mean squared error to the mean squared predicted absolute error (as an
error's scale times a noise of one shape; absolute errors are far less heavy-tailed than squared
ones, so their model learns the scale with less noise: variance functions are estimated from
absolute residuals for that reason). A window's metric is the mean of the predicted losses over
its rows (msle: over those whose prediction is above -1; the label is unknown), rmse and rmsle
its root. The rows are a seeded sample of the window (at most SAMPLE_ROWS; run.loss_estimation
reads it), never the whole window; a segment value's are the sample's rows of that value. The
band is 3 standard deviations of what the realized metric would be: each row's predicted loss
times the baseline's relative spread of the loss where it was predicted alike (its coefficient
of variation in a tenth of the baseline's predicted losses: heavy tails lie where the errors
are large, and a window moving there spreads its errors more), over the window's row count;
plus the sample's own error when the window has more rows than the sample, and the models' own
learning error as that of a mean of the baseline rows they learnt from (the same spread over
their count); widened where the loss is skewed (a squared log-normal error's mean over a window
lies above its estimate more often and further than below: the Cornish-Fisher quantile of the
mean, from the baseline's noise skewness); roots by the delta method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monitors.compute.estimation import BAND_SIGMAS, Estimate
from monitors.core.metrics import REGRESSION, compute_estimated_metrics

FIT_ROWS = 50_000  # baseline rows the loss models learn from
SAMPLE_ROWS = 20_000  # window rows they estimate from
MIN_ROWS = 200  # labelled baseline rows below which no model is fitted
MAX_CATEGORIES = 250  # a categorical feature's most frequent values kept (the rest: missing)
# the largest skewness of a window's mean loss the band widens for: the Cornish-Fisher expansion
# holds for a moderately skewed mean; beyond, one baseline row's extreme loss sets the sample
# skewness (the multiplicative family's seed 14: 97), and the band would widen without bound
MAX_SKEW = 1.0
SPREAD_GROUPS = 10  # groups of the predicted loss the band's relative spread is taken in
# each estimated metric: the loss whose mean it is, and whether it is that mean's root
METRIC_LOSSES = {"mae": ("absolute", False), "mse": ("squared", False), "rmse": ("squared", True),
                 "mape": ("percentage", False), "msle": ("log", False), "rmsle": ("log", True)}


@dataclass(frozen=True)
class LossModel:
    numerical: tuple[str, ...]  # the numerical features, then the prediction
    categories: dict[str, tuple[str, ...]]  # categorical feature -> the values it knows
    models: dict[str, Any]  # loss (METRIC_LOSSES) -> HistGradientBoostingRegressor; absent: too few rows
    cv: dict[str, tuple[np.ndarray, np.ndarray]]  # loss -> its relative spread (compute_spread)
    rows: int  # baseline rows fitted on
    fitted: dict[str, int]  # loss -> the baseline rows its model learnt from
    skew: dict[str, float] = field(default_factory=dict)  # loss -> its skewness (compute_skew)


@dataclass(frozen=True)
class ScaledModel:
    """The squared error's model: the absolute error's (`root`), its prediction squared, times
    `ratio` (the baseline's mean squared error over its mean squared predicted absolute error)."""
    root: Any
    ratio: float

    def predict(self, design: np.ndarray) -> np.ndarray:
        root = np.maximum(self.root.predict(design), 0.0)
        return self.ratio * root * root


def compute_design(frame: Any, numerical: tuple[str, ...], categories: dict[str, tuple[str, ...]]
                   ) -> np.ndarray:
    """The models' inputs: numbers as floats (NaN where missing or not a number), categories as
    their index among the known values (NaN for another or a missing value)."""
    import pandas as pd

    parts = [pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in numerical]
    for column, known in categories.items():
        codes = pd.Categorical(frame[column].astype("string"), categories=list(known)).codes
        parts.append(np.where(codes < 0, np.nan, codes).astype(float))
    return np.column_stack(parts) if parts else np.zeros((len(frame), 0))


def compute_losses(label: np.ndarray, prediction: np.ndarray) -> dict[str, np.ndarray]:
    """Each loss per row; NaN where it is undefined (mape: a label of 0; log: at or below -1)."""
    error = label - prediction
    with np.errstate(divide="ignore", invalid="ignore"):
        percentage = np.where(label != 0, np.abs(error) / np.abs(label), np.nan)
        logged = (label > -1) & (prediction > -1)
        log = np.where(logged, np.log1p(np.where(logged, label, 0.0))
                       - np.log1p(np.where(logged, prediction, 0.0)), np.nan) ** 2
    return {"absolute": np.abs(error), "squared": error * error, "percentage": percentage, "log": log}


def compute_loss_model(frame: Any, label: str, prediction: str, numerical: list[str],
                       categorical: list[str], seed: int = 0) -> LossModel | None:
    """Fit the loss models on labelled baseline rows (`frame`); None with fewer than MIN_ROWS
    rows with a finite label and prediction (a loss defined on fewer rows: no model of it)."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingRegressor

    y = pd.to_numeric(frame[label], errors="coerce").to_numpy(float)
    p = pd.to_numeric(frame[prediction], errors="coerce").to_numpy(float)
    finite = np.isfinite(y - p)
    rows = frame[finite]
    if len(rows) < MIN_ROWS:
        return None
    columns = (*(c for c in numerical if c != prediction), prediction)  # the prediction last
    categories = {c: tuple(str(v) for v in rows[c].astype("string").value_counts().index[:MAX_CATEGORIES])
                  for c in categorical}
    design = compute_design(rows, columns, categories)
    mask = [False] * len(columns) + [True] * len(categories)
    models: dict[str, Any] = {}
    cv, fitted, skew = {}, {}, {}
    for loss, target in compute_losses(y[finite], p[finite]).items():  # "absolute" before "squared"
        kept = np.isfinite(target)
        if kept.sum() < MIN_ROWS:
            continue
        if loss == "squared":  # the same rows as the absolute error's
            root = np.maximum(models["absolute"].predict(design[kept]), 0.0)
            ratio = target[kept].sum() / max(float((root * root).sum()), np.finfo(float).tiny)
            models[loss] = ScaledModel(models["absolute"], float(ratio))
        else:
            # 100 trees, no early stopping (as LightGBM's defaults, NannyML's): stopping early
            # (at ~40 trees on 20k rows) under-fitted where the errors grow, and shifted windows'
            # MAE was missed by twice as much (benchmarks/estimation_vs_nannyml.py)
            models[loss] = HistGradientBoostingRegressor(
                categorical_features=mask, early_stopping=False, random_state=seed
            ).fit(design[kept], target[kept])
        predicted = models[loss].predict(design[kept])
        cv[loss] = compute_spread(predicted, target[kept])
        skew[loss] = compute_skew(predicted, target[kept], cv[loss])
        fitted[loss] = int(kept.sum())
    return LossModel(columns, categories, models, cv, len(rows), fitted, skew)


def compute_spread(predicted: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss's relative spread where its model predicts it to be small or large: the inner
    edges of SPREAD_GROUPS groups of the baseline's predicted loss, and per group the loss's
    standard deviation over its predicted mean there. Heavy tails lie where the loss is large,
    so a window moving there spreads its losses more than the baseline's average."""
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, SPREAD_GROUPS + 1)[1:-1]))
    group = np.searchsorted(edges, predicted, side="right")
    cv = np.zeros(len(edges) + 1)
    for k in range(len(cv)):
        mean = float(np.mean(np.maximum(predicted[group == k], 0.0))) if (group == k).any() else 0.0
        cv[k] = float(np.std(loss[group == k]) / mean) if mean > 0 else 0.0
    return edges, cv


def compute_row_spread(predicted: np.ndarray, cv: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Each row's loss spread: its predicted loss times the relative spread (compute_spread) of
    the group its prediction falls in."""
    edges, ratio = cv
    return ratio[np.searchsorted(edges, predicted, side="right")] * predicted


def compute_skew(predicted: np.ndarray, loss: np.ndarray, cv: tuple[np.ndarray, np.ndarray]) -> float:
    """The skewness of the loss's noise: the baseline's losses less their prediction, each over
    its spread (compute_spread), cubed and averaged (0 without spread). A log-normal error's
    squares are far more skewed than a normal one's: their mean over a window is too."""
    spread = compute_row_spread(np.maximum(predicted, 0.0), cv)
    kept = spread > 0
    if kept.sum() < 3:
        return 0.0
    z = (loss[kept] - predicted[kept]) / spread[kept]
    z = (z - z.mean()) / max(float(z.std()), np.finfo(float).tiny)
    return float(np.mean(z ** 3))


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
    """The estimated mean loss and its band: the realized mean's spread over the window's rows
    (each row's loss spread as the baseline's where its loss was predicted alike), plus the
    sample's own error when the window has more rows than the sample, plus the model's learning
    error, as a mean's over the `fitted` baseline rows it learnt from (the same spread). The
    band's upper end is the Cornish-Fisher quantile of the skewed mean (BAND_SIGMAS standard
    deviations plus (BAND_SIGMAS^2 - 1) / 6 times its skewness, at most MAX_SKEW: the rows' noise
    skewness `skew` over the window's rows), taken on both sides."""
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
    return float(predicted.mean()), sigmas * math.sqrt(spread / n + spread / fitted + sampled)
