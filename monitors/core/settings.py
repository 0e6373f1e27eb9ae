"""The config's rule and run settings, each a section of the model YAML: drift, performance,
volume, report, airflow (plain data: monitors/ never imports airflow)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitors.core.fields import Duration
from monitors.core.metrics import compute_drift_floor, compute_drift_metrics


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Drift(Strict):
    """Which score is judged per column type, and its bound: calibrated to the window's size so
    that an undrifted window breaks a drift rule with probability false_alert_rate, never below
    the effect-size floors numerical_threshold and categorical_threshold (by default the judged
    score's own floor from the metric registry: wasserstein 0.05, jensenshannon 0.02, ks 0.015,
    psi 0.003)."""

    max_drifted_share: float = Field(default=0.5, gt=0, le=1)
    numerical_metric: str = "wasserstein"  # a drift score of numerical columns (core.metrics)
    categorical_metric: str = "jensenshannon"  # a drift score of categorical columns
    numerical_threshold: float | None = Field(default=None, gt=0)  # effect-size floor
    categorical_threshold: float | None = Field(default=None, gt=0)  # effect-size floor
    false_alert_rate: float = Field(default=0.01, gt=0, lt=1)  # per window, all features
    # multivariate drift: the window's mean PCA reconstruction error over the numerical
    # features (at least two), against the baseline's (catches changed correlations)
    multivariate: bool = True

    @field_validator("numerical_metric", "categorical_metric")
    @classmethod
    def _known_score(cls, value: str, info: Any) -> str:
        column_type = info.field_name.removesuffix("_metric")
        allowed = compute_drift_metrics(column_type)
        if value not in allowed:
            raise ValueError(f"{value!r} is not a drift score of {column_type} columns; "
                             f"choose from {', '.join(allowed)}")
        return value

    def compute_floor(self, numerical: bool) -> float:
        """The effect-size floor of a column type's judged score: the config's, or the score's."""
        if numerical:
            return self.numerical_threshold or compute_drift_floor(self.numerical_metric)
        return self.categorical_threshold or compute_drift_floor(self.categorical_metric)


class Performance(Strict):
    metrics: list[str] = Field(default_factory=list)
    max_drop: float = Field(default=0.05, ge=0)
    min_labels: int = Field(default=50, ge=1)
    min_label_coverage: float = Field(default=0.8, gt=0, le=1)


class Volume(Strict):
    """When the window's row count alerts: no row at all (empty_is_alert), fewer than min_share
    of the median of the trailing_windows before it (those with rows; 0: off); and, with
    max_staleness, when the newest prediction is older than that at the window's end."""

    min_share: float = Field(default=0.5, ge=0, le=1)
    trailing_windows: int = Field(default=14, ge=1, le=1000)
    empty_is_alert: bool = True
    max_staleness: Duration | None = None


class Report(Strict):
    sample_size: int = Field(default=50_000, ge=100)
    # the Evidently drift page (the most expensive part of a small window, and the least read):
    # for windows that break a rule, for every window, or never; true/false mean always/never
    evidently: Literal["alerts", "always", "never"] = "alerts"

    @field_validator("evidently", mode="before")
    @classmethod
    def _from_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return "always" if value else "never"
        return value

    def compute_wants_evidently(self, broken: bool) -> bool:
        """Whether a window (that broke a rule, or not) gets its Evidently page."""
        return self.evidently == "always" or (self.evidently == "alerts" and broken)


class Notify(Strict):
    """Who hears about a failed run (attached by the DAG as on_failure_callback notifiers)."""

    email: list[str] = Field(default_factory=list)
    smtp_conn_id: str = "smtp_default"
    from_email: str | None = None
    slack_webhook: str | None = None  # an incoming-webhook URL
    webhook: str | None = None  # any URL taking a JSON POST
    # broken rules notify when the set of open alerts changed, and an unchanged set again only
    # after this long (0: every failing window); a RESOLVED notice when the last one clears
    repeat_every: Duration = timedelta(days=7)


class AirflowSettings(Strict):
    """How the model's DAG runs; plain data here (monitors/ never imports airflow)."""

    pool: str = "monitors_warehouse"
    max_active_runs: int = Field(default=1, ge=1)
    retries: int = Field(default=2, ge=0)
    retry_delay: Duration = timedelta(minutes=5)
    tags: list[str] = Field(default_factory=list)
    catchup: bool = False
    notify: Notify = Notify()
    # an Airflow connection (type aws: login = access key id, password = secret key, extra
    # endpoint_url / region_name / aws_session_token) giving the tasks the credentials of an
    # object-storage store or reports; without it, the workers' standard AWS environment
    storage_conn_id: str | None = None
