"""SQL expressions every query builds on: DOUBLE literals (NaN and infinities included), the
finite test, a value's slot on a column's bins, and the decoding of GROUPING SETS rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from monitors.core.counts import FINE_BINS, MISSING, NON_FINITE, OVER, UNDER, NumericBins


def compute_double_literal(value: float) -> Any:
    """A float bound as a DOUBLE parameter (NaN and infinities included)."""
    return sa.literal(value, sa.Double())


def compute_is_finite(x: Any) -> Any:
    """x is neither NaN nor an infinity (NULL stays NULL: false in WHERE and CASE). NaN equals
    NaN in DuckDB and in PostgreSQL, which is what makes the comparison work."""
    nan, inf = compute_double_literal(float("nan")), compute_double_literal(float("inf"))
    return sa.and_(x != nan, x != inf, x != -inf)


def compute_is_missing(x: Any) -> Any:
    """x is NULL or NaN (NaN = NaN holds in DuckDB and PostgreSQL)."""
    return sa.or_(x.is_(None), x == compute_double_literal(float("nan")))


def compute_grouping(exprs: list[Any]) -> Any:
    """GROUPING(e1, ..., en): one bitmask per row of a GROUPING SETS query, e1 the highest bit
    (decoded by compute_grouped)."""
    return sa.func.grouping(*exprs)


def compute_double(column: Any) -> Any:
    return sa.cast(column, sa.Double())


def compute_bin_expression(column: Any, bins: NumericBins) -> Any:
    """The slot of a value, the same arithmetic as core.counts.compute_bin_codes."""
    x = compute_double(column)
    nan, inf = compute_double_literal(float("nan")), compute_double_literal(float("inf"))
    fine = sa.func.floor((x - compute_double_literal(bins.low)) / compute_double_literal(bins.width))
    return sa.case(
        (x.is_(None), MISSING), (x == nan, MISSING),
        (x == inf, NON_FINITE), (x == -inf, NON_FINITE),
        (x < compute_double_literal(bins.low), UNDER), (x > compute_double_literal(bins.high), OVER),
        else_=sa.func.least(sa.cast(fine, sa.Integer()), FINE_BINS - 1),
    )

@contextmanager
def pause_gc() -> Iterator[None]:
    """No cyclic garbage collection while a block allocates many acyclic objects (the rows of a
    result): each full collection walks every object the process holds (GX, SQLAlchemy), and
    fetching the counts' 26k rows triggered enough of them to cost 0.15 s of 0.4 s at 1M rows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_grouped(gid: int, width: int) -> list[int]:
    """Positions of the expressions a GROUPING(e1, ..., en) bitmask says the row is grouped by
    (a 0 bit; e1 is the highest bit)."""
    return [i for i in range(width) if not gid >> (width - 1 - i) & 1]


def compute_slice_key(gid: int, names: list[str], row: Any) -> tuple[bool, str | None]:
    """For a row of GROUPING SETS ((), (e1), (e2), ...) whose first columns are e1, e2, ...:
    whether it counts a slice at all (not when its value is NULL), and which: "name=value", or
    None for all rows."""
    grouped = compute_grouped(gid, len(names))
    if not grouped:
        return True, None
    value = row[grouped[0]]
    return value is not None, f"{names[grouped[0]]}={value}"
