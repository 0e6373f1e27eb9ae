"""Custom metrics run in the warehouse: one SELECT over a window's (or the baseline's) rows with
every custom metric as a column, whole and per segment value (GROUPING SETS), beside each
group's row count. Each expression was checked at config load (warehouse.expressions); it is
checked again here and written out by sqlglot in the engine's dialect before it is inserted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlglot import exp

from monitors.config import ModelConfig
from monitors.core.custom import ROWS
from monitors.core.fields import LABEL
from monitors.warehouse.dialects import DIALECTS
from monitors.warehouse.expressions import (
    Checked,
    checked_metric,
    derived_tree,
    derived_value,
    numeric_booleans,
)
from monitors.warehouse.queries import Query
from monitors.warehouse.sql import grouping_bitmask, slice_key, verbatim_sql

Values = dict[str | None, dict[str, float | None]]  # segment (None: all rows) -> metric -> value


def checked_metrics(config: ModelConfig) -> dict[str, Checked]:
    """The config's SQL custom metrics (derived ones aside), checked, by name."""
    label = config.ground_truth.label if config.ground_truth else None
    return {m.name: checked_metric(m.sql, m.where, config.sql_dialect, config.window_columns, label, LABEL)
            for m in config.custom_metrics if m.sql is not None}


def label_custom_metrics(config: ModelConfig) -> set[str]:
    """The custom metrics that read the label (derived ones through a metric that does)."""
    found = {n for n, c in checked_metrics(config).items() if c.reads_label}
    names = [m.name for m in config.custom_metrics]
    for m in config.custom_metrics:
        if m.derived is not None and {c.name for c in derived_tree(m.derived, names).find_all(exp.Column)
                                      } & found:
            found.add(m.name)
    return found


def custom_select(config: ModelConfig, query: Query, dialect: str
                          ) -> tuple[sa.Select[Any], list[str], list[str]]:
    """The SELECT of every SQL custom metric over the query's rows (the label join only when a
    metric reads the label), and the metrics it computes (those reading the label only where the
    rows have it)."""
    checked = checked_metrics(config)
    run = {n: c for n, c in checked.items() if query.has_labels or not c.reads_label}
    reads_label = any(c.reads_label for c in run.values())
    source = (query.select if reads_label else query.features).subquery("custom_rows")
    segments = [s for s in config.segment_columns if s in source.c]
    keys = [sa.cast(source.c[s], sa.String()) for s in segments]
    booleans = {c.name for c in source.c if isinstance(c.type, sa.Boolean)}
    metrics = [Checked(numeric_booleans(c.tree, booleans), c.reads_label) for c in run.values()]
    columns: list[Any] = [*(k.label(f"s{i}") for i, k in enumerate(keys)), sa.func.count().label(ROWS),
                          *(verbatim_sql(c.to_sql(dialect)).label(f"m{i}") for i, c in enumerate(metrics))]
    select = sa.select(*columns).select_from(source)
    if keys:
        sets = sa.func.grouping_sets(sa.tuple_(), *(sa.tuple_(k) for k in keys))
        select = select.add_columns(grouping_bitmask(keys).label("gid")).group_by(sets)
    return select, list(run), segments


def load_custom_values(engine: Engine, config: ModelConfig, query: Query) -> Values:
    """Each SQL custom metric's value and the row count (ROWS), for all rows (key None) and each
    segment value ("region=EU"); {} when the config has none."""
    if not any(m.sql is not None for m in config.custom_metrics):
        return {}
    dialect = DIALECTS[engine.dialect.name].sqlglot
    select, names, segments = custom_select(config, query, dialect)
    with engine.connect() as conn:
        rows = conn.execute(select).fetchall()
    out: Values = {}
    for row in rows:
        key: str | None = None
        if segments:
            counted, key = slice_key(int(row[-1]), segments, row)
            if not counted:
                continue
        first = len(segments)
        values = row[first: first + 1 + len(names)]
        out[key] = {ROWS: float(values[0]), **{n: None if v is None else float(v)
                                               for n, v in zip(names, values[1:], strict=True)}}
    derived = [(m.name, derived_tree(m.derived, [x.name for x in config.custom_metrics]))
               for m in config.custom_metrics if m.derived is not None]
    for found in out.values():
        for name, tree in derived:
            found[name] = derived_value(tree, found)
    return out
