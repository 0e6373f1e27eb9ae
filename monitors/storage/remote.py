"""Object storage under storage.files: the few operations files.py needs on a UPath (fsspec;
s3fs for s3://), each one request or one batch of concurrent requests. Conditional writes are
S3's (If-Match / If-None-Match): core.location.CAS_SCHEMES."""

from __future__ import annotations

import io
import posixpath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa
    from upath import UPath


def write_bytes(path: UPath, data: bytes) -> None:
    """One whole-object PUT (a multipart upload too appears whole, on completion)."""
    path.fs.pipe_file(path.path, data)


def load_bytes(path: UPath) -> bytes | None:
    try:
        return bytes(path.fs.cat_file(path.path))
    except FileNotFoundError:
        return None


def load_names(folder: UPath, pattern: str) -> list[UPath]:
    """The objects below `folder` matching a glob `pattern` (one listing), sorted."""
    root = folder.path.rstrip("/")
    found = folder.fs.glob(posixpath.join(root, pattern))
    return sorted((folder.joinpath(*posixpath.relpath(name, root).split("/")) for name in found), key=str)


def load_names_starting(folder: UPath, prefix: str, name: str) -> list[UPath]:
    """The objects `<folder>/<prefix>*/<name>` (one listing of the keys starting with the prefix
    where the filesystem takes one, as s3fs does; else a glob)."""
    root = folder.path.rstrip("/")
    try:
        found = folder.fs.find(root, prefix=prefix)
    except TypeError:  # a filesystem without listings by prefix
        found = folder.fs.glob(posixpath.join(root, f"{prefix}*", name))
    relative = [posixpath.relpath(n, root).split("/") for n in found]
    return sorted((folder.joinpath(*parts) for parts in relative
                   if len(parts) == 2 and parts[0].startswith(prefix) and parts[1] == name), key=str)


def load_tables(folder: UPath, suffix: str = ".parquet") -> pa.Table | None:
    """Every Parquet object below `folder` in one table (columns unified by name, each row's
    object name in a column `filename`): one listing, then the objects fetched concurrently;
    None when there is none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = sorted(name for name in folder.fs.find(folder.path) if name.endswith(suffix))
    if not names:
        return None
    found = folder.fs.cat(names)
    tables = []
    for name in names:
        table = pq.read_table(io.BytesIO(found[name]))
        tables.append(table.append_column("filename", pa.array([name] * table.num_rows, pa.string())))
    return pa.concat_tables(tables, promote_options="default")


def delete_tree(folder: UPath) -> None:
    if folder.exists():
        folder.fs.rm(folder.path, recursive=True)


def delete_if_unchanged(path: UPath, etag: str) -> bool:
    """One DELETE that succeeds only if the object still has `etag`; False when another writer
    changed it first (S3 answers 412)."""
    return _call_if_unchanged(path, "delete_object", IfMatch=etag)


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
    condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
    return _call_if_unchanged(path, "put_object", Body=data, **condition)


def _call_if_unchanged(path: UPath, method: str, **kwargs: Any) -> bool:
    """One conditional request on the object; False when S3 refused its condition (another
    writer changed the object first: 412 or 409)."""
    bucket, key, _ = path.fs.split_path(path.path)
    try:
        path.fs.call_s3(method, Bucket=bucket, Key=key, **kwargs)
    except OSError as exc:
        code = getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    finally:
        path.fs.invalidate_cache(path.path)
    return True
