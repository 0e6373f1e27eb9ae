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


Reference = Literal["baseline", "previous_window"]  # what a window's drift is measured against


class Drift(Strict):
    """Which score is judged per column type, and its bound: calibrated to the window's size so
    that an undrifted window breaks a drift rule with probability false_alert_rate, never below
    the effect-size floors numerical_threshold and categorical_threshold (by default the judged
    score's own floor from the metric registry: wasserstein 0.05, jensenshannon 0.02, ks 0.015,
    psi 0.003)."""

    max_drifted_share: float = Field(default=0.5, gt=0, le=1, description=(
        "dataset drift (`drifted_share`) alerts when at least this share of the features drift"))
    numerical_metric: str = Field(default="wasserstein", description=(
        "the score judged on numerical columns: `wasserstein` (normed), `ks`, `psi` or `jensenshannon` "
        "(the others are stored too)"))
    categorical_metric: str = Field(default="jensenshannon", description=(
        "the score judged on categorical columns: `jensenshannon` or `psi`"))
    numerical_threshold: float | None = Field(default=None, gt=0, description=(
        "effect-size floor: a numerical column's bound is never below it (default: the score's own floor)"))
    categorical_threshold: float | None = Field(default=None, gt=0, description=(
        "effect-size floor for categorical columns (default: the score's own floor)"))
    false_alert_rate: float = Field(default=0.01, gt=0, lt=1, description=(
        "share of undrifted windows allowed to break a drift rule (all columns and segments together); "
        "also sets how many standard errors a segment's metric must fall"))
    multivariate: bool = Field(default=True, description=(
        "multivariate drift: the window's mean PCA reconstruction error over the numerical features and the "
        "top categories one-hot (at least two inputs) against a calibrated bound; false: not measured"))
    compare: list[Reference] = Field(default_factory=lambda: list[Reference](["baseline"]), description=(
        "what each window's drift is measured against: `baseline` (always) and `previous_window` "
        "(the schedule's window before; rows of kind `drift_previous`)"))

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
    metrics: list[str] = Field(default_factory=list, description=(
        "the metrics whose drop alerts (binary: accuracy, precision, recall, f1, roc_auc, log_loss; "
        "multiclass: the same, roc_auc and log_loss with `predictions.class_scores`; regression: mae, mse, "
        "rmse, mape, msle, rmsle, r2); every metric of the task is measured either way"))
    max_drop: float = Field(default=0.05, ge=0, description=(
        "a score metric alerts below the baseline's value minus this; an error metric above the baseline's "
        "value times (1 + this)"))
    min_labels: int = Field(default=50, ge=1, description=(
        "fewer labelled rows in the window: metrics `skipped`"))
    min_label_coverage: float = Field(default=0.8, gt=0, le=1, description=(
        "below this share of labelled rows, metrics are `skipped` while the window is younger than "
        "`ground_truth.max_delay`; after that `label_coverage` alerts"))


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


class Seasonal(Strict):
    """What a series rule learns from (volume, and each `series:` entry): the season (auto finds
    one from the schedule and the history, or names it), how many of its earlier windows it needs
    before it judges, the training period, and the expected range: the season's median +-
    `deviations` x its spread (robust, never under min_spread of the median)."""

    seasonality: Literal["auto", "none", "day_of_week", "hour_of_day", "hour_of_week"] = Field(
        default="auto", description=(
            "the season the value is held to: `auto` (the season the schedule can have, when the history "
            "shows it; else `none`), `none` (volume: the plain rule; a series: its whole history as one "
            "season), `day_of_week` (daily windows), `hour_of_day` (hourly or shorter), `hour_of_week` "
            "(hourly)"))
    season_windows: int = Field(default=4, ge=2, le=52, description=(
        "earlier windows of a season (e.g. 4 Saturdays) before it is judged; until then `learning`"))
    training_windows: int | None = Field(default=None, ge=2, le=2000, description=(
        "how many earlier windows the history holds (default: enough for `season_windows` of each season: "
        "daily 28, hourly 672)"))
    deviations: float = Field(default=3.0, gt=0, description=(
        "the expected range: the season's median +- this many spreads (for row counts, the robust spread "
        "and the count's Poisson noise combined)"))
    min_spread: float = Field(default=0.1, ge=0, le=1, description=(
        "the spread is never below this share of the season's median"))

    def check_season(self, schedule: str, window_hours: float, key: str = "volume") -> None:
        """Raise ValueError when the named season is not one the schedule's windows can have."""
        allowed = compute_candidates(window_hours)
        if self.seasonality not in ("auto", "none", *allowed):
            raise ValueError(f"{key}.seasonality: {self.seasonality} is not a season of schedule "
                             f"{schedule!r} (windows of {window_hours:g} hours); choose from auto, none"
                             + "".join(f", {a}" for a in allowed))

    def compute_training_windows(self, window_hours: float, minimum: int = 2) -> int:
        """How many earlier windows the history holds: training_windows, or enough for
        season_windows of each season the schedule can have (without one: 4 x season_windows;
        never fewer than `minimum`)."""
        if self.training_windows:
            return max(self.training_windows, minimum)
        seasons = compute_candidates(window_hours) if self.seasonality == "auto" else \
            (() if self.seasonality == "none" else (self.seasonality,))
        if not seasons:
            return max(minimum, 4 * self.season_windows)
        period = max(SEASON_HOURS[s] for s in seasons) / window_hours
        return max(minimum, math.ceil(self.season_windows * period))


