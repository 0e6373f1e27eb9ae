"""Our scores agree with Evidently's where we compute the same thing: normed Wasserstein of
numerical columns within 1e-3 (we bin at 4096 equal widths), Jensen-Shannon of categorical columns
exactly. (Evidently's Jensen-Shannon of numbers uses bins fitted to both samples; ours, the
baseline's deciles, so those differ by design.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.compute.frame_counts import compute_frame_counts
from monitors.compute.scores import compute_scores, compute_value_slots
from monitors.core.profile import compute_bins, compute_profile


def _evidently_values(reference: pd.DataFrame, current: pd.DataFrame, numerical: list[str],
                      categorical: list[str]) -> dict[str, tuple[str, float]]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()]).run(
        current_data=Dataset.from_pandas(current, data_definition=definition),
        reference_data=Dataset.from_pandas(reference, data_definition=definition))
    values = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            values[config["column"]] = (config["method"], float(metric["value"]))
    return values



def _ours(reference: pd.DataFrame, current: pd.DataFrame, numerical: list[str],
          categorical: list[str]) -> dict[str, dict[str, float]]:
    bins = {c: compute_bins(float(reference[c].min()), float(reference[c].max()))
            for c in numerical}
    std = {c: float(reference[c].std(ddof=0)) for c in numerical}
    ref = compute_frame_counts(reference, bins, categorical, [])
    cur = compute_frame_counts(current, bins, categorical, [])
    baseline = compute_profile("k", ref, bins, std, categorical)
    out = {}
    for column, shape in baseline.shapes.items():
        a = compute_value_slots(shape, baseline.slots[(None, column)])
        slots = baseline.compute_slots(cur, (None, column))
        assert slots is not None
        b = compute_value_slots(shape, slots)
        outside = None
        if shape.numerical:
            under, over = cur.outside_sums[(None, column)]
            outside = (under / b[0] if b[0] else 0.0, over / b[-1] if b[-1] else 0.0)
        out[column] = {k: float(v) for k, v in compute_scores(shape, a, b, outside).items()}
    return out


def test_scores_agree_with_evidently() -> None:
    rng = np.random.default_rng(11)

    def frame(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame({
            "x": rng.normal(shift, 1, n), "y": rng.exponential(1 + shift, n),
            "c": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2 - shift / 10, 0.1 + shift / 10]),
            "flag": rng.choice(["yes", "no", "maybe"], n),
        })

    reference, current = frame(5000, 0.0), frame(2000, 0.3)
    numerical, categorical = ["x", "y"], ["c", "flag"]
    ours = _ours(reference, current, numerical, categorical)
    theirs = _evidently_values(reference, current, numerical, categorical)
    assert {c: m for c, (m, _) in theirs.items()} == {
        "x": "Wasserstein distance (normed)", "y": "Wasserstein distance (normed)",
        "c": "Jensen-Shannon distance", "flag": "Jensen-Shannon distance"}
    for column in numerical:
        assert ours[column]["wasserstein"] == pytest.approx(theirs[column][1], abs=1e-3), column
    for column in categorical:
        assert ours[column]["jensenshannon"] == pytest.approx(theirs[column][1], rel=1e-9), column
    assert ours["x"]["wasserstein"] > 0.25  # the shift is there, and both see it
