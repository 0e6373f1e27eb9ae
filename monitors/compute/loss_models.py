"""Direct loss estimation's models (DLE, as NannyML describes it), fitted on the labelled baseline.

Gradient-boosted models (scikit-learn's HistGradientBoostingRegressor) learn each row's loss from
its features and its prediction, one model per loss: the absolute error (mae), the absolute
percentage error (mape; rows with a label of 0 left out) and the squared log error
(log1p(label) - log1p(prediction))^2 (msle, rmsle; rows with a label or prediction at or below -1
left out, where log1p is undefined). The squared error (mse, rmse) is not learnt from itself but
from the absolute error's model: its prediction squared, times the baseline's ratio of the mean
squared error to the mean squared predicted absolute error (as an error's scale times a noise of
one shape; absolute errors are far less heavy-tailed than squared ones, so their model learns the
scale with less noise: variance functions are estimated from absolute residuals for that reason).

Each model learns its loss relative to the prediction's size, as a generalized linear model's
variance grows as a power of its mean: the baseline's absolute error grows as |prediction|^power
(the slope of log mean absolute error over log mean |prediction| across tenths of the
prediction, times how closely the tenths follow that line, within [0, 1], and 0 where the line's
slope is not significant: 0 for errors of one size, 1 for errors in proportion, as a price's),
the percentage error as |prediction|^(power - 1)
and the squared log error as |prediction|^(2 (power - 1)). Trees predict a constant beyond the
rows they learnt from; learnt relative to the prediction's size, a window whose predictions grew
past the baseline's gets errors grown as the baseline's grew with the prediction.

Per loss the model also keeps the baseline's relative spread of the loss where it was predicted
alike and the skewness of its noise: compute.loss_estimation's band is made of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FIT_ROWS = 50_000  # baseline rows the loss models learn from
MIN_ROWS = 200  # labelled baseline rows below which no model is fitted
MAX_CATEGORIES = 250  # a categorical feature's most frequent values kept (the rest: missing)
SPREAD_GROUPS = 10  # groups of the predicted loss the band's relative spread is taken in
# each learnt loss's size as a power of |prediction|: (a, b) for a * power + b, `power` the
# absolute error's (compute_power); the squared error is the absolute error's model's, squared
LOSS_POWERS = {"absolute": (1, 0), "percentage": (1, -1), "log": (2, -2)}
# the significance level the slope of the log error over the log size must hold at for a power:
# below it the tenths do not tell the size's effect from the features' (compute_power)
POWER_LEVEL = 0.05


@dataclass(frozen=True)
class LossModel:
    numerical: tuple[str, ...]  # the numerical features, then the prediction
    categories: dict[str, tuple[str, ...]]  # categorical feature -> the values it knows
    models: dict[str, Any]  # loss -> its RelativeModel (squared: ScaledModel); absent: too few rows
    cv: dict[str, tuple[np.ndarray, np.ndarray]]  # loss -> its relative spread (compute_spread)
    rows: int  # baseline rows fitted on
    fitted: dict[str, int]  # loss -> the baseline rows its model learnt from
    skew: dict[str, float] = field(default_factory=dict)  # loss -> its skewness (compute_skew)
    power: float = 0.0  # how the absolute error grows with |prediction| (compute_power)


@dataclass(frozen=True)
class RelativeModel:
    """A loss's model learnt relative to the prediction's size: `inner` learnt each row's loss over
    max(|prediction|, `floor`) ** `power` (the prediction: the design's `column`); its prediction
    times that size again."""
    inner: Any
    power: float
    floor: float
    column: int

    def size(self, design: np.ndarray) -> np.ndarray:
        return np.maximum(np.abs(np.nan_to_num(design[:, self.column])), self.floor) ** self.power

    def predict(self, design: np.ndarray) -> np.ndarray:
        return self.inner.predict(design) * self.size(design)


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
    # rows predicted near 0: the size of a tenth of the mean (all predicted 0: one size, 1)
    floor = float(np.mean(np.abs(p[finite]))) / 10 or 1.0
    losses = compute_losses(y[finite], p[finite])
    power = compute_power(p[finite], losses["absolute"], floor)
    models: dict[str, Any] = {}
    cv, fitted, skew = {}, {}, {}
    for loss, target in losses.items():  # "absolute" before "squared"
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
            slope, offset = LOSS_POWERS[loss]
            inner = HistGradientBoostingRegressor(categorical_features=mask, early_stopping=False,
                                                  random_state=seed)
            models[loss] = RelativeModel(inner, slope * power + offset, floor, len(columns) - 1)
            inner.fit(design[kept], target[kept] / models[loss].size(design[kept]))
        predicted = models[loss].predict(design[kept])
        cv[loss] = compute_spread(predicted, target[kept])
        skew[loss] = compute_skew(predicted, target[kept], cv[loss])
        fitted[loss] = int(kept.sum())
    return LossModel(columns, categories, models, cv, len(rows), fitted, skew, power)


def compute_power(prediction: np.ndarray, absolute: np.ndarray, floor: float) -> float:
    """How the absolute error grows with the prediction's size: the slope of the log of its mean
    over the log of the mean size max(|prediction|, floor) across SPREAD_GROUPS groups of that
    size, times the share of the groups' log errors' variance the line explains (its R^2), within
    [0, 1]; 0 where it cannot be told (predictions of one size, no error) or the slope does not
    hold at the POWER_LEVEL significance level across the groups. Errors that grow with features
    the prediction is made of, not with its size, follow it loosely (R^2 0.13-0.21 on the heavy
    family, not significant across ten groups; 0.9-1 where the errors grow in proportion)."""
    from scipy.stats import linregress

    size = np.maximum(np.abs(prediction), floor)
    edges, group = _groups(size)
    means = np.array([(size[group == k].mean(), absolute[group == k].mean())
                      for k in range(len(edges) + 1) if (group == k).any()])
    means = means[means[:, 1] > 0]
    log_size, log_error = np.log(means[:, 0]), np.log(means[:, 1])
    if len(means) < 2 or np.ptp(log_size) == 0:
        return 0.0
    line = linregress(log_size, log_error)  # its p-value: the slope's t test (F(1, groups - 2))
    if not line.pvalue < POWER_LEVEL:  # NaN where the errors are all of one size
        return 0.0
    power = float(line.slope) * float(line.rvalue) ** 2
    return float(np.clip(power, 0.0, 1.0)) if math.isfinite(power) else 0.0


def compute_spread(predicted: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss's relative spread where its model predicts it to be small or large: the inner
    edges of SPREAD_GROUPS groups of the baseline's predicted loss, and per group the loss's
    standard deviation over its predicted mean there. Heavy tails lie where the loss is large,
    so a window moving there spreads its losses more than the baseline's average."""
    edges, group = _groups(predicted)
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


def _groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SPREAD_GROUPS groups of `values` by their quantiles: the inner edges (distinct) and each
    value's group index (0 to len(edges))."""
    edges = np.unique(np.quantile(values, np.linspace(0, 1, SPREAD_GROUPS + 1)[1:-1]))
    return edges, np.searchsorted(edges, values, side="right")
