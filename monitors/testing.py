"""Seeded factories for tests and benchmarks, shipped with the package: small warehouses built
in code (DuckDB files or any SQLAlchemy database) from the demo's generator, and configs."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from monitors import demo
from monitors.config import ModelConfig, compute_config
from monitors.storage.duckdb_file import write_duckdb_tables
from monitors.warehouse.tables import (
    write_parquet_tables,
    write_snowflake_tables,
    write_sql_tables,
)


def make_tables(seed: int = 1, days: int = 6, rows_per_day: int = 400, training_rows: int = 3000,
                drift_from_day: int | None = None, start: datetime = demo.START,
                label_delay_days: float = 0.0, label_delay_max_days: float | None = None,
                drop_from_day: int | None = None, calendar: str = "flat", row_jitter: float = 0.0
                ) -> dict[str, pd.DataFrame]:
    """training_data, predictions and outcomes like the demo's, small. Every label is present
    (label_delay_days, or a uniform delay up to label_delay_max_days, only sets labelled_at);
    drift_from_day shifts income and debt_ratio; from drop_from_day the outcomes' relation to
    the features changes (performance drops); calendar: a shape of demo.CALENDARS (weekends,
    nights, a holiday, a trend), row_jitter: each day's rows vary by up to this share."""
    return demo.compute_tables(demo.Scenario(
        days=days, rows_per_day=rows_per_day, row_jitter=row_jitter, training_rows=training_rows, start=start,
        drift_from_day=drift_from_day, drop_from_day=drop_from_day,
        label_delay_days=(0.0, label_delay_max_days) if label_delay_max_days else label_delay_days,
        labels_until=None, label_time_unit=None, id_digits=6, model_version="1.0", calendar=calendar), seed)


def write_duckdb_warehouse(path: Path, tables: dict[str, pd.DataFrame]) -> str:
    """Write the tables to a new DuckDB file; returns its SQLAlchemy URL."""
    return write_duckdb_tables(path, tables)


def write_sql_warehouse(url: str, tables: dict[str, pd.DataFrame], schema: str | None = None) -> None:
    """Write the tables through SQLAlchemy (e.g. to a PostgreSQL schema)."""
    write_sql_tables(url, tables, schema)


