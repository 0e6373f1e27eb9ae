"""Baseline-vs-window histograms for the window page, from the counts the drift used (no row is
read): numbers in equal-width bins over the baseline's 1st-99th percentile, the top categories
plus `other`."""

from __future__ import annotations

import numpy as np

from monitors.compute.scores import compute_value_slots
from monitors.core.counts import Counts
from monitors.core.profile import Profile

HISTOGRAM_BINS = 20
TOP_CATEGORIES = 10


def compute_histograms(baseline: Profile, window_counts: Counts) -> dict[str, dict[str, list]]:
    """Baseline-vs-window shares per feature, from the counts: numbers in equal-width bins over
    the baseline's 1st-99th percentile (the ends take the rest), the top categories plus
    `other`."""
    out: dict[str, dict[str, list]] = {}
    for column, shape in baseline.shapes.items():
        reference = baseline.slots.get((None, column))
        current = baseline.compute_slots(window_counts, (None, column))
        if reference is None or current is None:
            continue
        ref, cur = compute_value_slots(shape, reference), compute_value_slots(shape, current)
        if not ref.sum() or not cur.sum():
            continue
        if shape.bins is not None:
            b = shape.bins
            cumulative = np.cumsum(ref) / ref.sum()  # slots: under, bins, over
            first, last = int(np.searchsorted(cumulative, 0.01)), int(np.searchsorted(cumulative, 0.99))
            low = b.low + max(first - 1, 0) * b.width
            high = max(b.low + last * b.width, low + b.width)
            edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
            inner = b.low + (np.arange(len(ref) - 2) + 0.5) * b.width
            centers = np.r_[b.low - b.width, inner, b.high + b.width]
            display = np.clip(np.searchsorted(edges, centers, side="right") - 1, 0, HISTOGRAM_BINS - 1)
            shares = [np.bincount(display, weights=v, minlength=HISTOGRAM_BINS) / v.sum() for v in (ref, cur)]
            labels = [f"{e:.4g}" for e in edges[:-1]]
        else:
            names = [*baseline.values[column], "other"]
            top = min(TOP_CATEGORIES, len(names) - 1)
            shares = [np.r_[v[:top], v[top:].sum()] / v.sum() for v in (ref, cur)]
            labels = [*names[:top], "other"]
        out[column] = {"labels": labels, "reference": [float(x) for x in shares[0]],
                       "current": [float(x) for x in shares[1]]}
    return out

