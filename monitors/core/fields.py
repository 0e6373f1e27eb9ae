"""The config's field types: durations (`14d`), column and table names checked before any SQL
is built (identifiers are always quoted by SQLAlchemy, never pasted into SQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def compute_duration(value: Any) -> timedelta:
    """Parse `14d`, `6h`, `30m`, `45s` or `2w` (or a timedelta) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 14d, 6h, 30m)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


Duration = Annotated[timedelta, BeforeValidator(compute_duration)]


def _check_identifier(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} must not be empty")
    if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
        raise ValueError(f"{what} {value!r} contains a control character")
    if len(value) > 128:
        raise ValueError(f"{what} {value!r} is longer than 128 characters")
    return value


Identifier = Annotated[str, BeforeValidator(lambda v: _check_identifier(str(v), "a column name"))]


def _check_table(value: Any) -> str:
    text = _check_identifier(str(value), "a table name")
    if text.count(".") > 1:
        raise ValueError(f"table {text!r}: use table or schema.table (at most one dot)")
    return text


TableName = Annotated[str, BeforeValidator(_check_table)]

LABEL = "__label"  # the label column's name in the rows of a window or baseline query (no numpy here:
# config.py reads it, and DAG files import config)
