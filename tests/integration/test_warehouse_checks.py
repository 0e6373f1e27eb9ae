"""Checks in the warehouse (GX's SQL datasource on the window's query) give the rows the pandas
path gives, on DuckDB and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitors.checks.results import run_frame_checks
from monitors.checks.suites import NUMERIC_TYPES, STRING_TYPES, suite_from_baseline
from monitors.checks.warehouse import load_warehouse_check_measurements, sql_suite
from monitors.config import ModelConfig
from monitors.core.errors import ChecksError, WarehouseError
from monitors.core.measurement import Measurement
from monitors.testing import (
    make_config,
    make_tables,
    make_window_bounds,
    write_duckdb_warehouse,
)
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import _load_predictions_query

from .helpers import Build

ROWS = 400  # per day


def both_paths(config: ModelConfig, suite: dict[str, Any], day: int = 0
               ) -> tuple[list[Measurement], list[Measurement], pd.DataFrame]:
    """The window's rows via SQL and via pandas (the same Select, read with pd.read_sql)."""
    engine = create_warehouse_engine(config)
    try:
        start, end = make_window_bounds(day)
        query = _load_predictions_query(engine, config, start, end, end).select
        sql_rows = load_warehouse_check_measurements(suite, engine, query, config.model)
        with engine.connect() as conn:
            frame = pd.read_sql(query, conn)
    finally:
        engine.dispose()
    return sql_rows, run_frame_checks(suite, frame, config.model), frame


def assert_same(sql_rows: list[Measurement], pandas_rows: list[Measurement]) -> None:
    key = [(r.kind, r.metric, r.column_name, r.status, r.threshold) for r in sql_rows]
    assert key == [(r.kind, r.metric, r.column_name, r.status, r.threshold) for r in pandas_rows]
    for s, p in zip(sql_rows, pandas_rows, strict=True):
        assert s.value is not None and p.value is not None, (s, p)
        assert s.value == pytest.approx(p.value, abs=1e-9), (s, p)


def by_key(rows: list[Measurement]) -> dict[tuple[str, str | None], Measurement]:
    return {(r.metric, r.column_name): r for r in rows}


def test_profiled_suite_gives_the_pandas_rows(warehouse: Build, home: Path) -> None:
    tables = make_tables(seed=5, days=2, rows_per_day=ROWS, drift_from_day=1)
    config = warehouse(tables)
    suite = suite_from_baseline(config, tables["training_data"])
    for day in (0, 1):  # clean, then drifted: income moves out of its profiled range a little
        sql_rows, pandas_rows, frame = both_paths(config, suite, day)
        assert len(frame) == ROWS and len(sql_rows) == len(suite["expectations"]) == 25
        assert_same(sql_rows, pandas_rows)
    rows = by_key(sql_rows)
    assert rows[("expect_table_row_count_to_be_between", None)].value == ROWS
    drifted = rows[("expect_column_values_to_be_between", "income")]
    assert drifted.value is not None and 0 < drifted.value < 0.01 and drifted.status == "ok"
    types = [r for r in sql_rows if r.metric == "expect_column_values_to_be_in_type_list"]
    assert {r.column_name for r in types} == {"income", "debt_ratio", "age", "score", "region", "product"}
    assert all(r.status == "ok" and r.value == 0.0 for r in types)
    if config.warehouse.startswith("duckdb"):  # GX's connections are closed: a writer may open the file
        import duckdb

        duckdb.connect(str(home / "warehouse.duckdb")).close()


def test_bad_values_alert_with_their_unexpected_shares(warehouse: Build) -> None:
    tables = make_tables(seed=6, days=2, rows_per_day=ROWS)
    p = tables["predictions"]
    day0 = p.index[:ROWS]
    p.loc[day0[:20], "income"] = 1e9                      # 5% out of range
    p.loc[day0[20:32], "region"] = "MARS"                  # 3% unknown category
    p.loc[day0[32:35], "debt_ratio"] = np.nan              # nulls where the baseline has none
    p.loc[day0[35:37], "score"] = 1.5                      # 0.5% out of [0, 1]: within mostly
    p["age"] = p["age"].astype(str)                        # a text column where a number is expected
    p.loc[day0[37], "age"] = "unknown"
    config = warehouse(tables)
    sql_rows, pandas_rows, _ = both_paths(config, suite_from_baseline(config, tables["training_data"]))
    assert_same(sql_rows, pandas_rows)
    alerts = {k: r.value for k, r in by_key(sql_rows).items() if r.status == "alert"}
    assert alerts == {
        ("expect_column_values_to_be_between", "income"): pytest.approx(20 / ROWS),
        ("expect_column_values_to_be_in_set", "region"): pytest.approx(12 / ROWS),
        ("expect_column_values_to_not_be_null", "debt_ratio"): pytest.approx(3 / ROWS),
        ("expect_column_values_to_be_in_type_list", "age"): 1.0,   # the column's type: all or nothing
        ("expect_column_values_to_be_between", "age"): 1.0,        # text cannot be compared with numbers
    }
    score = by_key(sql_rows)[("expect_column_values_to_be_between", "score")]
    assert (score.status, score.value, score.threshold) == ("ok", pytest.approx(2 / ROWS), 0.01)


