from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from monitors.config import Drift
from monitors.drift import compute_column_drift, compute_drift_measurements

SETTINGS = Drift()


def normal(seed: int, n: int, shift: float = 0.0) -> pd.Series:
    return pd.Series(np.random.default_rng(seed).normal(shift, 1.0, n))


def test_large_reference_numerical_uses_normed_wasserstein() -> None:
    ref, cur = normal(1, 5000), normal(2, 2000, shift=0.5)
    result = compute_column_drift("x", ref, cur, True, SETTINGS)
    expected = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert result.method == "wasserstein"
    assert result.value == pytest.approx(expected)
    assert 0.4 < result.value < 0.6 and result.drifted


def test_same_distribution_does_not_drift() -> None:
    result = compute_column_drift("x", normal(1, 5000), normal(2, 2000), True, SETTINGS)
    assert result.method == "wasserstein" and result.value < 0.1 and not result.drifted


def test_small_reference_numerical_uses_ks_p_value() -> None:
    ref, cur = normal(1, 800), normal(2, 300, shift=0.4)
    result = compute_column_drift("x", ref, cur, True, SETTINGS)
    assert result.method == "ks_p_value"
    assert result.value == pytest.approx(stats.ks_2samp(ref, cur).pvalue)
    assert result.drifted and result.threshold == 0.05


def test_categorical_large_reference_uses_jensenshannon() -> None:
    rng = np.random.default_rng(3)
    ref = pd.Series(rng.choice(["a", "b", "c"], 3000, p=[0.5, 0.3, 0.2]))
    cur = pd.Series(rng.choice(["a", "b", "c"], 1000, p=[0.2, 0.3, 0.5]))
    result = compute_column_drift("c", ref, cur, False, SETTINGS)
    p = ref.value_counts(normalize=True).reindex(["a", "b", "c"]).to_numpy()
    q = cur.value_counts(normalize=True).reindex(["a", "b", "c"]).to_numpy()
    from scipy.spatial import distance
    assert result.method == "jensenshannon"
    assert result.value == pytest.approx(distance.jensenshannon(p, q))
    assert result.drifted


def test_categorical_small_reference_uses_chi_squared() -> None:
    rng = np.random.default_rng(4)
    ref = pd.Series(rng.choice(["a", "b", "c"], 600))
    cur = pd.Series(rng.choice(["a", "b", "c"], 300))
    result = compute_column_drift("c", ref, cur, False, SETTINGS)
    assert result.method == "chisquare_p_value" and result.value > 0.05 and not result.drifted


def test_unseen_category_with_small_reference_is_certain_drift() -> None:
    ref = pd.Series(["a", "b", "c"] * 100)
    cur = pd.Series(["a", "b", "zzz"] * 50)
    result = compute_column_drift("c", ref, cur, False, SETTINGS)
    assert result.method == "chisquare_p_value" and result.value == 0.0 and result.drifted


def test_all_null_window_is_skipped_not_crashed() -> None:
    result = compute_column_drift("x", normal(1, 2000), pd.Series([np.nan] * 50), True, SETTINGS)
    assert result.skipped and result.value is None and not result.drifted


def test_infinities_are_ignored() -> None:
    cur = pd.concat([normal(2, 2000), pd.Series([np.inf, -np.inf])], ignore_index=True)
    result = compute_column_drift("x", normal(1, 5000), cur, True, SETTINGS)
    assert result.value is not None and np.isfinite(result.value)


def test_dataset_drift_share_against_max_drifted_share() -> None:
    drifts = [compute_column_drift(f"f{i}", normal(i, 2000), normal(i + 10, 1000, shift=1.0 if i < 2 else 0),
                                   True, SETTINGS) for i in range(4)]
    rows = compute_drift_measurements(drifts, Drift(max_drifted_share=0.5), score=None)
    share = [r for r in rows if r.metric == "drifted_share"][0]
    assert share.value == 0.5 and share.status == "alert"
    rows = compute_drift_measurements(drifts, Drift(max_drifted_share=0.75), score=None)
    assert [r for r in rows if r.metric == "drifted_share"][0].status == "ok"
