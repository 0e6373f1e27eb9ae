"""Regression's realized performance from the sums of errors, its metrics' standard errors, and
the tally of rows held in pandas (as warehouse.outcomes.regression counts them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitors.config import ModelConfig
from monitors.core.counts import NumericBins
from monitors.core.fields import LABEL
from monitors.core.metrics import REGRESSION, compute_task_metrics
from monitors.core.tallies import RegressionTally, Tally


def _own(tally: Tally) -> RegressionTally:
    assert isinstance(tally, RegressionTally), tally
    return tally


def compute_metrics(tally: Tally) -> dict[str, float | None]:
    s = _own(tally).sums
    n = s.get("n", 0.0)
    if not n:
        return dict.fromkeys(compute_task_metrics(REGRESSION))
    total_sq = s["yy"] - s["y"] ** 2 / n
    r2 = (1 - s["sq"] / total_sq if total_sq > 0 else (1.0 if s["sq"] == 0 else 0.0)) if n > 1 else None
    msle = s["sle"] / s["sle_n"] if s.get("sle_n") else None
    return {"mae": s["abs"] / n, "mse": s["sq"] / n, "rmse": float(np.sqrt(s["sq"] / n)),
            "mape": s["ape"] / s["ape_n"] if s["ape_n"] else None, "msle": msle,
            "rmsle": float(np.sqrt(msle)) if msle is not None else None, "r2": r2}


def compute_standard_error(tally: Tally, metric: str, value: float) -> float | None:
    """From the errors' moments for mae, mse, rmse, msle and rmsle; None otherwise."""
    s = _own(tally).sums
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


def compute_frame_tally(frame: Any, config: ModelConfig, score_bins: NumericBins) -> Tally:
    """The tally of rows in pandas: the sums of errors over the labelled rows."""
    p = config.predictions
    score = pd.to_numeric(frame[p.score], errors="coerce").to_numpy(float) if p.score \
        else np.full(len(frame), np.nan)
    label = frame[LABEL] if LABEL in frame.columns else pd.Series([None] * len(frame), dtype=object)
    y = pd.to_numeric(label, errors="coerce").to_numpy(float)
    ok = ~np.isnan(y) & np.isfinite(score)
    e, yy = y[ok] - score[ok], y[ok]
    nz = yy != 0
    logged = (yy > -1) & (score[ok] > -1)
    sle = (np.log1p(yy[logged]) - np.log1p(score[ok][logged])) ** 2
    sums = {"n": float(ok.sum()), "abs": float(np.abs(e).sum()), "sq": float((e * e).sum()),
            "quad": float((e ** 4).sum()), "y": float(yy.sum()), "yy": float((yy * yy).sum()),
            "ape": float(np.abs(e[nz] / yy[nz]).sum()), "ape_n": float(nz.sum()),
            "sle": float(sle.sum()), "sle_sq": float((sle * sle).sum()), "sle_n": float(logged.sum())}
    return RegressionTally(total=len(frame), sums=sums)

