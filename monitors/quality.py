"""Data-quality measurements of our own, beside the GX suite: row count, missing share, share of
categories the baseline never had, and non-finite scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitors.config import ModelConfig
from monitors.measurement import Measurement

MISSING_TOLERANCE = 0.1  # alert when the missing share rises this much above the baseline's
NEW_CATEGORY_TOLERANCE = 0.01


def compute_missing_share(series: pd.Series) -> float:
    if series.empty:
        return 0.0
    values = series.replace([np.inf, -np.inf], np.nan) if pd.api.types.is_float_dtype(series) \
        else series
    return float(values.isna().mean())


def compute_quality_measurements(config: ModelConfig, current: pd.DataFrame,
                                 baseline: pd.DataFrame, missing_columns: list[str]
                                 ) -> list[Measurement]:
    p = config.predictions
    rows = [Measurement("data_quality", "row_count", float(len(current)), None,
                        "ok" if len(current) else "skipped")]
    for column in missing_columns:
        rows.append(Measurement("schema", "column_present", 0.0, 1.0, "alert", column))
    if current.empty:
        return rows
    for column in p.features.all:
        if column not in current.columns:
            continue
        base = compute_missing_share(baseline[column]) if column in baseline.columns else 0.0
        share = compute_missing_share(current[column])
        bound = min(1.0, base + MISSING_TOLERANCE)
        rows.append(Measurement("data_quality", "missing_share", share, bound,
                                "alert" if share > bound else "ok", column))
    for column in p.features.categorical:
        if column not in current.columns or column not in baseline.columns:
            continue
        known = set(baseline[column].dropna().astype(str))
        values = current[column].dropna().astype(str)
        share = float((~values.isin(known)).mean()) if len(values) else 0.0
        rows.append(Measurement("data_quality", "new_category_share", share,
                                NEW_CATEGORY_TOLERANCE,
                                "alert" if share > NEW_CATEGORY_TOLERANCE else "ok", column))
    if p.score in current.columns:
        scores = pd.to_numeric(current[p.score], errors="coerce")
        bad = float((~np.isfinite(scores.to_numpy(float))).mean())
        rows.append(Measurement("data_quality", "non_finite_share", bad, 0.0,
                                "alert" if bad > 0 else "ok", p.score))
    return rows
