"""Tables written into a SQL warehouse through SQLAlchemy (the seeded test factories'; a DuckDB
file of tables is written by storage.duckdb_file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def write_sql_tables(url: str, tables: dict[str, pd.DataFrame], schema: str | None = None) -> None:
    """Write the tables through SQLAlchemy (e.g. to a PostgreSQL schema), replacing them."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        for name, frame in tables.items():
            frame.to_sql(name, conn, schema=schema, if_exists="replace", index=False,
                         dtype={c: sa.Numeric(38, 12) for c in _decimal_columns(frame)})
    engine.dispose()


def _decimal_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding decimal.Decimal values: DECIMAL in the warehouse (pandas writes them as text)."""
    from decimal import Decimal

    return [c for c in frame.columns if frame[c].dtype == object
            and isinstance(frame[c].dropna().iloc[0] if frame[c].notna().any() else None, Decimal)]


def write_parquet_tables(url: str, tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Write each table as Parquet under `folder` and (re)declare it in the warehouse as a table
    over those files (Spark SQL: CREATE TABLE ... USING parquet LOCATION). Times are written in
    microseconds, which Spark reads (it rejects DuckDB's nanosecond Parquet timestamps): naive
    ones stay naive (Spark reads them as TIMESTAMP_NTZ), aware ones are instants (TIMESTAMP, i.e.
    TIMESTAMP_LTZ); Decimal objects are Parquet decimals (DECIMAL)."""
    import sqlalchemy as sa

    from monitors.warehouse.dialects import backend_name, dialect_record
    from monitors.warehouse.engine import create_dialect_engine

    engine = create_dialect_engine(url, dialect_record(backend_name(url)))
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect() as conn:
            for i, (name, frame) in enumerate(tables.items()):
                target = folder / f"table_{i}"
                target.mkdir(parents=True, exist_ok=True)
                _write_parquet(frame, target / "part-0.parquet")
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)}"))
                location = str(target).replace("'", "\\'")
                conn.execute(sa.text(f"CREATE TABLE {quote(name)} USING parquet LOCATION '{location}'"))
    finally:
        engine.dispose()


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Times in microseconds (Spark rejects nanosecond Parquet timestamps), naive ones naive."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            times = out[column]
            out[column] = times.astype("datetime64[us, UTC]" if times.dt.tz else "datetime64[us]")
    out.to_parquet(path, index=False)


def _snowflake_type(frame: pd.DataFrame, column: str) -> str:
    series = frame[column]
    if series.dtype.kind == "M":
        return "TIMESTAMP_TZ" if series.dt.tz else "TIMESTAMP_NTZ"
    if column in _decimal_columns(frame):
        return "NUMBER(38,12)"
    return {"i": "NUMBER(38,0)", "u": "NUMBER(38,0)", "f": "FLOAT", "b": "BOOLEAN"}.get(series.dtype.kind,
                                                                                       "VARCHAR")


def write_snowflake_tables(url: str, tables: dict[str, pd.DataFrame], folder: Path,
                           connect_args: dict[str, Any]) -> None:
    """Create the tables the Snowflake way (unquoted names: UPPER CASE; TIMESTAMP_NTZ, NUMBER(38,0)
    integers) in an emulator on this machine (fakesnow), and load them from Parquet files under
    `folder`: an INSERT ... SELECT FROM read_parquet(...), which fakesnow passes to its DuckDB
    (Snowflake would COPY INTO from a stage)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args=connect_args)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with engine.begin() as conn:
            for i, (name, frame) in enumerate(tables.items()):
                path = folder / f"table_{i}.parquet"
                _write_parquet(frame, path)
                columns = ", ".join(frame.columns)
                typed = ", ".join(f"{c} {_snowflake_type(frame, c)}" for c in frame.columns)
                conn.execute(sa.text(f"CREATE OR REPLACE TABLE {name} ({typed})"))
                location = str(path).replace("'", "''")
                conn.execute(sa.text(f"INSERT INTO {name} ({columns}) SELECT {columns} "
                                     f"FROM read_parquet('{location}')"))
    finally:
        engine.dispose()
