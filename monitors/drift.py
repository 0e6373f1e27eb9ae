"""Per-column drift and dataset drift against the baseline, with Evidently's method choices.

Reference above 1000 rows: numerical -> normed Wasserstein (Jensen-Shannon when at most 5
distinct values), categorical -> Jensen-Shannon. At most 1000 rows: numerical -> K-S p-value
(chi-squared / z-test when at most 5 distinct values), categorical -> chi-squared p-value
(z-test for two values). Distances drift at or above their threshold, p-values below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from monitors.config import Drift
from monitors.measurement import Measurement, clean_value, compute_status

LARGE_REFERENCE = 1000
MIN_ROWS = 2


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    method: str  # wasserstein | jensenshannon | ks_p_value | chisquare_p_value | z_p_value
    value: float | None
    threshold: float
    drifted: bool
    skipped: bool = False


def _clean(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        series = series.replace([np.inf, -np.inf], np.nan)
    return series.dropna()


def _shares(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray, list]:
    keys = sorted(set(reference.unique()) | set(current.unique()), key=str)
    ref_counts = reference.value_counts()
    cur_counts = current.value_counts()
    ref = np.array([ref_counts.get(k, 0) for k in keys], dtype=float)
    cur = np.array([cur_counts.get(k, 0) for k in keys], dtype=float)
    return ref, cur, keys


def compute_jensenshannon(reference: pd.Series, current: pd.Series, numerical: bool) -> float:
    if numerical and reference.nunique() > 20:
        combined = np.concatenate([reference.to_numpy(float), current.to_numpy(float)])
        edges = np.histogram_bin_edges(combined, bins="sturges")
        ref = np.histogram(reference.to_numpy(float), edges)[0].astype(float)
        cur = np.histogram(current.to_numpy(float), edges)[0].astype(float)
    else:
        ref, cur, _ = _shares(reference, current)
    return float(distance.jensenshannon(ref / len(reference), cur / len(current)))


def compute_wasserstein_normed(reference: pd.Series, current: pd.Series) -> float:
    ref = reference.to_numpy(float)
    norm = float(np.std(ref))
    norm = norm if norm > 0 else 1.0
    return float(stats.wasserstein_distance(ref, current.to_numpy(float)) / norm)


def compute_chisquare_p_value(reference: pd.Series, current: pd.Series) -> float:
    ref, cur, _ = _shares(reference, current)
    expected = ref * (len(current) / len(reference))
    observed = cur
    if np.any(expected == 0):  # a value the reference never had: certain drift
        return 0.0
    return float(stats.chisquare(observed, expected)[1])


def compute_z_p_value(reference: pd.Series, current: pd.Series) -> float:
    values = sorted(set(reference.unique()) | set(current.unique()), key=str)
    if len(values) <= 1:
        return 1.0
    key = values[0]
    n1, n2 = len(reference), len(current)
    p1, p2 = float((reference == key).mean()), float((current == key).mean())
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (p1 - p2) / spread
    return float(2 * stats.norm.sf(abs(z)))


def compute_column_drift(column: str, reference: pd.Series, current: pd.Series, numerical: bool,
                         settings: Drift) -> ColumnDrift:
    """Drift of one column, choosing the method as Evidently does by default."""
    if numerical:  # a column whose type changed to text: unparsable values count as missing
        reference = pd.to_numeric(reference, errors="coerce")
        current = pd.to_numeric(current, errors="coerce")
    ref, cur = _clean(reference), _clean(current)
    threshold = settings.numerical_threshold if numerical else settings.categorical_threshold
    if len(ref) < MIN_ROWS or len(cur) < MIN_ROWS:
        method = "wasserstein" if numerical else "jensenshannon"
        return ColumnDrift(column, method, None, threshold, False, skipped=True)
    if not numerical:
        ref, cur = ref.astype(str), cur.astype(str)
    n_values = pd.concat([ref, cur]).nunique()
    if len(ref) > LARGE_REFERENCE:
        if numerical and n_values > 5:
            value, method = compute_wasserstein_normed(ref, cur), "wasserstein"
        else:
            value, method = compute_jensenshannon(ref, cur, numerical), "jensenshannon"
        return ColumnDrift(column, method, value, threshold, value >= threshold)
    p = settings.p_value
    if numerical and n_values > 5:
        value, method = float(stats.ks_2samp(ref.to_numpy(float), cur.to_numpy(float))[1]), "ks_p_value"
    elif n_values > 2:
        value, method = compute_chisquare_p_value(ref, cur), "chisquare_p_value"
    else:
        value, method = compute_z_p_value(ref, cur), "z_p_value"
    return ColumnDrift(column, method, value, p, value < p)


def compute_drift(reference: pd.DataFrame, current: pd.DataFrame, numerical: Iterable[str],
                  categorical: Iterable[str], settings: Drift) -> list[ColumnDrift]:
    """Drift of every listed column present in both frames."""
    results = []
    for names, is_num in ((numerical, True), (categorical, False)):
        for name in names:
            if name in reference.columns and name in current.columns:
                results.append(compute_column_drift(name, reference[name], current[name],
                                                    is_num, settings))
    return results


def compute_drift_measurements(drifts: list[ColumnDrift], settings: Drift, score: str | None,
                               segment: str | None = None) -> list[Measurement]:
    """Rows for the store: one per column, plus the dataset drift share over the features."""
    rows = []
    for d in drifts:
        status = "skipped" if d.skipped else compute_status(d.method, d.value, d.threshold)
        rows.append(Measurement("drift", d.method, clean_value(d.value), d.threshold, status,
                                d.column, segment))
    features = [d for d in drifts if not d.skipped and d.column != score]
    if features:
        share = sum(d.drifted for d in features) / len(features)
        rows.append(Measurement("drift", "drifted_share", share, settings.max_drifted_share,
                                compute_status("drifted_share", share, settings.max_drifted_share),
                                None, segment))
    else:
        rows.append(Measurement("drift", "drifted_share", None, settings.max_drifted_share,
                                "skipped", None, segment))
    return rows
