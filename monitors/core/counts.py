"""What the warehouse counts and the pure code measures from: slot counts of columns (drift,
data quality, the baseline profile); outcome tallies are in core.tallies.

Slots of a numerical column: FINE_BINS equal-width bins over the baseline's [low, high], then
under (below low), over (above high), missing (NULL or NaN), non-finite (+-inf). Slots of a
categorical column: the baseline's values (most frequent first, at most MAX_CATEGORIES), other,
missing (see core.profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

FINE_BINS = 4096
UNDER, OVER, MISSING, NON_FINITE = FINE_BINS, FINE_BINS + 1, FINE_BINS + 2, FINE_BINS + 3
NUMERIC_SLOTS = FINE_BINS + 4
MAX_CATEGORIES = 1000
CLIP = 1e-15  # scores clipped to [CLIP, 1 - CLIP] for the log loss

Key = tuple[str | None, str]  # (segment label such as "region=EU" or None, column)


@dataclass(frozen=True)
class NumericBins:
    low: float
    width: float
    high: float  # the baseline's largest value: above it is outside


# probabilities' bins: a score without a baseline shape, and every class probability
DEFAULT_SCORE_BINS = NumericBins(0.0, 1.0 / FINE_BINS, 1.0)


@dataclass
class Counts:
    """Slot counts of numerical columns and value counts of categorical ones per (segment,
    column); rows per segment (None: the whole table or window);
    the sum of the values below and above the bins per (segment, column)."""

    rows: dict[str | None, int] = field(default_factory=dict)
    slots: dict[Key, np.ndarray] = field(default_factory=dict)  # numerical columns
    categories: dict[Key, dict[str | None, int]] = field(default_factory=dict)  # None: missing
    outside_sums: dict[Key, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class VolumeFacts:
    """What the volume rules hold a window's row count against."""

    trailing: list[int]  # rows of each earlier window, oldest first
    newest: datetime | None  # the window's newest prediction (UTC), None when it has none
    starts: tuple[datetime, ...] = ()  # each earlier window's start (UTC), as trailing
    newest_each: tuple[datetime | None, ...] = ()  # each earlier window's newest prediction (UTC)


def compute_stable_sum(value: Any) -> float:
    """A database's floating-point sum to 12 significant digits: a parallel sum adds in varying
    order and differs in its last bits between runs; a rerun must store the same values."""
    return float(f"{float(value or 0.0):.12g}")


def compute_bin_codes(values: np.ndarray, bins: NumericBins) -> np.ndarray:
    """Slots of numbers in Python, the same arithmetic as the warehouse's bin expression."""
    values = np.asarray(values, dtype=float)
    codes = np.full(values.shape, MISSING, dtype=np.int64)
    finite = np.isfinite(values)
    codes[np.isinf(values)] = NON_FINITE
    inside = finite & (values >= bins.low) & (values <= bins.high)
    fine = np.floor((values[inside] - bins.low) / bins.width)
    codes[inside] = np.minimum(fine, FINE_BINS - 1).astype(np.int64)
    codes[finite & (values < bins.low)] = UNDER
    codes[finite & (values > bins.high)] = OVER
    return codes


def compute_coarse_bins(bins: NumericBins, count: int) -> NumericBins:
    """The same range in `count` bins (at most FINE_BINS): slot codes stay those of compute_bin_codes."""
    return NumericBins(bins.low, max((bins.high - bins.low) / count, bins.width), bins.high)


def compute_slot_order(slots: np.ndarray) -> np.ndarray:
    """Score slots in score order: under, the bins, over."""
    return np.where(slots == UNDER, -1, np.where(slots == OVER, FINE_BINS, slots))
