"""What `monitors init` reads of a table to guess a config: each column's type family, how many
distinct values and nulls it holds and, for numbers and times, its range; one aggregate query
per table (no row is read into Python)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.core.errors import WarehouseError
from monitors.core.summary import ColumnSummary, TableSummary
from monitors.warehouse.dialects import backend_name, dialect_record
from monitors.warehouse.engine import (
    create_dialect_engine,
    load_dialect_arguments,
    load_table,
    query_errors,
    resolved_warehouse_url,
)
from monitors.warehouse.queries import type_family

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def load_table_summary(engine: Engine, name: str, model: str) -> TableSummary:
    table = load_table(engine, name, model)
    parts: list[Any] = [sa.func.count()]
    families = {c.name: type_family(c.type) for c in table.c}
    for column in table.c:
        parts += [sa.func.count(sa.distinct(column)), sa.func.count() - sa.func.count(column)]
        ranged = families[column.name] in ("numeric", "time")
        parts += [sa.func.min(column), sa.func.max(column)] if ranged else [sa.null(), sa.null()]
    with query_errors(engine, model, f"summarising table {name!r}"), engine.connect() as conn:
        row = list(conn.execute(sa.select(*parts).select_from(table)).one())
    columns = [ColumnSummary(c.name, families[c.name], int(row[1 + 4 * i] or 0), int(row[2 + 4 * i] or 0),
                             row[3 + 4 * i], row[4 + 4 * i]) for i, c in enumerate(table.c)]
    return TableSummary(name, int(row[0] or 0), columns)


def load_warehouse_summaries(url: str, home: Path, model: str, tables: list[str | None]
                             ) -> list[TableSummary | None]:
    """The summaries of the named tables (None stays None) in the warehouse at `url` (a relative
    DuckDB file resolves against `home`)."""
    try:
        dialect = dialect_record(backend_name(url))
        parsed = resolved_warehouse_url(url, home)
    except (ValueError, sa.exc.ArgumentError) as exc:
        raise WarehouseError(f"model {model}: warehouse: {exc}") from None
    if dialect.embedded_file and parsed.database and not Path(parsed.database).exists():
        raise WarehouseError(f"model {model}: warehouse {dialect.name} file {parsed.database} does not exist")
    engine = create_dialect_engine(parsed, dialect, **load_dialect_arguments(dialect))
    try:
        return [load_table_summary(engine, t, model) if t else None for t in tables]
    finally:
        engine.dispose()
