"""What the volume rules need from the warehouse: the rows logged in each of the windows before
this one (one scan of their range; plain rows, as logged), and the newest prediction of the
window. Counted in the warehouse, so a window's bound does not depend on which earlier windows
happen to be stored yet (backfills run in any order)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import VolumeFacts
from monitors.core.fields import LABEL
from monitors.core.window import Window, compute_trailing_windows, compute_utc
from monitors.warehouse.engine import load_table, query_errors
from monitors.warehouse.queries import Query, column_moment, column_utc, load_window_query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


CHUNK = 300  # windows counted per statement (PostgreSQL takes at most 1,664 result columns)


def load_volume_facts(engine: Engine, config: ModelConfig, window: Window, query: Query) -> VolumeFacts:
    """The rows and the newest prediction of each window of the volume rules' history
    (compute.series: the training period, enough for season_windows of each season), and the
    window's newest prediction."""
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    ts = table.c[p.timestamp]
    hours = (window.end - window.start).total_seconds() / 3600
    earlier = compute_trailing_windows(config.schedule, window,
                                       config.volume.compute_training_windows(hours), config.timezone)

    def at(moment: datetime) -> datetime | date:
        return column_moment(table, p.timestamp, moment, config.timezone)

    def utc(value: Any) -> datetime | None:
        return None if value is None else column_utc(table, p.timestamp, value, config.timezone)

    source = query.features.subquery("newest")
    trailing: list[Any] = []
    newest_each: list[datetime | None] = []
    with query_errors(engine, config.model, f"query on table {p.table!r}"), engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(source.c[p.timestamp]))).scalar()
        for first in range(0, len(earlier), CHUNK):
            part = earlier[first:first + CHUNK]
            inside = [sa.and_(ts >= at(w.start), ts < at(w.end)) for w in part]
            found = list(conn.execute(sa.select(
                *(sa.func.sum(sa.case((c, 1), else_=0)) for c in inside),
                *(sa.func.max(sa.case((c, ts), else_=None)) for c in inside)
            ).where(ts >= at(part[0].start), ts < at(part[-1].end))).one())
            trailing += found[:len(part)]
            newest_each += [utc(t) for t in found[len(part):]]
    return VolumeFacts([int(n or 0) for n in trailing], utc(newest), tuple(w.start for w in earlier),
                       tuple(newest_each))


def load_coverage_history(engine: Engine, config: ModelConfig, window: Window, as_of: datetime
                          ) -> list[tuple[datetime, int, int]]:
    """Each earlier window mature by `as_of` (older than ground_truth.max_delay) in the training
    period: its start (UTC), its predictions (the latest row per id) and those with a label."""
    gt = config.ground_truth
    if gt is None:
        return []
    length = window.end - window.start
    size = config.volume.compute_training_windows(length.total_seconds() / 3600) \
        + math.ceil(gt.max_delay / length)
    mature = [w for w in compute_trailing_windows(config.schedule, window, size, config.timezone)
              if w.end + gt.max_delay <= compute_utc(as_of)]
    if not mature:
        return []
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    span = Window(mature[0].start, mature[-1].end)
    source = load_window_query(engine, config, span, as_of).select.subquery("rows")
    ts, labelled = source.c[p.timestamp], source.c[LABEL].is_not(None)
    found: list[Any] = []
    with query_errors(engine, config.model, f"query on table {p.table!r}"), engine.connect() as conn:
        for first in range(0, len(mature), CHUNK):
            part = mature[first:first + CHUNK]
            inside = [sa.and_(ts >= column_moment(table, p.timestamp, w.start, config.timezone),
                              ts < column_moment(table, p.timestamp, w.end, config.timezone))
                      for w in part]
            sums = [sa.func.sum(sa.case((c, 1), else_=0)) for c in inside] \
                + [sa.func.sum(sa.case((sa.and_(c, labelled), 1), else_=0)) for c in inside]
            counts = list(conn.execute(sa.select(*sums)).one())
            found += zip(counts[:len(part)], counts[len(part):], strict=True)
    return [(w.start, int(n or 0), int(k or 0)) for w, (n, k) in zip(mature, found, strict=True)]
