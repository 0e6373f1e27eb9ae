"""The config's rule and run settings, each a section of the model YAML: drift, performance,
volume, report, airflow (plain data: monitors/ never imports airflow)."""

from __future__ import annotations

import math
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
    # what each window is compared with: the baseline always; previous_window adds drift against
    # the schedule's window before it (kind drift_previous), bounds calibrated for two samples
    compare: list[Literal["baseline", "previous_window"]] = Field(default_factory=lambda: ["baseline"])  # type: ignore[arg-type]

    @field_validator("compare")
    @classmethod
    def _with_baseline(cls, value: list[str]) -> list[str]:
        if "baseline" not in value or len(set(value)) != len(value):
            raise ValueError("list baseline (always compared) and, once, previous_window")
        return value

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


SEASON_HOURS = {"day_of_week": 168, "hour_of_day": 24, "hour_of_week": 168}


def compute_candidates(window_hours: float) -> tuple[str, ...]:
    """The seasons a schedule's windows can have, the first learned first."""
    if 20 <= window_hours <= 28:  # daily, 23 or 25 hours on DST days
        return ("day_of_week",)
    if 0.99 <= window_hours <= 1.01:
        return ("hour_of_day", "hour_of_week")
    if window_hours < 1:
        return ("hour_of_day",)
    return ()


class Volume(Strict):
    """When the window's row count alerts. An empty window always (empty_is_alert). With a
    season (seasonality: auto finds one from the schedule and the history, or names it), below
    the same season's expected range: the median of its earlier windows in the training period,
    minus `deviations` times their spread (robust, never under min_spread of the median) and the
    count's Poisson noise; above it too with direction both. While a season has fewer than
    season_windows earlier windows, or without a season (none), the plain rule: fewer than
    min_share of the median of the trailing_windows before it (those with rows; 0: off); while
    learning, a window the plain rule breaks is skipped unless it is below collapse_share of the
    history's median. With max_staleness, the newest prediction older than that at the end."""

    min_share: float = Field(default=0.5, ge=0, le=1)
    trailing_windows: int = Field(default=14, ge=1, le=1000)
    empty_is_alert: bool = True
    max_staleness: Duration | None = None
    seasonality: Literal["auto", "none", "day_of_week", "hour_of_day", "hour_of_week"] = "auto"
    season_windows: int = Field(default=4, ge=2, le=52)  # earlier windows of a season before it is judged
    # default: enough for season_windows of each season the schedule can have
    training_windows: int | None = Field(default=None, ge=2, le=2000)
    deviations: float = Field(default=3.0, gt=0)  # the expected range: median +- deviations x spread
    min_spread: float = Field(default=0.1, ge=0, le=1)  # the spread is never below this share of the median
    collapse_share: float = Field(default=0.05, ge=0, le=1)  # while learning: alert below this share
    direction: Literal["down", "both"] = "down"  # both: a surge above the expected range alerts too

    def check_season(self, schedule: str, window_hours: float) -> None:
        """Raise ValueError when the named season is not one the schedule's windows can have."""
        allowed = compute_candidates(window_hours)
        if self.seasonality not in ("auto", "none", *allowed):
            raise ValueError(f"volume.seasonality: {self.seasonality} is not a season of schedule "
                             f"{schedule!r} (windows of {window_hours:g} hours); choose from auto, none"
                             + "".join(f", {a}" for a in allowed))

    def compute_training_windows(self, window_hours: float) -> int:
        """How many earlier windows the history holds: training_windows, or enough for
        season_windows of each season the schedule can have (never fewer than trailing_windows)."""
        if self.training_windows:
            return max(self.training_windows, self.trailing_windows)
        seasons = compute_candidates(window_hours) if self.seasonality == "auto" else \
            (() if self.seasonality == "none" else (self.seasonality,))
        if not seasons:
            return self.trailing_windows
        period = max(SEASON_HOURS[s] for s in seasons) / window_hours
        return max(self.trailing_windows, math.ceil(self.season_windows * period))


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
