"""Fixtures of the integration tests: the same tables in DuckDB, PostgreSQL and Spark SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitors.config import ModelConfig
from monitors.testing import make_config, write_duckdb_warehouse, write_spark_warehouse, write_sql_warehouse

from .helpers import Build, schema_tables


@pytest.fixture(params=["duckdb", "postgresql", pytest.param("spark", marks=pytest.mark.spark)])
def warehouse(request: pytest.FixtureRequest, home: Path) -> Build:
    """Writes the tables into the database under test; returns the config that reads them
    (make_config's dotted-key overrides pass through)."""
    if request.param == "duckdb":
        def build_duckdb(tables: dict[str, pd.DataFrame], **overrides: Any) -> ModelConfig:
            return make_config(home, write_duckdb_warehouse(home / "warehouse.duckdb", tables), **overrides)
        return build_duckdb
    if request.param == "spark":
        spark: str = request.getfixturevalue("spark_url")

        def build_spark(tables: dict[str, pd.DataFrame], **overrides: Any) -> ModelConfig:
            write_spark_warehouse(spark, tables, home / "parquet")
            return make_config(home, spark, **overrides)
        return build_spark
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")

    def build(tables: dict[str, pd.DataFrame], **overrides: Any) -> ModelConfig:
        write_sql_warehouse(url, tables, schema=schema)
        return make_config(home, url, **{**schema_tables(schema), **overrides})
    return build
