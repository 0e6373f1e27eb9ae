"""The task-type registry: every task a config may name has one entry, whose metrics, tally and
estimator are those of the metric registry and the per-task modules."""

from __future__ import annotations

import pytest

from monitors.compute import estimation, performance
from monitors.core.metrics import METRICS, TASKS
from monitors.core.tallies import BinaryTally, MulticlassTally, RegressionTally
from monitors.core.tasks import DLE, TASK_TYPES, compute_task_type
from monitors.warehouse import outcomes


def test_every_configurable_task_has_one_entry_and_a_module_in_each_layer() -> None:
    assert tuple(TASK_TYPES) == TASKS
    assert set(performance.TASK_MODULES) == set(outcomes.TASK_MODULES) == set(TASKS)


def test_an_entry_s_metrics_are_the_metric_registry_s() -> None:
    regression = compute_task_type("regression")
    assert regression.metrics == ("mae", "mse", "rmse", "mape", "msle", "rmsle", "r2")
    assert all("regression" in METRICS[m].tasks for m in regression.metrics)
    assert compute_task_type("binary_classification").estimated_metrics == (
        "roc_auc", "f1", "accuracy", "precision", "recall")


def test_each_task_has_its_own_empty_tally() -> None:
    kinds = {name: type(t.empty_tally()) for name, t in TASK_TYPES.items()}
    assert kinds == {"binary_classification": BinaryTally, "multiclass_classification": MulticlassTally,
                     "regression": RegressionTally}
    assert all(t.empty_tally().labelled == 0 and t.empty_tally().coverage == 0.0 for t in TASK_TYPES.values())


def test_an_estimator_is_the_tallies_or_the_loss_model_s() -> None:
    estimators = {t.name: t.estimator for t in TASK_TYPES.values()}
    assert set(estimation.ESTIMATORS) | {DLE} == set(estimators.values())
    assert set(estimation.CALIBRATORS) == set(estimation.ESTIMATORS)


def test_an_unknown_task_is_named() -> None:
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        compute_task_type("ranking")
