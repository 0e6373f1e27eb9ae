"""The one seam to the bytes: every file of the store and the reports is written whole or not at
all, read whole (None when it is not there), listed, deleted, and updated read-modify-write
without losing a concurrent writer's change. Nothing else in monitors/ opens a file of the
store or the reports.

Local disk: a temporary file beside the target renamed over it; updates under an exclusive
lock (fcntl). Object storage (a UPath, core.location): one whole-object PUT (readers see the
old object or the new one); updates by compare-and-set (If-Match on the ETag read, or
If-None-Match for a new object; retried when another writer won), so any worker on any host
may write: no lock spans hosts, none is needed.
"""

from __future__ import annotations

import io
import os
import random
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors.core.errors import StoreError
from monitors.core.location import Location

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa
    from upath import UPath

STALE_TMP_SECONDS = 3600
CAS_ATTEMPTS = 20  # compare-and-set tries before giving up (each loses only to a completed write)


def compute_tmp_path(path: Path) -> Path:
    """A temporary file beside `path`, named for this host and process (unique per call)."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def replace_file(path: Location, write: Callable[[Path], object], durable: bool = False) -> None:
    """A file written whole or not at all: `write` fills a temporary file beside `path`, which
    is renamed over `path`; readers never see half a file, and a failed write leaves the old
    one. `durable`: fsync the file and its folder before returning (stored results). On object
    storage the temporary file is local scratch, sent in one PUT (durable once acknowledged)."""
    if not isinstance(path, Path):
        with tempfile.TemporaryDirectory(prefix="monitors-") as scratch:
            tmp = Path(scratch) / path.name
            write(tmp)
            path.fs.pipe_file(path.path, tmp.read_bytes())
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = compute_tmp_path(path)
    try:
        write(tmp)
        if durable:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        if durable:
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Location, text: str) -> None:
    """Atomic write: readers (and a web server) never see half a page."""
    replace_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_table(path: Location, table: pa.Table, durable: bool = False) -> None:
    """A Parquet file written whole (pyarrow)."""
    import pyarrow.parquet as pq

    replace_file(path, lambda tmp: pq.write_table(table, tmp), durable)


def write_frame(path: Location, frame: pd.DataFrame) -> None:
    """A Parquet file of a pandas frame, written whole."""
    replace_file(path, lambda tmp: frame.to_parquet(tmp, index=False))


def load_bytes(path: Location) -> bytes | None:
    """The file's bytes; None when it is not there."""
    try:
        return path.read_bytes() if isinstance(path, Path) else path.fs.cat_file(path.path)
    except FileNotFoundError:
        return None


def load_text(path: Location) -> str | None:
    """The file's text; None when it is not there."""
    found = load_bytes(path)
    return None if found is None else found.decode("utf-8")


def load_table(path: Location, **kwargs: Any) -> pa.Table | None:
    """A Parquet file (pyarrow.parquet.read_table's keyword arguments); None when it is not there.
    Read through one open handle: given a path, pyarrow opens the file again after reading its
    footer, and a writer's rename in between made it read the new file's pages with the old
    file's footer ("Page was smaller than expected"); an open handle keeps the old file whole."""
    import pyarrow.parquet as pq

    if not isinstance(path, Path):
        found = load_bytes(path)
        return None if found is None else pq.read_table(io.BytesIO(found), **kwargs)
    try:
        with open(path, "rb") as handle:
            return pq.read_table(handle, **kwargs)
    except FileNotFoundError:
        return None


def load_frame(path: Location) -> pd.DataFrame | None:
    """A Parquet file as a pandas frame; None when it is not there."""
    table = load_table(path)
    return None if table is None else table.to_pandas()


def load_exists(path: Location) -> bool:
    return path.exists()


def load_has_results(results_dir: Location) -> bool:
    """Whether any window file is stored (DuckDB refuses a read over a glob matching nothing)."""
    return bool(load_names(results_dir, "model=*/*.parquet"))


def load_names(folder: Location, pattern: str) -> list[Location]:
    """The files below `folder` matching a glob `pattern`, sorted."""
    return sorted(folder.glob(pattern), key=str)


