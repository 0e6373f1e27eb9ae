"""The task-type registry: one entry per task type a config may name (`task:`), and everything
known about it (the label it takes, the outputs it reads, its metrics, its estimator, its
tally). Config validation, the warehouse's checks, the suites and the wiring read it here;
where the maths differs, each layer has one module per task type (warehouse.outcomes,
compute.performance), looked up by name, never an if-chain on the task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitors.core.metrics import (
    BINARY,
    MULTICLASS,
    REGRESSION,
    compute_estimated_metrics,
    compute_task_metrics,
)

if TYPE_CHECKING:  # core.tallies imports numpy; the config (and so the DAG files) must not
    from monitors.core.tallies import Tally

# estimators of performance without labels (compute.estimation, compute.loss_estimation)
CBPE, CLASS_CBPE, DLE = "cbpe", "class_cbpe", "dle"


@dataclass(frozen=True)
class TaskType:
    name: str  # the config's value
    label: str  # what the label is: two classes, any class, a number
    label_types: frozenset[str]  # the warehouse type families the label may have (empty: any)
    outputs: tuple[str, ...]  # the predictions keys it reads: score, class_scores, predicted_label
    score_types: frozenset[str]  # predictions.score's type families (empty: any)
    probabilities: bool  # its score (or each class's score) is a probability in [0, 1]
    classes: bool  # its labels are classes (a set the suites check)
    # the estimator of its performance without labels: cbpe (binary), class_cbpe (multiclass:
    # one-vs-rest on each class's probability), dle (regression: a model of the loss)
    estimator: str
    estimator_needs: tuple[str, ...]  # the outputs the estimator needs besides the score
    tally_class: str  # its tally's class in core.tallies, imported where a tally is made or read

    @property
    def metrics(self) -> tuple[str, ...]:
        """Its realized performance metrics, in stored order (core.metrics)."""
        return compute_task_metrics(self.name)

    @property
    def estimated_metrics(self) -> tuple[str, ...]:
        return compute_estimated_metrics(self.name)

    @property
    def tally(self) -> type[Tally]:
        from monitors.core import tallies

        found: type[Tally] = getattr(tallies, self.tally_class)
        return found

    def empty_tally(self) -> Tally:
        return self.tally()


_ENTRIES = (
    TaskType(BINARY, "two classes (1 positive, 0 negative)", frozenset({"numeric", "boolean"}),
             ("score", "predicted_label"), frozenset({"numeric"}), probabilities=True, classes=True,
             estimator=CBPE, estimator_needs=(), tally_class="BinaryTally"),
    TaskType(MULTICLASS, "a class", frozenset(), ("score", "class_scores", "predicted_label"),
             frozenset(), probabilities=True, classes=True, estimator=CLASS_CBPE,
             estimator_needs=("class_scores",), tally_class="MulticlassTally"),
    TaskType(REGRESSION, "a number", frozenset({"numeric"}), ("score",), frozenset({"numeric"}),
             probabilities=False, classes=False, estimator=DLE, estimator_needs=(),
             tally_class="RegressionTally"),
)
TASK_TYPES: dict[str, TaskType] = {t.name: t for t in _ENTRIES}


def compute_task_type(name: str) -> TaskType:
    """The registry's entry of a task (a config's `task:`, validated at load)."""
    found = TASK_TYPES.get(name)
    if found is None:
        raise ValueError(f"unknown task {name!r}: one of {', '.join(TASK_TYPES)}")
    return found
