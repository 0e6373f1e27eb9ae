"""Seeded data families for the drift benchmark and the drift statistics' tests: rows whose
features differ in kind (normal, skewed and heavy-tailed, integer, categorical with a few or
many levels), shifted the same way as testing.make_shift_rows.

A shift: `narrow` shrinks every numerical feature's spread by that fraction and `mean` moves it
by that many standard deviations, both on the standard normal draw before the family's
transform (a log-normal narrows in log space: the same rank change, the same detectability);
`move` takes that share from every categorical's most frequent value and gives it to its second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from monitors.testing import SHIFT_CATEGORICAL, SHIFT_NUMERICAL, make_shift_rows


def _zipf(levels: int, exponent: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, levels + 1) ** exponent
    return p / p.sum()


def _few(*shares: float) -> np.ndarray:
    return np.array(shares)


Transform = Callable[[np.ndarray], np.ndarray]
NUMERIC: dict[str, Transform] = {
    "amount": lambda z: np.exp(3.0 + 1.0 * z),  # log-normal, strongly skewed
    "balance": lambda z: np.exp(8.0 + 0.5 * z),  # log-normal, mildly skewed
    "claims": lambda z: 100 + 20 * (z + 0.3 * z ** 3),  # heavy tails both sides
    "age": lambda z: np.clip(np.round(45 + 12 * z), 18, 90),  # integers, clipped
    "income": lambda z: 50_000 + 12_000 * z,
    "tenure": lambda z: 10 + 4 * z,
}
CATEGORICAL: dict[str, np.ndarray] = {
    "city": _zipf(200),
    "merchant": _zipf(50, 0.9),
    "device": _zipf(12, 1.3),
    "region": _few(0.4, 0.3, 0.2, 0.1),
    "channel": _few(0.7, 0.3),
}
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # numerical, categorical
    "normal": (SHIFT_NUMERICAL, SHIFT_CATEGORICAL),  # testing.make_shift_rows itself
    "skewed": (("amount", "balance", "claims", "age"), ("region", "channel")),
    "many_levels": (("income",), ("city", "merchant", "device")),
    "mixed": (("income", "tenure", "amount", "balance", "age"), ("region", "city", "channel")),
}


def make_family_rows(family: str, rng: Any, n: int, narrow: float = 0.0, move: float = 0.0,
                     mean: float = 0.0) -> pd.DataFrame:
    """n rows of a family (FAMILIES), shifted as the module says."""
    if family == "normal":
        return make_shift_rows(rng, n, narrow=narrow, move=move, mean=mean)
    numerical, categorical = FAMILIES[family]
    frame = pd.DataFrame({c: NUMERIC[c](rng.standard_normal(n) * (1.0 - narrow) + mean)
                          for c in numerical})
    for column in categorical:
        p = CATEGORICAL[column].copy()
        p[0], p[1] = p[0] - move, p[1] + move
        frame[column] = rng.choice([f"{column}{i}" for i in range(len(p))], n, p=p / p.sum())
    return frame


def make_family_baseline(family: str, rows: int = 50_000, seed: int = 0
                         ) -> tuple[Any, dict[str, Any]]:
    """A baseline Profile of a family (and its numerical bins), as a warehouse counts it."""
    from monitors.compute.frame_counts import compute_frame_counts
    from monitors.core.profile import compute_bins, compute_profile

    numerical, categorical = FAMILIES[family]
    frame = make_family_rows(family, np.random.default_rng(seed), rows)
    bins = {c: compute_bins(float(frame[c].min()), float(frame[c].max())) for c in numerical}
    std = {c: float(frame[c].std(ddof=0)) for c in numerical}
    counts = compute_frame_counts(frame, bins, list(categorical), [])
    return compute_profile(family, counts, bins, std, list(categorical)), bins
