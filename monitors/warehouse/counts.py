"""Counts computed in the warehouse: one aggregate scan for the columns' range and spread, one
GROUPING SETS scan for the counts of every column's bins (and of each segment's), so no window
or baseline row is ever read into Python (slots: see core.counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitors.compute.frame_counts import compute_frame_counts
from monitors.config import ModelConfig
from monitors.core.counts import NUMERIC_SLOTS, Counts, Key, NumericBins, compute_stable_sum
from monitors.core.profile import Profile
from monitors.warehouse import frames
from monitors.warehouse.queries import Query
from monitors.warehouse.sql import (
    as_double,
    bin_expression,
    grouped_positions,
    grouping_bitmask,
    is_finite,
    pause_gc,
    slice_key,
)

Stats = dict[str, tuple[int, float | None, float | None, float | None]]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def load_column_stats(engine: Engine, select: sa.Select[Any], numerical: list[str]) -> Stats:
    """Per numerical column over its finite values: count, min, max, population std."""
    if not numerical:
        return {}
    source = select.subquery("baseline")
    parts: list[Any] = []
    for name in numerical:
        x = as_double(source.c[name])
        finite = sa.case((is_finite(x), x), else_=None)
        parts += [sa.func.count(finite), sa.func.min(finite), sa.func.max(finite),
                  sa.func.stddev_pop(finite)]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*parts)).one()
    out = {}
    for i, name in enumerate(numerical):
        n, low, high, std = row[4 * i: 4 * i + 4]
        out[name] = (int(n), _float(low), _float(high), _float(std))
    return out


@dataclass
class _CountsQuery:
    """The GROUPING SETS of a counts scan and how to read its rows: each set groups at most one
    numerical column (carried in one COALESCE `slot` column: a narrow result, since fetching
    rows costs as much as counting them), a categorical or segment value, or a pair of them."""

    exprs: dict[str, Any]
    numerical: dict[str, NumericBins]
    features: list[str]
    by_key: dict[str, str]  # grouping name -> segment column

    @property
    def names(self) -> list[str]:
        return list(self.exprs)

    @property
    def others(self) -> list[str]:
        return [n for n in self.names if n not in self.numerical]

    def position(self, name: str) -> int:
        return 0 if name in self.numerical else 1 + self.others.index(name)

    def grouping_select(self, source: sa.Subquery, segments: list[str]) -> sa.Select[Any]:
        names, exprs = self.names, self.exprs
        keys = {v: k for k, v in self.by_key.items()}
        sets: list[tuple[str, ...]] = [()] + [(n,) for n in names]
        for s in segments:
            for c in self.features:
                pair = tuple(sorted((keys[s], c), key=names.index))
                if c != keys[s] and pair not in sets:
                    sets.append(pair)
        grouping_sets = sa.func.grouping_sets(*[sa.tuple_(*(exprs[n] for n in st)) for st in sets])
        slots = [n for n in names if n in self.numerical]
        slot = sa.func.coalesce(*(exprs[n] for n in slots)) if slots else sa.null()
        return (sa.select(slot.label("slot"), *[exprs[n].label(f"g{i}") for i, n in enumerate(self.others)],
                          grouping_bitmask(list(exprs.values())).label("gid"), sa.func.count().label("n"))
                .select_from(source).group_by(grouping_sets))

    def row_plan(self, gid: int) -> list[tuple[int | None, str, int]]:
        """(segment position, or None for the whole source, or -1 for a segment's row count;
        column; column position) of every count a row of this grouping set holds."""
        grouped = [self.names[i] for i in grouped_positions(gid, len(self.names))]
        if len(grouped) == 1:
            pairs: list[tuple[str | None, str]] = [(None, grouped[0])]
        else:  # (segment, column), either way round when both are segments and features
            pairs = [(k, c) for k, c in (grouped, grouped[::-1]) if k in self.by_key and c in self.features]
        out = [(None if k is None else self.position(k), c, self.position(c)) for k, c in pairs
               if c in self.features]
        if len(grouped) == 1 and grouped[0] in self.by_key:
            out.append((-1, grouped[0], self.position(grouped[0])))
        return out


def _counts_query(source: sa.Subquery, numerical: dict[str, NumericBins], categorical: list[str],
                  segments: list[str]) -> _CountsQuery:
    exprs: dict[str, Any] = {name: bin_expression(source.c[name], bins)
                             for name, bins in numerical.items()}
    exprs.update({name: sa.cast(source.c[name], sa.String()) for name in categorical})
    seg_keys = {s: s if s in categorical else f"segment:{s}" for s in segments}
    for s, key in seg_keys.items():
        exprs.setdefault(key, sa.cast(source.c[s], sa.String()))
    features = [c for c in exprs if c in numerical or c in categorical]
    return _CountsQuery(exprs, numerical, features, {key: s for s, key in seg_keys.items()})


def _add_count(counts: Counts, spec: _CountsQuery, row: Any, n: int,
               target: tuple[int | None, str, int]) -> None:
    seg_index, column, index = target
    if seg_index == -1:
        if row[index] is not None:
            counts.rows[f"{spec.by_key[column]}={row[index]}"] = n
        return
    if seg_index is not None and row[seg_index] is None:
        return  # rows whose segment value is NULL belong to no segment
    segment = None if seg_index is None else f"{spec.by_key[spec.others[seg_index - 1]]}={row[seg_index]}"
    value = row[index]
    if column in spec.numerical:
        vector = counts.slots.get((segment, column))
        if vector is None:
            vector = counts.slots[(segment, column)] = np.zeros(NUMERIC_SLOTS, np.int64)
        vector[int(value)] += n
    else:
        found = counts.categories.setdefault((segment, column), {})
        found[value] = found.get(value, 0) + n


def load_counts(conn: sa.Connection, source: sa.Subquery, numerical: dict[str, NumericBins],
                categorical: list[str], segments: list[str]) -> Counts:
    """Slot counts of every column, for the whole source and per value of each segment column,
    in one GROUPING SETS scan; plus the sums outside the bins in a second, small scan."""
    spec = _counts_query(source, numerical, categorical, segments)
    counts = Counts()
    width, gid_at = len(spec.names), 1 + len(spec.others)
    plans: dict[int, list[tuple[int | None, str, int]]] = {}
    with pause_gc():
        result = conn.execute(spec.grouping_select(source, segments)).fetchall()
    for row in result:
        gid, n = int(row[gid_at]), int(row[gid_at + 1])
        if gid == (1 << width) - 1:
            counts.rows[None] = n
            continue
        targets = plans.get(gid)
        if targets is None:
            targets = plans[gid] = spec.row_plan(gid)
        for target in targets:
            _add_count(counts, spec, row, n, target)
    counts.outside_sums = _load_outside_sums(conn, source, numerical, segments)
    return counts


def load_select_counts(engine: Engine, select: sa.Select[Any], numerical: dict[str, NumericBins],
                       categorical: list[str], segments: list[str]) -> Counts:
    """load_counts of the rows of `select` (the baseline's profile)."""
    with engine.connect() as conn:
        return load_counts(conn, select.subquery("baseline"), numerical, categorical, segments)


def _load_outside_sums(conn: sa.Connection, source: sa.Subquery,
                       numerical: dict[str, NumericBins], segments: list[str]
                       ) -> dict[Key, tuple[float, float]]:
    """Per numerical column, the sums of the finite values below and above the bins (where the
    mass outside the baseline's range sits, for Wasserstein), whole and per segment."""
    if not numerical:
        return {}
    parts = []
    for name, bins in numerical.items():
        x = as_double(source.c[name])
        finite = is_finite(x)
        parts.append(sa.func.sum(sa.case((sa.and_(x < bins.low, finite), x), else_=0.0)))
        parts.append(sa.func.sum(sa.case((sa.and_(x > bins.high, finite), x), else_=0.0)))
    exprs = [sa.cast(source.c[s], sa.String()) for s in segments]
    grouping = [grouping_bitmask(exprs).label("gid")] if exprs else []
    query = sa.select(*[e.label(f"s{i}") for i, e in enumerate(exprs)], *grouping, *parts
                      ).select_from(source)
    if exprs:
        query = query.group_by(sa.func.grouping_sets(sa.tuple_(), *[sa.tuple_(e) for e in exprs]))
    out: dict[Key, tuple[float, float]] = {}
    offset = len(exprs) + len(grouping)
    for row in conn.execute(query):
        counted, segment = slice_key(int(row.gid), segments, row) if exprs else (True, None)
        if not counted:
            continue
        for i, name in enumerate(numerical):
            out[(segment, name)] = (compute_stable_sum(row[offset + 2 * i]),
                                    compute_stable_sum(row[offset + 2 * i + 1]))
    return out


def present_columns(query: Query) -> set[str]:
    return {c.name for c in query.select.selected_columns}


def load_window_counts(engine: Engine, config: ModelConfig, query: Query, baseline: Profile) -> Counts:
    """The window's slot counts, whole and per segment, computed in the warehouse. A numerical
    column whose type changed (to text, say) is read alone and coerced to numbers."""
    present = present_columns(query)
    numerical: dict[str, NumericBins] = {}
    coerced: dict[str, NumericBins] = {}
    for column, shape in baseline.shapes.items():
        if shape.numerical and shape.bins is not None and column in present:
            target = numerical if query.columns.get(column) == "numeric" else coerced
            target[column] = shape.bins
    categorical = [c for c, s in baseline.shapes.items() if not s.numerical and c in present]
    segments = [s for s in config.segment_columns if s in present]
    with engine.connect() as conn:
        counts = load_counts(conn, query.features.subquery("window_rows"), numerical,
                             categorical, segments)
    if coerced:
        source = query.features.subquery("coerced")
        select = sa.select(*(source.c[c] for c in [*coerced, *segments]))
        frame = frames.load_query(engine, config, Query(select, query.table, [], False, {}, select)).data
        found = compute_frame_counts(frame, coerced, [], segments)
        counts.slots.update(found.slots)
        counts.outside_sums.update(found.outside_sums)
    return counts
