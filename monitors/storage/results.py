"""The results store: one Parquet file per (model, window), read through the DuckDB file's view
`monitor_results` (storage.catalog). Writers never open the DuckDB file once the view exists,
so readers holding it open never block a run; a rerun atomically replaces its window's file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.errors import StoreError
from monitors.core.location import Location
from monitors.core.measurement import Lifecycle, Measurement
from monitors.core.window import Window
from monitors.storage import alerts, catalog, trends
from monitors.storage.files import (
    connect_parquet,
    load_table,
    replace_stale_tmp_files,
    update_table,
    write_table,
)

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = catalog.COLUMNS
SCHEMA = pa.schema([(name, arrow) for name, _, arrow in COLUMNS])
FIELDS = ("kind", "metric", "value", "threshold", "status", "column_name", "segment")


def store_data_dir(store: Location) -> Location:
    """monitoring.duckdb -> monitoring/ beside it; an object-storage store is the folder itself."""
    return store.parent / store.stem if isinstance(store, Path) else store


def results_folder(store: Location) -> Location:
    return store_data_dir(store) / "results"


def window_results_file(store: Location, model: str, window: Window) -> Location:
    return results_folder(store) / f"model={model}" / f"window_start={window.key}.parquet"


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def results_table(model: str, window: Window, rows: Iterable[Measurement], run_id: str,
                  computed_at: datetime | None = None) -> pa.Table:
    at = naive_utc(computed_at or datetime.now(UTC))
    records = [
        {"model": model, "window_start": naive_utc(window.start),
         "window_end": naive_utc(window.end), "kind": r.kind, "metric": r.metric,
         "column_name": r.column_name, "segment": r.segment, "value": r.value,
         "threshold": r.threshold, "status": r.status, "run_id": run_id, "computed_at": at}
        for r in rows
    ]
    return pa.Table.from_pylist(records, schema=SCHEMA)


def _update_window(model: str, window: Window, target: Location,
                   change: Callable[[pa.Table | None], pa.Table | None]) -> None:
    """The window's file updated durably (fsync; on object storage a conditional PUT), stale
    temporary files of dead runs removed."""
    try:
        replace_stale_tmp_files(target)
        update_table(target, change, f"model {model}", schema=SCHEMA, durable=True)
    except OSError as exc:
        raise StoreError(f"model {model}: cannot write results for window {window} to "
                         f"{target}: {exc.strerror or exc}") from None


def replace_window(store: Location, model: str, window: Window, rows: Iterable[Measurement],
                   run_id: str, computed_at: datetime | None = None) -> Location:
    """Replace the window's file whole (a temp file renamed over it, or one PUT): readers see
    the old window or the new one, never a mix; a late-label update racing it is redone on it."""
    table = results_table(model, window, rows, run_id, computed_at)
    target = window_results_file(store, model, window)
    _update_window(model, window, target, lambda _old: table)
    catalog.replace_catalog(store, results_folder(store))
    trends.replace_trend(store_data_dir(store), model, window, target, SCHEMA)
    return target


def replace_rows(store: Location, model: str, window: Window, kinds: Collection[str],
                 rows: Iterable[Measurement], run_id: str) -> bool:
    """Swap the rows of some kinds (e.g. performance, when late labels arrived) in a stored
    window, atomically (compare-and-set: a store racing it loses no rows); False if the window
    was never stored."""
    import pyarrow.compute as pc

    new = results_table(model, window, rows, run_id)
    found: list[bool] = []

    def swap(old: pa.Table | None) -> pa.Table | None:
        found[:] = [old is not None]
        if old is None:
            return None
        keep = old.filter(pc.invert(pc.is_in(old["kind"], pa.array(sorted(kinds)))))
        return pa.concat_tables([keep, new])

    target = window_results_file(store, model, window)
    _update_window(model, window, target, swap)
    if not found[0]:
        return False
    trends.replace_trend(store_data_dir(store), model, window, target, SCHEMA)
    return True


def load_window_rows(store: Location, model: str, window: Window) -> list[Measurement]:
    """The stored rows of one window (empty if it was never stored)."""
    found = load_table(window_results_file(store, model, window), columns=list(FIELDS))
    return [] if found is None else [Measurement(**record) for record in found.to_pylist()]


def load_windows(store: Location, model: str) -> list[Window]:
    """The model's stored windows, oldest first, from the trend file."""
    trend = trends.load_trend(store_data_dir(store), model)
    if trend.empty:
        return []
    pairs = trend[["window_start", "window_end"]].drop_duplicates().sort_values("window_start")
    return [Window(s.to_pydatetime(), e.to_pydatetime()) for s, e in pairs.itertuples(index=False)]


def load_results(store: Location, model: str | None = None, where: catalog.ResultFilter | None = None
                 ) -> pd.DataFrame:
    """What the store holds (for one model, or all; `where` narrows it), read from the Parquet
    files directly so it never waits on the DuckDB file's lock."""
    return catalog.load_results(results_folder(store), model, where)


def load_alerts(store: Location, model: str | None = None, open_only: bool = False) -> pd.DataFrame:
    """The alert episodes of the stored results (storage.alerts), read from the Parquet files."""
    import pandas as pd

    with connect_parquet(results_folder(store)) as stored:
        if stored is None:
            return pd.DataFrame(columns=alerts.ALERT_COLUMNS)
        con, source = stored
        return alerts.load_alerts(con, catalog.results_select_sql(source), model, open_only)


def load_window_lifecycle(store: Location, model: str, window: Window) -> Lifecycle:
    """Where the window's broken rules stand in their alerts' lives (storage.alerts)."""
    with connect_parquet(results_folder(store)) as stored:
        if stored is None:
            return Lifecycle()
        con, source = stored
        return alerts.load_window_lifecycle(con, catalog.results_select_sql(source), model,
                                            naive_utc(window.start))


def replace_trend_from_results(store: Location, model: str) -> None:
    """The trend file anew from the window files (`monitors report`)."""
    results = load_results(store, model)
    table = pa.Table.from_pandas(results, schema=SCHEMA, preserve_index=False)
    write_table(trends.trend_file(store_data_dir(store), model),
                table.filter(trends.trend_mask(table)))


def load_trend(store: Location, model: str) -> pd.DataFrame:
    return trends.load_trend(store_data_dir(store), model)
