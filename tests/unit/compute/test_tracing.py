"""Tracing: the slices that explain a performance drop, ranked by contribution (the slice's drop
times its share of the window's labelled rows), small slices left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.compute.frame_counts import compute_frame_tally
from monitors.compute.measure import DEFAULT_SCORE_BINS
from monitors.compute.performance import compute_metrics
from monitors.compute.tracing import compute_tracing_rows
from monitors.core.fields import LABEL
from monitors.core.tallies import BinaryTally, Tally
from monitors.reports.text import compute_tracing_text
from monitors.testing import make_config

CONFIG = make_config(Path("."), "duckdb:///unused.duckdb")


def _tally(n: int, accuracy: float, seed: int) -> Tally:
    """n labelled rows whose predictions are right `accuracy` of the time."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    right = rng.random(n) < accuracy
    predicted = np.where(right, label, 1 - label)
    frame = pd.DataFrame({"score": np.where(predicted == 1, 0.8, 0.2), "predicted_label": predicted,
                          LABEL: label})
    return compute_frame_tally("binary_classification", frame, CONFIG, DEFAULT_SCORE_BINS)


def test_the_slice_that_dropped_most_comes_first() -> None:
    reference = {None: _tally(4000, 0.9, 0), "region=EU": _tally(2000, 0.9, 1),
                 "region=NA": _tally(2000, 0.9, 2), "product=card": _tally(1000, 0.9, 3),
                 "product=tiny": _tally(500, 0.9, 4)}
    current = {None: _tally(1000, 0.75, 5), "region=EU": _tally(300, 0.5, 6),
               "region=NA": _tally(700, 0.86, 7), "product=card": _tally(500, 0.8, 8),
               "product=tiny": _tally(20, 0.0, 9)}  # under 30 labelled rows: left out
    rows = compute_tracing_rows(current, reference, {"region=EU": "region is EU"}, "accuracy")
    slices = [r.segment for r in rows if r.metric == "accuracy_contribution"]
    assert slices == ["region is EU", "product=card", "region=NA"]
    eu = {r.metric: r.value for r in rows if r.segment == "region is EU"}
    drop = compute_metrics(reference["region=EU"])["accuracy"] - compute_metrics(current["region=EU"])["accuracy"]
    assert eu["accuracy_slice_share"] == pytest.approx(0.3)
    assert eu["accuracy_contribution"] == pytest.approx(drop * 0.3)
    assert eu["accuracy_slice_rows"] == 300.0
    assert all(r.kind == "tracing" and r.status == "ok" and r.threshold is None for r in rows)
    text = compute_tracing_text(rows)
    assert text[0].startswith("region is EU: accuracy 0.") and "30% of labelled rows (n=300)" in text[0]


def test_no_labelled_rows_means_no_slices() -> None:
    assert compute_tracing_rows({None: BinaryTally(total=10)}, {}, {}, "f1") == []
