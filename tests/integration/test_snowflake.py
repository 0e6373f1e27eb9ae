"""Snowflake through fakesnow: the real snowflake-connector-python and snowflake-sqlalchemy
against an emulator of Snowflake's REST API over DuckDB (tests/snowflake_server.py). Tables are
created the Snowflake way: unquoted names fold to UPPER CASE while the YAML names them in lower
case, timestamps are TIMESTAMP_NTZ, integers NUMBER(38,0). What this proves: our statements pass
Snowflake's driver, its SQLAlchemy dialect (quoting, reflection, name folding, types) and a
Snowflake SQL parser; what it does not: Snowflake's own engine (fakesnow runs the SQL on DuckDB,
and treats quoted lower-case names as case-insensitive where Snowflake would not)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml

from monitors import demo
from monitors.cli import main
from monitors.config import load_config
from monitors.storage.results import load_results
from monitors.testing import compute_results_difference, write_snowflake_warehouse
from tests.conftest import Snowflake

from .test_demo import SNAPSHOT
from .test_spark import DEMO_RUN

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_on_snowflake_stores_the_snapshot_rows(home: Path, snowflake: Snowflake) -> None:
    write_snowflake_warehouse(snowflake.url, demo.compute_tables(), home / "parquet", snowflake.connect_args)
    engine = sa.create_engine(snowflake.url, connect_args=snowflake.connect_args)
    with engine.connect() as conn:  # created the Snowflake way: upper case, NTZ, NUMBER(38,0)
        described = {row[0]: row[1] for row in conn.execute(sa.text("DESCRIBE TABLE predictions"))}
    engine.dispose()
    assert described["PREDICTED_AT"].startswith("TIMESTAMP_NTZ") and described["AGE"] == "NUMBER(38,0)"
    config_path = home / "credit_risk.yaml"
    data = yaml.safe_load(demo.CONFIG_YAML)
    config_path.write_text(yaml.safe_dump({**data, "warehouse": snowflake.url,
                                           "warehouse_connect_args": snowflake.connect_args}))
    (home / "expectations").mkdir()
    shutil.copy(REPO / "expectations" / "credit_risk.json", home / "expectations")
    assert main(["run", str(config_path), *DEMO_RUN]) == 1  # the drift and the drop alert
    rows = load_results(load_config(config_path).store_path)
    snapshot = pd.read_parquet(SNAPSHOT)
    expected = snapshot[snapshot["window_start"].isin(pd.date_range("2026-01-30", "2026-02-07", freq="D"))]
    assert rows["window_start"].nunique() == 9 and len(rows) == len(expected) > 1000
    assert compute_results_difference(expected, rows).empty
