"""A month's trend (storage.trends) is two files: the month file
(trends/model=<m>/month=YYYY-MM.parquet), written by the month's first window and rewritten only
when the tail is folded into it, and its tail (trends/model=<m>/tail/month=YYYY-MM.parquet): the
windows stored since, each window's rows there replacing its rows in the month file. A window
rewrites the tail (at most TAIL_ROWS rows and one window's), not the month (744 hourly windows of
rows at its end), so storing a window costs the same on the month's last day as on its first.
Both files are kept sorted by window; a read merges them."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from monitors.core.location import Location
from monitors.core.window import Window
from monitors.storage.catalog import results_schema
from monitors.storage.files import load_exists, load_table, update_table

TAIL_ROWS = 4096  # a month's tail is folded into its month file when it holds more rows


def trend_dir(data_dir: Location, model: str) -> Location:
    return data_dir / "trends" / f"model={model}"


def month_of(start: datetime) -> str:
    return f"{start:%Y-%m}"


def trend_file(data_dir: Location, model: str, month: str) -> Location:
    return trend_dir(data_dir, model) / f"month={month}.parquet"


def tail_file(data_dir: Location, model: str, month: str) -> Location:
    """The month's windows written since its month file was last rewritten (see replace_month_rows)."""
    return trend_dir(data_dir, model) / "tail" / f"month={month}.parquet"


def trend_mask(table: pa.Table) -> pa.ChunkedArray:
    """The rows the trend keeps: whole-window rows, and segments' judged rows (ok or alert)."""
    import pyarrow.compute as pc

    return pc.or_kleene(pc.is_null(table["segment"]), pc.is_in(table["status"], pa.array(["ok", "alert"])))


def replace_month_rows(data_dir: Location, model: str, window: Window, window_file: Location,
                       schema: pa.Schema) -> None:
    """Swap the window's rows in its month's trend, as the window's file holds them when the
    swap is written (so of two writers racing on a window, the later swap carries the later
    file). The month's first window creates the month file; later windows go to the month's
    tail (a rewrite of at most TAIL_ROWS rows, whatever the month holds), which is folded into
    the month file when it grows beyond TAIL_ROWS."""
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


def load_month_table(data_dir: Location, model: str, month: str, start: datetime | None = None,
                     end: datetime | None = None) -> pa.Table | None:
    """A month's trend rows, its file's and its tail's, read once (None: no window in the month);
    with `start`/`end` (naive UTC) only the windows starting in [start, end), sliced from the
    sorted files rather than filtered row by row."""
    schema = results_schema()
    found = [load_table(path, schema=schema) for path in (trend_file(data_dir, model, month),
                                                          tail_file(data_dir, model, month))]
    return month_rows(*(None if t is None else window_slice(t, start, end) for t in found))


def window_slice(table: pa.Table, start: datetime | None, end: datetime | None) -> pa.Table:
    """The rows of a table sorted by window_start whose window starts in [start, end)."""
    import numpy as np

    if start is None and end is None:
        return table
    moments = table["window_start"].to_numpy()
    low = 0 if start is None else int(np.searchsorted(moments, np.datetime64(start, "us")))
    high = len(moments) if end is None else int(np.searchsorted(moments, np.datetime64(end, "us")))
    return table.slice(low, max(high - low, 0))
