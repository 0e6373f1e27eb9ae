"""The baseline profile: what drift and data quality hold each window against. Per column and
per segment value: slot counts (see core.counts); per numerical column: bins, decile groups,
standard deviation; per categorical column: its values. Calibration (the null distribution of
each score at a window size) is added as window sizes are met. Computed from the baseline's
counts in the warehouse and kept in the store (storage.baseline_cache), keyed by a hash of the
baseline query, the columns, and the baseline's size, range and spread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monitors.core.counts import FINE_BINS, MAX_CATEGORIES, NUMERIC_SLOTS, Counts, Key, NumericBins

VERSION = 1


@dataclass(frozen=True)
class Shape:
    """What scoring a column needs from the baseline profile."""

    numerical: bool
    bins: NumericBins | None = None
    std: float = 1.0
    groups: tuple[int, ...] = ()  # numerical: first fine bin of each decile group


# the null distribution's (mean, variance) of a score, by (segment, column, metric, window size)
Calibration = dict[tuple[str | None, str, str, int], tuple[float, float]]


@dataclass(frozen=True)
class Profile:
    key: str
    shapes: dict[str, Shape]
    values: dict[str, list[str]]  # categorical columns: the baseline's values, most frequent first
    slots: dict[Key, np.ndarray]
    rows: dict[str | None, int]
    null: Calibration = field(default_factory=dict)

    def with_calibration(self, added: Calibration) -> Profile:
        """This profile with null moments computed for more window sizes (compute.drift's)."""
        return dataclasses.replace(self, null={**self.null, **added})

    def compute_slots(self, counts: Counts, key: Key) -> np.ndarray | None:
        """A window's slots for (segment, column), laid out as this profile's."""
        column = key[1]
        if column not in self.shapes:
            return None
        if self.shapes[column].numerical:
            return counts.slots.get(key)
        found = counts.categories.get(key)
        if found is None:
            return None
        return compute_category_slots(self.values[column], found)


def compute_category_slots(values: list[str], found: dict[str | None, int]) -> np.ndarray:
    index = {v: i for i, v in enumerate(values)}
    slots = np.zeros(len(values) + 2, dtype=np.int64)
    for value, n in found.items():
        slots[len(values) + 1 if value is None else index.get(value, len(values))] += n
    return slots


def compute_groups(fine: np.ndarray) -> tuple[int, ...]:
    """First fine bin of each baseline decile (fewer groups where values repeat)."""
    cumulative = np.cumsum(fine)
    total = cumulative[-1] if len(cumulative) else 0
    if total == 0:
        return (0,)
    cuts = [int(np.searchsorted(cumulative, total * k / 10, side="left")) + 1 for k in range(1, 10)]
    return tuple(sorted({0, *(c for c in cuts if 0 < c < FINE_BINS)}))


def compute_bins(low: float, high: float) -> NumericBins:
    width = (high - low) / FINE_BINS
    if not width > 0:  # a constant column: one value in bin 0, anything else outside
        width = max(abs(low), 1.0) * 1e-9
        high = low
    return NumericBins(low, width, high)


def compute_hash(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def compute_profile_key(query_text: str, params: Any, engine_url: str, numerical: list[str],
                        categorical: list[str], segments: list[str],
                        stats: dict[str, tuple[int, float | None, float | None, float | None]]) -> str:
    """The profile's key: the baseline query, the columns, and per numerical column its exact
    count, min and max and its spread to 6 digits (a parallel standard deviation varies in its
    last digits)."""
    summary = {c: (n, low, high, None if std is None else f"{std:.6g}")
               for c, (n, low, high, std) in stats.items()}
    return compute_hash([VERSION, FINE_BINS, MAX_CATEGORIES, query_text, params, engine_url,
                         numerical, categorical, segments, summary])


def compute_profile(key: str, counts: Counts, numeric: dict[str, NumericBins],
                    std: dict[str, float], categorical: list[str]) -> Profile:
    shapes: dict[str, Shape] = {}
    values: dict[str, list[str]] = {}
    for column, bins in numeric.items():
        fine = counts.slots.get((None, column), np.zeros(NUMERIC_SLOTS, np.int64))[:FINE_BINS]
        shapes[column] = Shape(True, bins, std[column] or 1.0, compute_groups(fine))
    for column in categorical:
        found = counts.categories.get((None, column), {})
        ranked = sorted((v for v in found if v is not None), key=lambda v: (-found[v], v))
        values[column] = ranked[:MAX_CATEGORIES]
        shapes[column] = Shape(False)
    slots = dict(counts.slots)
    for (segment, column), found in counts.categories.items():
        slots[(segment, column)] = compute_category_slots(values[column], found)
    return Profile(key, shapes, values, slots, dict(counts.rows))
