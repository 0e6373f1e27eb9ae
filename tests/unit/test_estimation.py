from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from monitors.estimation import compute_calibrator, compute_estimates, compute_expected_metrics


def test_certain_probabilities_give_the_realized_metrics() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(500)
    labels = (rng.random(500) < scores).astype(int)
    predicted = (scores >= 0.5).astype(int)
    expected = compute_expected_metrics(labels.astype(float), predicted, scores)  # p is 0 or 1
    assert expected["accuracy"] == pytest.approx(accuracy_score(labels, predicted))
    assert expected["f1"] == pytest.approx(f1_score(labels, predicted))
    assert expected["roc_auc"] == pytest.approx(roc_auc_score(labels, scores))


def test_estimates_land_within_their_band_on_a_calibrated_model() -> None:
    rng = np.random.default_rng(1)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        scores = 1 / (1 + np.exp(-rng.normal(0, 1.6, n)))
        return scores, (rng.random(n) < scores).astype(int)

    calibrator = compute_calibrator(*sample(20_000))
    inside = {m: 0 for m in ("roc_auc", "accuracy", "precision", "recall", "f1")}
    windows = 40
    for _ in range(windows):
        scores, labels = sample(1000)
        predicted = (scores >= 0.5).astype(int)
        realized = {"roc_auc": roc_auc_score(labels, scores), "accuracy": accuracy_score(labels, predicted),
                    "precision": float(((predicted == 1) & (labels == 1)).sum() / (predicted == 1).sum()),
                    "recall": float(((predicted == 1) & (labels == 1)).sum() / (labels == 1).sum()),
                    "f1": f1_score(labels, predicted)}
        for estimate in compute_estimates(calibrator, scores, predicted):
            assert estimate.value is not None and estimate.band is not None and estimate.band > 0
            inside[estimate.metric] += abs(estimate.value - realized[estimate.metric]) <= estimate.band
    shares = {m: k / windows for m, k in inside.items()}
    print("share of windows within the band:", shares)
    assert all(share >= 0.9 for share in shares.values()), shares


def test_no_calibration_without_both_classes() -> None:
    assert compute_calibrator(np.linspace(0, 1, 100), np.ones(100, int)) is None
    estimates = compute_estimates(None, np.linspace(0, 1, 100), np.ones(100, int))
    assert all(e.value is None for e in estimates)
