"""What the volume rules need from the warehouse: the rows logged in each of the windows before
this one (one scan of their range; plain rows, as logged), and the newest prediction of the
window. Counted in the warehouse, so a window's bound does not depend on which earlier windows
happen to be stored yet (backfills run in any order)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import VolumeFacts
from monitors.core.window import Window, compute_trailing_windows
from monitors.warehouse.engine import load_table, query_errors
from monitors.warehouse.queries import Query, compute_column_moment, compute_column_utc

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def load_volume_facts(engine: Engine, config: ModelConfig, window: Window, query: Query) -> VolumeFacts:
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    ts = table.c[p.timestamp]
    earlier = compute_trailing_windows(config.schedule, window, config.volume.trailing_windows,
                                       config.timezone)
    def at(moment: datetime) -> datetime | date:
        return compute_column_moment(table, p.timestamp, moment, config.timezone)

    parts: list[Any] = [sa.func.sum(sa.case((sa.and_(ts >= at(w.start), ts < at(w.end)), 1), else_=0))
                        for w in earlier]
    source = query.features.subquery("newest")
    with query_errors(engine, config.model, f"query on table {p.table!r}"), engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(source.c[p.timestamp]))).scalar()
        trailing = [] if not earlier else list(conn.execute(
            sa.select(*parts).where(ts >= at(earlier[0].start), ts < at(window.start))).one())
    newest_utc = None if newest is None else compute_column_utc(table, p.timestamp, newest, config.timezone)
    return VolumeFacts([int(n or 0) for n in trailing], newest_utc)
