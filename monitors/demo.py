"""The demo: a seeded synthetic credit-risk model in an embedded DuckDB warehouse.

Timeline: training data, then predictions from 2026-01-01 to 2026-03-01 (a few thousand a
day). From 2026-02-01 `income` and `debt_ratio` drift; from 2026-02-05 the relation between
features and default changes, so the model's performance drops. Labels arrive 1 to 14 days
after the prediction; the warehouse is a snapshot taken at 2026-03-02 00:00 UTC (AS_OF), so
the last two weeks' labels are still partly missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from monitors.core.window import Window
from monitors.storage.duckdb_file import write_duckdb_tables

SEED = 7
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 60
AS_OF = datetime(2026, 3, 2, tzinfo=UTC)
DRIFT_START = datetime(2026, 2, 1, tzinfo=UTC)
DROP_START = datetime(2026, 2, 5, tzinfo=UTC)
TRAINING_ROWS = 20_000
DAILY_ROWS = 3_000
REGIONS = ["EU", "NA", "APAC", "LATAM"]
# calendar shapes of the seeded generator (Scenario.calendar): flat (the demo's); weekly
# (Saturdays and Sundays at WEEKEND_SHARE); daily (each hour's share of the peak hour's traffic:
# nights at 10-15%); both; holiday (weekly, and the Monday of HOLIDAY_WEEK at weekend level);
# trend (weekly, growing 1% a week)
CALENDARS = ("flat", "weekly", "daily", "both", "holiday", "trend")
WEEKEND_SHARE = 0.35
HOLIDAY_WEEK = 6
HOURLY_SHARE = (0.12, 0.1, 0.1, 0.11, 0.13, 0.15, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                1.0, 0.95, 0.8, 0.6, 0.45, 0.3, 0.2, 0.14)
PRODUCTS = ["card", "loan", "mortgage"]

CONFIG_YAML = """\
model: credit_risk                  # unique; the DAG id is monitor_credit_risk
task: binary_classification         # binary_classification | multiclass_classification | regression
warehouse: duckdb:///warehouse.duckdb  # a SQLAlchemy URL, or airflow://CONN_ID for an Airflow connection
schedule: "@daily"                  # one run = one window = one schedule interval
start_date: 2026-01-01
predictions:
  table: predictions                # may be schema-qualified: analytics.predictions
  id: prediction_id                 # a later row (by timestamp) with the same id replaces it
  timestamp: predicted_at
  score: score                      # probability of the positive class, or the predicted value
  predicted_label: predicted_label  # optional; default: score >= 0.5
  model_version: model_version      # optional
  features:
    numerical: [income, debt_ratio, age]
    categorical: [region, product]
ground_truth:
  table: outcomes
  id: prediction_id                 # joins to predictions.id
  label: defaulted
  max_delay: 14d                    # labels may arrive up to this long after the prediction
baseline:
  table: training_data              # same feature and score columns, plus the label column
segments: [region]                  # performance and drift are also computed per value
checks:
  suite: expectations/credit_risk.json
drift:
  max_drifted_share: 0.5            # dataset drift when this share of features drift
performance:
  metrics: [roc_auc, f1]
  max_drop: 0.05                    # alert when a metric falls this far below the baseline
