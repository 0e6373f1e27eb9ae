"""Engines for a model's warehouse, one translation of a failing query into a WarehouseError,
and reflected tables. The dialect's capability record (dialects.py) says what an engine needs."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from monitors.config import ModelConfig
from monitors.core.errors import WarehouseError
from monitors.warehouse.dialects import DIALECTS, Dialect, compute_dialect


def compute_warehouse_url(url: str, home: Path) -> sa.URL:
    """A SQLAlchemy URL; a relative embedded file (DuckDB) resolves against MONITORS_HOME."""
    parsed = make_url(url)
    database = parsed.database
    backend = parsed.get_backend_name()
    embedded = backend in DIALECTS and compute_dialect(backend).embedded_file
    if embedded and database and database != ":memory:":
        path = Path(database).expanduser()
        if not path.is_absolute():
            parsed = parsed.set(database=str(home / path))
    return parsed


def create_warehouse_engine(config: ModelConfig, url: str | None = None) -> Engine:
    """The engine for a model's warehouse. `url` overrides the config (a resolved connection)."""
    raw = url or config.warehouse
    if raw.startswith("airflow://"):
        raise WarehouseError(
            f"model {config.model}: warehouse {raw} is an Airflow connection; "
            "it is resolved only inside an Airflow task"
        )
    try:
        parsed = compute_warehouse_url(raw, config.home)
    except sa.exc.ArgumentError:
        raise WarehouseError(f"model {config.model}: warehouse is not a SQLAlchemy URL") from None
    try:
        dialect = compute_dialect(parsed.get_backend_name())
    except ValueError as exc:
        raise WarehouseError(f"model {config.model}: warehouse: {exc}") from None
    if dialect.embedded_file and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():
        raise WarehouseError(
            f"model {config.model}: warehouse {dialect.name} file {parsed.database} does not exist")
    return create_dialect_engine(parsed, dialect, **compute_engine_arguments(dialect))


def create_dialect_engine(url: sa.URL | str, dialect: Dialect, **kwargs: Any) -> Engine:
    """An engine whose SQLAlchemy dialect quotes identifiers as the record says (PyHive doubles
    '"' inside backticks; Spark reads a doubled backtick)."""
    engine = sa.create_engine(url, **kwargs)
    if dialect.identifier_escape:
        preparer = engine.dialect.identifier_preparer
        preparer.escape_quote = dialect.identifier_escape
        preparer.escape_to_quote = dialect.identifier_escape * 2
    return engine


def compute_engine_arguments(dialect: Dialect) -> dict[str, Any]:
    """create_engine's keyword arguments for the dialect (GX's engine uses the same)."""
    return {"connect_args": compute_duckdb_connect_args()} if dialect.embedded_file else {}


def compute_engine_dialect(engine: Engine) -> Dialect:
    return compute_dialect(engine.dialect.name)


def compute_duckdb_connect_args() -> dict[str, Any]:
    """Read-only (many windows may read the file in parallel) and a memory limit: DuckDB runs
    inside our process, and its joins and counts spill to disk beyond it
    (MONITORS_DUCKDB_MEMORY_LIMIT, default 300MB; measured on a 10M-row window, the whole run
    peaks at 0.88 GB with 300MB, 1.06 GB with 400MB, 1.22 GB with 500MB, in about the same time;
    DuckDB's allocations outside its buffer pool come on top of the limit). Every engine on a
    file in one process must use the same arguments (DuckDB shares one instance per file)."""
    return {"read_only": True,
            "config": {"memory_limit": os.environ.get("MONITORS_DUCKDB_MEMORY_LIMIT", "300MB")}}


def compute_query_text(engine: Engine, select: sa.Select[Any]) -> tuple[str, Any]:
    """A query's SQL text for the engine and its parameters (what cache keys hash)."""
    compiled = select.compile(engine)
    return str(compiled), compiled.params


def compute_safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def compute_engine_identity(engine: Engine) -> str:
    """Which warehouse, for cache keys, the same from every host: the backend and the database
    name, without the user, password, host or port (another worker may reach the same database
    by another name), and an embedded file by its name, not where MONITORS_HOME put it. The
    keys also hold the data's own summary, so two warehouses alike in name do not mix."""
    url = engine.url
    database = url.database or ""
    if compute_engine_dialect(engine).embedded_file and database != ":memory:":
        database = Path(database).name
    return f"{url.get_backend_name()}:{database}"


def load_table(engine: Engine, name: str, model: str) -> sa.Table:
    """Reflect a table (`table` or `schema.table`), once per engine (a window reads the same
    three tables seven times; each reflection is a catalog query); a clear error if it is not
    there."""
    reflected = _REFLECTED.setdefault(engine, {})
    if name not in reflected:
        reflected[name] = _reflect_table(engine, name, model)
    return reflected[name]


_REFLECTED: weakref.WeakKeyDictionary[Engine, dict[str, sa.Table]] = weakref.WeakKeyDictionary()


def _reflect_table(engine: Engine, name: str, model: str) -> sa.Table:
    schema, _, table = name.rpartition(".")
    try:
        columns = sa.inspect(engine).get_columns(table, schema=schema or None)
    except sa.exc.NoSuchTableError:
        columns = []
    except sa.exc.DBAPIError as exc:
        raise WarehouseError(
            f"model {model}: cannot read table {name!r} from warehouse "
            f"{compute_safe_url(engine)}: {type(exc.orig).__name__}"
        ) from None
    if not columns:
        raise WarehouseError(
            f"model {model}: table {name!r} not found in warehouse {compute_safe_url(engine)}"
        )
    return sa.Table(table, sa.MetaData(), *(sa.Column(c["name"], _undecorated(c["type"])) for c in columns),
                    schema=schema or None)


def _undecorated(type_: Any) -> Any:
    """A driver's decorated type as the type it stands for: PyHive's HiveTimestamp refuses to bind
    a parameter ("Writing to Hive not supported"), its TIMESTAMP binds one."""
    return type_.impl_instance if isinstance(type_, sa.types.TypeDecorator) else type_


@contextmanager
def query_errors(engine: Engine, model: str, what: str) -> Iterator[None]:
    """A failing query becomes a WarehouseError naming the model, what was queried (e.g. "query
    on table 'predictions'") and the warehouse (without its password)."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise WarehouseError(
            f"model {model}: {what} failed in warehouse {compute_safe_url(engine)}: {detail}") from None
