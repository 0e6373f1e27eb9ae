"""The store's Parquet files as one DuckDB relation: read in place on disk, fetched and registered
as one Arrow table on object storage (DuckDB's httpfs is not needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from monitors.core.location import Location
from monitors.storage import remote
from monitors.storage.files import load_names

if TYPE_CHECKING:
    import duckdb


@contextmanager
def connect_parquet(folder: Location) -> Iterator[tuple[duckdb.DuckDBPyConnection, str] | None]:
    """An in-memory DuckDB connection and the FROM clause reading every Parquet file below
    `folder` (columns unified by name, each row's file in a column `filename`); None when there
    is no file (DuckDB refuses a read over a glob matching nothing). On disk DuckDB reads the
    files itself; on object storage they are fetched concurrently and registered as one Arrow
    table (DuckDB's httpfs is not needed)."""
    import duckdb

    if isinstance(folder, Path):
        if not load_names(folder, "**/*.parquet"):
            yield None
            return
        with duckdb.connect() as con:
            yield con, read_parquet_sql(folder)
        return
    table = remote.load_tables(folder)
    if table is None:
        yield None
        return
    with duckdb.connect() as con:
        con.register("stored_parquet_files", table)
        yield con, "stored_parquet_files"


def read_parquet_sql(folder: Path) -> str:
    """DuckDB's read of every Parquet file below a local folder (its absolute path), with each
    row's file in a column `filename`."""
    pattern = str(folder.resolve() / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{pattern}', union_by_name=true, hive_partitioning=false, filename=true)"