store: monitoring.duckdb
reports: reports/
"""


def compute_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def compute_model_logit(frame: pd.DataFrame) -> np.ndarray:
    """The deployed model: what it learned from the training data."""
    region = frame["region"].map({"EU": 0.0, "NA": 0.2, "APAC": -0.2, "LATAM": 0.4}).to_numpy()
    return (-0.6 - 2.5 * (np.log(frame["income"].to_numpy()) - 10.8)
            + 9.0 * (frame["debt_ratio"].to_numpy() - 0.33)
            - 0.03 * (frame["age"].to_numpy() - 48) + region)


def compute_features(rng: np.random.Generator, n: int, drifted: bool) -> pd.DataFrame:
    income = rng.lognormal(mean=10.8 + (0.2 if drifted else 0.0), sigma=0.4, size=n)
    debt = np.clip(rng.beta(2, 4, size=n) + (0.08 if drifted else 0.0), 0, 1.5)
    return pd.DataFrame({
        "income": income.round(2),
        "debt_ratio": debt.round(4),
        "age": rng.integers(18, 80, size=n).astype("int64"),
        "region": rng.choice(REGIONS, size=n, p=[0.35, 0.3, 0.2, 0.15]),
        "product": rng.choice(PRODUCTS, size=n, p=[0.5, 0.35, 0.15]),
    })


def compute_outcomes(rng: np.random.Generator, frame: pd.DataFrame, changed: np.ndarray
                     ) -> np.ndarray:
    """True default: the model's relation, or where `changed` a weaker, shifted one."""
    logit = compute_model_logit(frame)
    after = -0.6 + 0.35 * (logit + 0.6) + 1.2 * (frame["age"].to_numpy() < 30)
    truth = np.where(changed, after, logit)
    return (rng.random(len(frame)) < compute_sigmoid(truth)).astype("int64")


@dataclass(frozen=True)
class Scenario:
    """What the seeded generator makes: the demo's history by default; the test factories
    (monitors.testing) ask for small ones."""

    days: int = DAYS
    rows_per_day: int = DAILY_ROWS
    row_jitter: float = 0.15  # each day's rows vary by up to this share (0: exactly rows_per_day)
    training_rows: int = TRAINING_ROWS
    start: datetime = START
    drift_from_day: int | None = (DRIFT_START - START).days  # income and debt_ratio shift
    drop_from_day: int | None = (DROP_START - START).days  # the outcomes' relation changes
    label_delay_days: tuple[float, float] | float = (1.0, 14.0)  # uniform range, or fixed
    labels_until: datetime | None = AS_OF  # labels arriving later are not in the table yet
    label_time_unit: str | None = "s"  # label times floored to this unit
    id_digits: int = 7
    model_version: str = "1.4.0"
    calendar: str = "flat"  # one of CALENDARS: how the rows spread over days and hours


def compute_day_factor(calendar: str, start: datetime, day: int) -> float:
    """A day's rows as a share of rows_per_day under a calendar shape."""
    date = start + pd.Timedelta(days=day)
    factor = 1.0
    if calendar in ("weekly", "both", "holiday", "trend") and date.weekday() >= 5:
        factor = WEEKEND_SHARE
    if calendar == "holiday" and date.weekday() == 0 and day // 7 == HOLIDAY_WEEK:
        factor = WEEKEND_SHARE
    if calendar == "trend":
        factor *= 1.01 ** (day / 7)
    return factor


def compute_day_seconds(rng: np.random.Generator, calendar: str, n: int) -> np.ndarray:
    """The seconds into the day of n predictions: uniform, or by HOURLY_SHARE (daily, both)."""
    if calendar not in ("daily", "both"):
        return np.sort(rng.integers(0, 86_400, size=n))
    weights = np.array(HOURLY_SHARE) / sum(HOURLY_SHARE)
    hours = rng.choice(24, size=n, p=weights)
    return np.sort(hours * 3600 + rng.integers(0, 3600, size=n))


def compute_training(rng: np.random.Generator, rows: int = TRAINING_ROWS) -> pd.DataFrame:
    frame = compute_features(rng, rows, drifted=False)
    frame["score"] = compute_sigmoid(compute_model_logit(frame)).round(6)
    frame["defaulted"] = compute_outcomes(rng, frame, np.zeros(len(frame), bool))
    return frame


def _compute_days(rng: np.random.Generator, scenario: Scenario) -> pd.DataFrame:
    days = []
    for day in range(scenario.days):
        n = scenario.rows_per_day
        if scenario.row_jitter:
            n = int(n * rng.uniform(1 - scenario.row_jitter, 1 + scenario.row_jitter))
        factor = compute_day_factor(scenario.calendar, scenario.start, day)
        if factor != 1.0:
            n = round(n * factor)
        drifted = scenario.drift_from_day is not None and day >= scenario.drift_from_day
        frame = compute_features(rng, n, drifted=drifted)
        seconds = compute_day_seconds(rng, scenario.calendar, n)
        frame.insert(0, "predicted_at", pd.Timestamp(scenario.start.replace(tzinfo=None))
                     + pd.Timedelta(days=day) + pd.to_timedelta(seconds, unit="s"))
        frame["changed"] = scenario.drop_from_day is not None and day >= scenario.drop_from_day
        days.append(frame)
    return pd.concat(days, ignore_index=True)


