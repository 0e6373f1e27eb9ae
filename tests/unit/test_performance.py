from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.performance import (
    Labelled,
    compute_bound,
    compute_labelled,
    compute_metrics,
    compute_performance_measurements,
)
from monitors.testing import make_config
from monitors.warehouse import LABEL
from monitors.window import Window

WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))


def test_binary_metrics_on_known_values() -> None:
    data = Labelled(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.6]), np.array([1, 0, 0, 1]), 4)
    metrics = compute_metrics("binary_classification", data)
    assert metrics["accuracy"] == 0.5
    assert metrics["precision"] == 0.5 and metrics["recall"] == 0.5 and metrics["f1"] == 0.5
    assert metrics["roc_auc"] == 0.75
    assert metrics["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.4])))


def test_regression_metrics_on_known_values() -> None:
    data = Labelled(np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0]), np.array([2.0, 2.0, 2.0]), 3)
    metrics = compute_metrics("regression", data)
    assert metrics["mae"] == pytest.approx(1.0)
    assert metrics["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert metrics["mape"] == pytest.approx((1 + 0 + 0.5) / 3)


def test_one_class_window_has_no_auc() -> None:
    data = Labelled(np.array([1, 1]), np.array([0.9, 0.8]), np.array([1, 1]), 2)
    assert compute_metrics("binary_classification", data)["roc_auc"] is None


def test_bounds_by_direction() -> None:
    assert compute_bound("roc_auc", 0.8, 0.05) == pytest.approx(0.75)
    assert compute_bound("mae", 2.0, 0.1) == pytest.approx(2.2)


def test_unlabelled_and_non_finite_rows_are_left_out(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///w.duckdb")
    frame = pd.DataFrame({"score": [0.9, np.nan, np.inf, 0.1], LABEL: [1, 1, 0, None],
                          "predicted_label": [1, 0, 1, 0]})
    data = compute_labelled(frame, config)
    assert list(data.y_true) == [1] and data.total == 4 and data.coverage == 0.25


def _frame(n: int, labelled: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    labels = pd.Series(y, dtype="float").where(np.arange(n) < labelled)
    return pd.DataFrame({"score": score, LABEL: labels, "predicted_label": (score >= 0.5).astype(int)})


def test_no_alert_while_labels_are_pending(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///w.duckdb")
    data = compute_labelled(_frame(1000, 300), config)
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
    data = compute_labelled(_frame(1000, 1000), config)
    value = compute_metrics(config.task, data)["roc_auc"]
    assert value is not None
    ok = compute_performance_measurements(config, WINDOW, data, {"roc_auc": value + 0.04}, WINDOW.end)
    bad = compute_performance_measurements(config, WINDOW, data, {"roc_auc": value + 0.06}, WINDOW.end)
    assert {r.metric: r.status for r in ok}["roc_auc"] == "ok"
    row = [r for r in bad if r.metric == "roc_auc"][0]
    assert row.status == "alert" and row.threshold == pytest.approx(value + 0.01)
