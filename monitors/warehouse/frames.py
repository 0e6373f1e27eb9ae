"""Rows of the warehouse read into pandas: the report's seeded samples, the suite's profile of
the baseline, columns whose type changed. Stored measurements never read rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.warehouse.engine import query_errors
from monitors.warehouse.queries import Query, load_baseline_query
from monitors.warehouse.sql import md5_hex

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


@dataclass
class Frame:
    """Rows read from the warehouse, with the configured columns the table did not have."""

    data: pd.DataFrame
    table: str
    missing_columns: list[str] = field(default_factory=list)
    has_labels: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # the table's columns: type family


def _read(engine: Engine, query: sa.Select[Any], config: ModelConfig, table: str) -> pd.DataFrame:
    import pandas as pd

    with query_errors(engine, config.model, f"query on table {table!r}"), engine.connect() as conn:
        result = conn.execute(query)  # not pd.read_sql: it asks PyHive whether a SELECT is a table name
        frame = pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()), coerce_float=True)
    ts = config.predictions.timestamp
    if ts in frame.columns:
        frame[ts] = pd.to_datetime(frame[ts], utc=True)
    return frame


def load_query(engine: Engine, config: ModelConfig, query: Query) -> Frame:
    return Frame(_read(engine, query.select, config, query.table), query.table,
                 query.missing_columns, query.has_labels, query.columns)


def load_sample(engine: Engine, config: ModelConfig, query: Query, size: int) -> pd.DataFrame:
    """At most `size` of the query's rows, the same ones on every run: all of them when there are
    no more, else those first by md5 of the prediction id (or of the row's values). The ids are
    chosen first and their rows read after: DuckDB cannot spill a top-N of whole wide rows."""
    source = query.select.subquery("sampled")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(source)).scalar_one()
    select: sa.Select[Any] = sa.select(source)
    if rows > size:
        id_ = config.predictions.id
        names = [id_] if id_ in source.c else list(source.c.keys())
        text = [sa.func.coalesce(sa.cast(source.c[n], sa.String()), "") for n in names]
        key = text[0] if len(text) == 1 else sa.func.concat(*text)
        digest = md5_hex(key)
        if id_ in source.c:
            chosen = sa.select(source.c[id_]).order_by(digest).limit(size)
            select = select.where(source.c[id_].in_(chosen)).order_by(source.c[id_])
        else:
            select = select.order_by(digest).limit(size)
    return _read(engine, select, config, query.table)


def load_baseline(engine: Engine, config: ModelConfig, as_of: datetime | None = None) -> Frame:
    """The baseline's rows, read into pandas."""
    return load_query(engine, config, load_baseline_query(engine, config, as_of))
