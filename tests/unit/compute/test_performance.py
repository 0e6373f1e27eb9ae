from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.compute.frame_counts import compute_frame_tally
from monitors.compute.measure import DEFAULT_SCORE_BINS
from monitors.compute.performance import compute_bound, compute_metrics, compute_performance_measurements
from monitors.core.fields import LABEL
from monitors.core.tallies import Tally
from monitors.core.window import Window
from monitors.testing import make_config

WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
CONFIG = make_config(Path("/nonexistent"), "duckdb:///w.duckdb")


def tally(y: list, score: list, pred: list, task: str = "binary_classification") -> Tally:
    frame = pd.DataFrame({"score": score, LABEL: y, "predicted_label": pred})
    return compute_frame_tally(task, frame, CONFIG, DEFAULT_SCORE_BINS)


def test_binary_metrics_on_known_values() -> None:
    metrics = compute_metrics(tally([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6], [1, 0, 0, 1]))
    assert metrics["accuracy"] == 0.5
    assert metrics["precision"] == 0.5 and metrics["recall"] == 0.5 and metrics["f1"] == 0.5
    assert metrics["roc_auc"] == 0.75
    assert metrics["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.4])))


def test_regression_metrics_on_known_values() -> None:
    metrics = compute_metrics(tally([1.0, 2.0, 4.0], [2.0, 2.0, 2.0], [2.0, 2.0, 2.0], "regression"))
    assert metrics["mae"] == pytest.approx(1.0)
    assert metrics["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert metrics["mape"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert metrics["r2"] == pytest.approx(1 - 5 / (14 / 3))


def test_multiclass_metrics_are_macro_averages() -> None:
    from sklearn import metrics as m

    y, pred = ["a", "b", "c", "a", "b", "a"], ["a", "b", "b", "a", "c", "c"]
    found = compute_metrics(tally(y, [0.0] * 6, pred, "multiclass_classification"))
    assert found["accuracy"] == pytest.approx(m.accuracy_score(y, pred))
    for name, fn in (("precision", m.precision_score), ("recall", m.recall_score), ("f1", m.f1_score)):
        assert found[name] == pytest.approx(fn(y, pred, average="macro", zero_division=0)), name


def test_one_class_window_has_no_auc() -> None:
    assert compute_metrics(tally([1, 1], [0.9, 0.8], [1, 1]))["roc_auc"] is None


def test_bounds_by_direction() -> None:
    assert compute_bound("roc_auc", 0.8, 0.05) == pytest.approx(0.75)
    assert compute_bound("mae", 2.0, 0.1) == pytest.approx(2.2)


def test_unlabelled_and_non_finite_rows_are_left_out() -> None:
    data = tally([1, 1, 0, None], [0.9, np.nan, np.inf, 0.1], [1, 0, 1, 0])
    assert data.labelled == 1 and data.total == 4 and data.coverage == 0.25


def _frame(n: int, labelled: int) -> Tally:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    labels = pd.Series(y, dtype="float").where(np.arange(n) < labelled)
    frame = pd.DataFrame({"score": score, LABEL: labels, "predicted_label": (score >= 0.5).astype(int)})
    return compute_frame_tally("binary_classification", frame, CONFIG, DEFAULT_SCORE_BINS)


def test_no_alert_while_labels_are_pending(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///w.duckdb")
    data = _frame(1000, 300)
    young = compute_performance_measurements(config, WINDOW, data, {"roc_auc": 0.99, "f1": 0.99},
                                             as_of=datetime(2026, 1, 5, tzinfo=UTC))
    assert {r.metric: r.status for r in young}["roc_auc"] == "skipped"
    assert {r.metric: r.status for r in young}["label_coverage"] == "skipped"
    old = compute_performance_measurements(config, WINDOW, data, {"roc_auc": 0.99, "f1": 0.99},
                                           as_of=datetime(2026, 2, 1, tzinfo=UTC))
    statuses = {r.metric: r.status for r in old}
    assert statuses["label_coverage"] == "alert"  # max_delay passed, labels never came
    assert statuses["roc_auc"] == "alert"
    assert statuses["accuracy"] == "ok"  # measured, not a configured rule


def test_drop_beyond_max_drop_alerts_and_names_bound(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///w.duckdb")
    data = _frame(1000, 1000)
    value = compute_metrics(data)["roc_auc"]
    assert value is not None
    ok = compute_performance_measurements(config, WINDOW, data, {"roc_auc": value + 0.04}, WINDOW.end)
    bad = compute_performance_measurements(config, WINDOW, data, {"roc_auc": value + 0.06}, WINDOW.end)
    assert {r.metric: r.status for r in ok}["roc_auc"] == "ok"
    row = [r for r in bad if r.metric == "roc_auc"][0]
    assert row.status == "alert" and row.threshold == pytest.approx(value + 0.01)
