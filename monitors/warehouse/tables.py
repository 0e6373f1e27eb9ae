"""Tables written into a warehouse: the demo's DuckDB file and the seeded test factories'."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def write_duckdb_tables(path: Path, tables: dict[str, pd.DataFrame]) -> str:
    """A new DuckDB file holding the tables, written beside `path` and renamed over it (a reader
    never sees half a warehouse); returns its SQLAlchemy URL."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        for name, frame in tables.items():
            con.register("frame", frame)
            quoted = name.replace('"', '""')
            con.execute(f'CREATE TABLE "{quoted}" AS SELECT * FROM frame')
            con.unregister("frame")
    tmp.replace(path)
    return f"duckdb:///{path}"


def write_sql_tables(url: str, tables: dict[str, pd.DataFrame], schema: str | None = None) -> None:
    """Write the tables through SQLAlchemy (e.g. to a PostgreSQL schema), replacing them."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        for name, frame in tables.items():
            frame.to_sql(name, conn, schema=schema, if_exists="replace", index=False)
    engine.dispose()
