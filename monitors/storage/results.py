"""The results store: one Parquet file per (model, window), read through the DuckDB file's view
`monitor_results` (storage.catalog). Writers never open the DuckDB file once the view exists,
so readers holding it open never block a run; a rerun atomically replaces its window's file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.errors import StoreError
from monitors.core.granularity import compute_series_parts
from monitors.core.kinds import reference_of
from monitors.core.location import Location
from monitors.core.measurement import Lifecycle, Measurement
from monitors.core.window import Window, compute_utc
from monitors.storage import alerts, catalog, compaction, episodes, trends
from monitors.storage.files import (
    delete_tree,
    load_exists,
    load_table,
    replace_stale_tmp_files,
    update_table,
)
from monitors.storage.parquet_sql import connect_parquet

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = catalog.COLUMNS
SCHEMA = catalog.results_schema()
LONGEST_WINDOW = timedelta(days=92)  # windows reaching into a later month's file: up to a quarter
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
    model, granularity = compute_series_parts(model)  # a series key: credit_risk@weekly
    records = [
        {"model": model, "granularity": granularity, "window_start": naive_utc(window.start),
         "window_end": naive_utc(window.end), "kind": r.kind, "metric": r.metric,
         "column_name": r.column_name, "segment": r.segment, "value": r.value,
         "threshold": r.threshold, "status": r.status, "run_id": run_id, "computed_at": at,
         "reference": reference_of(r.kind)}
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
    replace_derived(store, model, window, target)
    return target


def replace_derived(store: Location, model: str, window: Window, target: Location) -> None:
    """The state derived from the window's file: its month's trend and the year's digest, its
    month's alert episodes (and later months' when their carry changed). A store written by a
    version that kept one trend file per model is rebuilt once, first."""
    data_dir = store_data_dir(store)
    if load_exists(trends.legacy_trend_file(data_dir, model)):
        rebuild_model(store, model)
        return
    trends.replace_trend(data_dir, model, window, target, SCHEMA)
    start = naive_utc(window.start)
    episodes.replace_episodes(data_dir, model, trends.month_of(start), start)


def replace_rows(store: Location, model: str, window: Window, kinds: Collection[str],
                 rows: Iterable[Measurement], run_id: str) -> bool:
    """Swap the rows of some kinds (e.g. performance, when late labels arrived) in a stored
    window, atomically (compare-and-set: a store racing it loses no rows); a new row of another
    kind (an expected range learned again) replaces the stored row of its kind, metric, column
    and segment. False if the window was never stored."""
    import pyarrow.compute as pc

    rows = list(rows)
    new = results_table(model, window, rows, run_id)
    same = {(r.kind, r.metric, r.column_name, r.segment) for r in rows}
    found: list[bool] = []

    def swap(old: pa.Table | None) -> pa.Table | None:
        if old is None:  # a compacted window: its rows from the month file, into a window file that wins
            old = compaction.load_month_rows(results_folder(store), model, window, SCHEMA)
        found[:] = [old is not None]
        if old is None:
            return None
        keys = zip(*(old[name].to_pylist() for name in ("kind", "metric", "column_name", "segment")),
                   strict=True)
        replaced = pa.array([k in same for k in keys], pa.bool_())
        stale = pc.or_(pc.is_in(old["kind"], pa.array(sorted(kinds))), replaced)
        references = pa.array([reference_of(k) for k in old["kind"].to_pylist()], pa.string())
        old = old.set_column(old.schema.get_field_index("reference"), "reference", references)
        return pa.concat_tables([old.filter(pc.invert(stale)), new])

    target = window_results_file(store, model, window)
    _update_window(model, window, target, swap)
    if not found[0]:
        return False
    replace_derived(store, model, window, target)
    return True


def load_window_rows(store: Location, model: str, window: Window) -> list[Measurement]:
    """The stored rows of one window, from its window file or, once compacted, its month file
    (empty if it was never stored)."""
    found = load_table(window_results_file(store, model, window), columns=list(FIELDS))
    if found is None:
        found = compaction.load_month_rows(results_folder(store), model, window, SCHEMA)
        found = None if found is None else found.select(list(FIELDS))
    return [] if found is None else [Measurement(**record) for record in found.to_pylist()]


def load_windows(store: Location, model: str, ending_after: datetime | None = None) -> list[Window]:
    """The model's stored windows, oldest first, from the trend files; `ending_after` (naive or
    aware UTC): only the months that may hold windows ending after it (a bounded read)."""
    data_dir = store_data_dir(store)
    months = trends.load_months(data_dir, model)
    if ending_after is not None:
        ending_after = compute_utc(ending_after)
        first = trends.month_of(naive_utc(ending_after) - LONGEST_WINDOW)
        months = [m for m in months if m >= first]
    trend = trends.load_recent_trend(data_dir, model, 2**62, months)
    if trend.empty:
        return []
    pairs = trend[["window_start", "window_end"]].drop_duplicates().sort_values("window_start")
    found = [Window(s.to_pydatetime(), e.to_pydatetime()) for s, e in pairs.itertuples(index=False)]
    return found if ending_after is None else [w for w in found if w.end > ending_after]


def load_results(store: Location, model: str | None = None, where: catalog.ResultFilter | None = None,
                 every_series: bool = False) -> pd.DataFrame:
    """What the store holds (for one series, `model` or `<model>@<granularity>`; with
    `every_series` all of its model's; or all; `where` narrows it), read from the Parquet files
    directly so it never waits on the DuckDB file's lock."""
    return catalog.load_results(results_folder(store), model, where, every_series)


def load_open_alerts(store: Location, model: str) -> pd.DataFrame:
    """The model's open alert episodes, from the episodes' state (its last month: bounded)."""
    return episodes.load_episodes(store_data_dir(store), model, open_only=True)


def load_alerts(store: Location, model: str | None = None, open_only: bool = False,
                every_series: bool = False) -> pd.DataFrame:
    """The alert episodes of the stored results (storage.alerts), read from every window file:
    the reference the episodes' state is checked against (`monitors alerts`); `model` a series
    key, `every_series`: all of its model's series."""
    import pandas as pd

    with connect_parquet(results_folder(store)) as stored:
        if stored is None:
            return pd.DataFrame(columns=alerts.ALERT_COLUMNS)
        con, source = stored
        where = None if model is None else catalog.series_where_sql(model)
        if where is not None and every_series:
            where = (where[0][:1], where[1][:1])
        months = catalog.load_months_exist(results_folder(store))
        return alerts.load_alerts(con, catalog.results_select_sql(source, months), where, open_only)


def load_window_lifecycle(store: Location, model: str, window: Window) -> Lifecycle:
    """Where the window's broken rules stand in their alerts' lives (storage.episodes: its
    month's trend and the previous month's carry)."""
    return episodes.load_window_lifecycle(store_data_dir(store), model, naive_utc(window.start))


def rebuild_model(store: Location, model: str) -> None:
    """The model's derived state anew from its window files (`monitors report`; repair): the
    monthly trend files, the digest, the alert episodes' state."""
    data_dir = store_data_dir(store)
    rows = pa.Table.from_pandas(load_results(store, model), schema=SCHEMA, preserve_index=False)
    trends.write_trend(data_dir, model, rows)
    episodes.write_episodes(data_dir, model)
    legacy = trends.legacy_trend_file(data_dir, model)
    if isinstance(legacy, Path):
        legacy.unlink(missing_ok=True)
    elif load_exists(legacy):
        delete_tree(legacy)


def write_compacted(store: Location, model: str, before: str) -> compaction.Compacted:
    """Fold the model's window files of every month before `before` (YYYY-MM) into month files
    (storage.compaction): what the store holds is read the same before and after."""
    if not catalog.replace_catalog(store, results_folder(store), months=True):
        raise StoreError(f"model {model}: cannot compact while another process holds {store} "
                         f"(its view must read month files first): close it and run again")
    return compaction.write_compacted(results_folder(store), model, before)


def load_trend(store: Location, model: str) -> pd.DataFrame:
    """Every month's trend rows."""
    return trends.load_trend(store_data_dir(store), model)


def load_recent_trend(store: Location, model: str, windows: int) -> pd.DataFrame:
    """The trend rows of the model's last `windows` windows."""
    return trends.load_recent_trend(store_data_dir(store), model, windows)


def load_month_trend(store: Location, model: str, month: str) -> pd.DataFrame:
    return trends.load_month(store_data_dir(store), model, month)


def load_digest(store: Location, model: str) -> pd.DataFrame:
    return trends.load_digest(store_data_dir(store), model)
