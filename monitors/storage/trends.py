"""The model's whole-window rows of every window (and its segments' broken rules) in one small
file, for trend charts and counts: the pages read one file whatever the number of windows.
Swapped per window under a lock (windows run in parallel)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.window import Window
from monitors.storage.catalog import compute_empty_results
from monitors.storage.files import load_frame, load_table, locked, write_table

if TYPE_CHECKING:
    import pandas as pd


def compute_trend_file(data_dir: Path, model: str) -> Path:
    return data_dir / "trends" / f"model={model}.parquet"


def replace_trend(data_dir: Path, model: str, window: Window, table: pa.Table) -> None:
    """Swap the window's rows in the trend file (table: the window's file): its whole-window
    rows and its segments' broken ones (pages count them)."""
    import pyarrow.compute as pc

    path = compute_trend_file(data_dir, model)
    whole = table.filter(compute_trend_mask(table))
    with locked(path, f"model {model}"):
        old = load_table(path, schema=table.schema)
        if old is not None:
            start = whole["window_start"].type
            keep = pc.not_equal(old["window_start"], pa.scalar(window.start.replace(tzinfo=None), start))
            whole = pa.concat_tables([old.filter(keep), whole])
        whole = whole.sort_by([("window_start", "ascending")])
        write_table(path, whole)


def compute_trend_mask(table: pa.Table) -> pa.ChunkedArray:
    """The rows the trend file keeps: whole-window rows, and segments' rows that broke a rule."""
    import pyarrow.compute as pc

    return pc.or_kleene(pc.is_null(table["segment"]), pc.equal(table["status"], "alert"))


def load_trend(data_dir: Path, model: str) -> pd.DataFrame:
    found = load_frame(compute_trend_file(data_dir, model))
    return compute_empty_results() if found is None else found
