"""The model's trend, one small file per month (trends/model=<m>/month=YYYY-MM.parquet): every
window's whole-window rows and its segments' judged rows (ok or alert: alert episodes and page
counts need them), so a window rewrites only its month's file whatever the history; and a
digest per year (trends/model=<m>/days/year=YYYY.parquet): per day and series the windows, the
lowest and highest value and the alerts, for the model page's whole-history charts. Both are
swapped per window by compare-and-set (windows run in parallel, on any worker) and rebuilt from
the window files by `monitors report` (storage.results.rebuild_model)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.location import Location
from monitors.core.window import Window
from monitors.storage.catalog import empty_results, results_schema
from monitors.storage.files import load_exists, load_frame, load_names, load_table, update_table, write_table

if TYPE_CHECKING:
    import pandas as pd

DIGEST_SCHEMA = pa.schema([("day", pa.timestamp("us")), ("kind", pa.string()), ("metric", pa.string()),
                           ("column_name", pa.string()), ("windows", pa.int64()), ("alerts", pa.int64()),
                           ("min_value", pa.float64()), ("max_value", pa.float64())])
WINDOWS_KIND = "windows"  # the digest's row per day counting windows (alerts: windows in alert)
TAIL_ROWS = 4096  # a month's tail is folded into its month file when it holds more rows


def trend_dir(data_dir: Location, model: str) -> Location:
    return data_dir / "trends" / f"model={model}"


def month_of(start: datetime) -> str:
    return f"{start:%Y-%m}"


def trend_file(data_dir: Location, model: str, month: str) -> Location:
    return trend_dir(data_dir, model) / f"month={month}.parquet"


def tail_file(data_dir: Location, model: str, month: str) -> Location:
    """The month's windows written since its month file was last rewritten (see replace_trend)."""
    return trend_dir(data_dir, model) / "tail" / f"month={month}.parquet"


def digest_file(data_dir: Location, model: str, year: str) -> Location:
    return trend_dir(data_dir, model) / "days" / f"year={year}.parquet"


def legacy_trend_file(data_dir: Location, model: str) -> Location:
    """Where versions before the monthly trend kept it (one file per model)."""
    return data_dir / "trends" / f"model={model}.parquet"


def trend_mask(table: pa.Table) -> pa.ChunkedArray:
    """The rows the trend keeps: whole-window rows, and segments' judged rows (ok or alert)."""
    import pyarrow.compute as pc

    return pc.or_kleene(pc.is_null(table["segment"]), pc.is_in(table["status"], pa.array(["ok", "alert"])))


def replace_trend(data_dir: Location, model: str, window: Window, window_file: Location,
                  schema: pa.Schema) -> None:
    """Swap the window's rows in its month's trend, as the window's file holds them when the
    swap is written (so of two writers racing on a window, the later swap carries the later
    file), then its day in the year's digest. The month's first window creates the month file;
    later windows go to the month's tail (a rewrite of at most TAIL_ROWS rows, whatever the
    month holds), which is folded into the month file when it grows beyond TAIL_ROWS."""
    start = window.start.replace(tzinfo=None)
    month = month_of(start)

    def window_rows() -> pa.Table | None:
        table = load_table(window_file, schema=schema)
        return None if table is None else table.filter(trend_mask(table))

    created = [False]

    def create(old: pa.Table | None) -> pa.Table | None:
        rows = None if old is not None else window_rows()  # created meanwhile: the tail's turn
        created[0] = rows is not None
        return None if rows is None else rows.sort_by([("window_start", "ascending")])

    what = f"model {model}"
    if not load_exists(trend_file(data_dir, model, month)):
        update_table(trend_file(data_dir, model, month), create, what, schema=schema)
    tail_rows = [0]
    if not created[0]:
        def swap(old: pa.Table | None) -> pa.Table | None:
            rows = window_rows()
            if rows is None:
                return None
            new = rows if old is None else pa.concat_tables([old.filter(other_windows(old, start)), rows])
            tail_rows[0] = new.num_rows
            return new.sort_by([("window_start", "ascending")])

        update_table(tail_file(data_dir, model, month), swap, what, schema=schema)
    if tail_rows[0] > TAIL_ROWS:
        fold_tail(data_dir, model, month, schema)
    replace_digest_day(data_dir, model, start, schema)


def other_windows(table: pa.Table, start: datetime) -> pa.ChunkedArray:
    """The rows of `table` not of the window starting at `start` (naive UTC)."""
    import pyarrow.compute as pc

    return pc.not_equal(table["window_start"], pa.scalar(start, table["window_start"].type))


