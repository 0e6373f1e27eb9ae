from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

from monitors.compute.estimation import (
    compute_calibration_test,
    compute_calibrator,
    compute_class_calibrators,
    compute_class_estimates,
    compute_estimates,
    compute_isotonic,
)
from monitors.compute.frame_counts import compute_frame_tally
from monitors.compute.measure import DEFAULT_SCORE_BINS
from monitors.compute.performance import compute_metrics
from monitors.compute.performance.confusion import compute_confusion_metrics
from monitors.core.counts import compute_slot_order
from monitors.core.fields import LABEL
from monitors.core.tallies import Tally
from monitors.testing import make_config

CONFIG = make_config(Path("/nonexistent"), "duckdb:///w.duckdb")


def tally(scores: np.ndarray, labels: np.ndarray | None) -> Tally:
    frame = pd.DataFrame({"score": scores, LABEL: labels if labels is not None else [None] * len(scores),
                          "predicted_label": (scores >= 0.5).astype(int)})
    return compute_frame_tally("binary_classification", frame, CONFIG, DEFAULT_SCORE_BINS)


def test_certain_probabilities_give_the_realized_metrics() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(500)
    labels = (rng.random(500) < scores).astype(int)
    t = tally(scores, labels)
    g = t.groups
    keys = np.stack([g[:, 1], compute_slot_order(g[:, 2])], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=g[:, 3])
    positive = np.bincount(inverse.ravel(), weights=g[:, 3] * (g[:, 0] == 1))
    _, index = np.unique(unique[:, 1], return_inverse=True)
    expected = compute_confusion_metrics(positive, counts, unique[:, 0], index, int(index.max()) + 1)
    realized = compute_metrics(t)
    for metric in ("accuracy", "f1", "roc_auc"):
        assert float(expected[metric]) == pytest.approx(realized[metric]), metric
    assert realized["accuracy"] == pytest.approx(accuracy_score(labels, scores >= 0.5))
    assert realized["roc_auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-3)


def test_estimates_land_within_their_band_on_a_calibrated_model() -> None:
    rng = np.random.default_rng(1)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        scores = 1 / (1 + np.exp(-rng.normal(0, 1.6, n)))
        return scores, (rng.random(n) < scores).astype(int)

    calibrator = compute_calibrator(tally(*sample(20_000)), DEFAULT_SCORE_BINS)
    inside = {m: 0 for m in ("roc_auc", "accuracy", "precision", "recall", "f1")}
    windows = 40
    for _ in range(windows):
        scores, labels = sample(1000)
        predicted = (scores >= 0.5).astype(int)
        realized = {"roc_auc": roc_auc_score(labels, scores), "accuracy": accuracy_score(labels, predicted),
                    "precision": float(((predicted == 1) & (labels == 1)).sum() / (predicted == 1).sum()),
                    "recall": float(((predicted == 1) & (labels == 1)).sum() / (labels == 1).sum()),
                    "f1": f1_score(labels, predicted)}
        for estimate in compute_estimates(calibrator, tally(scores, None), DEFAULT_SCORE_BINS):
            assert estimate.value is not None and estimate.band is not None and estimate.band > 0
            inside[estimate.metric] += abs(estimate.value - realized[estimate.metric]) <= estimate.band
    shares = {m: k / windows for m, k in inside.items()}
    print("share of windows within the band:", shares)
    assert all(share >= 0.9 for share in shares.values()), shares


def test_a_calibrated_baseline_keeps_its_scores_and_an_overconfident_one_is_calibrated() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 1.6, 20_000)
    labels = (rng.random(20_000) < 1 / (1 + np.exp(-logits))).astype(int)
    grid = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
    as_scored = compute_calibrator(tally(1 / (1 + np.exp(-logits)), labels), DEFAULT_SCORE_BINS)
    assert as_scored.predict(grid) == pytest.approx(grid)  # no isotonic steps: the scores as they are
    overconfident = compute_calibrator(tally(1 / (1 + np.exp(-1.8 * logits)), labels), DEFAULT_SCORE_BINS)
    # the overconfident score 0.2 has the logit -1.39 / 1.8: a probability of 0.32
    assert overconfident.predict(np.array([0.2]))[0] == pytest.approx(0.32, abs=0.03)


def test_the_calibration_test_is_hosmer_lemeshow_on_bins_of_equal_counts() -> None:
    # ten groups of 10 rows, one per bin: each bin's chi-square term is (seen - expected)^2 /
    # (expected (1 - expected / 10))
    probability = np.linspace(0.05, 0.95, 10)
    counts = np.full(10, 10.0)
    positive = np.ones(10, dtype=bool)  # each group all positive: seen 10, expected 10 p
    expected = 10 * probability
    statistic = float((((10 - expected) ** 2) / (expected * (1 - probability))).sum())
    assert compute_calibration_test(probability, positive, counts) == pytest.approx(chi2.sf(statistic, 10))
    # 20 rows at 0.5 alternating positive: each bin of 2 holds 1 positive, 1 expected
    rows = np.tile([True, False], 10)
    assert compute_calibration_test(np.full(20, 0.5), rows, np.ones(20)) == pytest.approx(1.0)


def test_no_calibration_without_both_classes() -> None:
    scores = np.linspace(0, 1, 100)
    assert compute_calibrator(tally(scores, np.ones(100, int)), DEFAULT_SCORE_BINS) is None
    estimates = compute_estimates(None, tally(scores, None), DEFAULT_SCORE_BINS)
    assert all(e.value is None for e in estimates)


MULTICLASS_CONFIG = make_config(Path("/nonexistent"), "duckdb:///w.duckdb", **{
    "task": "multiclass_classification", "predictions.score": None, "predictions.predicted_label": None,
    "predictions.class_scores": {c: f"p_{c}" for c in "abc"}})


