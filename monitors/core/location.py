"""Where the store and the reports live: a local path (pathlib.Path, the default) or an
object-storage URL (a UPath over fsspec: s3://bucket/prefix; gs://, abfs:// with their fsspec
package installed). Only monitors/storage/files.py reads or writes through one."""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

from upath import UPath

Location: TypeAlias = Path | UPath

# Schemes whose read-modify-write files (trend, notices, a window's late labels) are updated with
# compare-and-set (conditional writes): the store needs it, the reports (whole pages) do not.
CAS_SCHEMES = ("s3", "s3a")


def compute_is_url(text: str) -> bool:
    """Whether a config path is an object-storage URL (scheme://...), not a local path."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isidentifier() and scheme != "file"


def compute_location(text: str, home: Path) -> Location:
    """A config path: a URL as it is (listings never cached: other workers write beside this
    process), a local path absolute as given or relative to `home`."""
    if compute_is_url(text):
        return UPath(text.rstrip("/"), use_listings_cache=False)
    candidate = Path(text.removeprefix("file://")).expanduser()
    return candidate if candidate.is_absolute() else home / candidate
