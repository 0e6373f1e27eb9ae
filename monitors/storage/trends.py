"""The model's whole-window rows of every window (and its segments' broken rules) in one small
file, for trend charts and counts: the pages read one file whatever the number of windows.
Swapped per window by compare-and-set (windows run in parallel, on any worker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.location import Location
from monitors.core.window import Window
from monitors.storage.catalog import empty_results
from monitors.storage.files import load_frame, load_table, update_table

if TYPE_CHECKING:
    import pandas as pd


def trend_file(data_dir: Location, model: str) -> Location:
    return data_dir / "trends" / f"model={model}.parquet"


def replace_trend(data_dir: Location, model: str, window: Window, window_file: Location,
                  schema: pa.Schema) -> None:
    """Swap the window's rows in the trend file: its whole-window rows and its segments' broken
    ones (pages count them), as the window's file holds them when the swap is written (so of
    two writers racing on a window, the later swap carries the later file)."""
    import pyarrow.compute as pc

    def swap(old: pa.Table | None) -> pa.Table | None:
        table = load_table(window_file, schema=schema)
        if table is None:
            return None
        whole = table.filter(trend_mask(table))
        if old is not None:
            start = whole["window_start"].type
            keep = pc.not_equal(old["window_start"], pa.scalar(window.start.replace(tzinfo=None), start))
            whole = pa.concat_tables([old.filter(keep), whole])
        return whole.sort_by([("window_start", "ascending")])

    update_table(trend_file(data_dir, model), swap, f"model {model}", schema=schema)


def trend_mask(table: pa.Table) -> pa.ChunkedArray:
    """The rows the trend file keeps: whole-window rows, and segments' rows that broke a rule."""
    import pyarrow.compute as pc

    return pc.or_kleene(pc.is_null(table["segment"]), pc.equal(table["status"], "alert"))


def load_trend(data_dir: Location, model: str) -> pd.DataFrame:
    found = load_frame(trend_file(data_dir, model))
    return empty_results() if found is None else found
