"""The config's slices as columns of a window's (or the baseline's) query: each predicate,
checked at config load (warehouse.expressions) and written out by sqlglot in the engine's
dialect, becomes CASE WHEN <where> THEN 'true' ELSE 'false' END named after the slice, so
whatever reads the segments' columns (counts, outcome tallies, custom metrics) reads it too."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.fields import LABEL
from monitors.warehouse.dialects import DIALECTS
from monitors.warehouse.expressions import checked_predicate
from monitors.warehouse.sql import verbatim_sql


def sliced_select(config: ModelConfig, select: sa.Select[Any], backend: str) -> sa.Select[Any]:
    """`select` with one more column per slice (itself when the config has none)."""
    if not config.slices:
        return select
    dialect = DIALECTS[backend].sqlglot
    source = select.subquery("sliced")
    columns: list[Any] = []
    for s in config.slices:
        predicate = checked_predicate(s.where, config.sql_dialect, config.window_columns, None, LABEL)
        case = f"CASE WHEN ({predicate.to_sql(dialect)}) THEN 'true' ELSE 'false' END"
        columns.append(verbatim_sql(case, sa.String()).label(s.name))
    return sa.select(*source.c, *columns).select_from(source)