def write_spark_warehouse(url: str, tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Write the tables as Parquet under `folder` and declare them in Spark SQL (hive:// URL)."""
    write_parquet_tables(url, tables, folder)


def write_snowflake_warehouse(url: str, tables: dict[str, pd.DataFrame], folder: Path,
                              connect_args: dict[str, Any]) -> None:
    """Create the tables the Snowflake way in fakesnow (an emulator on this machine), loaded from
    Parquet files under `folder`."""
    write_snowflake_tables(url, tables, folder, connect_args)


def make_config_data(warehouse: str, **overrides: Any) -> dict[str, Any]:
    """The demo's config as a dict, with dotted-key overrides: {"drift.max_drifted_share": .3};
    a value of None removes the key."""
    data = copy.deepcopy(yaml.safe_load(demo.CONFIG_YAML))
    data["warehouse"] = warehouse
    for dotted, value in overrides.items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def make_config(home: Path, warehouse: str, **overrides: Any) -> ModelConfig:
    return compute_config(make_config_data(warehouse, **overrides), home / "model.yaml", home)


def write_config(home: Path, warehouse: str, name: str = "model.yaml", **overrides: Any) -> Path:
    path = home / name
    path.write_text(yaml.safe_dump(make_config_data(warehouse, **overrides), sort_keys=False))
    return path


def make_window_bounds(day: int, start: datetime = demo.START) -> tuple[datetime, datetime]:
    begin = start.astimezone(UTC) + timedelta(days=day)
    return begin, begin + timedelta(days=1)


RESULT_KEY = ["model", "window_start", "window_end", "kind", "metric", "column_name", "segment"]


def compute_results_difference(before: pd.DataFrame, after: pd.DataFrame, rtol: float = 1e-9
                               ) -> pd.DataFrame:
    """The rows of two stores' monitor_results that differ: missing on one side, another status
    or threshold, or values further apart than rtol (relative; sums taken in a varying order
    differ in their last bits). run_id and computed_at are not compared."""

    keys = before[RESULT_KEY].astype("string").fillna("<null>")
    other = after[RESULT_KEY].astype("string").fillna("<null>")
    left = pd.concat([keys, before[["value", "threshold", "status"]]], axis=1)
    right = pd.concat([other, after[["value", "threshold", "status"]]], axis=1)
    merged = left.merge(right, on=RESULT_KEY, how="outer", suffixes=("_before", "_after"), indicator=True)

    def differs(column: str) -> pd.Series:
        a = pd.to_numeric(merged[f"{column}_before"], errors="coerce").to_numpy(float)
        b = pd.to_numeric(merged[f"{column}_after"], errors="coerce").to_numpy(float)
        same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=rtol, atol=0.0)
        return pd.Series(~same, index=merged.index)

    status = (merged["status_before"].astype("string").fillna("")
              != merged["status_after"].astype("string").fillna(""))
    mask = (merged["_merge"] != "both") | status | differs("value") | differs("threshold")
    return merged[mask].drop(columns="_merge")


SHIFT_NUMERICAL = ("income", "debt_ratio", "tenure")
SHIFT_CATEGORICAL = ("region", "product", "channel")
_SHARES = {"region": (["EU", "NA", "APAC", "LATAM"], [0.4, 0.3, 0.2, 0.1]),
           "product": (["card", "loan", "mortgage"], [0.5, 0.3, 0.2]),
           "channel": (["web", "branch"], [0.7, 0.3])}


def make_shift_rows(rng: Any, n: int, narrow: float = 0.0, move: float = 0.0,
                    mean: float = 0.0) -> pd.DataFrame:
    """Rows of three numerical and three categorical features. `narrow` shrinks every numerical
    spread by that fraction (a normal's normed Wasserstein is ~0.8 x narrow), `mean` moves every
    numerical mean by that many standard deviations (normed Wasserstein = mean), `move` takes that
    share from each categorical's first value and gives it to its second (0.04: 4 points)."""

    spread = 1.0 - narrow
    frame = pd.DataFrame({
        "income": 50_000 + 12_000 * (rng.standard_normal(n) * spread + mean),
        "debt_ratio": 0.35 + 0.1 * (rng.standard_normal(n) * spread + mean),
        "tenure": 10 + 4 * (rng.standard_normal(n) * spread + mean),
    })
    for column, (values, shares) in _SHARES.items():
        p = np.array(shares)
        p[0], p[1] = p[0] - move, p[1] + move
        frame[column] = rng.choice(values, n, p=p)
    return frame


def make_correlated_rows(rng: Any, n: int, broken: bool = False) -> Any:
    """Rows (numpy, n x 4) of income, debt_ratio, age, tenure: debt_ratio follows income
    (correlation 0.8) and tenure follows age (0.6). `broken`: debt_ratio drawn on its own with the
    same normal marginal (no single feature's distribution changes, only the correlation)."""

    income, age = rng.standard_normal(n), rng.standard_normal(n)
    own = rng.standard_normal(n)
    debt = own if broken else 0.8 * income + 0.6 * own
    tenure = 0.6 * age + 0.8 * rng.standard_normal(n)
    return np.column_stack([50_000 + 12_000 * income, 0.35 + 0.1 * debt, 45 + 12 * age, 10 + 4 * tenure])


def make_correlated_tables(seed: int = 1, days: int = 4, rows_per_day: int = 1500,
                           broken_from_day: int | None = None) -> dict[str, pd.DataFrame]:
    """make_tables with income and debt_ratio correlated (0.8) in the baseline and every window;
    from broken_from_day (0-based) debt_ratio is shuffled within each day: its distribution and
    income's stay as they were, their correlation is gone."""

    tables = make_tables(seed=seed, days=days, rows_per_day=rows_per_day)
    rng = np.random.default_rng(seed)
    for name in ("training_data", "predictions"):
        frame = tables[name]
        values = make_correlated_rows(rng, len(frame))
        frame["income"], frame["debt_ratio"] = values[:, 0], values[:, 1]
    predictions = tables["predictions"]
    if broken_from_day is not None:
        day = (predictions["predicted_at"] - demo.START.replace(tzinfo=None)).dt.days  # naive UTC
        for broken in sorted(set(day[day >= broken_from_day])):
            rows = predictions.index[day == broken]
            shuffled = rng.permutation(predictions.loc[rows, "debt_ratio"].to_numpy())
            predictions.loc[rows, "debt_ratio"] = shuffled
    return tables


CLASSES = ("low", "mid", "high")


def _compute_days(frame: pd.DataFrame) -> Any:
    """Each prediction's day since the demo's start (0 on the first)."""
    return (frame["predicted_at"] - demo.START.replace(tzinfo=None)).dt.days.to_numpy()


def set_labels(tables: dict[str, pd.DataFrame], name: str, labels: Any) -> None:
    """The label `defaulted` of each row of training_data, or of each prediction (in outcomes)."""
    frame = tables[name]
    if name == "training_data":
        frame["defaulted"] = labels
    else:
        by_id = dict(zip(frame["prediction_id"], labels, strict=True))
        tables["outcomes"]["defaulted"] = tables["outcomes"]["prediction_id"].map(by_id)


def make_multiclass_tables(seed: int = 1, days: int = 4, rows_per_day: int = 1500,
                           drop_from_day: int | None = None, drift_from_day: int | None = None,
                           training_rows: int = 3000) -> dict[str, pd.DataFrame]:
    """make_tables as a 3-class model's: the label `defaulted` one of CLASSES drawn from the
    softmax of the features' logits, and the model's probabilities p_low, p_mid, p_high that
    softmax (calibrated); from drop_from_day the labels are drawn at random (the model is
    wrong as often as chance); from drift_from_day income and debt_ratio shift (make_tables), which
    moves the accuracy. score and predicted_label are dropped."""

    tables = make_tables(seed=seed, days=days, rows_per_day=rows_per_day, drift_from_day=drift_from_day,
                         training_rows=training_rows)
    rng = np.random.default_rng(seed)
    for name in ("training_data", "predictions"):
        frame = tables[name]
        z = np.column_stack([-(frame["income"] - 50_000) / 20_000, np.zeros(len(frame)),
                             (frame["debt_ratio"] - 0.33) / 0.1])
        p = np.exp(1.5 * z)
        p /= p.sum(axis=1, keepdims=True)
        for k, cls in enumerate(CLASSES):
            frame[f"p_{cls}"] = p[:, k]
        drawn = np.array([rng.choice(3, p=row) for row in p])
        if name == "predictions" and drop_from_day is not None:
            day = _compute_days(frame)
            drawn = np.where(day >= drop_from_day, rng.integers(0, 3, len(frame)), drawn)
        labels = np.array(CLASSES)[drawn]
        frame.drop(columns=[c for c in ("score", "predicted_label") if c in frame.columns], inplace=True)
        set_labels(tables, name, labels)
    return tables


def make_multiclass_overrides() -> dict[str, Any]:
    """Config overrides for make_multiclass_tables' model."""
    return {"task": "multiclass_classification", "predictions.score": None,
            "predictions.predicted_label": None,
            "predictions.class_scores": {cls: f"p_{cls}" for cls in CLASSES},
            "performance.metrics": ["roc_auc", "log_loss", "accuracy", "f1"]}


def make_regression_tables(seed: int = 1, days: int = 4, rows_per_day: int = 1500,
                           shift_from_day: int | None = None, training_rows: int = 3000
                           ) -> dict[str, pd.DataFrame]:
    """make_tables as a regression model's: the label `defaulted` a loan's loss, the model's
    prediction `score` its expectation, the noise larger in region LATAM and for high debt
    ratios (so the error depends on the features); from shift_from_day the windows hold more of
    both (the realized MAE and RMSE rise: what direct loss estimation must see without labels).
    predicted_label is dropped."""

    tables = make_tables(seed=seed, days=days, rows_per_day=rows_per_day, training_rows=training_rows)
    rng = np.random.default_rng([seed, 1])  # not make_tables' stream: its draws made the features
    for name in ("training_data", "predictions"):
        frame = tables[name]
        if name == "predictions" and shift_from_day is not None:
            day = _compute_days(frame)
            later = day >= shift_from_day
            frame.loc[later, "debt_ratio"] = frame.loc[later, "debt_ratio"] + 0.12
            frame.loc[later & (rng.random(len(frame)) < 0.4), "region"] = "LATAM"
        expected = 1_000 + 0.02 * frame["income"].to_numpy() + 3_000 * frame["debt_ratio"].to_numpy()
        spread = 150 + 900 * np.clip(frame["debt_ratio"].to_numpy() - 0.3, 0, None) \
            + 250 * (frame["region"] == "LATAM").to_numpy()
        frame["score"] = expected
        labels = expected + rng.normal(0, 1, len(frame)) * spread
        frame.drop(columns=[c for c in ("predicted_label",) if c in frame.columns], inplace=True)
        set_labels(tables, name, labels)
    return tables


def make_regression_overrides() -> dict[str, Any]:
    """Config overrides for make_regression_tables' model."""
    return {"task": "regression", "predictions.predicted_label": None,
            "performance.metrics": ["mae", "rmse"], "performance.max_drop": 0.1}


def make_shift_baseline(rows: int = 50_000, seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """A baseline Profile of make_shift_rows (and its numerical bins), as a warehouse counts it."""

    from monitors.compute.frame_counts import compute_frame_counts
    from monitors.core.profile import compute_bins, compute_profile

    frame = make_shift_rows(np.random.default_rng(seed), rows)
    bins = {c: compute_bins(float(frame[c].min()), float(frame[c].max())) for c in SHIFT_NUMERICAL}
    std = {c: float(frame[c].std(ddof=0)) for c in SHIFT_NUMERICAL}
    counts = compute_frame_counts(frame, bins, list(SHIFT_CATEGORICAL), [])
    return compute_profile("shift", counts, bins, std, list(SHIFT_CATEGORICAL)), bins
