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


def write_parquet_tables(url: str, tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Write each table as Parquet under `folder` and (re)declare it in the warehouse as a table
    over those files (Spark SQL: CREATE TABLE ... USING parquet LOCATION). Times are written in
    microseconds, which Spark reads (it rejects DuckDB's nanosecond Parquet timestamps)."""
    import pandas as pd
    import sqlalchemy as sa

    from monitors.warehouse.dialects import compute_backend, compute_dialect
    from monitors.warehouse.engine import create_dialect_engine

    engine = create_dialect_engine(url, compute_dialect(compute_backend(url)))
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect() as conn:
            for i, (name, frame) in enumerate(tables.items()):
                target = folder / f"table_{i}"
                target.mkdir(parents=True, exist_ok=True)
                out = frame.copy()
                for column in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[column]):
                        times = out[column]  # naive times are UTC: Spark's TIMESTAMP, not TIMESTAMP_NTZ
                        out[column] = (times if times.dt.tz else times.dt.tz_localize("UTC")).astype(
                            "datetime64[us, UTC]")
                out.to_parquet(target / "part-0.parquet", index=False)
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)}"))
                location = str(target).replace("'", "\\'")
                conn.execute(sa.text(f"CREATE TABLE {quote(name)} USING parquet LOCATION '{location}'"))
    finally:
        engine.dispose()
