"""Our drift values are Evidently's: the same method choice and the same number, per column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.config import Drift
from monitors.drift import compute_drift


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


METHODS = {"Wasserstein distance (normed)": "wasserstein", "Jensen-Shannon distance": "jensenshannon",
           "K-S p_value": "ks_p_value", "chi-square p_value": "chisquare_p_value",
           "Z-test p_value": "z_p_value"}


@pytest.mark.parametrize("n_reference,n_current", [(5000, 2000), (800, 300)])
def test_drift_values_match_evidently(n_reference: int, n_current: int) -> None:
    rng = np.random.default_rng(11)

    def frame(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame({
            "x": rng.normal(shift, 1, n), "y": rng.exponential(1 + shift, n),
            "few": rng.integers(0, 4, n).astype(float),
            "c": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2 - shift / 10, 0.1 + shift / 10]),
            "flag": rng.choice(["yes", "no"], n),
        })

    reference, current = frame(n_reference, 0.0), frame(n_current, 0.3)
    numerical, categorical = ["x", "y", "few"], ["c", "flag"]
    ours = {d.column: d for d in compute_drift(reference, current, numerical, categorical, Drift())}
    theirs = _evidently_values(reference, current, numerical, categorical)
    assert set(theirs) == set(ours)
    for column, (method, value) in theirs.items():
        assert ours[column].method == METHODS[method], column
        assert ours[column].value == pytest.approx(value, rel=1e-9, abs=1e-12), column
