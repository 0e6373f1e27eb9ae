"""A real PostgreSQL warehouse (schema-qualified tables) gives the same stored results as DuckDB."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse, write_sql_warehouse

from .helpers import stored

RUN = ["--start", "2026-01-01", "--end", "2026-01-04", "--no-report", "--as-of", "2026-03-01"]


def test_postgres_and_duckdb_store_the_same_results(home: Path, postgres_url: str,
                                                    postgres_schema: str) -> None:
    tables = make_tables(seed=3, days=3, rows_per_day=800, drift_from_day=2)
    # a duplicate id whose later row must win, on both engines
    later = tables["predictions"].head(50).copy()
    later["predicted_at"] += pd.Timedelta(minutes=5)
    later["score"] = 0.01
    tables["predictions"] = pd.concat([tables["predictions"], later], ignore_index=True)
    write_sql_warehouse(postgres_url, tables, schema=postgres_schema)
    duck_url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)

    pg_home, duck_home = home / "pg", home / "duck"
    pg_home.mkdir()
    duck_home.mkdir()
    pg_config = write_config(pg_home, postgres_url, checks=None, store=str(pg_home / "monitoring.duckdb"),
                             **{"predictions.table": f"{postgres_schema}.predictions",
                                "ground_truth.table": f"{postgres_schema}.outcomes",
                                "baseline.table": f"{postgres_schema}.training_data"})
    duck_config = write_config(duck_home, duck_url, checks=None,
                               store=str(duck_home / "monitoring.duckdb"))
    assert main(["run", str(pg_config), *RUN]) == 1  # day 3 drifts
    assert main(["run", str(duck_config), *RUN]) == 1
    pg_rows, duck_rows = stored(load_config(pg_config)), stored(load_config(duck_config))
    assert len(pg_rows) == len(duck_rows) > 100
    pd.testing.assert_frame_equal(pg_rows, duck_rows, check_exact=False, rtol=1e-9)
    day1 = pg_rows.query("metric == 'row_count'")["value"].tolist()
    assert day1 == [800.0, 800.0, 800.0]


def test_postgres_errors_hide_the_password(home: Path, postgres_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    url = postgres_url.replace("postgres@", "postgres:s3cret-pw@", 1)
    config = write_config(home, url, checks=None, **{"predictions.table": "public.no_such_table"})
    assert main(["run", str(config), *RUN]) == 2
    err = capsys.readouterr().err
    assert "not found in warehouse postgresql+psycopg2://postgres:***@127.0.0.1" in err
    assert "s3cret-pw" not in err
