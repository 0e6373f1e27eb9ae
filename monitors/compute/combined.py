"""The window-level drift test: the evidence of every feature combined, for windows too small for
each feature's own bound to see a moderate shift (a 9% narrower spread, a 4-point share move).

Each feature where sampling noise, not the effect-size floor, sets the judged score's bound
(small windows) gets a chi-square statistic whose null distribution is known at any window size:
- numerical: the window's values as normal scores of the baseline's distribution (each slot's
  mid-rank in the baseline, through the inverse normal CDF); the mean and mean square of those
  scores against the baseline's, a 2-degree-of-freedom chi-square (location and spread; the same
  power for a normal, a log-normal or a heavy-tailed feature, since only ranks count);
- categorical: Pearson's chi-square over the baseline's values grouped for the window's size
  (each value expected at least max(5, sqrt(rows)) times on its own, the rest together): a
  200-level column does not spread a moved share over 199 degrees of freedom.
Both count the baseline's own sampling error (two samples: the statistic over 1 + n/m). A
feature's score under its floor adds nothing (a difference that small does not matter). The
sum over the features is a chi-square with the summed degrees of freedom when nothing drifted
and the features are independent; its p-value is the `combined` row (alert below half of
drift.false_alert_rate: the per-feature rules keep their share, so an undrifted window breaks
some drift rule with probability at most 1.5 x false_alert_rate, about false_alert_rate where
the per-feature bounds are conservative) and each feature's own p-value a `combined` row of its
column (never judged) that the alert text names.
"""

from __future__ import annotations

import math

import numpy as np

from monitors.compute.scores import compute_value_slots
from monitors.core.counts import Counts
from monitors.core.measurement import Measurement, compute_status
from monitors.core.profile import Profile, Shape
from monitors.core.settings import Drift

METRIC = "combined"
MIN_ROWS = 30  # below this the chi-square approximations do not hold
MIN_EXPECTED = 5.0


def compute_normal_scores(reference: np.ndarray) -> np.ndarray:
    """Each slot's mid-rank in the baseline as a standard normal quantile (clipped half a row
    from either end, so slots the baseline never filled stay finite)."""
    from scipy.special import ndtri

    m = float(reference.sum())
    p = reference / m
    middle = np.cumsum(p) - p / 2
    return np.asarray(ndtri(np.clip(middle, 0.5 / m, 1 - 0.5 / m)))


def compute_numerical_statistic(reference: np.ndarray, current: np.ndarray) -> tuple[float, int]:
    """(chi-square, degrees of freedom) of the window's normal scores' mean and mean square."""
    z = compute_normal_scores(reference)
    features = np.stack([z, z * z])  # 2 x slots
    m, n = float(reference.sum()), float(current.sum())
    p = reference / m
    mean = features @ p
    centred = features - mean[:, None]
    cov = (centred * p) @ centred.T
    values, vectors = np.linalg.eigh(cov)
    keep = values > 1e-9 * max(float(values.max()), 1e-300)
    gap = features @ (current / n) - mean
    projected = (vectors[:, keep].T @ gap) ** 2 / values[keep]
    return float(projected.sum() * n / (1 + n / m)), int(keep.sum())


def compute_groups(reference: np.ndarray, n: int) -> list[np.ndarray]:
    """Slot indices per group: the values expected at least max(5, sqrt(n)) times in a window of n
    rows alone, most frequent first, the rest (and anything the baseline never had) together."""
    p = reference / reference.sum()
    order = np.argsort(-p, kind="stable")
    least = max(MIN_EXPECTED, math.sqrt(n)) / n
    alone = [int(i) for i in order if p[i] >= least]
    rest = np.array([int(i) for i in order if p[i] < least], dtype=int)
    groups = [np.array([i]) for i in alone]
    if len(rest) and p[rest].sum() * n >= MIN_EXPECTED:
        groups.append(rest)
    elif len(rest) and groups:
        groups[-1] = np.concatenate([groups[-1], rest])
    return groups


def compute_categorical_statistic(reference: np.ndarray, current: np.ndarray) -> tuple[float, int]:
    """(Pearson's chi-square, degrees of freedom) over the groups for the window's size."""
    m, n = float(reference.sum()), float(current.sum())
    groups = compute_groups(reference, int(n))
    if len(groups) < 2:
        return 0.0, 0
    expected = np.array([reference[g].sum() for g in groups]) / m * n
    observed = np.array([current[g].sum() for g in groups])
    return float(np.sum((observed - expected) ** 2 / expected) / (1 + n / m)), len(groups) - 1


def compute_feature_statistic(shape: Shape, reference: np.ndarray, current: np.ndarray
                              ) -> tuple[float, int]:
    if shape.numerical:
        return compute_numerical_statistic(reference, current)
    return compute_categorical_statistic(reference, current)


def compute_combined_rows(profile: Profile, counts: Counts, judged: list[tuple[str, float, float]],
                          settings: Drift) -> list[Measurement]:
    """The window-level test over the whole window's judged features, given per feature (column,
    judged score, its bound): a p-value row per feature that joins, and the window's row."""
    from scipy.special import chdtrc  # the chi-square survival function

    parts, total, df = [], 0.0, 0
    for column, score, bound in judged:
        shape = profile.shapes[column]
        if bound <= settings.compute_floor(shape.numerical):
            continue  # the floor decides at this size: the window is large enough on its own
        current = profile.compute_slots(counts, (None, column))
        if current is None:
            continue
        cur = compute_value_slots(shape, current).astype(float)
        ref = compute_value_slots(shape, profile.slots[(None, column)]).astype(float)
        if cur.sum() < MIN_ROWS or ref.sum() < MIN_ROWS:
            continue
        statistic, freedom = compute_feature_statistic(shape, ref, cur)
        if freedom == 0:
            continue
        if score < settings.compute_floor(shape.numerical):
            statistic = 0.0
        total, df = total + statistic, df + freedom
        parts.append(Measurement("drift", METRIC, float(chdtrc(freedom, statistic)),
                                 None, "ok", column))
    level = settings.false_alert_rate / 2
    if not parts:
        return [Measurement("drift", METRIC, None, level, "skipped")]
    p = float(chdtrc(df, total))
    return [*parts, Measurement("drift", METRIC, p, level, compute_status(METRIC, p, level))]
