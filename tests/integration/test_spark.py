"""Spark SQL through its Thrift server (hive://, PyHive) stores what DuckDB stores: the demo's
windows around its drift and drop (the snapshot's rows), repeated ids, hostile names. PyHive binds
parameters in the client and Spark's GROUPING takes one argument: both come from the dialect's
record (warehouse/dialects.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from monitors import demo
from monitors.cli import main
from monitors.config import load_config
from monitors.storage.results import load_results
from monitors.testing import (
    compute_results_difference,
    make_tables,
    write_config,
    write_duckdb_warehouse,
    write_spark_warehouse,
)

from .helpers import stored, write_suite_for
from .test_demo import SNAPSHOT
from .test_reliability import HOSTILE, HOSTILE_COLUMNS, _hostile, _hostile_overrides

pytestmark = [pytest.mark.spark, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
# the demo's windows from two days before its drift (2026-02-01) to past its drop (2026-02-05)
DEMO_RUN = ["--start", "2026-01-30", "--end", "2026-02-08", "--as-of", "2026-03-02", "--no-report"]


def test_the_demo_on_spark_stores_the_snapshot_rows(home: Path, spark_url: str) -> None:
    write_spark_warehouse(spark_url, demo.compute_tables(), home / "parquet")
    config_path = home / "credit_risk.yaml"
    data = yaml.safe_load(demo.CONFIG_YAML)
    config_path.write_text(yaml.safe_dump({**data, "warehouse": spark_url}))
    (home / "expectations").mkdir()
    shutil.copy(REPO / "expectations" / "credit_risk.json", home / "expectations")
    assert main(["run", str(config_path), *DEMO_RUN]) == 1  # the drift and the drop alert
    rows = load_results(load_config(config_path).store_path)
    snapshot = pd.read_parquet(SNAPSHOT)
    starts = pd.date_range("2026-01-30", "2026-02-07", freq="D")
    expected = snapshot[snapshot["window_start"].isin(starts)]
    assert rows["window_start"].nunique() == 9 and len(rows) == len(expected) > 1000
    assert set(rows["kind"]) == set(expected["kind"]) >= {"drift", "performance", "data_quality", "schema"}
    assert compute_results_difference(expected, rows).empty


def test_repeated_ids_nan_and_checks_on_spark_store_what_duckdb_stores(home: Path, spark_url: str) -> None:
    """NaN and infinities are written as SQL, not bound (PyHive would send a bare `nan`): they
    land in the same slots, shares and checks as on DuckDB."""
    tables = make_tables(seed=3, days=3, rows_per_day=800, drift_from_day=2)
    p = tables["predictions"]
    p.loc[:79, "score"] = np.nan
    p.loc[80:99, "score"] = np.inf
    p.loc[100:119, "income"] = -np.inf
    p.loc[120:159, "income"] = np.nan
    later = tables["predictions"].head(50).copy()  # a rescored prediction: the later row wins
    later["predicted_at"] += pd.Timedelta(minutes=5)
    later["score"] = 0.01
    tables["predictions"] = pd.concat([tables["predictions"], later], ignore_index=True)
    write_spark_warehouse(spark_url, tables, home / "parquet")
    duck_url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    spark = write_config(home, spark_url, name="spark.yaml", store="spark.duckdb")
    duck = write_config(home, duck_url, name="duck.yaml", store="duck.duckdb")
    write_suite_for(load_config(duck))
    run = ["--start", "2026-01-01", "--end", "2026-01-04", "--no-report", "--as-of", "2026-03-01"]
    assert main(["run", str(spark), *run]) == 1  # day 3 drifts
    assert main(["run", str(duck), *run]) == 1
    spark_rows, duck_rows = stored(load_config(spark)), stored(load_config(duck))
    assert len(spark_rows) == len(duck_rows) > 100
    assert "data_quality" in set(spark_rows["kind"])
    pd.testing.assert_frame_equal(spark_rows, duck_rows, check_exact=False, rtol=1e-9)
    assert spark_rows.query("metric == 'row_count'")["value"].tolist() == [800.0, 800.0, 800.0]
    day1 = spark_rows[(spark_rows["window_start"] == spark_rows["window_start"].min()) & spark_rows["segment"].isna()]

    def share(metric: str, column: str) -> float:
        return float(day1.query("metric == @metric and column_name == @column")["value"].item())
    # the first 50 ids were rescored (finite): 30 NaN and 20 inf scores remain
    assert share("non_finite_share", "score") == pytest.approx(50 / 800)
    assert share("expect_column_values_to_not_be_null", "score") == pytest.approx(30 / 800)
    assert share("expect_column_values_to_not_be_null", "income") == pytest.approx(40 / 800)


def test_hostile_names_on_spark_store_what_duckdb_stores(home: Path, spark_url: str) -> None:
    """Hostile column names; table names plain (Spark's catalog takes only letters, digits and _)."""
    hostile = _hostile(make_tables(seed=6, days=1, rows_per_day=1200))
    plain = {HOSTILE[name]: name for name in HOSTILE}
    tables = {plain.get(name, name): frame for name, frame in hostile.items()}
    write_spark_warehouse(spark_url, tables, home / "parquet")
    duck = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    overrides = {**_hostile_overrides(), "predictions.table": "predictions", "ground_truth.table": "outcomes",
                 "baseline.table": "training_data"}
    spark = write_config(home, spark_url, name="spark.yaml", checks=None, store="spark.duckdb", **overrides)
    dk = write_config(home, duck, name="duck.yaml", checks=None, store="duck.duckdb", **overrides)
    day = ["--start", "2026-01-01", "--end", "2026-01-02", "--as-of", "2026-03-01"]
    assert main(["run", str(spark), *day]) == 0  # with its report: the baseline sample's md5
    assert main(["run", str(dk), *day, "--no-report"]) == 0
    spark_rows = stored(load_config(spark))
    assert set(HOSTILE_COLUMNS.values()) - {HOSTILE_COLUMNS["prediction_id"]} <= set(spark_rows["column_name"])
    pd.testing.assert_frame_equal(spark_rows, stored(load_config(dk)), check_exact=False, rtol=1e-9)
    attack = write_config(home, spark_url, name="attack.yaml", checks=None,
                          **{**overrides, "predictions.table": "victim; DROP TABLE victim"})
    assert main(["run", str(attack), *day, "--no-report"]) == 2
    import sqlalchemy as sa
    engine = sa.create_engine(spark_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from victim")).scalar() == 3
    engine.dispose()