class Volume(Seasonal):
    """When the window's row count alerts. An empty window always (empty_is_alert). With a
    season (Seasonal), below the same season's expected range, the spread combined with the
    count's Poisson noise; above it too with direction both. While a season has fewer than
    season_windows earlier windows, or without a season (none), the plain rule: fewer than
    min_share of the median of the trailing_windows before it (those with rows; 0: off); while
    learning, a window the plain rule breaks is skipped unless it is below collapse_share of the
    history's median. With max_staleness, the newest prediction older than that at the end."""

    min_share: float = Field(default=0.5, ge=0, le=1, description=(
        "the plain rule (`seasonality: none`, or while learning): `row_count` alerts below this share of the "
        "trailing median (0: off)"))
    trailing_windows: int = Field(default=14, ge=1, le=1000, description=(
        "how many earlier schedule windows the plain rule's median is over"))
    empty_is_alert: bool = Field(default=True, description=(
        "an empty window breaks `row_count` (false: `skipped`)"))
    max_staleness: Duration | None = Field(default=None, description=(
        "e.g. `6h`: alert when the window's newest prediction is older than this at its end (or, when a "
        "season judges `row_count`, than the top of that season's expected staleness, if higher)"))
    collapse_share: float = Field(default=0.05, ge=0, le=1, description=(
        "while a season learns, a window below this share of the history's median (less its Poisson noise) "
        "alerts"))
    direction: Literal["down", "both"] = Field(default="down", description=(
        "`both`: a window above its season's expected range breaks `row_count_surge` too"))

    def compute_training_windows(self, window_hours: float, minimum: int = 0) -> int:
        """Seasonal's, never fewer than trailing_windows (without a season: trailing_windows)."""
        seasonless = self.seasonality == "none" or \
            (self.seasonality == "auto" and not compute_candidates(window_hours))
        if not self.training_windows and seasonless:
            return self.trailing_windows
        return super().compute_training_windows(window_hours, max(minimum, self.trailing_windows))


class Report(Strict):
    sample_size: int = Field(default=5_000, ge=100, description=(
        "rows per side fed to the Evidently report (its drift tests and charts; 20,000 took 1.9x "
        "the time of 5,000), at most 20,000 for a window of more than 50,000 rows (the page says "
        "which; stored values always use all rows)"))
    evidently: Literal["alerts", "always", "never"] = Field(default="alerts", description=(
        "the Evidently drift report (the costliest part of a small window): for windows that break a rule, "
        "every window, or never (true/false mean always/never); a window without one says how to render it"))

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

    email: list[str] = Field(default_factory=list, description="addresses mailed through `smtp_conn_id`")
    smtp_conn_id: str = Field(default="smtp_default", description=(
        "the Airflow SMTP connection the email goes through"))
    from_email: str | None = Field(default=None, description=(
        "the sender (default: the SMTP notifier's, Airflow's [smtp] smtp_mail_from)"))
    slack_webhook: str | None = Field(default=None, description=(
        "a Slack incoming-webhook URL: posted {\"text\": message}"))
    webhook: str | None = Field(default=None, description=(
        "any URL taking a JSON POST: dag_id, task_id, run_id, window_start, window_end, event, message"))
    repeat_every: Duration = Field(default=timedelta(days=7), description=(
        "broken rules notify when the set of open alerts changed, and an unchanged set again only after "
        "this long (`0d`: every failing window); a RESOLVED notice when the last one clears"))


class AirflowSettings(Strict):
    """How the model's DAG runs; plain data here (monitors/ never imports airflow)."""

    pool: str = Field(default="monitors_warehouse", description=(
        "the Airflow pool the warehouse tasks run in (create it, or tasks wait)"))
    max_active_runs: int = Field(default=1, ge=1, description=(
        "scheduled windows of one model at once (a backfill takes its own --max-active-runs)"))
    retries: int = Field(default=2, ge=0, description=(
        "retries of `measure` and `report` (infrastructure errors)"))
    retry_delay: Duration = Field(default=timedelta(minutes=5), description="the wait before a retry")
    tags: list[str] = Field(default_factory=list, description="the DAG's tags")
    catchup: bool = Field(default=False, description=(
        "Airflow's catchup: schedule the windows since start_date"))
    notify: Notify = Field(default=Notify(), description="who hears about a failed run")
    storage_conn_id: str | None = Field(default=None, description=(
        "an Airflow connection (type aws: login = access key id, password = secret key, extra endpoint_url, "
        "region_name, aws_session_token) giving the tasks and the reports plugin the object store's "
        "credentials; without it, the process's standard AWS environment"))