def fold_tail(data_dir: Location, model: str, month: str, schema: pa.Schema) -> None:
    """The month's tail written into its month file, then the windows folded (unless rewritten
    since) dropped from the tail: the tail's rows win over the month file's at every moment, so
    readers see the same rows before, during and after the fold."""
    folded: list[pa.Table] = []

    def into_month(old: pa.Table | None) -> pa.Table | None:
        tail = load_table(tail_file(data_dir, model, month), schema=schema)  # re-read per attempt
        folded[:] = [] if tail is None else [tail]
        return None if tail is None else month_rows(old, tail)

    def drop_folded(old: pa.Table | None) -> pa.Table | None:
        if old is None or not folded:
            return None
        return old.filter(changed_windows(old, folded[0]))

    update_table(trend_file(data_dir, model, month), into_month, f"model {model}", schema=schema)
    update_table(tail_file(data_dir, model, month), drop_folded, f"model {model}", schema=schema)


def changed_windows(tail: pa.Table, folded: pa.Table) -> pa.ChunkedArray:
    """A mask of the tail's rows whose window's rows differ from those `folded` had."""
    import pyarrow.compute as pc

    def rows_of(table: pa.Table, start: datetime) -> pa.Table:
        return table.filter(pc.invert(other_windows(table, start)))

    starts = pc.unique(tail["window_start"])
    changed = [s for s in starts.to_pylist() if not rows_of(tail, s).equals(rows_of(folded, s))]
    return pc.is_in(tail["window_start"], pa.array(changed, starts.type))


def month_rows(month_file: pa.Table | None, tail: pa.Table | None) -> pa.Table | None:
    """A month's trend rows: its file's, each window the tail holds replaced by the tail's rows
    (sorted by window)."""
    import pyarrow.compute as pc

    if tail is None or tail.num_rows == 0:
        return month_file
    if month_file is None or month_file.num_rows == 0:
        return tail
    kept = month_file.filter(pc.invert(pc.is_in(month_file["window_start"], pc.unique(tail["window_start"]))))
    rows = pa.concat_tables([kept, tail])
    if kept.num_rows and pc.max(kept["window_start"]).as_py() >= pc.min(tail["window_start"]).as_py():
        rows = rows.sort_by([("window_start", "ascending")])  # an earlier window rewritten
    return rows


def load_month_table(data_dir: Location, model: str, month: str) -> pa.Table | None:
    """A month's trend rows, its file's and its tail's (None: no window in the month)."""
    schema = results_schema()
    return month_rows(load_table(trend_file(data_dir, model, month), schema=schema),
                              load_table(tail_file(data_dir, model, month), schema=schema))


def replace_digest_day(data_dir: Location, model: str, start: datetime, schema: pa.Schema) -> None:
    """The window's day in the year's digest, recomputed from the month's rows as they are when
    the digest is written (two windows of a day stored at once: the later write has both)."""
    import pyarrow.compute as pc

    day = start.replace(hour=0, minute=0, second=0, microsecond=0)

    def day_rows() -> pa.Table:
        rows = load_month_table(data_dir, model, month_of(start))
        if rows is None:
            return schema.empty_table()
        moments = rows["window_start"]
        return rows.filter(pc.and_(pc.greater_equal(moments, pa.scalar(day, moments.type)),
                                   pc.less(moments, pa.scalar(day + timedelta(days=1), moments.type))))

    replace_digest_days(data_dir, model, start.strftime("%Y"), day_rows)


def replace_digest_days(data_dir: Location, model: str, year: str,
                        month_rows: Callable[[], pa.Table]) -> None:
    """The year's digest with the days of `month_rows()` (a month's trend, read when the digest is
    written) recomputed."""
    import pyarrow.compute as pc

    def swap(old: pa.Table | None) -> pa.Table:
        days = digest_table(month_rows())
        if old is None or days.num_rows == 0:
            return days if old is None else old
        keep = pc.invert(pc.is_in(old["day"], days["day"].unique()))
        return pa.concat_tables([old.filter(keep), days]).sort_by([("day", "ascending")])

    update_table(digest_file(data_dir, model, year), swap, f"model {model}", schema=DIGEST_SCHEMA)


