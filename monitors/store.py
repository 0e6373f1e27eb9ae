"""The results store: one Parquet file per (model, window), read through the DuckDB file's view
`monitor_results`. Writers never open the DuckDB file once the view exists, so readers holding
it open never block a run; a rerun atomically replaces its window's file (os.replace).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from monitors.errors import MonitorsError
from monitors.measurement import Measurement
from monitors.window import Window

if TYPE_CHECKING:
    import pandas as pd

VIEW = "monitor_results"
CATALOG_VERSION = "1"
STALE_TMP_SECONDS = 3600
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
]
SCHEMA = pa.schema([(name, arrow) for name, _, arrow in COLUMNS])


class StoreError(MonitorsError):
    """The store cannot be written or read; the message names the path."""


def compute_data_dir(store: Path) -> Path:
    """monitoring.duckdb -> monitoring/ beside it."""
    return store.parent / store.stem


def compute_results_dir(store: Path) -> Path:
    return compute_data_dir(store) / "results"


def compute_window_file(store: Path, model: str, window: Window) -> Path:
    return compute_results_dir(store) / f"model={model}" / f"window_start={window.key}.parquet"


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def compute_table(model: str, window: Window, rows: Iterable[Measurement], run_id: str,
                  computed_at: datetime | None = None) -> pa.Table:
    at = _naive(computed_at or datetime.now(UTC))
    records = [
        {"model": model, "window_start": _naive(window.start), "window_end": _naive(window.end),
         "kind": r.kind, "metric": r.metric, "column_name": r.column_name, "segment": r.segment,
         "value": r.value, "threshold": r.threshold, "status": r.status, "run_id": run_id,
         "computed_at": at}
        for r in rows
    ]
    return pa.Table.from_pylist(records, schema=SCHEMA)


def replace_file(path: Path, write: Callable[[Path], object]) -> None:
    """A file written whole or not at all: `write` fills a temporary file beside `path` (named
    for this process, unique per call), which is renamed over `path`; readers never see half a
    file, and a failed write leaves the old one. (Window files add fsync and stale-file cleanup:
    see _write_atomically.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale(folder: Path, name: str) -> None:
    """Temporary files of this window left by a run that died."""
    host = socket.gethostname()
    for tmp in folder.glob(f".{name}.*.tmp"):
        middle = tmp.name.removeprefix(f".{name}.").removesuffix(".tmp")
        try:
            tmp_host, pid_text, _ = middle.rsplit(".", 2)
            pid = int(pid_text)
        except ValueError:
            continue
        dead = False
        if tmp_host == host:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                dead = True
            except PermissionError:
                pass
        try:
            if dead or time.time() - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()
        except FileNotFoundError:
            pass


def _locked(target: Path) -> IO[str]:
    """An exclusive lock on one window's file (released when the handle closes): a run writing
    the window and another refreshing its labels never lose each other's rows."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    handle = open(target.parent / f".{target.name}.lock", "w")  # noqa: SIM115
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _write_atomically(model: str, window: Window, target: Path, table: pa.Table) -> None:
    folder = target.parent
    try:
        _remove_stale(folder, target.name)
        tmp = folder / f".{target.name}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        pq.write_table(table, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise StoreError(f"model {model}: cannot write results for window {window} to "
                         f"{target}: {exc.strerror or exc}") from None


def replace_window(store: Path, model: str, window: Window, rows: Iterable[Measurement],
                   run_id: str, computed_at: datetime | None = None) -> Path:
    """Write the window's rows to a temp file beside its file, then rename it over the old one:
    readers see the old window or the new one, never a mix."""
    table = compute_table(model, window, rows, run_id, computed_at)
    target = compute_window_file(store, model, window)
    try:
        lock = _locked(target)
    except OSError as exc:
        raise StoreError(f"model {model}: cannot write to {target.parent}: {exc.strerror or exc}") from None
    with lock:
        _write_atomically(model, window, target, table)
        ensure_catalog(store)
        replace_trend(store, model, window, table)
    return target


def replace_rows(store: Path, model: str, window: Window, kinds: set[str],
                 rows: Iterable[Measurement], run_id: str) -> bool:
    """Swap the rows of some kinds (e.g. performance, when late labels arrived) in a stored
    window, atomically; False if the window was never stored."""
    import pyarrow.compute as pc

    target = compute_window_file(store, model, window)
    if not target.exists():
        return False
    with _locked(target):
        if not target.exists():
            return False
        old = pq.read_table(target, schema=SCHEMA)
        keep = old.filter(pc.invert(pc.is_in(old["kind"], pa.array(sorted(kinds)))))
        table = pa.concat_tables([keep, compute_table(model, window, rows, run_id)])
        _write_atomically(model, window, target, table)
        replace_trend(store, model, window, table)
    return True


def load_windows(store: Path, model: str) -> list[Window]:
    """The model's stored windows, oldest first, from the trend file."""
    trend = load_trend(store, model)
    if trend.empty:
        return []
    pairs = trend[["window_start", "window_end"]].drop_duplicates().sort_values("window_start")
    return [Window(s.to_pydatetime(), e.to_pydatetime()) for s, e in pairs.itertuples(index=False)]


def compute_trend_file(store: Path, model: str) -> Path:
    """The model's whole-window rows of every window in one small file, for trend charts: the
    pages then read one file, whatever the number of windows."""
    return compute_data_dir(store) / "trends" / f"model={model}.parquet"


def replace_trend(store: Path, model: str, window: Window, table: pa.Table) -> None:
    """Swap the window's rows in the trend file (under a lock: windows run in parallel)."""
    import fcntl

    import pyarrow.compute as pc

    path = compute_trend_file(store, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    whole = table.filter(pc.is_null(table["segment"]))
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            old = pq.read_table(path, schema=SCHEMA)
            keep = pc.not_equal(old["window_start"], pa.scalar(_naive(window.start), pa.timestamp("us")))
            whole = pa.concat_tables([old.filter(keep), whole])
        whole = whole.sort_by([("window_start", "ascending")])
        replace_file(path, lambda tmp: pq.write_table(whole, tmp))


def rebuild_trend(store: Path, model: str) -> None:
    """The trend file anew from the window files (`monitors report`)."""
    results = load_results(store, model)
    table = pa.Table.from_pandas(results[results["segment"].isna()], schema=SCHEMA,
                                 preserve_index=False)
    replace_file(compute_trend_file(store, model), lambda tmp: pq.write_table(table, tmp))


def load_window_rows(store: Path, model: str, window: Window) -> list[Measurement]:
    """The stored rows of one window (empty if it was never stored)."""
    path = compute_window_file(store, model, window)
    if not path.exists():
        return []
    fields = ("kind", "metric", "value", "threshold", "status", "column_name", "segment")
    return [Measurement(**record) for record in pq.read_table(path, columns=list(fields)).to_pylist()]


def _empty_results() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype="object") for name, _, _ in COLUMNS})


