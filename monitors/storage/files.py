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

import hashlib
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
from monitors.storage import remote

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

STALE_TMP_SECONDS = 3600
DECODED_BYTES = 256 * 2**20  # decoded Parquet files kept per process (storage.files.load_table)
# (file, read options): (a hash of the bytes decoded, the table, its size); a file's newest
# version only, so a long run does not pile up the versions it wrote over
_DECODED: dict[tuple[str, str], tuple[bytes, pa.Table, int]] = {}
CAS_ATTEMPTS = 20  # compare-and-set tries before giving up (each loses only to a completed write)


def create_tmp_path(path: Path) -> Path:
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
            remote.write_bytes(path, tmp.read_bytes())
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = create_tmp_path(path)
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
        return path.read_bytes() if isinstance(path, Path) else remote.load_bytes(path)
    except FileNotFoundError:
        return None


def load_text(path: Location) -> str | None:
    """The file's text; None when it is not there."""
    found = load_bytes(path)
    return None if found is None else found.decode("utf-8")


def load_table(path: Location, **kwargs: Any) -> pa.Table | None:
    """A Parquet file (pyarrow.parquet.read_table's keyword arguments); None when it is not there.
    Its bytes are read whole (on disk through one open handle: a writer's rename meanwhile
    leaves the old file whole), then decoded, unless this process decoded the same bytes of the
    same file before (a window's run reads its month's trend several times: storing, alert
    episodes, its message, pages; decoding is the cost, reading the bytes is not)."""
    found = load_bytes(path)
    return None if found is None else decode_table(path, found, **kwargs)


def decode_table(path: Location, data: bytes, **kwargs: Any) -> pa.Table:
    """The Parquet bytes of `path` decoded, or the table this process decoded (or wrote) from the
    same bytes. One version kept per file (the one read last), the least recently read files
    dropped beyond DECODED_BYTES."""
    import pyarrow.parquet as pq

    key, digest = _decoded_key(path, data, kwargs)
    found = _DECODED.get(key)  # _keep moves it to the newest end
    if found is None or found[0] != digest:
        table = pq.read_table(io.BytesIO(data), **kwargs)
        found = (digest, table, table.nbytes)
    _keep(key, found)
    return found[1]


def _decoded_key(path: Location, data: bytes, kwargs: dict[str, Any]) -> tuple[tuple[str, str], bytes]:
    return (str(path), repr(sorted(kwargs.items()))), hashlib.blake2b(data, digest_size=16).digest()


def _keep(key: tuple[str, str], found: tuple[bytes, pa.Table, int]) -> None:
    _DECODED.pop(key, None)
    _DECODED[key] = found  # the newest last
    while len(_DECODED) > 1 and sum(size for _, _, size in _DECODED.values()) > DECODED_BYTES:
        del _DECODED[next(iter(_DECODED))]


def load_frame(path: Location) -> pd.DataFrame | None:
    """A Parquet file as a pandas frame; None when it is not there."""
    table = load_table(path)
    return None if table is None else table.to_pandas()


def load_exists(path: Location) -> bool:
    return path.exists()


def load_names(folder: Location, pattern: str) -> list[Location]:
    """The files below `folder` matching a glob `pattern`, sorted."""
    if not isinstance(folder, Path):
        return list(remote.load_names(folder, pattern))
    return sorted(folder.glob(pattern), key=str)


def load_names_starting(folder: Location, prefix: str, name: str) -> list[Location]:
    """The files called `name` one folder below `folder`, in folders whose name starts with
    `prefix`, sorted: on object storage one listing of the keys starting with it (a glob would
    list every folder below `folder`)."""
    if not isinstance(folder, Path):
        return list(remote.load_names_starting(folder, prefix, name))
    return sorted(folder.glob(f"{prefix}*/{name}"), key=str)


def delete_tree(folder: Location) -> None:
    """A folder and everything in it (nothing when it is not there)."""
    import shutil

    if not isinstance(folder, Path):
        remote.delete_tree(folder)
        return
    shutil.rmtree(folder, ignore_errors=True)


def delete_if_unchanged(path: Location, data: bytes, what: str) -> bool:
    """Delete a file only if it still holds `data` (False, and it is left, when a writer
    replaced it since it was read). Local disk: under the file's lock, so no read-modify-write
    of it is lost; object storage: a DELETE conditional on the ETag of the bytes compared."""
    if isinstance(path, Path):
        with locked(path, what):
            if load_bytes(path) != data:
                return False
            path.unlink()
            return True
    etag = remote.load_etag(path)
    if etag is None or load_bytes(path) != data:
        return False
    return remote.delete_if_unchanged(path, etag)


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
        etag = remote.load_etag(path)
        new = change(load_bytes(path) if etag else None)
        if new is None or remote.write_if_unchanged(path, new, etag):
            return
        time.sleep(random.uniform(0, 0.02 * 2 ** min(attempt, 6)))  # back off: another writer won
    raise StoreError(f"{what}: {path} kept changing during {CAS_ATTEMPTS} attempts to update it")


def update_table(path: Location, change: Callable[[pa.Table | None], pa.Table | None], what: str,
                 schema: pa.Schema | None = None, durable: bool = False) -> None:
    """update_bytes for a Parquet file: `change` gets the current table (read with `schema`). The
    table written is kept as this process's decoding of the bytes written (storage.files.load_table
    of the file then decodes nothing: a window's month files are read again after their update)."""
    import pyarrow.parquet as pq

    if isinstance(path, Path):  # written by pyarrow into the temporary file, as write_table does
        with locked(path, what):
            new = change(load_table(path, schema=schema))
            if new is not None:
                write_table(path, new, durable)
                _keep_written(path, path.read_bytes(), new, schema)  # under the lock: these bytes
        return
    written: list[tuple[bytes, pa.Table]] = []

    def change_bytes(old: bytes | None) -> bytes | None:
        written.clear()  # of an earlier compare-and-set attempt
        new = change(None if old is None else decode_table(path, old, schema=schema))
        if new is None:
            return None
        sink = io.BytesIO()
        pq.write_table(new, sink)
        written.append((sink.getvalue(), new))
        return written[0][0]

    update_bytes(path, change_bytes, what, durable)
    if written:
        _keep_written(path, *written[0], schema)


def _keep_written(path: Location, data: bytes, table: pa.Table, schema: pa.Schema | None) -> None:
    """`table`, just written as `data`, kept as their decoding (when it has the schema a read
    with `schema` gives)."""
    if schema is None or table.schema.equals(schema):
        key, digest = _decoded_key(path, data, {"schema": schema})
        _keep(key, (digest, table, table.nbytes))


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
