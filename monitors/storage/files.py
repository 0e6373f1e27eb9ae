"""The one seam to the bytes: every file of the store and the reports is written whole or not at
all (a temporary file beside it, renamed over it), read whole (None when it is not there),
listed, deleted, and updated under an exclusive lock. Local disk today; object storage is
another implementation of these few functions (nothing else in monitors/ opens a file of the
store or the reports).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors.core.errors import StoreError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

STALE_TMP_SECONDS = 3600


def compute_tmp_path(path: Path) -> Path:
    """A temporary file beside `path`, named for this host and process (unique per call)."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def replace_file(path: Path, write: Callable[[Path], object], durable: bool = False) -> None:
    """A file written whole or not at all: `write` fills a temporary file beside `path`, which
    is renamed over `path`; readers never see half a file, and a failed write leaves the old
    one. `durable`: fsync the file and its folder before returning (stored results)."""
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


def write_text(path: Path, text: str) -> None:
    """Atomic write: readers (and a web server) never see half a page."""
    replace_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_table(path: Path, table: pa.Table, durable: bool = False) -> None:
    """A Parquet file written whole (pyarrow)."""
    import pyarrow.parquet as pq

    replace_file(path, lambda tmp: pq.write_table(table, tmp), durable)


def write_frame(path: Path, frame: pd.DataFrame) -> None:
    """A Parquet file of a pandas frame, written whole."""
    replace_file(path, lambda tmp: frame.to_parquet(tmp, index=False))


def load_text(path: Path) -> str | None:
    """The file's text; None when it is not there."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def load_table(path: Path, **kwargs: Any) -> pa.Table | None:
    """A Parquet file (pyarrow.parquet.read_table's keyword arguments); None when it is not there.
    Read through one open handle: given a path, pyarrow opens the file again after reading its
    footer, and a writer's rename in between made it read the new file's pages with the old
    file's footer ("Page was smaller than expected"); an open handle keeps the old file whole."""
    import pyarrow.parquet as pq

    try:
        with open(path, "rb") as handle:
            return pq.read_table(handle, **kwargs)
    except FileNotFoundError:
        return None


def load_frame(path: Path) -> pd.DataFrame | None:
    """A Parquet file as a pandas frame; None when it is not there."""
    table = load_table(path)
    return None if table is None else table.to_pandas()


def load_exists(path: Path) -> bool:
    return path.exists()


def load_has_results(results_dir: Path) -> bool:
    """Whether any window file is stored (DuckDB refuses a read over a glob matching nothing)."""
    return bool(load_names(results_dir, "model=*/*.parquet"))


def load_names(folder: Path, pattern: str) -> list[Path]:
    """The files below `folder` matching a glob `pattern`, sorted."""
    return sorted(folder.glob(pattern))


def delete_tree(folder: Path) -> None:
    """A folder and everything in it (nothing when it is not there)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def replace_stale_tmp_files(path: Path) -> None:
    """Remove temporary files of `path` left by a process that died (on this host: its pid is
    gone; elsewhere: older than an hour)."""
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
