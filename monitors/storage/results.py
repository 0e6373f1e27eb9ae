"""The results store: one Parquet file per (model, window), read through the DuckDB file's view
`monitor_results` (storage.catalog). Writers never open the DuckDB file once the view exists,
so readers holding it open never block a run; a rerun atomically replaces its window's file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from monitors.core.errors import StoreError
from monitors.core.measurement import Lifecycle, Measurement
from monitors.core.window import Window
from monitors.storage import alerts, catalog, trends
from monitors.storage.files import load_table, locked, replace_stale_tmp_files, write_table

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = catalog.COLUMNS
SCHEMA = pa.schema([(name, arrow) for name, _, arrow in COLUMNS])
FIELDS = ("kind", "metric", "value", "threshold", "status", "column_name", "segment")


def compute_data_dir(store: Path) -> Path:
    """monitoring.duckdb -> monitoring/ beside it."""
    return store.parent / store.stem


def compute_results_dir(store: Path) -> Path:
    return compute_data_dir(store) / "results"


def compute_window_file(store: Path, model: str, window: Window) -> Path:
    return compute_results_dir(store) / f"model={model}" / f"window_start={window.key}.parquet"


def compute_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def compute_table(model: str, window: Window, rows: Iterable[Measurement], run_id: str,
                  computed_at: datetime | None = None) -> pa.Table:
    at = compute_naive(computed_at or datetime.now(UTC))
    records = [
        {"model": model, "window_start": compute_naive(window.start),
         "window_end": compute_naive(window.end), "kind": r.kind, "metric": r.metric,
         "column_name": r.column_name, "segment": r.segment, "value": r.value,
         "threshold": r.threshold, "status": r.status, "run_id": run_id, "computed_at": at}
        for r in rows
    ]
    return pa.Table.from_pylist(records, schema=SCHEMA)


def _write_window(model: str, window: Window, target: Path, table: pa.Table) -> None:
    """The window's file replaced durably (fsync), stale temporary files of dead runs removed."""
    try:
        replace_stale_tmp_files(target)
        write_table(target, table, durable=True)
    except OSError as exc:
        raise StoreError(f"model {model}: cannot write results for window {window} to "
                         f"{target}: {exc.strerror or exc}") from None


def replace_window(store: Path, model: str, window: Window, rows: Iterable[Measurement],
                   run_id: str, computed_at: datetime | None = None) -> Path:
    """Write the window's rows to a temp file beside its file, then rename it over the old one:
    readers see the old window or the new one, never a mix."""
    table = compute_table(model, window, rows, run_id, computed_at)
    target = compute_window_file(store, model, window)
    with locked(target, f"model {model}"):
        _write_window(model, window, target, table)
        catalog.replace_catalog(store, compute_results_dir(store))
        trends.replace_trend(compute_data_dir(store), model, window, table)
    return target


def replace_rows(store: Path, model: str, window: Window, kinds: set[str],
                 rows: Iterable[Measurement], run_id: str) -> bool:
    """Swap the rows of some kinds (e.g. performance, when late labels arrived) in a stored
    window, atomically; False if the window was never stored."""
    import pyarrow.compute as pc

    target = compute_window_file(store, model, window)
    with locked(target, f"model {model}"):
        old = load_table(target, schema=SCHEMA)
        if old is None:
            return False
        keep = old.filter(pc.invert(pc.is_in(old["kind"], pa.array(sorted(kinds)))))
        table = pa.concat_tables([keep, compute_table(model, window, rows, run_id)])
        _write_window(model, window, target, table)
        trends.replace_trend(compute_data_dir(store), model, window, table)
    return True


def load_window_rows(store: Path, model: str, window: Window) -> list[Measurement]:
    """The stored rows of one window (empty if it was never stored)."""
    found = load_table(compute_window_file(store, model, window), columns=list(FIELDS))
    return [] if found is None else [Measurement(**record) for record in found.to_pylist()]


def load_windows(store: Path, model: str) -> list[Window]:
    """The model's stored windows, oldest first, from the trend file."""
    trend = trends.load_trend(compute_data_dir(store), model)
    if trend.empty:
        return []
    pairs = trend[["window_start", "window_end"]].drop_duplicates().sort_values("window_start")
    return [Window(s.to_pydatetime(), e.to_pydatetime()) for s, e in pairs.itertuples(index=False)]


def load_results(store: Path, model: str | None = None, where: catalog.ResultFilter | None = None
                 ) -> pd.DataFrame:
    """What the store holds (for one model, or all; `where` narrows it), read from the Parquet
    files directly so it never waits on the DuckDB file's lock."""
    return catalog.load_results(compute_results_dir(store), model, where)


def load_alerts(store: Path, model: str | None = None, open_only: bool = False) -> pd.DataFrame:
    """The alert episodes of the stored results (storage.alerts), read from the Parquet files."""
    results_dir = compute_results_dir(store)
    return alerts.load_alerts(results_dir, catalog.compute_select_sql(results_dir), model, open_only)


def load_window_lifecycle(store: Path, model: str, window: Window) -> Lifecycle:
    """Where the window's broken rules stand in their alerts' lives (storage.alerts)."""
    results_dir = compute_results_dir(store)
    return alerts.load_window_lifecycle(results_dir, catalog.compute_select_sql(results_dir), model,
                                        compute_naive(window.start))


def replace_trend_from_results(store: Path, model: str) -> None:
    """The trend file anew from the window files (`monitors report`)."""
    results = load_results(store, model)
    table = pa.Table.from_pandas(results, schema=SCHEMA, preserve_index=False)
    write_table(trends.compute_trend_file(compute_data_dir(store), model),
                table.filter(trends.compute_trend_mask(table)))


def load_trend(store: Path, model: str) -> pd.DataFrame:
    return trends.load_trend(compute_data_dir(store), model)
