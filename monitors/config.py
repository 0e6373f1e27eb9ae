"""The model config: one YAML file per monitored model (see DESIGN.md), typed and validated.

Every error names the file and the key that is wrong.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitors.errors import MonitorsError

TASKS = ("binary_classification", "multiclass_classification", "regression")
CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("mae", "rmse", "mape", "r2")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_MODEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


class ConfigError(MonitorsError):
    """A config that cannot be used; the message names the file and the key."""


def compute_duration(value: Any) -> timedelta:
    """Parse `14d`, `6h`, `30m`, `45s` or `2w` (or a timedelta) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 14d, 6h, 30m)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


Duration = Annotated[timedelta, BeforeValidator(compute_duration)]


def _check_identifier(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} must not be empty")
    if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
        raise ValueError(f"{what} {value!r} contains a control character")
    if len(value) > 128:
        raise ValueError(f"{what} {value!r} is longer than 128 characters")
    return value


Identifier = Annotated[str, BeforeValidator(lambda v: _check_identifier(str(v), "a column name"))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Features(_Strict):
    numerical: list[Identifier] = Field(default_factory=list)
    categorical: list[Identifier] = Field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return [*self.numerical, *self.categorical]


def _check_table(value: Any) -> str:
    text = _check_identifier(str(value), "a table name")
    if text.count(".") > 1:
        raise ValueError(f"table {text!r}: use table or schema.table (at most one dot)")
    return text


TableName = Annotated[str, BeforeValidator(_check_table)]


class Predictions(_Strict):
    table: TableName
    id: Identifier
    timestamp: Identifier
    score: Identifier
    predicted_label: Identifier | None = None
    model_version: Identifier | None = None
    features: Features


class GroundTruth(_Strict):
    table: TableName
    id: Identifier
    label: Identifier
    max_delay: Duration = timedelta(days=14)
    timestamp: Identifier | None = None  # when the label arrived; a later label replaces one


class BaselineWindow(_Strict):
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> BaselineWindow:
        if self.end <= self.start:
            raise ValueError("baseline window end must be after its start")
        return self


class Baseline(_Strict):
    table: TableName | None = None
    window: BaselineWindow | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Baseline:
        if (self.table is None) == (self.window is None):
            raise ValueError("baseline needs exactly one of table or window")
        return self


class Checks(_Strict):
    suite: str


class Drift(_Strict):
    """Which score is judged per column type, and its bound: calibrated to the window's size so
    that an undrifted window breaks a drift rule with probability false_alert_rate, never below
    the effect-size floors numerical_threshold and categorical_threshold."""

    max_drifted_share: float = Field(default=0.5, gt=0, le=1)
    numerical_metric: Literal["wasserstein", "ks", "psi", "jensenshannon"] = "wasserstein"
    categorical_metric: Literal["jensenshannon", "psi"] = "jensenshannon"
    numerical_threshold: float = Field(default=0.1, gt=0)  # effect-size floor
    categorical_threshold: float = Field(default=0.1, gt=0)  # effect-size floor
    false_alert_rate: float = Field(default=0.01, gt=0, lt=1)  # per window, all features


class Performance(_Strict):
    metrics: list[str] = Field(default_factory=list)
    max_drop: float = Field(default=0.05, ge=0)
    min_labels: int = Field(default=50, ge=1)
    min_label_coverage: float = Field(default=0.8, gt=0, le=1)


class Report(_Strict):
    sample_size: int = Field(default=50_000, ge=100)
    evidently: bool = True


class Notify(_Strict):
    """Who hears about a failed run (attached by the DAG as on_failure_callback notifiers)."""

    email: list[str] = Field(default_factory=list)
    smtp_conn_id: str = "smtp_default"
    from_email: str | None = None
    slack_webhook: str | None = None  # an incoming-webhook URL
    webhook: str | None = None  # any URL taking a JSON POST


class AirflowSettings(_Strict):
    """How the model's DAG runs; plain data here (monitors/ never imports airflow)."""

    pool: str = "monitors_warehouse"
    max_active_runs: int = Field(default=1, ge=1)
    retries: int = Field(default=2, ge=0)
    retry_delay: Duration = timedelta(minutes=5)
    tags: list[str] = Field(default_factory=list)
    catchup: bool = False
    notify: Notify = Notify()


class ModelConfig(_Strict):
    model: str
    task: Literal["binary_classification", "multiclass_classification", "regression"]
    warehouse: str
    schedule: str = "@daily"
    timezone: str = "UTC"  # the schedule's timezone (an IANA name); windows are stored in UTC
    start_date: date
    predictions: Predictions
    ground_truth: GroundTruth | None = None
    baseline: Baseline
    segments: list[Identifier] = Field(default_factory=list)
    min_segment_rows: int = Field(default=200, ge=2)  # smaller segments: measured, not judged
    checks: Checks | None = None
    drift: Drift = Drift()
    performance: Performance = Performance()
    report: Report = Report()
    airflow: AirflowSettings = AirflowSettings()
    store: str = "monitoring.duckdb"
    reports: str = "reports/"

    _home: Path = PrivateAttr(default_factory=Path.cwd)
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("model")
    @classmethod
    def _model_name(cls, value: str) -> str:
        if not _MODEL_NAME.match(value):
            raise ValueError(
                f"model {value!r} must start with a letter and contain only letters, digits and _"
            )
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from monitors.window import check_schedule

        check_schedule(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from monitors.window import compute_zone

        compute_zone(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelConfig:
        allowed = REGRESSION_METRICS if self.task == "regression" else CLASSIFICATION_METRICS
        for metric in self.performance.metrics:
            if metric not in allowed:
                raise ValueError(
                    f"performance.metrics: unknown metric {metric!r} for task {self.task}; "
                    f"choose from {', '.join(allowed)}"
                )
        features = self.predictions.features.all
        if not features:
            raise ValueError("predictions.features: list at least one feature")
        for seg in self.segments:
            if seg not in self.predictions.features.categorical:
                raise ValueError(f"segments: {seg!r} is not a categorical feature")
        if self.performance.metrics and self.ground_truth is None:
            raise ValueError("performance.metrics needs a ground_truth section")
        return self

    # -- paths -------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self._home

    @property
    def source(self) -> Path | None:
        return self._source

    def resolve(self, path: str) -> Path:
        """A config path, absolute as given or relative to MONITORS_HOME."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self._home / candidate

    @property
    def store_path(self) -> Path:
        return self.resolve(self.store)

    @property
    def reports_path(self) -> Path:
        return self.resolve(self.reports)

    @property
    def suite_path(self) -> Path | None:
        return self.resolve(self.checks.suite) if self.checks else None


def compute_monitors_home() -> Path:
    return Path(os.environ.get("MONITORS_HOME") or Path.cwd()).resolve()


def _format_errors(path: Path | str, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling)"
        elif item["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{path}: {key}: {msg}")
    return "\n".join(lines)


def compute_config(data: Any, source: str | Path = "<config>", home: Path | None = None) -> ModelConfig:
    """Validate a parsed YAML mapping into a ModelConfig."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys at the top level")
    try:
        config = ModelConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(source, exc)) from None
    config._home = home or compute_monitors_home()
    config._source = Path(source) if source != "<config>" else None
    return config


def load_config(path: str | Path, home: Path | None = None) -> ModelConfig:
    """Read and validate one model's YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    return compute_config(data, path, home)
