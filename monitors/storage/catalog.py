"""The DuckDB catalog: the view `monitor_results` over every window file, with explicit column
types. Created once, after the first window file exists (DuckDB refuses a view over a glob that
matches nothing), and re-created after a schema change (CATALOG_VERSION)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from monitors.core.granularity import compute_series_parts
from monitors.core.location import Location
from monitors.storage.alerts import ALERTS_VIEW, alerts_sql
from monitors.storage.files import load_exists, load_names, write_text
from monitors.storage.parquet_sql import connect_parquet, read_parquet_sql

if TYPE_CHECKING:
    import pandas as pd

VIEW = "monitor_results"
CATALOG_VERSION = "3"  # 2: monitor_alerts; 3: reference, granularity, month files
WINDOW_FILE_MARK = "/window_start="  # in a window file's name; month files hold "/month="
COLUMNS = [
    ("model", "VARCHAR", pa.string()),
    ("window_start", "TIMESTAMP", pa.timestamp("us")),
    ("window_end", "TIMESTAMP", pa.timestamp("us")),
    ("kind", "VARCHAR", pa.string()),
    ("metric", "VARCHAR", pa.string()),
    ("column_name", "VARCHAR", pa.string()),
    ("segment", "VARCHAR", pa.string()),
    ("value", "DOUBLE", pa.float64()),
    ("threshold", "DOUBLE", pa.float64()),
    ("status", "VARCHAR", pa.string()),
    ("run_id", "VARCHAR", pa.string()),
    ("computed_at", "TIMESTAMP", pa.timestamp("us")),
    ("reference", "VARCHAR", pa.string()),  # null in files written before it (core.kinds.REFERENCES)
    ("granularity", "VARCHAR", pa.string()),  # null: the primary schedule's series (files before it)
]


def results_schema() -> pa.Schema:
    """The Arrow schema of the stored rows (a file without a later column reads it as null)."""
    return pa.schema([(name, arrow) for name, _, arrow in COLUMNS])


def results_select_sql(source: str, months: bool = True) -> str:
    """Every stored row with the view's column types, from `source` (a FROM clause: the result
    files' read_parquet, or their table registered on the connection, with a column
    `filename`). Unioned by name with an empty row of every column, so a column no file holds
    yet (files written before it) reads as null instead of failing to bind. With `months` (the
    store holds month files), the reading rule of compaction (storage.compaction): a window's
    rows come from its window file when one holds any, else from its month file; so a window
    is read once while a month is being compacted, and a rerun's window file wins over the
    month's rows. Without month files the rule is left out: DuckDB evaluates it by reading
    every file twice."""
    casts = ",\n  ".join(f"CAST({name} AS {sql}) AS {name}" for name, sql, _ in COLUMNS)
    empty = ", ".join(f"CAST(NULL AS {sql}) AS {name}" for name, sql, _ in COLUMNS)
    files = (f"SELECT {empty}, CAST(NULL AS VARCHAR) AS filename WHERE false\n"
             f"  UNION ALL BY NAME SELECT * FROM {source}")
    if not months:
        return f"SELECT\n  {casts}\nFROM ({files})"
    return (f"SELECT\n  {casts}\nFROM (\n"
            f"  SELECT *, coalesce(contains(filename, '{WINDOW_FILE_MARK}'), true) AS from_window_file\n"
            f"  FROM ({files})\n"
            f"  QUALIFY from_window_file OR NOT bool_or(from_window_file) "
            f"OVER (PARTITION BY model, granularity, window_start))")


def load_months_exist(results_dir: Location) -> bool:
    """Whether the store holds month files (`monitors store compact`). On object storage the
    files are read into memory first, where the rule costs little: taken as yes."""
    return not isinstance(results_dir, Path) or bool(load_names(results_dir, "model=*/month=*.parquet"))


def series_where_sql(series: str) -> tuple[list[str], list[Any]]:
    """The rows of one series: credit_risk (the primary schedule's) or credit_risk@weekly."""
    model, granularity = compute_series_parts(series)
    return ["model = ?", "granularity IS NOT DISTINCT FROM ?"], [model, granularity]


def replace_catalog(store: Location, results_dir: Location, months: bool = False) -> bool:
    """Create the views (monitor_results, and monitor_alerts over it) in the DuckDB file once,
    after the first window file exists, and again with compaction's reading rule before the
    first month file is written (`months`). Returns False (and leaves it for the next run) if
    another process holds the file. An object-storage store has no catalog file (DuckDB cannot
    write one there): readers query the files (docs/many-workers.md)."""
    import duckdb

    if not isinstance(store, Path) or not isinstance(results_dir, Path):
        return True
    marker, with_months = (results_dir.parent / f".catalog-v{CATALOG_VERSION}{m}" for m in ("", "-months"))
    if load_exists(store) and (load_exists(with_months) or (load_exists(marker) and not months)):
        return True
    try:
        with duckdb.connect(str(store)) as con:
            con.execute(f"CREATE OR REPLACE VIEW {VIEW} AS "
                        f"{results_select_sql(read_parquet_sql(results_dir), months)}")
            con.execute(f"CREATE OR REPLACE VIEW {ALERTS_VIEW} AS {alerts_sql(VIEW)}")
    except duckdb.IOException:
        return False
    write_text(with_months if months else marker, f"view {VIEW} over {results_dir.resolve()}\n")
    return True


@dataclass(frozen=True)
class ResultFilter:
    """Which stored rows to read: windows starting in [start, end) (naive UTC), kinds, statuses."""

    start: datetime | None = None
    end: datetime | None = None
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def where_sql(self) -> tuple[list[str], list[Any]]:
        conditions: list[str] = []
        params: list[Any] = []
        for sql, value in (("window_start >= ?", self.start), ("window_start < ?", self.end)):
            if value is not None:
                conditions.append(sql)
                params.append(value)
        for column, values in (("kind", self.kinds), ("status", self.statuses)):
            if values:
                conditions.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params += list(values)
        return conditions, params


def empty_results() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype="object") for name, _, _ in COLUMNS})


def load_results(results_dir: Location, series: str | None = None, where: ResultFilter | None = None,
                 every_series: bool = False) -> pd.DataFrame:
    """What the window files hold (for one series: credit_risk or credit_risk@weekly; with
    `every_series` every series of its model; or all; windows starting in [start, end), of the
    given kinds and statuses), read with DuckDB in memory."""
    found = where or ResultFilter()
    conditions, params = found.where_sql()
    if series is not None:
        chosen, values = series_where_sql(series)
        conditions, params = [*chosen[:1 if every_series else 2], *conditions], \
            [*values[:1 if every_series else 2], *params]
    with connect_parquet(results_dir) as stored:
        if stored is None:
            return empty_results()
        con, source = stored
        sql = f"SELECT * FROM ({results_select_sql(source, load_months_exist(results_dir))})"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += (" ORDER BY model, granularity NULLS FIRST, window_start, kind, metric,"
                " column_name NULLS FIRST, segment NULLS FIRST")
        return con.execute(sql, params).df()