def load_trend(store: Path, model: str) -> pd.DataFrame:
    path = compute_trend_file(store, model)
    if not path.exists():
        return _empty_results()
    return pq.read_table(path).to_pandas()


def compute_select_sql(results_dir: Path) -> str:
    pattern = str(results_dir.resolve() / "**" / "*.parquet").replace("'", "''")
    casts = ",\n  ".join(f"CAST({name} AS {sql}) AS {name}" for name, sql, _ in COLUMNS)
    return (f"SELECT\n  {casts}\nFROM read_parquet('{pattern}', union_by_name=true, "
            f"hive_partitioning=false)")


def ensure_catalog(store: Path) -> bool:
    """Create the view in the DuckDB file once, after the first window file exists. Returns
    False (and leaves it for the next run) if another process holds the file."""
    import duckdb

    marker = compute_data_dir(store) / f".catalog-v{CATALOG_VERSION}"
    if marker.exists() and store.exists():
        return True
    try:
        with duckdb.connect(str(store)) as con:
            con.execute(f"CREATE OR REPLACE VIEW {VIEW} AS {compute_select_sql(compute_results_dir(store))}")
    except duckdb.IOException:
        return False
    marker.write_text(f"view {VIEW} over {compute_results_dir(store).resolve()}\n")
    return True


def load_results(store: Path, model: str | None = None) -> pd.DataFrame:
    """What the store holds (for one model, or all), read from the Parquet files directly so it
    never waits on the DuckDB file's lock."""
    import duckdb

    results = compute_results_dir(store)
    if not any(results.glob("model=*/*.parquet")):
        return _empty_results()
    sql = compute_select_sql(results)
    params: list[str] = []
    if model is not None:
        sql = f"SELECT * FROM ({sql}) WHERE model = ?"
        params.append(model)
    sql += " ORDER BY model, window_start, kind, metric, column_name NULLS FIRST, segment NULLS FIRST"
    with duckdb.connect() as con:
        return con.execute(sql, params).df()
