"""Data shapes users have, as seeded tables for the engine matrix (test_engines.py): each task
type with the column types warehouses hold (integer predicted labels, float, boolean, string and
integer class labels, DECIMAL features and scores), naive or aware timestamps, late labels,
repeated ids, segments, a drift and a performance drop. Each engine writes a pandas dtype as
its own type: bool -> BOOLEAN, int64 -> BIGINT (NUMBER(38,0)), Decimal objects -> DECIMAL,
naive datetimes -> TIMESTAMP / TIMESTAMP_NTZ, aware ones -> TIMESTAMPTZ / TIMESTAMP_LTZ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from monitors.testing import (
    make_multiclass_overrides,
    make_multiclass_tables,
    make_regression_overrides,
    make_regression_tables,
    make_tables,
)

DAYS = 4
ROWS = 900
# windows 2026-01-02..04 (day 0 is their volume's history); labels arrive up to 3 days late, so
# the last window is judged partly on estimates
RUN = ["--start", "2026-01-02", "--end", "2026-01-05", "--as-of", "2026-01-05T12:00:00", "--jobs", "1"]


@dataclass(frozen=True)
class Shape:
    name: str
    make: Callable[[], dict[str, pd.DataFrame]]
    overrides: dict[str, Any] = field(default_factory=dict)


def _aware(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every timestamp column as an aware (UTC) one: TIMESTAMPTZ, timestamptz, Spark's LTZ."""
    for frame in tables.values():
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]) and frame[column].dt.tz is None:
                frame[column] = frame[column].dt.tz_localize("UTC")
    return tables


def _repeat_some(tables: dict[str, pd.DataFrame], n: int = 40) -> dict[str, pd.DataFrame]:
    """The first n predictions logged again a minute later with another score: the later row wins."""
    later = tables["predictions"].head(n).copy()
    later["predicted_at"] += pd.Timedelta(minutes=1)
    if "score" in later.columns:
        later["score"] = 1 - later["score"] if later["score"].max() <= 1 else later["score"] * 1.1
    tables["predictions"] = pd.concat([tables["predictions"], later], ignore_index=True)
    return tables


def _decimal(frame: pd.DataFrame, column: str, places: int) -> None:
    quantum = Decimal(1).scaleb(-places)
    frame[column] = [None if pd.isna(v) else Decimal(repr(float(v))).quantize(quantum) for v in frame[column]]


def _base(**kwargs: Any) -> dict[str, pd.DataFrame]:
    return make_tables(seed=5, days=DAYS, rows_per_day=ROWS, drift_from_day=2, drop_from_day=3,
                       label_delay_max_days=3, **kwargs)


def make_car_loan() -> dict[str, pd.DataFrame]:
    """Binary, as a held-out dataset had it: an integer predicted label (BIGINT), the label a
    float (DOUBLE 0.0 / 1.0), naive timestamps, repeated ids; no segments (a plain GROUP BY)."""
    tables = _repeat_some(_base())
    tables["predictions"]["predicted_label"] = tables["predictions"]["predicted_label"].astype("int64")
    for name in ("outcomes", "training_data"):
        tables[name]["defaulted"] = tables[name]["defaulted"].astype("float64")
    return tables


def make_boolean_decimal() -> dict[str, pd.DataFrame]:
    """Binary with a BOOLEAN label, no predicted-label column, the score and income DECIMAL,
    age a 32-bit integer, aware timestamps."""
    tables = _aware(_base())
    for name in ("outcomes", "training_data"):
        tables[name]["defaulted"] = tables[name]["defaulted"].astype(bool)
    for name in ("predictions", "training_data"):
        frame = tables[name]
        _decimal(frame, "score", 6)
        _decimal(frame, "income", 2)
        frame["age"] = frame["age"].round().astype("int32")
        frame.drop(columns=[c for c in ("predicted_label",) if c in frame.columns], inplace=True)
    return tables


def make_string_classes() -> dict[str, pd.DataFrame]:
    """Multiclass with string classes and each class's probability; naive timestamps."""
    return _repeat_some(make_multiclass_tables(seed=6, days=DAYS, rows_per_day=ROWS, drift_from_day=2,
                                               drop_from_day=3))


def make_integer_classes() -> dict[str, pd.DataFrame]:
    """Multiclass with integer classes (BIGINT) in the label and the predicted class as the
    score, no probabilities; aware timestamps."""
    tables = _aware(make_multiclass_tables(seed=7, days=DAYS, rows_per_day=ROWS, drop_from_day=3))
    codes = {"low": 0, "mid": 1, "high": 2}
    for name in ("outcomes", "training_data"):
        tables[name]["defaulted"] = tables[name]["defaulted"].map(codes).astype("int64")
    for name in ("predictions", "training_data"):
        frame = tables[name]
        probabilities = frame[["p_low", "p_mid", "p_high"]].to_numpy()
        frame["predicted_class"] = probabilities.argmax(axis=1).astype("int64")
        frame.drop(columns=["p_low", "p_mid", "p_high"], inplace=True)
    return tables


def make_regression() -> dict[str, pd.DataFrame]:
    """Regression (estimates while labels are pending), naive timestamps, repeated ids."""
    tables = make_regression_tables(seed=8, days=DAYS, rows_per_day=ROWS, shift_from_day=2)
    outcomes = tables["outcomes"]
    delay = pd.to_timedelta((outcomes.index.to_numpy() % 4) * 20, unit="h")
    outcomes["labelled_at"] = tables["predictions"].set_index("prediction_id").loc[
        outcomes["prediction_id"], "predicted_at"].to_numpy() + delay
    return _repeat_some(tables)


def make_sparse_labels() -> dict[str, pd.DataFrame]:
    """Binary with 40% of the labels never arriving, so label coverage breaks its minimum at
    maturity (labels are due within a day) and its season's history is counted in the warehouse
    (the coverage-history query); naive timestamps."""
    tables = make_car_loan()
    outcomes = tables["outcomes"]
    keep = np.random.default_rng(11).uniform(size=len(outcomes)) >= 0.4
    tables["outcomes"] = outcomes[keep].reset_index(drop=True)
    return tables


CAR_LOAN = {"segments": [], "predictions.model_version": None, "ground_truth.timestamp": "labelled_at"}
SHAPES = [
    Shape("car_loan", make_car_loan, CAR_LOAN),
    Shape("car_loan_aware", lambda: _aware(make_car_loan()), CAR_LOAN),
    Shape("boolean_decimal", make_boolean_decimal, {"predictions.predicted_label": None,
                                                    "ground_truth.timestamp": "labelled_at"}),
    Shape("string_classes", make_string_classes, {**make_multiclass_overrides(),
                                                  "ground_truth.timestamp": "labelled_at"}),
    Shape("integer_classes", make_integer_classes, {
        **make_multiclass_overrides(), "predictions.class_scores": None,
        "predictions.score": "predicted_class", "performance.metrics": ["accuracy", "f1"]}),
    Shape("sparse_labels", make_sparse_labels, {**CAR_LOAN, "ground_truth.max_delay": "1d",
                                                "series": [{"metric": "row_count"}]}),
    Shape("regression", make_regression, {**make_regression_overrides(),
                                          "ground_truth.timestamp": "labelled_at"}),
]
