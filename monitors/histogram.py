"""Counts computed in the warehouse: one aggregate scan for the columns' range and spread, one
GROUPING SETS scan for the counts of every column's bins (and of each segment's), so no window
or baseline row is ever read into Python. Portable SQL through SQLAlchemy (DuckDB, PostgreSQL).

Slots of a numerical column: FINE_BINS equal-width bins over the baseline's [low, high], then
under (below low), over (above high), missing (NULL or NaN), non-finite (+-inf). Slots of a
categorical column: the baseline's values (most frequent first, at most MAX_CATEGORIES), other,
missing (see monitors.profile).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

FINE_BINS = 4096
UNDER, OVER, MISSING, NON_FINITE = FINE_BINS, FINE_BINS + 1, FINE_BINS + 2, FINE_BINS + 3
NUMERIC_SLOTS = FINE_BINS + 4
MAX_CATEGORIES = 1000

Key = tuple[str | None, str]  # (segment label such as "region=EU" or None, column)


@dataclass(frozen=True)
class NumericBins:
    low: float
    width: float
    high: float  # the baseline's largest value: above it is outside


@dataclass
class Counts:
    """Slot counts of numerical columns and value counts of categorical ones per (segment,
    column); rows per segment (None: the whole table or window);
    the sum of the values below and above the bins per (segment, column)."""

    rows: dict[str | None, int] = field(default_factory=dict)
    slots: dict[Key, np.ndarray] = field(default_factory=dict)  # numerical columns
    categories: dict[Key, dict[str | None, int]] = field(default_factory=dict)  # None: missing
    outside_sums: dict[Key, tuple[float, float]] = field(default_factory=dict)


def compute_stable_sum(value: Any) -> float:
    """A database's floating-point sum to 12 significant digits: a parallel sum adds in varying
    order and differs in its last bits between runs; a rerun must store the same values."""
    return float(f"{float(value or 0.0):.12g}")


def compute_double_literal(value: float) -> Any:
    """A float bound as a DOUBLE parameter (NaN and infinities included)."""
    return sa.literal(value, sa.Double())


def compute_is_finite(x: Any) -> Any:
    """x is neither NaN nor an infinity (NULL stays NULL: false in WHERE and CASE). NaN equals
    NaN in DuckDB and in PostgreSQL, which is what makes the comparison work."""
    nan, inf = compute_double_literal(float("nan")), compute_double_literal(float("inf"))
    return sa.and_(x != nan, x != inf, x != -inf)


def _double(column: Any) -> Any:
    return sa.cast(column, sa.Double())


def compute_bin_expression(column: Any, bins: NumericBins) -> Any:
    """The slot of a value, the same arithmetic as compute_bin_codes."""
    x = _double(column)
    nan, inf = compute_double_literal(float("nan")), compute_double_literal(float("inf"))
    fine = sa.func.floor((x - compute_double_literal(bins.low)) / compute_double_literal(bins.width))
    return sa.case(
        (x.is_(None), MISSING), (x == nan, MISSING),
        (x == inf, NON_FINITE), (x == -inf, NON_FINITE),
        (x < compute_double_literal(bins.low), UNDER), (x > compute_double_literal(bins.high), OVER),
        else_=sa.func.least(sa.cast(fine, sa.Integer()), FINE_BINS - 1),
    )


def compute_bin_codes(values: np.ndarray, bins: NumericBins) -> np.ndarray:
    """Slots of numbers in Python (columns whose type changed to text are read and coerced)."""
    values = np.asarray(values, dtype=float)
    codes = np.full(values.shape, MISSING, dtype=np.int64)
    finite = np.isfinite(values)
    codes[np.isinf(values)] = NON_FINITE
    inside = finite & (values >= bins.low) & (values <= bins.high)
    fine = np.floor((values[inside] - bins.low) / bins.width)
    codes[inside] = np.minimum(fine, FINE_BINS - 1).astype(np.int64)
    codes[finite & (values < bins.low)] = UNDER
    codes[finite & (values > bins.high)] = OVER
    return codes


def load_column_stats(conn: sa.Connection, source: sa.Subquery, numerical: list[str]
                      ) -> dict[str, tuple[int, float | None, float | None, float | None]]:
    """Per numerical column over its finite values: count, min, max, population std."""
    if not numerical:
        return {}
    parts: list[Any] = []
    for name in numerical:
        x = _double(source.c[name])
        finite = sa.case((compute_is_finite(x), x), else_=None)
        parts += [sa.func.count(finite), sa.func.min(finite), sa.func.max(finite),
                  sa.func.stddev_pop(finite)]
    row = conn.execute(sa.select(*parts)).one()
    out = {}
    for i, name in enumerate(numerical):
        n, low, high, std = row[4 * i: 4 * i + 4]
        out[name] = (int(n), _float(low), _float(high), _float(std))
    return out


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


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def load_counts(conn: sa.Connection, source: sa.Subquery, numerical: dict[str, NumericBins],
                categorical: list[str], segments: list[str]) -> Counts:
    """Slot counts of every column, for the whole source and per value of each segment column,
    in one GROUPING SETS scan; plus the sums outside the bins in a second, small scan."""
    exprs: dict[str, Any] = {}
    for name, bins in numerical.items():
        exprs[name] = compute_bin_expression(source.c[name], bins)
    for name in categorical:
        exprs[name] = sa.cast(source.c[name], sa.String())
    seg_keys = {s: s if s in categorical else f"segment:{s}" for s in segments}
    for s, key in seg_keys.items():
        exprs.setdefault(key, sa.cast(source.c[s], sa.String()))
    names = list(exprs)
    features = [c for c in names if c in numerical or c in categorical]
    sets: list[tuple[str, ...]] = [()] + [(n,) for n in names]
    for s in segments:
        for c in features:
            pair = tuple(sorted((seg_keys[s], c), key=names.index))
            if c != seg_keys[s] and pair not in sets:
                sets.append(pair)
    grouping_sets = sa.func.grouping_sets(*[sa.tuple_(*(exprs[n] for n in st)) for st in sets])
    # Every set groups at most one numerical column and its slot is never NULL, so one COALESCE
    # column carries the slot: a narrow result (fetching rows costs as much as counting them).
    slot_names = [n for n in names if n in numerical]
    others = [n for n in names if n not in numerical]
    slot = sa.func.coalesce(*(exprs[n] for n in slot_names)) if slot_names else sa.null()
    query = (sa.select(slot.label("slot"), *[exprs[n].label(f"g{i}") for i, n in enumerate(others)],
                       sa.func.grouping(*exprs.values()).label("gid"), sa.func.count().label("n"))
             .select_from(source).group_by(grouping_sets))
    by_key = {key: s for s, key in seg_keys.items()}
    position = {name: 0 if name in numerical else 1 + others.index(name) for name in names}
    plans: dict[int, list[tuple[int | None, str, int]]] = {}  # gid -> (segment index, column, index)

    def plan(gid: int) -> list[tuple[int | None, str, int]]:
        """(segment position, or None for the whole source, or -1 for a segment's row count;
        column; column position) of every count a row of this grouping set holds."""
        grouped = [names[i] for i in compute_grouped(gid, len(names))]
        if len(grouped) == 1:
            pairs: list[tuple[str | None, str]] = [(None, grouped[0])]
        else:  # (segment, column), either way round when both are segments and features
            pairs = [(k, c) for k, c in (grouped, grouped[::-1]) if k in by_key and c in features]
        out = [(None if k is None else position[k], c, position[c]) for k, c in pairs if c in features]
        if len(grouped) == 1 and grouped[0] in by_key:
            out.append((-1, grouped[0], position[grouped[0]]))
        return out

    counts = Counts()
    width, gid_at = len(names), 1 + len(others)
    with pause_gc():
        result = conn.execute(query).fetchall()
    for row in result:
        gid, n = int(row[gid_at]), int(row[gid_at + 1])
        if gid == (1 << width) - 1:
            counts.rows[None] = n
            continue
        targets = plans.get(gid)
        if targets is None:
            targets = plans[gid] = plan(gid)
        for seg_index, column, index in targets:
            if seg_index == -1:
                if row[index] is not None:
                    counts.rows[f"{by_key[column]}={row[index]}"] = n
                continue
            if seg_index is not None and row[seg_index] is None:
                continue  # rows whose segment value is NULL belong to no segment
            segment = None if seg_index is None else f"{by_key[others[seg_index - 1]]}={row[seg_index]}"
            value = row[index]
            if column in numerical:
                vector = counts.slots.get((segment, column))
                if vector is None:
                    vector = counts.slots[(segment, column)] = np.zeros(NUMERIC_SLOTS, np.int64)
                vector[int(value)] += n
            else:
                found = counts.categories.setdefault((segment, column), {})
                found[value] = found.get(value, 0) + n
    counts.outside_sums = _load_outside_sums(conn, source, numerical, segments)
    return counts


def _load_outside_sums(conn: sa.Connection, source: sa.Subquery,
                       numerical: dict[str, NumericBins], segments: list[str]
                       ) -> dict[Key, tuple[float, float]]:
    """Per numerical column, the sums of the finite values below and above the bins (where the
    mass outside the baseline's range sits, for Wasserstein), whole and per segment."""
    if not numerical:
        return {}
    parts = []
    for name, bins in numerical.items():
        x = _double(source.c[name])
        finite = compute_is_finite(x)
        parts.append(sa.func.sum(sa.case((sa.and_(x < bins.low, finite), x), else_=0.0)))
        parts.append(sa.func.sum(sa.case((sa.and_(x > bins.high, finite), x), else_=0.0)))
    exprs = [sa.cast(source.c[s], sa.String()) for s in segments]
    grouping = [sa.func.grouping(*exprs).label("gid")] if exprs else []
    query = sa.select(*[e.label(f"s{i}") for i, e in enumerate(exprs)], *grouping, *parts
                      ).select_from(source)
    if exprs:
        query = query.group_by(sa.func.grouping_sets(sa.tuple_(), *[sa.tuple_(e) for e in exprs]))
    out: dict[Key, tuple[float, float]] = {}
    offset = len(exprs) + len(grouping)
    for row in conn.execute(query):
        counted, segment = compute_slice_key(int(row.gid), segments, row) if exprs else (True, None)
        if not counted:
            continue
        for i, name in enumerate(numerical):
            out[(segment, name)] = (compute_stable_sum(row[offset + 2 * i]),
                                    compute_stable_sum(row[offset + 2 * i + 1]))
    return out
