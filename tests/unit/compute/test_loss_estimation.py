from __future__ import annotations

import numpy as np
import pandas as pd

from monitors.compute.loss_estimation import compute_loss_estimates, compute_loss_model


def sample_rows(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    """A regression whose errors grow with |x| and in group "b"; `shift` moves x outwards."""
    x = rng.normal(shift, 1.0, n)
    group = np.where(rng.random(n) < 0.3 + 0.2 * shift, "b", "a")
    prediction = 10 + 2 * x
    spread = 0.5 + np.abs(x) + 1.5 * (group == "b")
    return pd.DataFrame({"x": x, "group": group, "prediction": prediction,
                         "label": prediction + rng.normal(0, 1, n) * spread})


def realized(frame: pd.DataFrame) -> dict[str, float]:
    error = frame["label"] - frame["prediction"]
    return {"mae": float(error.abs().mean()), "rmse": float(np.sqrt((error ** 2).mean()))}


def test_loss_estimates_follow_the_realized_errors_within_their_bands() -> None:
    rng = np.random.default_rng(0)
    model = compute_loss_model(sample_rows(rng, 20_000), "label", "prediction", ["x"], ["group"])
    assert model is not None and model.categories == {"group": ("a", "b")}
    inside, errors = {"mae": 0, "rmse": 0}, {"mae": [], "rmse": []}
    windows = 30
    for k in range(windows):
        window = sample_rows(rng, 2_000, shift=k / windows)
        truth = realized(window)
        for estimate in compute_loss_estimates(model, window.drop(columns="label"), len(window)):
            assert estimate.value is not None and estimate.band is not None
            inside[estimate.metric] += abs(estimate.value - truth[estimate.metric]) <= estimate.band
            errors[estimate.metric].append(abs(estimate.value - truth[estimate.metric]) / truth[estimate.metric])
    assert all(n >= 0.9 * windows for n in inside.values()), inside
    assert all(np.mean(e) < 0.03 for e in errors.values()), {m: np.mean(e) for m, e in errors.items()}


def test_a_sampled_window_carries_the_sample_error_in_its_band() -> None:
    """A 200k-row window estimated from 2,000 sampled rows: a narrower band than a 2,000-row
    window's, a wider one than its own sampling error of the realized metric alone."""
    rng = np.random.default_rng(1)
    model = compute_loss_model(sample_rows(rng, 5_000), "label", "prediction", ["x"], ["group"])
    assert model is not None
    window = sample_rows(rng, 2_000)
    small = {e.metric: e.band for e in compute_loss_estimates(model, window, 2_000)}
    large = {e.metric: e.band for e in compute_loss_estimates(model, window, 200_000)}
    mae = next(e.value for e in compute_loss_estimates(model, window, 2_000) if e.metric == "mae")
    assert mae is not None
    assert small["mae"] > large["mae"] > 3 * model.absolute_cv * mae / np.sqrt(200_000)
    assert small["rmse"] > large["rmse"] > 0


def test_no_estimates_without_labelled_rows_or_predictions() -> None:
    rng = np.random.default_rng(2)
    frame = sample_rows(rng, 100)
    assert compute_loss_model(frame, "label", "prediction", ["x"], ["group"]) is None  # too few
    model = compute_loss_model(sample_rows(rng, 1_000), "label", "prediction", ["x"], ["group"])
    unknown = frame.assign(prediction=np.nan)
    assert all(e.value is None for e in compute_loss_estimates(model, unknown, 100))
    assert all(e.value is None for e in compute_loss_estimates(None, frame, 100))
