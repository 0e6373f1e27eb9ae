"""Drift scores from slot counts (see core.counts), vectorised over a leading axis so the
same code scores one window and thousands of calibration draws.

Numerical: normed Wasserstein (bin midpoints, the mass outside the baseline's range at its mean,
divided by the baseline's standard deviation, as Evidently norms it), K-S statistic (largest CDF
gap at bin edges), PSI and Jensen-Shannon distance over the baseline's decile groups.
Categorical: Jensen-Shannon distance and PSI over the baseline's values plus "other".
"""

from __future__ import annotations

import numpy as np

from monitors.core.counts import FINE_BINS, OVER, UNDER
from monitors.core.profile import Shape

PSI_FLOOR = 1e-4  # empty shares count as this (as Evidently does)


def compute_value_slots(shape: Shape, slots: np.ndarray) -> np.ndarray:
    """Counts of the slots that hold values, in order: numerical under, bins, over; categorical
    values and other (missing and non-finite dropped)."""
    if shape.numerical:
        return np.concatenate([slots[..., UNDER:UNDER + 1], slots[..., :FINE_BINS],
                               slots[..., OVER:OVER + 1]], axis=-1)
    return slots[..., :-1]


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=-1, keepdims=True)
    return counts / np.where(total > 0, total, 1)


def _grouped(shape: Shape, values: np.ndarray) -> np.ndarray:
    if not shape.numerical:
        return values
    starts = [0, *(g + 1 for g in shape.groups[1:])]  # under joins the first group, over the last
    return np.add.reduceat(values, starts, axis=-1)


def compute_psi(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    p, q = np.maximum(_shares(a), PSI_FLOOR), np.maximum(_shares(b), PSI_FLOOR)
    return np.sum((q - p) * np.log(q / p), axis=-1)


def compute_jensenshannon(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """scipy.spatial.distance.jensenshannon (natural log), row-wise."""
    p, q = _shares(a), _shares(b)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / np.where(m > 0, m, 1)), 0.0)
        kl_q = np.where(q > 0, q * np.log(q / np.where(m > 0, m, 1)), 0.0)
    return np.sqrt(np.maximum((kl_p.sum(axis=-1) + kl_q.sum(axis=-1)) / 2, 0.0))


def compute_positions(shape: Shape, outside_means: tuple[float, float] | None) -> np.ndarray:
    assert shape.bins is not None
    bins = shape.bins
    centers = bins.low + (np.arange(FINE_BINS) + 0.5) * bins.width
    under, over = outside_means or (bins.low, bins.high)
    return np.concatenate([[min(under, bins.low)], centers, [max(over, bins.high)]])


def compute_scores(shape: Shape, reference: np.ndarray, current: np.ndarray,
                   outside_means: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    """Every drift score of a column; `reference` and `current` are value-slot counts (the last
    axis), `outside_means` where the current mass below and above the bins sits."""
    a, b = reference.astype(float), current.astype(float)
    out = {"jensenshannon": compute_jensenshannon(_grouped(shape, a), _grouped(shape, b)),
           "psi": compute_psi(_grouped(shape, a), _grouped(shape, b))}
    if shape.numerical:
        gaps = np.diff(compute_positions(shape, outside_means))
        cdf_gap = np.abs(np.cumsum(_shares(a), axis=-1) - np.cumsum(_shares(b), axis=-1))
        out["wasserstein"] = np.sum(cdf_gap[..., :-1] * gaps, axis=-1) / (shape.std or 1.0)
        out["ks"] = np.max(cdf_gap, axis=-1)
    return out


def compute_null_moments(shape: Shape, reference: np.ndarray, size: int, seed: int,
                         draws: int = 500) -> dict[str, tuple[float, float]]:
    """Mean and variance of each score between a window of `size` rows and the baseline when
    nothing drifted: both sides drawn again from the baseline's own distribution (two-sample
    resampling, so the baseline's sampling error is in the null too)."""
    rng = np.random.default_rng(seed)
    total = int(reference.sum())
    p = reference / total
    ref = rng.multinomial(total, p, size=draws)
    cur = rng.multinomial(size, p, size=draws)
    scores = compute_scores(shape, ref, cur)
    return {metric: (float(np.mean(v)), float(np.var(v))) for metric, v in scores.items()}


def compute_null_quantile(mean: float, var: float, level: float) -> float:
    """The `level` quantile of a gamma distribution with these moments (the scores are positive
    and right-skewed; a gamma tail is what extreme levels need from a few hundred draws)."""
    from scipy import stats

    if mean <= 0:
        return 0.0
    if var <= 0:
        return mean
    return float(stats.gamma.ppf(level, a=mean * mean / var, scale=var / mean))
