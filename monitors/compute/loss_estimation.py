"""Regression performance without labels: direct loss estimation (DLE, as NannyML describes it).

On the labelled baseline, two gradient-boosted models (scikit-learn's
HistGradientBoostingRegressor) learn each row's absolute error and squared error from its
features and its prediction. A window's MAE is then the mean of the predicted absolute errors
over its rows and its RMSE the root of the mean predicted squared error. The rows are a seeded
sample of the window (at most SAMPLE_ROWS; run.loss_estimation reads it), never the whole
window. The band is 3 standard deviations of what the realized metric would be: the window's
estimated loss times the baseline's relative spread of the loss (its coefficient of variation:
a window whose errors grow spreads them more), over the window's row count; plus the sample's
own error when the window has more rows than the sample. The models' own fitting error is not
in the band (nor in NannyML's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from monitors.compute.estimation import BAND_SIGMAS, Estimate
from monitors.core.metrics import REGRESSION, compute_estimated_metrics

FIT_ROWS = 50_000  # baseline rows the loss models learn from
SAMPLE_ROWS = 20_000  # window rows they estimate from
MIN_ROWS = 200  # labelled baseline rows below which no model is fitted
MAX_CATEGORIES = 250  # a categorical feature's most frequent values kept (the rest: missing)


@dataclass(frozen=True)
class LossModel:
    numerical: tuple[str, ...]  # the numerical features, then the prediction
    categories: dict[str, tuple[str, ...]]  # categorical feature -> the values it knows
    absolute: Any  # HistGradientBoostingRegressor of |label - prediction|
    squared: Any  # ... of (label - prediction)^2
    absolute_cv: float  # the baseline's standard deviation of |error| over its mean
    squared_cv: float  # ... of error^2
    rows: int  # baseline rows fitted on


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


def compute_loss_model(frame: Any, label: str, prediction: str, numerical: list[str],
                       categorical: list[str], seed: int = 0) -> LossModel | None:
    """Fit the loss models on labelled baseline rows (`frame`); None with fewer than MIN_ROWS
    rows with a finite label and prediction."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingRegressor

    error = (pd.to_numeric(frame[label], errors="coerce")
             - pd.to_numeric(frame[prediction], errors="coerce")).to_numpy(float)
    rows = frame[np.isfinite(error)]
    error = error[np.isfinite(error)]
    if len(rows) < MIN_ROWS:
        return None
    columns = (*(c for c in numerical if c != prediction), prediction)  # the prediction last
    categories = {c: tuple(str(v) for v in rows[c].astype("string").value_counts().index[:MAX_CATEGORIES])
                  for c in categorical}
    design = compute_design(rows, columns, categories)
    mask = [False] * len(columns) + [True] * len(categories)

    def fit(target: np.ndarray) -> Any:
        # 100 trees, no early stopping (as LightGBM's defaults, NannyML's): stopping early (at
        # ~40 trees on 20k rows) under-fitted where the errors grow, and shifted windows' MAE was
        # missed by twice as much (benchmarks/estimation_vs_nannyml.py)
        return HistGradientBoostingRegressor(categorical_features=mask, early_stopping=False,
                                             random_state=seed).fit(design, target)

    def cv(loss: np.ndarray) -> float:
        return float(np.std(loss) / np.mean(loss)) if np.mean(loss) > 0 else 0.0

    return LossModel(columns, categories, fit(np.abs(error)), fit(error * error),
                     cv(np.abs(error)), cv(error * error), len(rows))


def compute_loss_estimates(model: LossModel | None, sample: Any, window_rows: int) -> list[Estimate]:
    """MAE and RMSE estimated over `sample` (the window's rows, or a seeded sample of its
    `window_rows`), with bands; None values without a model or rows with a finite prediction."""
    names = compute_estimated_metrics(REGRESSION)
    if model is None or sample is None or not len(sample):
        return [Estimate(m, None, None) for m in names]
    design = compute_design(sample, model.numerical, model.categories)
    finite = np.isfinite(design[:, len(model.numerical) - 1])  # the prediction
    if not finite.any():
        return [Estimate(m, None, None) for m in names]
    absolute = np.maximum(model.absolute.predict(design[finite]), 0.0)
    squared = np.maximum(model.squared.predict(design[finite]), 0.0)
    m = len(absolute)
    n = max(int(window_rows * finite.mean()), m)
    unsampled = max(1.0 - m / n, 0.0)  # no sampling error when the sample is the window

    def band(cv: float, predicted: np.ndarray) -> float:
        spread = cv * float(predicted.mean())
        return BAND_SIGMAS * math.sqrt(spread ** 2 / n + unsampled * float(np.var(predicted)) / m)

    mae, mse = float(absolute.mean()), float(squared.mean())
    rmse = math.sqrt(mse)
    rmse_band = band(model.squared_cv, squared) / (2 * rmse) if rmse > 0 else None  # delta method
    found = {"mae": Estimate("mae", mae, band(model.absolute_cv, absolute)),
             "rmse": Estimate("rmse", rmse, rmse_band)}
    return [found[m] for m in names]
