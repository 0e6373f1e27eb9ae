"""The metric registry decides a rule's direction, the task's metrics, the drift scores of a
column type and what CBPE estimates; the rule's status and text follow it."""

from __future__ import annotations

import pytest

from monitors.core.measurement import Measurement, compute_breach
from monitors.core.metrics import (
    METRICS,
    compute_chart_metrics,
    compute_drift_floor,
    compute_drift_metrics,
    compute_estimated_metrics,
    compute_task_metrics,
)
from monitors.reports.text import compute_rule_text


@pytest.mark.parametrize(("metric", "value", "bound", "broken", "text"), [
    ("wasserstein", 0.1, 0.1, True, "< 0.1"),  # drift at the bound, as Evidently decides
    ("wasserstein", 0.09, 0.1, False, "< 0.1"),
    ("roc_auc", 0.79, 0.8, True, ">= 0.8"),
    ("roc_auc", 0.8, 0.8, False, ">= 0.8"),
    ("rmse", 1.2, 1.1, True, "<= 1.1"),
    ("rmse", 1.1, 1.1, False, "<= 1.1"),
    ("expect_column_values_to_be_between", 0.02, 0.01, True, "<= 0.01"),  # not registered: above
])
def test_the_direction_comes_from_the_registry(metric: str, value: float, bound: float, broken: bool,
                                               text: str) -> None:
    assert compute_breach(metric, value, bound) is broken
    assert f"(bound: {text})" in compute_rule_text(Measurement("k", metric, value, bound))


def test_tasks_scores_and_estimates() -> None:
    assert compute_task_metrics("regression") == ("mae", "mse", "rmse", "mape", "msle", "rmsle", "r2")
    assert compute_task_metrics("binary_classification")[-1] == "log_loss"
    assert compute_drift_metrics("numerical") == ("wasserstein", "jensenshannon", "ks", "psi")
    assert compute_drift_metrics("categorical") == ("jensenshannon", "psi")
    assert set(compute_estimated_metrics("binary_classification")) == {"roc_auc", "accuracy", "precision",
                                                                       "recall", "f1"}
    assert compute_estimated_metrics("multiclass_classification") == compute_estimated_metrics(
        "binary_classification")
    assert compute_estimated_metrics("regression") == ("mae", "mse", "rmse", "mape", "msle", "rmsle")
    assert compute_chart_metrics("performance")[:2] == ("roc_auc", "f1")
    assert [m for m, e in METRICS.items() if e.relative_bound] == ["log_loss", "mae", "mse", "rmse", "mape",
                                                                   "msle", "rmsle"]
    with pytest.raises(ValueError, match="unknown task"):
        compute_task_metrics("ranking")


def test_each_drift_score_has_its_floor_and_the_config_overrides_it() -> None:
    from monitors.core.settings import Drift

    assert {m: METRICS[m].floor for m in compute_drift_metrics("numerical")} == \
        {"wasserstein": 0.05, "jensenshannon": 0.02, "ks": 0.015, "psi": 0.003}
    assert Drift().compute_floor(numerical=True) == 0.05
    assert Drift().compute_floor(numerical=False) == 0.02
    assert Drift(numerical_metric="ks", categorical_metric="psi").compute_floor(numerical=True) == 0.015
    assert Drift(categorical_metric="psi").compute_floor(numerical=False) == 0.003
    assert Drift(numerical_threshold=0.1).compute_floor(numerical=True) == 0.1
    with pytest.raises(ValueError, match="not a drift score"):
        compute_drift_floor("roc_auc")
