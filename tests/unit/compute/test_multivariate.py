"""Multivariate drift: the PCA (as scikit-learn's on standardised features), the bound's
calibration (undrifted windows at 150 and 3,500 rows rarely alert; a changed correlation with
unchanged marginals is caught; a negligible shift at 1M rows is not), on seeded data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from monitors.compute.multivariate import (
    compute_bound,
    compute_multivariate_row,
    compute_pca_components,
    compute_pca_fit,
    compute_row_errors,
)
from monitors.core.multivariate import PcaModel
from monitors.core.settings import Drift
from monitors.testing import make_correlated_rows

COLUMNS = ("income", "debt_ratio", "age", "tenure")


def compute_pca_model(values: np.ndarray, columns: tuple[str, ...],
                      categories: tuple[tuple[str, str], ...] = ()) -> PcaModel:
    """The PCA of rows held in memory, fitted on the even rows and its errors measured on the
    odd ones (as the warehouse's two halves)."""
    return compute_pca_fit(values[0::2], values[1::2], columns, categories)


def test_components_are_scikit_learns_on_standardised_features() -> None:
    from sklearn.decomposition import PCA

    values = make_correlated_rows(np.random.default_rng(0), 20_000)
    model = compute_pca_model(values, COLUMNS)  # fitted on the even rows
    fitted = values[0::2]
    z = (values - fitted.mean(axis=0)) / fitted.std(axis=0)
    theirs = PCA(n_components=len(model.components)).fit(z[0::2])
    for ours, sklearn in zip(model.components, theirs.components_, strict=True):
        assert abs(float(np.dot(ours, sklearn))) == pytest.approx(1.0, abs=1e-9)  # same axis, any sign
    reconstructed = theirs.inverse_transform(theirs.transform(z))
    errors = np.linalg.norm(z - reconstructed, axis=1)
    np.testing.assert_allclose(compute_row_errors(model, values), errors, atol=1e-9)


def test_the_error_is_the_same_by_the_left_out_eigenvectors_as_by_the_reconstruction() -> None:
    values = make_correlated_rows(np.random.default_rng(5), 4_000)
    model = compute_pca_model(values, COLUMNS)
    assert model.by_rest and len(model.rest) == len(COLUMNS) - len(model.components)
    reconstruction = dataclasses.replace(model, rest=())
    assert not reconstruction.by_rest
    ours, theirs = compute_row_errors(model, values), compute_row_errors(reconstruction, values)
    assert ours.mean() > 0.1
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_two_strongly_correlated_features_keep_one_component() -> None:
    components = compute_pca_components(np.array([[1.0, 0.9], [0.9, 1.0]]))
    assert components.shape == (2, 1)
    np.testing.assert_allclose(components[:, 0], [2 ** -0.5, 2 ** -0.5])
    # four independent features: 65% of the variance takes three components, never all four
    assert compute_pca_components(np.eye(4)).shape == (4, 3)


def _alert_share(model: object, windows: list[np.ndarray]) -> float:
    rows = [compute_multivariate_row(model, float(compute_row_errors(model, w).mean()), len(w), Drift())[0]
            for w in windows]
    return sum(r.status == "alert" for r in rows) / len(rows)


@pytest.mark.parametrize("size", [150, 3500])
def test_undrifted_windows_rarely_alert_and_a_broken_correlation_is_caught(size: int) -> None:
    rng = np.random.default_rng(size)
    model = compute_pca_model(make_correlated_rows(rng, 50_000), COLUMNS)
    undrifted = [make_correlated_rows(rng, size) for _ in range(400)]
    assert _alert_share(model, undrifted) <= 0.02
    broken = [make_correlated_rows(rng, size, broken=True) for _ in range(100)]
    caught = _alert_share(model, broken)
    assert caught >= 0.95, caught


def test_the_floor_keeps_a_negligible_shift_at_a_million_rows_quiet() -> None:
    rng = np.random.default_rng(7)
    model = compute_pca_model(make_correlated_rows(rng, 50_000), COLUMNS)
    window = make_correlated_rows(rng, 1_000_000)
    window[:, 0] += 0.01 * window[:, 0].std()  # income moved by 0.01 of its SD
    row = compute_multivariate_row(model, float(compute_row_errors(model, window).mean()), len(window), Drift())[0]
    assert row.status == "ok"
    assert row.threshold == pytest.approx(model.error_mean * 1.05)
    assert compute_bound(model, 150, Drift()) > row.threshold  # small windows: the sampling error rules


def test_an_empty_window_is_skipped_and_no_model_gives_no_row() -> None:
    model = compute_pca_model(make_correlated_rows(np.random.default_rng(1), 1000), COLUMNS)
    assert compute_multivariate_row(model, None, 0, Drift())[0].status == "skipped"
    assert compute_multivariate_row(None, 1.0, 100, Drift()) == []


def _category_rows(rng: np.random.Generator, n: int, flipped: bool = False) -> np.ndarray:
    """Two independent numbers and a category tied to the first ("a" mostly where it is high);
    flipped: "a" mostly where it is low. Every marginal is the same either way. Columns: the two
    numbers, then the indicators of "a" and "b" (one-hot)."""
    x = rng.normal(0, 1, size=(n, 2))
    high = x[:, 0] + rng.normal(0, 0.5, n) > 0
    is_a = ~high if flipped else high
    return np.column_stack([x, is_a.astype(float), (~is_a).astype(float)])


def test_a_category_that_stops_following_a_number_is_caught_through_its_one_hot_inputs() -> None:
    rng = np.random.default_rng(9)
    baseline = _category_rows(rng, 50_000)
    categories = (("segment", "a"), ("segment", "b"))
    model = compute_pca_model(baseline, ("x1", "x2"), categories)
    numbers_only = compute_pca_model(baseline[:, :2], ("x1", "x2"))
    undrifted = [_category_rows(rng, 3500) for _ in range(100)]
    flipped = [_category_rows(rng, 3500, flipped=True) for _ in range(50)]
    assert _alert_share(model, undrifted) <= 0.02
    assert _alert_share(model, flipped) == 1.0
    assert _alert_share(numbers_only, [w[:, :2] for w in flipped]) <= 0.02  # the numbers alone: no change