def digest_table(rows: pa.Table) -> pa.Table:
    """Per day and whole-window series: windows, alerts, lowest and highest value; and per day a
    `windows` row: windows, windows in alert."""
    import duckdb

    con = duckdb.connect()
    con.register("trend", rows)
    series = con.sql(f"""
SELECT date_trunc('day', window_start) AS day, kind, metric, column_name, count(*) AS windows,
  count(*) FILTER (WHERE status = 'alert') AS alerts, min(value) AS min_value, max(value) AS max_value
FROM trend WHERE segment IS NULL GROUP BY ALL
UNION ALL
SELECT day, '{WINDOWS_KIND}', 'status', NULL::VARCHAR, count(*), count(*) FILTER (WHERE alert), NULL::DOUBLE,
  NULL::DOUBLE FROM (
  SELECT date_trunc('day', window_start) AS day, bool_or(status = 'alert') AS alert
  FROM trend GROUP BY window_start) GROUP BY day
ORDER BY ALL""").to_arrow_table()
    con.close()
    return series.cast(DIGEST_SCHEMA)


def load_months(data_dir: Location, model: str) -> list[str]:
    """The months holding windows, oldest first (one listing)."""
    names = load_names(trend_dir(data_dir, model), "month=*.parquet")
    return sorted(n.name.removeprefix("month=").removesuffix(".parquet") for n in names)


def load_month(data_dir: Location, model: str, month: str) -> pd.DataFrame:
    """A month's trend rows (a column added since the file was written reads as null)."""
    found = load_month_table(data_dir, model, month)
    return empty_results() if found is None else found.to_pandas()


def load_month_alerting(data_dir: Location, model: str, month: str, metrics: set[str]) -> pd.DataFrame:
    """A month's judged trend rows (ok or alert) of the metrics that alert in it or are in
    `metrics`: what its alert episodes are walked from, without converting the month's other rows
    (most of a month whose windows rarely alert) to pandas."""
    import pyarrow.compute as pc

    found = load_month_table(data_dir, model, month)
    if found is None:
        return empty_results()
    judged = found.filter(pc.is_in(found["status"], pa.array(["ok", "alert"])))
    alerting = pc.unique(judged.filter(pc.equal(judged["status"], "alert"))["metric"]).to_pylist()
    wanted = pa.array(sorted({*alerting, *metrics} - {None}), pa.string())
    return judged.filter(pc.is_in(judged["metric"], wanted)).to_pandas()


def load_recent_trend(data_dir: Location, model: str, windows: int, months: list[str] | None = None
                      ) -> pd.DataFrame:
    """The trend rows of the last `windows` windows (the newest month files, as many as needed)."""
    import pandas as pd

    frames: list[pd.DataFrame] = []
    count = 0
    for month in reversed(months if months is not None else load_months(data_dir, model)):
        frame = load_month(data_dir, model, month)
        frames.insert(0, frame)
        count += frame["window_start"].nunique()
        if count >= windows:
            break
    if not frames:
        return empty_results()
    trend = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    starts = sorted(trend["window_start"].unique())[-windows:]
    return trend[trend["window_start"] >= starts[0]].reset_index(drop=True) if starts else trend


def load_trend(data_dir: Location, model: str) -> pd.DataFrame:
    """Every month's trend rows (tests, tools; pages read the recent months and the digest)."""
    return load_recent_trend(data_dir, model, 2**62)


def load_digest(data_dir: Location, model: str) -> pd.DataFrame:
    """The whole history's daily digest (one file per year)."""
    import pandas as pd

    names = load_names(trend_dir(data_dir, model) / "days", "year=*.parquet")
    frames = [found for n in names if (found := load_frame(n)) is not None]
    if not frames:
        return DIGEST_SCHEMA.empty_table().to_pandas()
    return pd.concat(frames, ignore_index=True)


def write_trend(data_dir: Location, model: str, rows: pa.Table) -> None:
    """The month files and the digest anew from every stored row of the model (repair)."""
    import pyarrow.compute as pc

    from monitors.storage.files import delete_tree

    delete_tree(trend_dir(data_dir, model))
    kept = rows.filter(trend_mask(rows)).sort_by([("window_start", "ascending")])
    months = pc.strftime(kept["window_start"], format="%Y-%m")
    for month in sorted(set(months.to_pylist())):
        write_table(trend_file(data_dir, model, month), kept.filter(pc.equal(months, month)))
    years = pc.utf8_slice_codeunits(months, 0, 4)
    for year in sorted(set(years.to_pylist())):
        write_table(digest_file(data_dir, model, year), digest_table(kept.filter(pc.equal(years, year))))