def delete_tree(folder: Location) -> None:
    """A folder and everything in it (nothing when it is not there)."""
    import shutil

    if not isinstance(folder, Path):
        if folder.exists():
            folder.fs.rm(folder.path, recursive=True)
        return
    shutil.rmtree(folder, ignore_errors=True)


def connect_duckdb(folder: Location) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that reads the files below `folder`: on object storage its
    fsspec filesystem is registered on the connection (DuckDB's httpfs is not needed)."""
    import duckdb

    con = duckdb.connect()
    if not isinstance(folder, Path):
        con.register_filesystem(folder.fs)
    return con


def compute_glob_text(folder: Location, pattern: str) -> str:
    """The glob DuckDB reads: an absolute local path, or the URL."""
    return str((folder.resolve() if isinstance(folder, Path) else folder) / pattern)


def replace_stale_tmp_files(path: Location) -> None:
    """Remove temporary files of `path` left by a process that died (on this host: its pid is
    gone; elsewhere: older than an hour). Object storage has none (writes are whole PUTs)."""
    if not isinstance(path, Path):
        return
    host = socket.gethostname()
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        middle = tmp.name.removeprefix(f".{path.name}.").removesuffix(".tmp")
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


def update_bytes(path: Location, change: Callable[[bytes | None], bytes | None], what: str,
                 durable: bool = False) -> None:
    """Read-modify-write one file without losing a concurrent writer's change: `change` gets the
    current bytes (None: no file) and returns the new ones (None: leave it). Local disk: under
    the file's lock. Object storage: compare-and-set, `change` called again on the newer bytes
    when another writer got in between (so `change` must be a function of its input only)."""
    if isinstance(path, Path):
        with locked(path, what):
            new = change(load_bytes(path))
            if new is not None:
                data = new
                replace_file(path, lambda tmp: tmp.write_bytes(data), durable)
        return
    for attempt in range(CAS_ATTEMPTS):
        etag = load_etag(path)
        new = change(load_bytes(path) if etag else None)
        if new is None or write_if_unchanged(path, new, etag):
            return
        time.sleep(random.uniform(0, 0.02 * 2 ** min(attempt, 6)))  # back off: another writer won
    raise StoreError(f"{what}: {path} kept changing during {CAS_ATTEMPTS} attempts to update it")


def load_etag(path: UPath) -> str | None:
    """The object's ETag, None when it is not there."""
    bucket, key, _ = path.fs.split_path(path.path)
    try:
        return str(path.fs.call_s3("head_object", Bucket=bucket, Key=key)["ETag"])
    except FileNotFoundError:
        return None


def write_if_unchanged(path: UPath, data: bytes, etag: str | None) -> bool:
    """One PUT that succeeds only if the object still has `etag` (None: is still absent);
    False when another writer changed it first (S3 answers 412 or 409)."""
    bucket, key, _ = path.fs.split_path(path.path)
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    try:
        path.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, **condition)
    except OSError as exc:
        code = getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    finally:
        path.fs.invalidate_cache(path.path)
    return True


def update_table(path: Location, change: Callable[[pa.Table | None], pa.Table | None], what: str,
                 schema: pa.Schema | None = None, durable: bool = False) -> None:
    """update_bytes for a Parquet file: `change` gets the current table (read with `schema`)."""
    import pyarrow.parquet as pq

    if isinstance(path, Path):  # written by pyarrow into the temporary file, as write_table does
        with locked(path, what):
            new = change(load_table(path, schema=schema))
            if new is not None:
                write_table(path, new, durable)
        return

    def change_bytes(old: bytes | None) -> bytes | None:
        found = None if old is None else pq.read_table(io.BytesIO(old), schema=schema)
        new = change(found)
        if new is None:
            return None
        sink = io.BytesIO()
        pq.write_table(new, sink)
        return sink.getvalue()

    update_bytes(path, change_bytes, what, durable)


@contextmanager
def locked(path: Path, what: str) -> Iterator[None]:
    """An exclusive lock on `path` (a lock file beside it) for a read-modify-write: two writers
    of the same file never lose each other's rows. `what` names the file in errors."""
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.parent / f".{path.name}.lock", "w")  # noqa: SIM115
    except OSError as exc:
        raise StoreError(f"{what}: cannot write to {path.parent}: {exc.strerror or exc}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
