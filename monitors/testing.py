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


def make_tables(seed: int = 1, days: int = 6, rows_per_day: int = 400, training_rows: int = 3000,
                drift_from_day: int | None = None, start: datetime = demo.START,
                label_delay_days: float = 0.0, label_delay_max_days: float | None = None
                ) -> dict[str, pd.DataFrame]:
    """training_data, predictions and outcomes like the demo's, small. Every label is present
    (label_delay_days, or a uniform delay up to label_delay_max_days, only sets labelled_at);
    drift_from_day shifts income and debt_ratio."""
    rng = np.random.default_rng(seed)
    training = demo.compute_features(rng, training_rows, drifted=False)
    training["score"] = demo._sigmoid(demo._model_logit(training)).round(6)
    training["defaulted"] = demo.compute_outcomes(rng, training, np.zeros(training_rows, bool))
    frames = []
    for day in range(days):
        drifted = drift_from_day is not None and day >= drift_from_day
        frame = demo.compute_features(rng, rows_per_day, drifted=drifted)
        seconds = np.sort(rng.integers(0, 86_400, size=rows_per_day))
        frame.insert(0, "predicted_at", pd.Timestamp(start.replace(tzinfo=None))
                     + pd.Timedelta(days=day) + pd.to_timedelta(seconds, unit="s"))
        frames.append(frame)
    predictions = pd.concat(frames, ignore_index=True)
    predictions.insert(0, "prediction_id", [f"p{i:06d}" for i in range(len(predictions))])
    predictions["score"] = demo._sigmoid(demo._model_logit(predictions)).round(6)
    predictions["predicted_label"] = (predictions["score"] >= 0.5).astype("int64")
    predictions["model_version"] = "1.0"
    outcomes = pd.DataFrame({
        "prediction_id": predictions["prediction_id"],
        "defaulted": demo.compute_outcomes(rng, predictions, np.zeros(len(predictions), bool)),
        "labelled_at": predictions["predicted_at"] + (
            pd.to_timedelta(rng.uniform(0, label_delay_max_days, len(predictions)), unit="D")
            if label_delay_max_days else pd.Timedelta(days=label_delay_days)),
    })
    return {"training_data": training, "predictions": predictions, "outcomes": outcomes}


def write_duckdb_warehouse(path: Path, tables: dict[str, pd.DataFrame]) -> str:
    """Write the tables to a new DuckDB file; returns its SQLAlchemy URL."""
    import duckdb

    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        for name, frame in tables.items():
            con.register("frame", frame)
            quoted = name.replace('"', '""')
            con.execute(f'CREATE TABLE "{quoted}" AS SELECT * FROM frame')
            con.unregister("frame")
    return f"duckdb:///{path}"


def write_sql_warehouse(url: str, tables: dict[str, pd.DataFrame], schema: str | None = None) -> None:
    """Write the tables through SQLAlchemy (e.g. to a PostgreSQL schema)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        for name, frame in tables.items():
            frame.to_sql(name, conn, schema=schema, if_exists="replace", index=False)
    engine.dispose()


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
