"""The config's data sections: the predictions, the labels (ground truth), the baseline and
the GX suite, each a section of the model YAML (plain data, checked by config.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from monitors.core.fields import Duration, Identifier, TableName
from monitors.core.settings import Strict


class Features(Strict):
    numerical: list[Identifier] = Field(default_factory=list, description=(
        "numerical feature columns: profiled on bins, drift-monitored, range-checked"))
    categorical: list[Identifier] = Field(default_factory=list, description=(
        "categorical feature columns (text, booleans, codes): drift-monitored by value; "
        "`segments` are chosen among them"))

    @property
    def all(self) -> list[str]:
        return [*self.numerical, *self.categorical]


class Predictions(Strict):
    table: TableName = Field(description=(
        "the predictions table; may be schema-qualified: analytics.predictions"))
    id: Identifier = Field(description=(
        "the prediction id column: a later row (by timestamp) with the same id replaces it; labels join on "
        "it"))
    timestamp: Identifier = Field(description=(
        "when the prediction was made (any timestamp or DATE type; a naive one is wall time in `timezone`): "
        "a window holds the rows in [start, end)"))
    score: Identifier | None = Field(default=None, description=(
        "binary: the probability of the positive class; regression: the prediction; multiclass: optional "
        "with `class_scores`. Required otherwise"))
    class_scores: dict[str, Identifier] | None = Field(default=None, description=(
        "multiclass: each class label's probability column ({low: p_low, mid: p_mid}); enables roc_auc, "
        "log_loss and estimates without labels"))
    predicted_label: Identifier | None = Field(default=None, description=(
        "the predicted label column; default: score >= 0.5 (binary), the most probable class (multiclass)"))
    model_version: Identifier | None = Field(default=None, description="the model version column")
    features: Features = Field(description="the features the model saw: `numerical` and `categorical` lists")

    @field_validator("class_scores", mode="before")
    @classmethod
    def _class_names(cls, value: Any) -> Any:
        """Class labels as text (YAML reads 0: p_0 as a number): compared with the labels as text."""
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @property
    def outputs(self) -> list[str]:
        """The model's output columns: required, profiled, drift-monitored as prediction drift."""
        return list(dict.fromkeys(c for c in [self.score, *(self.class_scores or {}).values()] if c))


class GroundTruth(Strict):
    table: TableName = Field(description="the labels table")
    id: Identifier = Field(description="its prediction id column, joined to `predictions.id`")
    label: Identifier = Field(description="the true outcome column")
    max_delay: Duration = Field(default=timedelta(days=14), description=(
        "labels may arrive up to this long after the prediction: until then a window's performance is "
        "`skipped` when labels are missing, and each run recomputes it with the labels arrived since"))
    timestamp: Identifier | None = Field(default=None, description=(
        "when the label arrived: the latest label per id wins, and labels after `--as-of` are ignored"))


class BaselineWindow(Strict):
    start: datetime = Field(description="the first prediction time of the baseline (included)")
    end: datetime = Field(description="the end of the baseline (excluded)")

    @model_validator(mode="after")
    def _ordered(self) -> BaselineWindow:
        if self.end <= self.start:
            raise ValueError("baseline window end must be after its start")
        return self


# where the baseline comes from (run.reference.Baseline is the baseline as read for a run)
class BaselineSource(Strict):
    table: TableName | None = Field(default=None, description=(
        "the training data: the same feature and score columns, plus the label column (named as "
        "`ground_truth.label`)"))
    window: BaselineWindow | None = Field(default=None, description=(
        "or a time range of the predictions table itself (`{start: ..., end: ...}`), labels from "
        "`ground_truth`"))

    @model_validator(mode="after")
    def _one_source(self) -> BaselineSource:
        if (self.table is None) == (self.window is None):
            raise ValueError("baseline needs exactly one of table or window")
        return self


class Checks(Strict):
    suite: str = Field(description=(
        "the Great Expectations suite (a JSON file; `monitors expectations init` writes it from the "
        "baseline); "
        "a relative path resolves against MONITORS_HOME"))
