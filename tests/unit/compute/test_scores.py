"""Drift scores from slot counts agree with exact computations on the raw values: Wasserstein and
K-S within 1e-3 of scipy (documented in the README), PSI and Jensen-Shannon equal to the direct
formulas on the same groups."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from monitors.compute.frame_counts import compute_frame_counts
from monitors.compute.scores import (
    compute_null_moments,
    compute_null_quantile,
    compute_scores,
    compute_value_slots,
)
from monitors.core.profile import Shape, compute_bins, compute_profile

TOLERANCE = 1e-3
RNG = np.random.default_rng(1)
SHAPES: dict[str, Callable[[int, float], np.ndarray]] = {
    "normal": lambda n, s: RNG.normal(s, 1, n),
    "lognormal": lambda n, s: RNG.lognormal(10.8 + s, 0.4, n),
    "integers": lambda n, s: RNG.poisson(3 + s, n).astype(float),
    "heavy_tailed": lambda n, s: RNG.standard_t(2, n) + s,
}


def _score(reference: np.ndarray, current: np.ndarray) -> tuple[dict[str, float], Shape]:
    bins = {"x": compute_bins(float(reference.min()), float(reference.max()))}
    ref = compute_frame_counts(pd.DataFrame({"x": reference}), bins, [], [])
    cur = compute_frame_counts(pd.DataFrame({"x": current}), bins, [], [])
    shape = compute_profile("k", ref, bins, {"x": float(np.std(reference))}, []).shapes["x"]
    a = compute_value_slots(shape, ref.slots[(None, "x")])
    b = compute_value_slots(shape, cur.slots[(None, "x")])
    under, over = cur.outside_sums[(None, "x")]
    means = (under / b[0] if b[0] else 0.0, over / b[-1] if b[-1] else 0.0)
    return {k: float(v) for k, v in compute_scores(shape, a, b, means).items()}, shape


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5, 3.0])
def test_binned_wasserstein_and_ks_are_within_tolerance_of_exact(name: str, shift: float) -> None:
    reference, current = SHAPES[name](50_000, 0.0), SHAPES[name](20_000, shift)
    found, _ = _score(reference, current)
    exact_w = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert found["wasserstein"] == pytest.approx(exact_w, abs=TOLERANCE)
    assert found["ks"] == pytest.approx(stats.ks_2samp(reference, current).statistic, abs=TOLERANCE)


def test_psi_and_jensenshannon_use_the_baseline_deciles() -> None:
    reference, current = SHAPES["normal"](50_000, 0.0), SHAPES["normal"](5_000, 0.3)
    found, shape = _score(reference, current)
    assert shape.bins is not None and len(shape.groups) == 10
    edges = [shape.bins.low + g * shape.bins.width for g in shape.groups[1:]]
    p = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=10) / len(reference)
    q = np.bincount(np.searchsorted(edges, current, side="right"), minlength=10) / len(current)
    assert p == pytest.approx(np.full(10, 0.1), abs=2e-3)  # deciles of the baseline
    assert found["psi"] == pytest.approx(float(np.sum((q - p) * np.log(q / p))), rel=1e-9)
    assert found["jensenshannon"] == pytest.approx(float(distance.jensenshannon(p, q)), rel=1e-9)
    assert 0.05 < found["psi"] < 0.15  # a 0.3 sd shift


def test_categorical_scores_count_unseen_values_as_other() -> None:
    shape = Shape(False)
    reference = np.array([500, 300, 200, 0])  # a, b, c, other
    current = np.array([40, 30, 10, 20])  # 20 rows of values the baseline never had
    found = compute_scores(shape, reference, current)
    p, q = reference / 1000, current / 100
    assert float(found["jensenshannon"]) == pytest.approx(float(distance.jensenshannon(p, q)))
    pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    assert float(found["psi"]) == pytest.approx(float(np.sum((qf - pf) * np.log(qf / pf))))


def test_null_moments_shrink_with_window_size() -> None:
    reference = RNG.normal(0, 1, 50_000)
    _, shape = _score(reference, reference[:10])
    assert shape.bins is not None
    slots = compute_frame_counts(pd.DataFrame({"x": reference}), {"x": shape.bins}, [], [])
    values = compute_value_slots(shape, slots.slots[(None, "x")])
    small = compute_null_moments(shape, values, 150, seed=1)["wasserstein"]
    large = compute_null_moments(shape, values, 100_000, seed=1)["wasserstein"]
    assert small[0] > 0.08 and large[0] < 0.01  # noise ~ 1/sqrt(n)
    assert compute_null_quantile(*small, 0.999) > small[0] + 2 * np.sqrt(small[1])


def test_database_sums_in_any_order_store_the_same_value() -> None:
    from monitors.core.counts import compute_stable_sum

    values = np.random.default_rng(0).lognormal(0, 3, 100_000)
    forward, backward = float(sum(values)), float(sum(values[::-1]))
    assert forward != backward  # floating-point addition is not associative
    assert compute_stable_sum(forward) == compute_stable_sum(backward)
    assert compute_stable_sum(forward) == pytest.approx(forward, rel=1e-11)
