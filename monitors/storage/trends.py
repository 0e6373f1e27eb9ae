"""The model's trend, per month (storage.trend_months: the month file and its tail): every
window's whole-window rows and its segments' judged rows (ok or alert: alert episodes and page
counts need them), so a window rewrites a bounded part of its month whatever the history; and
a digest per year (trends/model=<m>/days/year=YYYY.parquet): per day and series the windows,
the lowest and highest value and the alerts, for the model page's whole-history charts. Both are
swapped per window by compare-and-set (windows run in parallel, on any worker) and rebuilt from
the window files by `monitors report` (storage.results.rebuild_model)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.location import Location
from monitors.core.window import Window
from monitors.storage import trend_months
from monitors.storage.catalog import empty_results
from monitors.storage.files import load_frame, load_names, update_table, write_table
from monitors.storage.trend_months import load_month_table, month_of, trend_dir, trend_file, trend_mask

if TYPE_CHECKING:
    import pandas as pd

DIGEST_SCHEMA = pa.schema([("day", pa.timestamp("us")), ("kind", pa.string()), ("metric", pa.string()),
                           ("column_name", pa.string()), ("windows", pa.int64()), ("alerts", pa.int64()),
                           ("min_value", pa.float64()), ("max_value", pa.float64())])
WINDOWS_KIND = "windows"  # the digest's row per day counting windows (alerts: windows in alert)


def digest_file(data_dir: Location, model: str, year: str) -> Location:
    return trend_dir(data_dir, model) / "days" / f"year={year}.parquet"


def legacy_trend_file(data_dir: Location, model: str) -> Location:
    """Where versions before the monthly trend kept it (one file per model)."""
    return data_dir / "trends" / f"model={model}.parquet"


def replace_trend(data_dir: Location, model: str, window: Window, window_file: Location,
                  schema: pa.Schema) -> None:
    """Swap the window's rows in its month's trend (storage.trend_months), then recompute its day
    in the year's digest."""
    trend_months.replace_month_rows(data_dir, model, window, window_file, schema)
    replace_digest_day(data_dir, model, window.start.replace(tzinfo=None), schema)


def replace_digest_day(data_dir: Location, model: str, start: datetime, schema: pa.Schema) -> None:
    """The window's day in the year's digest, recomputed from the month's rows as they are when
    the digest is written (two windows of a day stored at once: the later write has both)."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)

    def day_rows() -> pa.Table:
        rows = load_month_table(data_dir, model, month_of(start), day, day + timedelta(days=1))
        return schema.empty_table() if rows is None else rows

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
    `metrics` (alerting_rows)."""
    return alerting_rows(load_month_table(data_dir, model, month), metrics)


def alerting_rows(rows: pa.Table | None, metrics: set[str]) -> pd.DataFrame:
    """The judged rows (ok or alert) of the metrics that alert in `rows` or are in `metrics`: what
    alert episodes are walked from, without converting the other rows (most of a month whose
    windows rarely alert) to pandas."""
    import pyarrow.compute as pc

    if rows is None:
        return empty_results()
    judged = rows.filter(pc.is_in(rows["status"], pa.array(["ok", "alert"])))
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
