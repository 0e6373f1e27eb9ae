"""A DuckDB file of tables (the demo's warehouse, the seeded test factories'), written whole or
not at all through files.replace_file: a reader never sees half a warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitors.storage.files import replace_file

if TYPE_CHECKING:
    import pandas as pd


def write_duckdb_tables(path: Path, tables: dict[str, pd.DataFrame]) -> str:
    """A new DuckDB file at `path` holding the tables; returns its SQLAlchemy URL."""
    import duckdb

    def fill(tmp: Path) -> None:
        with duckdb.connect(str(tmp)) as con:
            for name, frame in tables.items():
                con.register("frame", frame)
                quoted = name.replace('"', '""')
                con.execute(f'CREATE TABLE "{quoted}" AS SELECT * FROM frame')
                con.unregister("frame")

    replace_file(path, fill)
    return f"duckdb:///{path}"
