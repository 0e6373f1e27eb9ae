"""A profiled suite's ranges are padded only where the data allows it, a classifier's score is
held to [0, 1], and the class labels come from the baseline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitors.checks.suites import label_set, padded_range
from monitors.core.fields import LABEL
from monitors.testing import make_config


@pytest.mark.parametrize(("low", "high", "padded"), [
    (0.0, 100.0, (0.0, 110.0)),  # never negative: keeps 0
    (5.0, 105.0, (0.0, 115.0)),  # positive: the padding stops at 0
    (50.0, 60.0, (49.0, 61.0)),  # far from 0: padded both ways
    (-10.0, 10.0, (-12.0, 12.0)),  # both signs: padded both ways
    (-100.0, -5.0, (-109.5, 0.0)),  # never positive: keeps 0 above
    (3.0, 3.0, (3.0, 3.0)),  # a constant
])
def test_ranges_are_padded_without_crossing_zero(low: float, high: float,
                                                 padded: tuple[float, float]) -> None:
    assert padded_range(low, high) == pytest.approx(padded)


def test_a_classifiers_score_is_a_probability() -> None:
    assert padded_range(0.02, 0.97, probability=True) == (0.0, 1.0)


def test_class_labels_from_the_baseline(tmp_path: Path) -> None:
    binary = make_config(tmp_path, "duckdb:///unused.duckdb")
    frame = pd.DataFrame({LABEL: [1, 0, 1, None], "predicted_label": [1, 1, 1, 1]})
    assert label_set(binary, frame) == [0, 1]
    assert all(type(v) is int for v in label_set(binary, frame.astype({LABEL: "Int64"})) or [])
    # without labels, the baseline's predicted labels
    assert label_set(binary, frame.drop(columns=[LABEL])) == [1]
    text = pd.DataFrame({LABEL: ["b", "a", "c"]})
    multiclass = make_config(tmp_path, "duckdb:///unused.duckdb", task="multiclass_classification",
                             **{"performance.metrics": ["accuracy"]})
    assert label_set(multiclass, text) == ["a", "b", "c"]
    regression = make_config(tmp_path, "duckdb:///unused.duckdb", task="regression",
                             **{"performance.metrics": ["mae"]})
    assert label_set(regression, frame) is None
