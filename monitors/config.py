"""The model config: one YAML file per monitored model (docs/configuration.md; every key in
docs/reference/config.md), typed and validated. Every error names the file and the key that is
wrong; an unknown or unsupported warehouse dialect is refused here, before anything runs.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitors.config_errors import compute_error_lines, compute_yaml_error_text
from monitors.core.custom import CustomMetric, Slice
from monitors.core.errors import ConfigError
from monitors.core.fields import LABEL, Identifier
from monitors.core.granularity import (
    PRESET_NAMES,
    Granularity,
    check_granularities,
    compute_series_parts,
    compute_window_hours,
)
from monitors.core.location import CAS_SCHEMES, Location, compute_is_url, compute_location
from monitors.core.metrics import TASKS, check_performance_metrics
from monitors.core.series import SeriesRule, compute_series_rules, compute_series_sources
from monitors.core.settings import (
    AirflowSettings,
    Drift,
    Performance,
    Report,
    Strict,
    Volume,
)
from monitors.core.sources import BaselineSource, Checks, GroundTruth, Predictions
from monitors.core.tasks import TASK_TYPES, compute_task_type
from monitors.core.window import check_schedule, compute_zone
from monitors.warehouse.dialects import backend_name, dialect_record
from monitors.warehouse.expressions import check_custom_metrics, check_slices

_MODEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


class ModelConfig(Strict):
    model: str = Field(description=(
        "the model's name (a letter, then letters, digits and _): unique; the DAG id is `monitor_<model>`"))
    task: Literal[TASKS] = Field(description="what the model predicts")  # type: ignore[valid-type]
    warehouse: str = Field(description=(
        "a SQLAlchemy URL of a supported engine (duckdb:///warehouse.duckdb, postgresql+psycopg2://..., "
        "hive://..., snowflake://...), or airflow://CONN_ID: an Airflow connection, resolved in the task"))
    warehouse_connect_args: dict[str, Any] = Field(default_factory=dict, description=(
        "keyword arguments of the driver's connect() for what the URL cannot say (Snowflake's host or "
        "role, PostgreSQL's sslmode)"))
    schedule: str = Field(default="@daily", description=(
        "a cron expression or preset (quote it: \"@daily\", \"0 */6 * * *\"): one run = one window = one "
        "schedule interval"))
    granularities: list[Granularity] = Field(default_factory=list, description=(
        "more schedules, each its own series of windows (see Several granularities): "
        "`[{name: weekly, schedule: \"@weekly\"}]`"))
    timezone: str = Field(default="UTC", description=(
        "the schedule's timezone (an IANA name): a daily window runs from local midnight to local midnight, "
        "23 or 25 hours on DST days; windows are stored in UTC, and naive `--start/--end` and timestamp "
        "columns are wall time here"))
    start_date: date = Field(description="the DAG's first window (Airflow's start_date)")
    predictions: Predictions = Field(description="the logged predictions: one row per prediction")
    ground_truth: GroundTruth | None = Field(default=None, description=(
        "the labels, arriving late; without it no realized performance and no estimates"))
    baseline: BaselineSource = Field(description=(
        "what the windows are compared with: a `table` or a `window`"))
    segments: list[Identifier] = Field(default_factory=list, description=(
        "categorical features whose values are judged apart: drift and performance per value"))
    min_segment_rows: int = Field(default=200, ge=2, description=(
        "a segment value with fewer rows (in the window or the baseline) is measured, not judged "
        "(`skipped`)"))
    checks: Checks | None = Field(default=None, description="the Great Expectations suite run on each window")
    drift: Drift = Field(default=Drift(), description="drift rules")
    performance: Performance = Field(default=Performance(), description="performance rules")
    volume: Volume = Field(default=Volume(), description="row count and freshness rules")
    custom_metrics: list[CustomMetric] = Field(default_factory=list, description=(
        "business metrics, each one SQL aggregate over the window's rows (see Custom metrics and slices)"))
    slices: list[Slice] = Field(default_factory=list, description=(
        "predicates judged beside the segments (see Custom metrics and slices)"))
    series: list[SeriesRule] = Field(default_factory=list, description=(
        "other stored whole-window metrics (a custom metric, a performance metric, `drifted_share`...) "
        "judged against their own season by volume's rules (see Series rules)"))
    report: Report = Field(default=Report(), description="the HTML report")
    airflow: AirflowSettings = Field(default=AirflowSettings(), description="how the model's DAG runs")
    store: str = Field(default="monitoring.duckdb", description=(
        "the DuckDB catalog file (its data in a folder beside it named after it: monitoring/ for "
        "monitoring.duckdb), or an s3://bucket/prefix folder"))
    reports: str = Field(default="reports/", description=(
        "the reports folder, or an object-storage URL (s3://, gs://, ...)"))
    reports_url: str | None = Field(default=None, description=(
        "where the reports folder is served (a static site, a bucket website): messages and notifications "
        "link the window's page there instead of a file path"))

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
        check_schedule(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        compute_zone(value)
        return value

    @field_validator("warehouse")
    @classmethod
    def _warehouse(cls, value: str) -> str:
        """A SQLAlchemy URL of a supported dialect, or airflow://CONN_ID (resolved in a task)."""
        if not value.startswith("airflow://"):
            dialect_record(backend_name(value))
        return value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        """A local DuckDB file or an object-storage URL whose writes can be conditional."""
        if compute_is_url(value) and value.partition("://")[0] not in CAS_SCHEMES:
            raise ValueError(f"{value!r}: the store updates shared files with conditional writes, "
                             f"which monitors does on {', '.join(CAS_SCHEMES)}:// (and local disk); "
                             f"other schemes can hold the reports")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelConfig:
        self._check_outputs()
        check_performance_metrics(self.task, self.performance.metrics, bool(self.predictions.class_scores))
        features = self.predictions.features.all
        if not features:
            raise ValueError("predictions.features: list at least one feature")
        for seg in self.segments:
            if seg not in self.predictions.features.categorical:
                raise ValueError(f"segments: {seg!r} is not a categorical feature")
        if self.performance.metrics and self.ground_truth is None:
            raise ValueError("performance.metrics needs a ground_truth section")
        check_custom_metrics(self.custom_metrics, self.sql_dialect, self.window_columns,
                             self.ground_truth.label if self.ground_truth else None, LABEL)
        check_slices(self.slices, self.sql_dialect, self.window_columns, self.segments)
        self._check_seasonality()
        check_granularities(self.schedule, self.granularities)
        return self

    @property
    def sql_dialect(self) -> str | None:
        """sqlglot's name of the warehouse's dialect (None, generic SQL, for an Airflow connection)."""
        return None if self.warehouse.startswith("airflow://") else \
            dialect_record(backend_name(self.warehouse)).sqlglot

    @property
    def segment_columns(self) -> list[str]:  # a window is sliced by: the segments, then each slice
        return [*self.segments, *(s.name for s in self.slices)]

    @property
    def window_columns(self) -> list[str]:
        """The columns a window's query reads (its label aside)."""
        p = self.predictions
        return list(dict.fromkeys(c for c in (p.id, p.timestamp, *p.outputs, *p.features.all,
                                              p.predicted_label, p.model_version) if c))

    @property
    def series_rules(self) -> list[SeriesRule]:
        """`series:` with each entry's kind found (ValueError naming a wrong entry's key)."""
        return compute_series_rules(self.series, compute_series_sources(
            self.task, [m.name for m in self.custom_metrics], self.ground_truth is not None))

    def _check_seasonality(self) -> None:
        hours = compute_window_hours(self.schedule, self.timezone)
        self.volume.check_season(self.schedule, hours)
        for i, rule in enumerate(self.series_rules):
            rule.check_season(self.schedule, hours, f"series.{i}")

    # -- granularities -----------------------------------------------------------------
    @property
    def base_model(self) -> str:
        """The config's model (a granularity's config is named `<model>@<name>`)."""
        return compute_series_parts(self.model)[0]

    @property
    def granularity(self) -> str | None:
        """None for the primary schedule's series; the granularity's name for an extra one's."""
        return compute_series_parts(self.model)[1]

    @property
    def granularity_names(self) -> list[str]:
        """The names `--granularity` takes: the primary schedule's preset name, then the extras'."""
        primary = PRESET_NAMES.get(self.schedule)
        return [*([primary] if primary else []), *(g.label for g in self.granularities)]

    def _check_outputs(self) -> None:
        p = self.predictions
        outputs = compute_task_type(self.task).outputs
        if p.class_scores is not None:
            if "class_scores" not in outputs:
                takes = " or ".join(t.name for t in TASK_TYPES.values() if "class_scores" in t.outputs)
                raise ValueError(f"predictions.class_scores: only for {takes} (this is {self.task})")
            if len(p.class_scores) < 2 or len(set(p.class_scores.values())) < len(p.class_scores):
                raise ValueError("predictions.class_scores: name at least two classes, each with its "
                                 "own column")
        elif p.score is None:
            raise ValueError("predictions.score: required key is missing" + (
                " (or predictions.class_scores)" if "class_scores" in outputs else ""))

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
    def store_path(self) -> Location:
        """The DuckDB catalog file (its data in a folder beside it), or the object-storage folder
        holding the data (no catalog file: DuckDB cannot write one there)."""
        return compute_location(self.store, self._home)

    @property
    def reports_path(self) -> Location:
        return compute_location(self.reports, self._home)

    @property
    def suite_path(self) -> Path | None:
        return self.resolve(self.checks.suite) if self.checks else None


def load_monitors_home() -> Path:
    return Path(os.environ.get("MONITORS_HOME") or Path.cwd()).resolve()


def compute_config(data: Any, source: str | Path = "<config>", home: Path | None = None) -> ModelConfig:
    """Validate a parsed YAML mapping into a ModelConfig."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys at the top level")
    try:
        config = ModelConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(compute_error_lines(source, exc, ModelConfig))) from None
    config._home = home or load_monitors_home()
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
        raise ConfigError(compute_yaml_error_text(path, text, exc)) from None
    return compute_config(data, path, home)