def sample_classes(rng: np.random.Generator, n: int, shift: float) -> tuple[pd.DataFrame, np.ndarray]:
    """A 3-class model 1.6x over-confident (its probabilities need calibrating), on features
    moved by `shift` (which moves rows towards the uncertain middle and changes accuracy); the
    labels drawn from the true probabilities."""
    x = rng.normal(shift, 1.0, size=(n, 2))
    logits = x @ np.array([[2.0, -1.0, -1.0], [0.0, 1.5, -1.5]])
    true = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    shown = np.exp(1.6 * logits) / np.exp(1.6 * logits).sum(axis=1, keepdims=True)
    labels = np.array(list("abc"))[(rng.random(n)[:, None] > np.cumsum(true, axis=1)).sum(axis=1)]
    return pd.DataFrame({f"p_{c}": shown[:, k] for k, c in enumerate("abc")}), labels


def class_tally(frame: pd.DataFrame, labels: np.ndarray | None) -> Tally:
    frame = frame.assign(**{LABEL: labels if labels is not None else [None] * len(frame)})
    return compute_frame_tally("multiclass_classification", frame, MULTICLASS_CONFIG, DEFAULT_SCORE_BINS)


def test_multiclass_estimates_land_within_their_band_after_calibration() -> None:
    rng = np.random.default_rng(3)
    calibrators = compute_class_calibrators(class_tally(*sample_classes(rng, 30_000, 0.0)))
    assert calibrators is not None and set(calibrators) == set("abc")
    inside = {m: 0 for m in ("roc_auc", "accuracy", "precision", "recall", "f1")}
    errors: dict[str, list[float]] = {m: [] for m in inside}
    windows = 30
    for k in range(windows):
        frame, labels = sample_classes(rng, 2000, shift=-0.6 + 1.2 * k / (windows - 1))
        predicted = np.array(list("abc"))[frame.to_numpy().argmax(axis=1)]
        realized = {"roc_auc": roc_auc_score(labels, frame.to_numpy(), multi_class="ovr", labels=list("abc")),
                    "accuracy": accuracy_score(labels, predicted),
                    "precision": precision_score(labels, predicted, average="macro"),
                    "recall": recall_score(labels, predicted, average="macro"),
                    "f1": f1_score(labels, predicted, average="macro")}
        for estimate in compute_class_estimates(calibrators, class_tally(frame, None)):
            assert estimate.value is not None and estimate.band is not None and estimate.band > 0
            inside[estimate.metric] += abs(estimate.value - realized[estimate.metric]) <= estimate.band
            errors[estimate.metric].append(abs(estimate.value - realized[estimate.metric]))
    shares = {m: k / windows for m, k in inside.items()}
    print("within the band:", shares, "mean abs error:", {m: np.mean(e) for m, e in errors.items()})
    assert all(share >= 0.9 for share in shares.values()), shares
    assert all(np.mean(e) < 0.02 for e in errors.values()), errors


def test_uncalibrated_multiclass_probabilities_would_miss_the_accuracy() -> None:
    """The estimate follows the calibrated probabilities, not the model's over-confident ones:
    the mean of the shown top probability overstates accuracy, the estimate does not."""
    rng = np.random.default_rng(4)
    calibrators = compute_class_calibrators(class_tally(*sample_classes(rng, 30_000, 0.0)))
    frame, labels = sample_classes(rng, 20_000, 0.0)
    predicted = np.array(list("abc"))[frame.to_numpy().argmax(axis=1)]
    realized = accuracy_score(labels, predicted)
    estimate = {e.metric: e for e in compute_class_estimates(calibrators, class_tally(frame, None))}
    assert frame.to_numpy().max(axis=1).mean() - realized > 0.03
    assert abs(estimate["accuracy"].value - realized) < 0.01


def test_no_multiclass_calibration_when_a_class_is_never_seen() -> None:
    rng = np.random.default_rng(5)
    frame, _ = sample_classes(rng, 1000, 0.0)
    labels = np.where(rng.random(1000) < 0.5, "a", "b")
    assert compute_class_calibrators(class_tally(frame, labels)) is None
    assert all(e.value is None for e in compute_class_estimates(None, class_tally(frame, None)))


@pytest.mark.parametrize("shape", ["few_distinct_scores", "score_slots", "continuous", "decreasing"])
def test_the_isotonic_fit_is_scikit_learns(shape: str) -> None:
    # the calibration no longer imports scikit-learn (~0.15 CPU s before a window's first estimate);
    # its fit and prediction must stay IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)'s
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(["few_distinct_scores", "score_slots", "continuous", "decreasing"].index(shape))
    for _ in range(200):
        n = int(rng.integers(2, 300))
        x = {"few_distinct_scores": rng.integers(0, 5, n) / 4, "score_slots": rng.integers(0, 64, n) / 64,
             "continuous": rng.random(n), "decreasing": rng.random(n)}[shape]
        slope = -6.0 if shape == "decreasing" else rng.uniform(-1, 10)
        y = (rng.random(n) < 1 / (1 + np.exp(-(x - 0.5) * slope))).astype(float)
        weights = rng.integers(0, 40, n).astype(float)  # a zero weight: a row that counts for nothing
        if weights.sum() == 0 or len(np.unique(y[weights > 0])) < 2:
            continue
        keep = weights > 0
        ours = compute_isotonic(x, y, weights)
        theirs = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
            x[keep], y[keep], sample_weight=weights[keep])
        at = np.concatenate([x, rng.uniform(-0.5, 1.5, 50)])
        np.testing.assert_allclose(ours.predict(at), theirs.predict(at), rtol=0, atol=1e-12)
        assert np.all(np.diff(ours.predict(np.sort(at))) >= 0)