def _compute_label_times(rng: np.random.Generator, scenario: Scenario, predicted_at: pd.Series
                         ) -> pd.Series:
    delay = scenario.label_delay_days
    if isinstance(delay, tuple):
        times = predicted_at + pd.to_timedelta(rng.uniform(delay[0], delay[1], size=len(predicted_at)),
                                                unit="D")
    else:
        times = predicted_at + pd.Timedelta(days=delay)
    return times.dt.floor(scenario.label_time_unit) if scenario.label_time_unit else times


def compute_predictions(rng: np.random.Generator, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The logged predictions and the labels that had arrived by scenario.labels_until."""
    predictions = _compute_days(rng, scenario)
    predictions.insert(0, "prediction_id", [f"p{i:0{scenario.id_digits}d}" for i in range(len(predictions))])
    predictions["score"] = compute_sigmoid(compute_model_logit(predictions)).round(6)
    predictions["predicted_label"] = (predictions["score"] >= 0.5).astype("int64")
    predictions["model_version"] = scenario.model_version
    labels = compute_outcomes(rng, predictions, predictions["changed"].to_numpy())
    outcomes = pd.DataFrame({"prediction_id": predictions["prediction_id"], "defaulted": labels,
                             "labelled_at": _compute_label_times(rng, scenario, predictions["predicted_at"])})
    if scenario.labels_until is not None:
        outcomes = outcomes[outcomes["labelled_at"] < scenario.labels_until.replace(tzinfo=None)]
    return predictions.drop(columns="changed"), outcomes.reset_index(drop=True)


def compute_window_rows(tables: dict[str, pd.DataFrame], windows: list[Window]) -> list[int]:
    """The predictions in each window (monitors.core.window.Window), counted in pandas."""
    at = tables["predictions"]["predicted_at"]
    return [int(((at >= pd.Timestamp(w.start).tz_localize(None))
                 & (at < pd.Timestamp(w.end).tz_localize(None))).sum()) for w in windows]


def compute_outage(tables: dict[str, pd.DataFrame], start: datetime, end: datetime, keep: float,
                   seed: int = 0) -> dict[str, pd.DataFrame]:
    """The tables with only `keep` (a share) of the predictions in [start, end) (naive or UTC),
    chosen at random (seeded), and their outcomes."""
    predictions = tables["predictions"]
    at = predictions["predicted_at"]
    inside = (at >= pd.Timestamp(start).tz_localize(None)) & (at < pd.Timestamp(end).tz_localize(None))
    rng = np.random.default_rng(seed)
    dropped = inside & (rng.uniform(size=len(predictions)) >= keep)
    ids = set(predictions.loc[dropped, "prediction_id"])
    out = dict(tables)
    out["predictions"] = predictions[~dropped].reset_index(drop=True)
    outcomes = tables["outcomes"]
    out["outcomes"] = outcomes[~outcomes["prediction_id"].isin(ids)].reset_index(drop=True)
    return out


def compute_tables(scenario: Scenario = Scenario(), seed: int = SEED) -> dict[str, pd.DataFrame]:
    """training_data, predictions and outcomes of a scenario, seeded."""
    rng = np.random.default_rng(seed)
    training = compute_training(rng, scenario.training_rows)
    predictions, outcomes = compute_predictions(rng, scenario)
    return {"training_data": training, "predictions": predictions, "outcomes": outcomes}


def write_demo_warehouse(path: Path, seed: int = SEED) -> dict[str, int]:
    """(Re)create the DuckDB warehouse file with the three demo tables."""
    tables = compute_tables(seed=seed)
    write_duckdb_tables(path, tables)
    return {name: len(frame) for name, frame in tables.items()}


def write_demo_config(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG_YAML, encoding="utf-8")