def test_duplicate_ids_are_validated_once_latest_row_wins(warehouse: Build) -> None:
    tables = make_tables(seed=7, days=1, rows_per_day=ROWS)
    p = tables["predictions"]
    later_bad = p.iloc[:40].copy()          # a later row replaces a good one with a bad income
    later_bad["predicted_at"] += pd.Timedelta(minutes=5)
    later_bad["income"] = 1e9
    later_good = p.iloc[100:130].copy()     # a later good row replaces a bad one
    later_good["predicted_at"] += pd.Timedelta(minutes=5)
    p.loc[p.index[100:130], "income"] = 1e9
    p.loc[p.index[100:130], "region"] = None
    tables["predictions"] = pd.concat([p, later_bad, later_good], ignore_index=True)
    config = warehouse(tables)
    sql_rows, pandas_rows, frame = both_paths(config, suite_from_baseline(config, tables["training_data"]))
    assert len(frame) == ROWS and frame["prediction_id"].is_unique
    assert_same(sql_rows, pandas_rows)
    rows = by_key(sql_rows)
    assert rows[("expect_table_row_count_to_be_between", None)].value == ROWS
    assert rows[("expect_column_values_to_be_between", "income")].value == pytest.approx(40 / ROWS)
    assert rows[("expect_column_values_to_not_be_null", "region")].status == "ok"


@pytest.mark.parametrize("aware", [False, True], ids=["timestamp", "timestamptz"])
def test_window_bounds_inlined_as_literals_keep_their_rows(warehouse: Build, aware: bool) -> None:
    tables = make_tables(seed=8, days=2, rows_per_day=ROWS)
    start, end = (t.replace(tzinfo=None) for t in make_window_bounds(0))
    tick = timedelta(microseconds=1)
    p = tables["predictions"]
    # 1 row just before the window, 2 at its start, 3 just before its end, 4 at its end
    p.loc[p.index[:10], "predicted_at"] = [start - tick] + [start] * 2 + [end - tick] * 3 + [end] * 4
    if aware:
        p["predicted_at"] = p["predicted_at"].dt.tz_localize("UTC")
    suite = {"name": "rows", "expectations": [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}]}
    sql_rows, pandas_rows, frame = both_paths(warehouse(tables), suite)
    assert len(frame) == ROWS - 10 + 2 + 3
    assert_same(sql_rows, pandas_rows)
    assert sql_rows[0].value == ROWS - 5


def test_type_lists_name_sql_types_of_the_dialect() -> None:
    suite: dict[str, Any] = {"expectations": [
        {"type": "expect_column_values_to_be_in_type_list",
         "kwargs": {"column": "a", "type_list": [*NUMERIC_TYPES, "MONEY"]}},
        {"type": "expect_column_values_to_be_in_type_list",
         "kwargs": {"column": "b", "type_list": STRING_TYPES}}]}
    pg = sql_suite(suite, "postgresql")["expectations"]
    assert pg[0]["kwargs"]["type_list"] == ["SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION",
                                            "FLOAT", "NUMERIC", "DECIMAL", "MONEY"]
    assert pg[1]["kwargs"]["type_list"] == ["TEXT", "VARCHAR", "CHAR"]
    duck = sql_suite(suite, "duckdb")["expectations"]
    assert duck[1]["kwargs"]["type_list"] == ["String", "VARCHAR", "TEXT", "CHAR"]
    assert suite["expectations"][1]["kwargs"]["type_list"] == STRING_TYPES  # not modified


def test_malformed_suite_and_failing_query_are_clear_errors(home: Path) -> None:
    config = make_config(home, write_duckdb_warehouse(home / "w.duckdb", make_tables(days=1, rows_per_day=10)))
    engine = create_warehouse_engine(config)
    query = _load_predictions_query(engine, config, *make_window_bounds(0), None).select
    bad = {"name": "x", "expectations": [{"type": "expect_nothing_known", "kwargs": {}}]}
    with pytest.raises(ChecksError, match="model credit_risk: invalid expectation suite"):
        load_warehouse_check_measurements(bad, engine, query, config.model)
    # GX alone would report every expectation failed; the pandas path's read raises instead
    gone = sa.select(sa.table("no_such_table", sa.column("a")).c.a)
    suite = {"expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}]}
    with pytest.raises(WarehouseError, match="model credit_risk: window query failed in warehouse "
                                             "duckdb:///.*no_such_table"):
        load_warehouse_check_measurements(suite, engine, gone, config.model)
    engine.dispose()
