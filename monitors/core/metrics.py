"""The metric registry: one entry per metric the store can hold, and everything known about it
(its kind, the tasks it applies to, the column types it scores, the direction that breaks its
rule, whether it is estimated without labels, the chart that draws it). Config validation, rule checks, rule
text, estimation and the pages all read it here; a new metric is one entry (and its maths).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitors.core.kinds import Kind

BINARY, MULTICLASS, REGRESSION = "binary_classification", "multiclass_classification", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)
CLASSIFICATION = frozenset({BINARY, MULTICLASS})
Breach = Literal["below", "at_or_above", "above"]


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind  # drift, performance, data_quality, schema or expected
    breach: Breach  # below: value < bound; at_or_above: value >= bound; above: value > bound
    tasks: frozenset[str] = frozenset(TASKS)  # the tasks it can be judged for
    columns: tuple[str, ...] = ()  # drift: the column types it scores (numerical, categorical)
    estimated: bool = False  # estimated without labels: CBPE (classification), DLE (regression)
    chart: str | None = None  # the model page's chart group: drift, performance
    # drift scores: the default effect-size floor (drift.numerical_threshold and
    # categorical_threshold): below 4-point share moves and a normed Wasserstein of 0.07, above
    # what a 1-point move or a 0.01 shift scores (benchmarks/drift_recall.py)
    floor: float | None = None
    axis: str = ""  # the chart's y axis: what the value is, in what unit
    probabilities: bool = False  # multiclass: needs each class's probability (class_scores)

    @property
    def axis_title(self) -> str:
        return self.axis or self.name

    @property
    def relative_bound(self) -> bool:
        """Error metrics: bound = baseline x (1 + max_drop) instead of baseline - max_drop."""
        return self.kind == Kind.PERFORMANCE and self.breach == "above"


_ENTRIES = (
    # drift scores (every one is stored; drift.numerical_metric / categorical_metric is judged)
    Metric("wasserstein", Kind.DRIFT, "at_or_above", columns=("numerical",), chart="drift", floor=0.05,
           axis="Wasserstein distance (baseline SDs)"),
    Metric("jensenshannon", Kind.DRIFT, "at_or_above", columns=("numerical", "categorical"),
           chart="drift", floor=0.02, axis="Jensen-Shannon distance (0-1)"),
    Metric("ks", Kind.DRIFT, "at_or_above", columns=("numerical",), chart="drift", floor=0.015,
           axis="KS statistic (0-1)"),
    Metric("psi", Kind.DRIFT, "at_or_above", columns=("numerical", "categorical"), chart="drift",
           floor=0.003, axis="PSI"),
    Metric("drifted_share", Kind.DRIFT, "at_or_above", axis="share of features drifted (0-1)"),
    # the window-level test of small windows (compute.combined): its p-value, alert below
    # half of drift.false_alert_rate; per column, that feature's own p-value (never judged)
    Metric("combined", Kind.DRIFT, "below", axis="p-value of the window-level drift test (0-1)"),
    # multivariate drift: a window's mean PCA reconstruction error; floor: the bound is never
    # below the baseline's mean error raised by this share (compute.multivariate)
    Metric("pca_reconstruction_error", Kind.DRIFT, "above", chart="multivariate", floor=0.05,
           axis="mean reconstruction error (standardised units)"),
    # realized performance, in the order the pages show them
    # roc_auc and log_loss need class probabilities: multiclass only with predictions.class_scores
    # (macro one-vs-rest ROC AUC)
    Metric("roc_auc", Kind.PERFORMANCE, "below", CLASSIFICATION, estimated=True, chart="performance",
           axis="ROC AUC (0-1)", probabilities=True),
    Metric("f1", Kind.PERFORMANCE, "below", CLASSIFICATION, estimated=True, chart="performance",
           axis="F1 (0-1)"),
    Metric("accuracy", Kind.PERFORMANCE, "below", CLASSIFICATION, estimated=True, chart="performance",
           axis="accuracy (share correct)"),
    Metric("precision", Kind.PERFORMANCE, "below", CLASSIFICATION, estimated=True, chart="performance",
           axis="precision (0-1)"),
    Metric("recall", Kind.PERFORMANCE, "below", CLASSIFICATION, estimated=True, chart="performance",
           axis="recall (0-1)"),
    Metric("log_loss", Kind.PERFORMANCE, "above", CLASSIFICATION, chart="performance",
           axis="log loss (nats)", probabilities=True),
    Metric("mae", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="mean absolute error (label units)"),
    Metric("mse", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="mean squared error (label units squared)"),
    Metric("rmse", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="RMSE (label units)"),
    Metric("mape", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="MAPE (share of the label)"),
    # msle and rmsle: of log1p(label) - log1p(prediction), over the rows where both are > -1
    # (log1p is undefined at or below -1: such rows are left out, as a zero label is of mape)
    Metric("msle", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="mean squared log error"),
    Metric("rmsle", Kind.PERFORMANCE, "above", frozenset({REGRESSION}), estimated=True, chart="performance",
           axis="RMSLE (log1p units)"),
    Metric("r2", Kind.PERFORMANCE, "below", frozenset({REGRESSION}), chart="performance",
           axis="R² (1: perfect)"),
    Metric("label_coverage", Kind.PERFORMANCE, "below", axis="share of rows labelled (0-1)"),
    # data quality and schema of our own (GX expectations: "above", the default)
    Metric("row_count", Kind.DATA_QUALITY, "below", axis="rows"),
    # volume.direction both: the row count above its season's expected range (duplicated logging)
    Metric("row_count_surge", Kind.DATA_QUALITY, "above", axis="rows"),
    # never judged (kind expected): the top of row_count's expected range, and its season
    # (column: e.g. day_of_week=Saturday; value: its earlier windows learned from, threshold:
    # how many it needs; skipped while learning)
    Metric("row_count_upper", Kind.EXPECTED, "above", axis="rows"),
    Metric("row_count_season", Kind.EXPECTED, "below"),
    # never judged: the season that lowered label_coverage's bound at maturity (as row_count_season)
    Metric("label_coverage_season", Kind.EXPECTED, "below"),
    Metric("hours_since_last_prediction", Kind.DATA_QUALITY, "above"),
    Metric("missing_share", Kind.DATA_QUALITY, "above"),
    Metric("new_category_share", Kind.DATA_QUALITY, "above"),
    Metric("out_of_range_share", Kind.DATA_QUALITY, "above"),
    Metric("non_finite_share", Kind.DATA_QUALITY, "above"),
    Metric("column_present", Kind.SCHEMA, "below"),
)
METRICS: dict[str, Metric] = {m.name: m for m in _ENTRIES}
# the order in which a task's metrics are computed and stored
PERFORMANCE_ORDER = {
    CLASSIFICATION: ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    frozenset({REGRESSION}): ("mae", "mse", "rmse", "mape", "msle", "rmsle", "r2"),
}


def compute_breach_direction(metric: str) -> Breach:
    """How a value breaks its bound; metrics not in the registry (GX expectations): above."""
    entry = METRICS.get(metric)
    return entry.breach if entry is not None else "above"


def compute_task_metrics(task: str) -> tuple[str, ...]:
    """The performance metrics a task computes, in stored order."""
    for tasks, names in PERFORMANCE_ORDER.items():
        if task in tasks:
            return names
    raise ValueError(f"unknown task {task!r}")


def compute_judged_metrics(task: str, probabilities: bool = False) -> tuple[str, ...]:
    """The performance metrics a task's rules may name (performance.metrics); a multiclass
    model's probability metrics only with its class probabilities."""
    return tuple(m for m in compute_task_metrics(task) if task in METRICS[m].tasks
                 and (probabilities or task != MULTICLASS or not METRICS[m].probabilities))


