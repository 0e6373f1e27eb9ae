"""What the volume rules need from the warehouse: the rows logged in each of the windows before
this one (one scan of their range; plain rows, as logged), and the newest prediction of the
window. Counted in the warehouse, so a window's bound does not depend on which earlier windows
happen to be stored yet (backfills run in any order)."""

from __future__ import annotations

import math
from datetime import datetime
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


def window_index_expression(moment: Any, bounds: list[tuple[Any, Any]], lo: int = 0,
                            hi: int | None = None) -> Any:
    """The index of the window of `bounds[lo:hi]` ((start, end) pairs, sorted, not overlapping)
    holding `moment`, NULL in a gap between windows, for a moment at or after bounds[lo]'s start:
    a binary search written as nested CASEs, so a row costs about log2(windows) comparisons and
    the statement grows linearly with the windows (one sum per window cost each row a comparison
    per window, and the statement a column per window)."""
    hi = len(bounds) if hi is None else hi
    if hi - lo == 1:
        return sa.case((moment < bounds[lo][1], sa.literal_column(str(lo))), else_=sa.null())
    mid = (lo + hi) // 2
    return sa.case((moment < bounds[mid][0], window_index_expression(moment, bounds, lo, mid)),
                   else_=window_index_expression(moment, bounds, mid, hi))


Kept = dict[datetime, tuple[int, Any]]  # a run's counted earlier windows: start -> (rows, newest moment)


def load_volume_facts(engine: Engine, config: ModelConfig, window: Window, query: Query,
                      kept: Kept | None = None) -> VolumeFacts:
    """The rows and the newest prediction of each window of the volume rules' history
    (compute.series: the training period, enough for season_windows of each season), and the
    window's newest prediction. With `kept` (a run's, run.reference.Baseline), the earlier windows
    it holds are not counted again: a run of consecutive windows counts each window once, so
    the next window counts only the windows the last one did not (rows logged into an earlier
    window after the run counted it are seen by the next run)."""
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    hours = (window.end - window.start).total_seconds() / 3600
    earlier = compute_trailing_windows(config.schedule, window,
                                       config.volume.compute_training_windows(hours), config.timezone)
    kept = {} if kept is None else kept
    source = query.features.subquery("newest")
    with query_errors(engine, config.model, f"query on table {p.table!r}"), engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(source.c[p.timestamp]))).scalar()
        kept.update(load_window_rows(conn, table, config, [w for w in earlier if w.start not in kept]))
    for start in set(kept) - {w.start for w in earlier}:
        del kept[start]
    counted = [kept[w.start] for w in earlier]

    def utc(value: Any) -> datetime | None:
        return None if value is None else column_utc(table, p.timestamp, value, config.timezone)

    return VolumeFacts([n for n, _ in counted], utc(newest), tuple(w.start for w in earlier),
                       tuple(utc(last) for _, last in counted))


def window_bounds(table: sa.Table, config: ModelConfig, windows: list[Window]) -> list[tuple[Any, Any]]:
    """Each window's start and end as the predictions' timestamp column holds moments."""
    name = config.predictions.timestamp
    return [(column_moment(table, name, w.start, config.timezone),
             column_moment(table, name, w.end, config.timezone)) for w in windows]


def load_window_rows(conn: sa.Connection, table: sa.Table, config: ModelConfig, windows: list[Window]
                     ) -> Kept:
    """The rows logged in each of `windows` (sorted, not overlapping) and its newest moment (as
    the column holds it; None without rows): one scan of their range, one GROUP BY."""
    if not windows:
        return {}
    ts = table.c[config.predictions.timestamp]
    bounds = window_bounds(table, config, windows)
    rows = sa.select(window_index_expression(ts, bounds).label("window_index"), ts.label("moment")) \
        .where(ts >= bounds[0][0], ts < bounds[-1][1]).subquery("earlier")
    found = {i: (int(n or 0), last) for i, n, last in conn.execute(
        sa.select(rows.c.window_index, sa.func.count(), sa.func.max(rows.c.moment))
        .group_by(rows.c.window_index)) if i is not None}
    return {w.start: found.get(i, (0, None)) for i, w in enumerate(windows)}


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
    bounds = window_bounds(table, config, mature)
    rows = sa.select(window_index_expression(ts, bounds).label("window_index"),
                     sa.case((labelled, 1), else_=0).label("labelled")) \
        .where(ts >= bounds[0][0], ts < bounds[-1][1]).subquery("mature")
    with query_errors(engine, config.model, f"query on table {p.table!r}"), engine.connect() as conn:
        found = {i: (n, k) for i, n, k in conn.execute(
            sa.select(rows.c.window_index, sa.func.count(), sa.func.sum(rows.c.labelled))
            .group_by(rows.c.window_index)) if i is not None}
    return [(w.start, int(found.get(i, (0, 0))[0] or 0), int(found.get(i, (0, 0))[1] or 0))
            for i, w in enumerate(mature)]
