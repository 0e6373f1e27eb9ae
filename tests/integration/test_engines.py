"""One matrix, every engine: each data shape users have (tests/integration/shapes.py: every task
type, label and class types, DECIMAL, BOOLEAN and integer columns, naive and aware timestamps,
late labels, repeated ids, segments, a drift and a drop, so tracing, estimates, multivariate
drift and the GX suite all run) stores on PostgreSQL and Spark SQL what it stores on DuckDB:
every row, values within 1e-9 relative, the same statuses. Tables are written in each engine's
own types (Spark: naive Parquet timestamps are TIMESTAMP_NTZ, aware ones TIMESTAMP_LTZ)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import (
    make_tables,
    write_config,
    write_duckdb_warehouse,
    write_snowflake_warehouse,
    write_spark_warehouse,
    write_sql_warehouse,
)
from tests.conftest import Snowflake

from .helpers import schema_tables, stored, write_suite_for
from .shapes import RUN, SHAPES, Shape

ENGINES = ["postgresql", pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow]), "snowflake"]


def _engine_url(request: pytest.FixtureRequest, engine: str, home: Path,
                tables: dict[str, pd.DataFrame]) -> tuple[str, dict[str, Any]]:
    """The engine's URL holding the tables, and the config overrides naming them there."""
    if engine == "snowflake":
        snowflake: Snowflake = request.getfixturevalue("snowflake")
        write_snowflake_warehouse(snowflake.url, tables, home / "parquet", snowflake.connect_args)
        return snowflake.url, {"warehouse_connect_args": snowflake.connect_args}
    if engine == "spark":
        url: str = request.getfixturevalue("spark_url")
        write_spark_warehouse(url, tables, home / "parquet")
        return url, {}
    url = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    write_sql_warehouse(url, tables, schema=schema)
    return url, schema_tables(schema)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_every_shape_stores_on_the_engine_what_it_stores_on_duckdb(
        request: pytest.FixtureRequest, home: Path, shape: Shape, engine: str) -> None:
    tables = shape.make()
    duck_url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    duck = write_config(home, duck_url, name="duck.yaml", store="duck.duckdb", **shape.overrides)
    write_suite_for(load_config(duck))  # profiled on DuckDB, validated on both
    url, names = _engine_url(request, engine, home, tables)
    other = write_config(home, url, name="engine.yaml", store="engine.duckdb", **{**shape.overrides, **names})
    assert main(["run", str(duck), *RUN, "--no-report"]) == 1  # the drift or the drop alerts
    assert main(["run", str(other), *RUN, "--no-report"]) == 1
    expected, found = stored(load_config(duck)), stored(load_config(other))
    assert found["window_start"].nunique() == 3 and len(found) == len(expected) > 50
    assert {"schema", "data_quality", "drift"} <= set(found["kind"])
    assert found["kind"].isin(["performance", "estimated_performance"]).any()
    pd.testing.assert_frame_equal(found, expected, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("engine", ["duckdb", *ENGINES])
def test_a_statement_the_engine_refuses_is_one_line_and_stores_nothing(
        request: pytest.FixtureRequest, home: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The baseline is a view whose `age` casts text to an integer: reflection sees an integer,
    the engine refuses the cast when the baseline is read (DuckDB's Conversion Error,
    PostgreSQL's invalid input, Spark's CAST_INVALID_INPUT). The CLI prints one line naming the
    model, what it was doing, the table, the warehouse and the engine's own first message line,
    exits 2 and stores nothing."""
    tables = make_tables(seed=2, days=2, rows_per_day=300)
    if engine == "duckdb":
        url, names = write_duckdb_warehouse(home / "warehouse.duckdb", tables), {}
    else:
        url, names = _engine_url(request, engine, home, tables)
    raw = str(names.get("baseline.table", "training_data"))
    view = raw.replace("training_data", "refused_baseline")  # Spark's and fakesnow's catalogs outlive a test
    engine_ = sa.create_engine(url, connect_args=names.get("warehouse_connect_args", {}))
    with engine_.begin() as conn:
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {view} AS SELECT income, debt_ratio, CAST(region AS INT) "
                             f"AS age, region, product, score, defaulted FROM {raw}"))
    engine_.dispose()
    config = write_config(home, url, checks=None, **{**names, "baseline.table": view})
    capsys.readouterr()
    assert main(["run", str(config), "--start", "2026-01-01", "--end", "2026-01-03", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"error: model credit_risk: reading the baseline from table {view!r} failed in "
                             f"warehouse {'hive' if engine == 'spark' else engine}"), err[0]
    refused = {"duckdb": "Conversion Error", "postgresql": "invalid input syntax for type integer",
               "spark": "[CAST_INVALID_INPUT]", "snowflake": "Conversion Error"}[engine]
    assert refused in err[0] and "TExecuteStatementResp" not in err[0], err[0]
    assert not (home / "monitoring").exists()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_date_column_counts_daily_windows_by_day(request: pytest.FixtureRequest, home: Path, engine: str) -> None:
    """predicted_at as a DATE (a daily table's partition column): each daily window holds the
    rows dated that day, as the timestamps put them."""
    tables = make_tables(seed=4, days=3, rows_per_day=400)
    tables["predictions"]["predicted_at"] = tables["predictions"]["predicted_at"].dt.date
    if engine == "duckdb":
        url, names = write_duckdb_warehouse(home / "warehouse.duckdb", tables), {}
    else:
        url, names = _engine_url(request, engine, home, tables)
    config = write_config(home, url, checks=None, **names)
    assert main(["run", str(config), "--start", "2026-01-01", "--end", "2026-01-04", "--no-report"]) in (0, 1)
    volume = stored(load_config(config)).query("metric == 'row_count'")
    assert volume["value"].tolist() == [400.0, 400.0, 400.0] and set(volume["status"]) == {"ok"}


CUSTOM = [  # every allowed construct once: upper-case names, DECIMAL sums, CASE, LIKE, IN, filters
    {"name": "mean_income", "sql": "AVG(Income)", "max_change": 0.1},
    {"name": "card_share", "sql": "avg(case when product like 'car%' then 1.0 else 0.0 end)", "min": 0.1},
    {"name": "old_income", "sql": "sum(income) / count(*)", "where": "age > 40 and region in ('EU', 'NA')"},
    {"name": "income_sd", "sql": "stddev(income)"},
    {"name": "regions", "sql": "count(distinct region)", "min": 2},
    {"name": "labelled", "sql": "count(defaulted)"},  # reads the label
    {"name": "default_rate", "sql": "avg(defaulted)"},  # a BOOLEAN label in boolean_decimal: true is 1
    {"name": "high_score_share", "sql": "avg(income > 50000)"},  # a comparison averaged
    {"name": "spread", "sql": "max(greatest(debt_ratio, 0.5)) - min(coalesce(debt_ratio, 0))"},
    {"name": "log_age", "sql": "avg(ln(abs(age) + 1))"},
    {"name": "income_per_age", "derived": "mean_income / (log_age + 1)"},
]
SLICES = [{"name": "high_income", "where": "income > 50000"}, {"name": "Old", "where": "AGE >= 45"}]
CUSTOM_SHAPES = [s for s in SHAPES if s.name in ("car_loan", "boolean_decimal", "integer_classes")]


def _window_frame(tables: dict[str, pd.DataFrame], day: str) -> pd.DataFrame:
    """The window's prediction rows as the pipeline reads them: the latest row per id."""
    frame = tables["predictions"].sort_values("predicted_at", kind="stable")
    frame = frame.drop_duplicates("prediction_id", keep="last")
    at = frame["predicted_at"].dt.tz_localize(None) if frame["predicted_at"].dt.tz else frame["predicted_at"]
    return frame[(at >= pd.Timestamp(day)) & (at < pd.Timestamp(day) + pd.Timedelta(days=1))]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shape", CUSTOM_SHAPES, ids=[s.name for s in CUSTOM_SHAPES])
def test_custom_metrics_and_slices_store_on_the_engine_what_they_store_on_duckdb(
        request: pytest.FixtureRequest, home: Path, shape: Shape, engine: str) -> None:
    tables = shape.make()
    extra = {"custom_metrics": CUSTOM, "slices": SLICES, "checks": None}
    duck = write_config(home, write_duckdb_warehouse(home / "warehouse.duckdb", tables), name="duck.yaml",
                        store="duck.duckdb", **shape.overrides, **extra)
    url, names = _engine_url(request, engine, home, tables)
    other = write_config(home, url, name="engine.yaml", store="engine.duckdb",
                         **{**shape.overrides, **names, **extra})
    assert main(["run", str(duck), *RUN, "--no-report"]) == 1
    assert main(["run", str(other), *RUN, "--no-report"]) == 1
    expected, found = stored(load_config(duck)), stored(load_config(other))
    pd.testing.assert_frame_equal(found, expected, check_exact=False, rtol=1e-9)
    custom = found[found["kind"] == "custom"].set_index(["window_start", "metric", "segment"], drop=False)
    assert set(custom["metric"]) == {m["name"] for m in CUSTOM}
    assert {"high_income=true", "high_income=false", "Old=true", "Old=false"} <= set(custom["segment"].dropna())
    assert {"drift", "performance", "custom"} <= set(found[found["segment"] == "high_income=true"]["kind"])
    for day in ("2026-01-02", "2026-01-04"):
        frame = _window_frame(tables, day)
        income = frame["income"].astype(float)
        when = pd.Timestamp(day)
        old = income[(frame["age"] > 40) & frame["region"].isin(["EU", "NA"])]
        for metric, segment, value in (
                ("mean_income", None, income.mean()), ("income_sd", None, income.std()),
                ("old_income", None, old.sum() / len(old)), ("regions", None, frame["region"].nunique()),
                ("log_age", "Old=true", np.log(frame["age"][frame["age"] >= 45].abs() + 1).mean()),
                ("mean_income", "high_income=true", income[income > 50000].mean())):
            row = custom[(custom["window_start"] == when) & (custom["metric"] == metric)
                         & (custom["segment"].isna() if segment is None else custom["segment"] == segment)]
            assert row["value"].item() == pytest.approx(value, rel=1e-9), (metric, segment, day)