def check_performance_metrics(task: str, metrics: list[str], probabilities: bool) -> None:
    """ValueError naming performance.metrics when one cannot be judged for the task."""
    allowed = compute_judged_metrics(task, probabilities)
    for metric in metrics:
        if metric not in allowed:
            what = f"metric {metric!r} cannot be judged" if metric in compute_task_metrics(task) \
                else f"unknown metric {metric!r}"
            if metric in compute_judged_metrics(task, probabilities=True):
                what += " without each class's probability (predictions.class_scores)"
            raise ValueError(f"performance.metrics: {what} for task {task}; choose from {', '.join(allowed)}")


def compute_drift_metrics(column_type: str) -> tuple[str, ...]:
    """The drift scores of a column type (numerical, categorical), in stored order."""
    return tuple(m.name for m in _ENTRIES if column_type in m.columns)


def compute_drift_floor(metric: str) -> float:
    """A drift score's default effect-size floor."""
    floor = METRICS[metric].floor
    if floor is None:
        raise ValueError(f"{metric!r} is not a drift score")
    return floor


def compute_chart_metrics(chart: str) -> tuple[str, ...]:
    return tuple(m.name for m in _ENTRIES if m.chart == chart)


def compute_estimated_metrics(task: str) -> tuple[str, ...]:
    """The metrics a task's performance is estimated on without labels, in stored order."""
    return tuple(m.name for m in _ENTRIES if m.estimated and task in m.tasks)
