"""Compaction: a complete past month's window files of a model folded into one month file,
results/model=<m>/month=<YYYY-MM>.parquet, so a read of every stored row (the view, `monitors
results`, the repair) opens one file per month instead of up to 744.

The month file is written whole (a temporary file renamed over it, or one conditional PUT)
BEFORE a window file is deleted, and a window file is deleted only if it still holds the rows
folded. The reading rule (storage.catalog.results_select_sql): a window's rows come from its
window file when it has one, else from its month file. So a reader never sees a window twice
or not at all, and a later rerun of a compacted window (a backfill, late labels) writes a
window file again, which wins; the next compaction folds it in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.location import Location
from monitors.storage.files import delete_if_unchanged, load_bytes, load_names, load_table, update_table

if TYPE_CHECKING:
    from monitors.core.window import Window

WINDOW_PREFIX = "window_start="
MONTH_PREFIX = "month="


def month_results_file(results_dir: Location, model: str, month: str) -> Location:
    return results_dir / f"model={model}" / f"{MONTH_PREFIX}{month}.parquet"


def month_of_window_file(path: Location) -> str:
    """`window_start=2026-01-03T00:00:00Z.parquet` -> `2026-01` (the window's start month, UTC)."""
    return path.name.removeprefix(WINDOW_PREFIX)[:7]


def window_start_of_file(path: Location) -> datetime:
    key = path.name.removeprefix(WINDOW_PREFIX).removesuffix(".parquet")
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ")


def load_month_rows(results_dir: Location, model: str, window: Window,
                    schema: pa.Schema | None = None) -> pa.Table | None:
    """The rows of one window in its month file (None when the month was never compacted or
    does not hold the window); with `schema`, its columns by name (missing ones null)."""
    import pyarrow.compute as pc

    start = window.start.astimezone(UTC).replace(tzinfo=None)
    found = load_table(month_results_file(results_dir, model, start.strftime("%Y-%m")))
    if found is None:
        return None
    rows = found.filter(pc.equal(found["window_start"], pa.scalar(start, pa.timestamp("us"))))
    if not rows.num_rows:
        return None
    if schema is None:
        return rows
    return pa.Table.from_arrays(
        [rows[f.name].cast(f.type) if f.name in rows.column_names else pa.nulls(rows.num_rows, f.type)
         for f in schema], schema=schema)


@dataclass
class Compacted:
    """What a compaction did: months written, window files folded and deleted, and window
    files left because a writer replaced them meanwhile (they win; the next compaction folds them)."""

    months: int = 0
    folded: int = 0
    left: int = 0


def write_compacted(results_dir: Location, model: str, before: str) -> Compacted:
    """Fold every month before `before` (YYYY-MM) of the model's window files into its month
    file; the window files folded are deleted afterwards."""
    done = Compacted()
    by_month: dict[str, list[Location]] = {}
    for path in load_names(results_dir / f"model={model}", f"{WINDOW_PREFIX}*.parquet"):
        if month_of_window_file(path) < before:
            by_month.setdefault(month_of_window_file(path), []).append(path)
    for month, paths in sorted(by_month.items()):
        folded = write_month(results_dir, model, month, paths)
        done.months += 1
        for path, data in folded.items():
            if delete_if_unchanged(path, data, f"model {model}"):
                done.folded += 1
            else:
                done.left += 1
    return done


def write_month(results_dir: Location, model: str, month: str, paths: list[Location]
                ) -> dict[Location, bytes]:
    """The month file rewritten with the window files' rows replacing its rows of those
    windows (columns unified by name); returns the bytes folded per window file."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folded: dict[Location, bytes] = {}
    tables = []
    for path in paths:
        data = load_bytes(path)
        if data is not None:
            folded[path] = data
            tables.append(pq.read_table(io.BytesIO(data)))
    starts = pa.array([window_start_of_file(p) for p in folded], pa.timestamp("us"))

    def fold(old: pa.Table | None) -> pa.Table:
        kept = [] if old is None else [old.filter(pc.invert(pc.is_in(old["window_start"], starts)))]
        rows = pa.concat_tables(kept + tables, promote_options="default")
        return rows.sort_by([("window_start", "ascending")])

    update_table(month_results_file(results_dir, model, month), fold, f"model {model}", durable=True)
    return folded
