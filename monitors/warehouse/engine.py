"""Engines for a model's warehouse, one translation of a failing query into a WarehouseError,
and reflected tables. The dialect's capability record (dialects.py) says what an engine needs."""

from __future__ import annotations

import difflib
import os
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from monitors.config import ModelConfig
from monitors.core.errors import WarehouseError
from monitors.warehouse.dialects import DIALECTS, Dialect, dialect_record


def resolved_warehouse_url(url: str, home: Path) -> sa.URL:
    """A SQLAlchemy URL; a relative embedded file (DuckDB) resolves against MONITORS_HOME."""
    parsed = make_url(url)
    database = parsed.database
    backend = parsed.get_backend_name()
    embedded = backend in DIALECTS and dialect_record(backend).embedded_file
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
        parsed = resolved_warehouse_url(raw, config.home)
    except sa.exc.ArgumentError:
        raise WarehouseError(f"model {config.model}: warehouse is not a SQLAlchemy URL") from None
    try:
        dialect = dialect_record(parsed.get_backend_name())
    except ValueError as exc:
        raise WarehouseError(f"model {config.model}: warehouse: {exc}") from None
    if dialect.embedded_file and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():
        raise WarehouseError(
            f"model {config.model}: warehouse {dialect.name} file {parsed.database} does not exist")
    return create_dialect_engine(parsed, dialect, **load_dialect_arguments(dialect, config))


def create_dialect_engine(url: sa.URL | str, dialect: Dialect, **kwargs: Any) -> Engine:
    """An engine whose SQLAlchemy dialect quotes identifiers as the record says (PyHive doubles
    '"' inside backticks; Spark reads a doubled backtick)."""
    engine = sa.create_engine(url, **kwargs)
    _ARGUMENTS[engine] = kwargs
    if dialect.identifier_escape:
        preparer = engine.dialect.identifier_preparer
        preparer.escape_quote = dialect.identifier_escape
        preparer.escape_to_quote = dialect.identifier_escape * 2
    return engine


def load_engine_arguments(engine: Engine) -> dict[str, Any]:
    """The create_engine keyword arguments an engine was made with (GX makes its own engine on
    the same URL: it needs the same connect_args); the dialect's own for an engine made elsewhere."""
    found = _ARGUMENTS.get(engine)
    return dict(found) if found is not None else load_dialect_arguments(engine_dialect(engine))


_ARGUMENTS: weakref.WeakKeyDictionary[Engine, dict[str, Any]] = weakref.WeakKeyDictionary()


def load_dialect_arguments(dialect: Dialect, config: ModelConfig | None = None) -> dict[str, Any]:
    """create_engine's keyword arguments for the dialect and the config's
    warehouse_connect_args (GX's engine uses the same)."""
    connect_args = {**(load_duckdb_connect_args() if dialect.embedded_file else {}),
                    **(config.warehouse_connect_args if config is not None else {})}
    return {"connect_args": connect_args} if connect_args else {}


def engine_dialect(engine: Engine) -> Dialect:
    return dialect_record(engine.dialect.name)


def load_duckdb_connect_args() -> dict[str, Any]:
    """Read-only (many windows may read the file in parallel) and a memory limit: DuckDB runs
    inside our process, and its joins and counts spill to disk beyond it
    (MONITORS_DUCKDB_MEMORY_LIMIT, default 300MB: a higher limit raises the run's peak memory
    without making it faster, docs/performance.md has the figures; DuckDB's allocations outside
    its buffer pool come on top of the limit). Every engine on a
    file in one process must use the same arguments (DuckDB shares one instance per file)."""
    return {"read_only": True,
            "config": {"memory_limit": os.environ.get("MONITORS_DUCKDB_MEMORY_LIMIT", "300MB")}}


def compiled_query(engine: Engine, select: sa.Select[Any]) -> tuple[str, Any]:
    """A query's SQL text for the engine and its parameters (what cache keys hash)."""
    compiled = select.compile(engine)
    return str(compiled), compiled.params


def safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def engine_identity(engine: Engine) -> str:
    """Which warehouse, for cache keys, the same from every host: the backend and the database
    name, without the user, password, host or port (another worker may reach the same database
    by another name), and an embedded file by its name, not where MONITORS_HOME put it. The
    keys also hold the data's own summary, so two warehouses alike in name do not mix."""
    url = engine.url
    database = url.database or ""
    if engine_dialect(engine).embedded_file and database != ":memory:":
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
        with warnings.catch_warnings():  # PyHive's "Did not recognize type": _load_time_types does
            warnings.filterwarnings("ignore", "Did not recognize type", sa.exc.SAWarning)
            columns = sa.inspect(engine).get_columns(table, schema=schema or None)
    except sa.exc.NoSuchTableError:
        columns = []
    except sa.exc.DBAPIError as exc:
        raise WarehouseError(
            f"model {model}: cannot read table {name!r} from warehouse "
            f"{safe_url(engine)}: {type(exc.orig).__name__}"
        ) from None
    if not columns:
        raise WarehouseError(f"model {model}: table {name!r} not found in warehouse "
                             f"{safe_url(engine)}{_load_table_hint(engine, schema, table)}")
    types = _load_time_types(engine, name, {c["name"]: _undecorated(c["type"]) for c in columns}, model)
    return sa.Table(table, sa.MetaData(), *(sa.Column(c, t) for c, t in types.items()), schema=schema or None)


def _load_table_hint(engine: Engine, schema: str, table: str) -> str:
    """'; did you mean ...?' for a table name close to one the schema has (empty when none is)."""
    try:
        inspector = sa.inspect(engine)
        names = [*inspector.get_table_names(schema or None), *inspector.get_view_names(schema or None)]
    except (sa.exc.SQLAlchemyError, NotImplementedError):
        return ""
    close = difflib.get_close_matches(table, names, n=1, cutoff=0.6)
    return f"; did you mean {'.'.join([schema, close[0]]) if schema else close[0]!r}?" if close else ""


def _load_time_types(engine: Engine, name: str, types: dict[str, Any], model: str) -> dict[str, Any]:
    """The engine's time types that its driver does not reflect as SQLAlchemy's (Snowflake's
    TIMESTAMP_NTZ is a type of its own; PyHive gives NullType for Spark's TIMESTAMP_NTZ, whose
    name the dialect's `describe` reads) as DateTime (with a zone where the name holds one) or
    Date, by the names the dialect record lists."""
    dialect = engine_dialect(engine)
    names = {c: type(t).__name__ for c, t in types.items()
             if not isinstance(t, sa.DateTime | sa.Date | sa.Numeric | sa.Integer | sa.String | sa.Boolean)}
    unknown = [c for c in names if isinstance(types[c], sa.types.NullType)]
    if unknown and dialect.describe:
        quoted = ".".join(engine.dialect.identifier_preparer.quote(part) for part in name.split("."))
        with query_errors(engine, model, f"describing table {name!r}"), engine.connect() as conn:
            described = {str(r[0]).strip(): str(r[1] or "") for r in
                         conn.execute(sa.text(dialect.describe.format(table=quoted))) if r[0]}
        names.update({c: described.get(c, "") for c in unknown})
    typed = dict(types)
    for column, type_name in names.items():
        time_type = sqlalchemy_time_type(dialect, type_name)
        if time_type is not None:
            typed[column] = time_type
    return typed


def sqlalchemy_time_type(dialect: Dialect, type_name: str) -> Any:
    """SQLAlchemy's type for an engine's time type name (`TIMESTAMP_NTZ(9)`, `timestamp_ltz`):
    Date, or DateTime with a zone when the name holds one; None for other names."""
    base = type_name.lower().split("(")[0].strip()
    if base not in dialect.time_types:
        return None
    return sa.Date() if base == "date" else sa.DateTime(timezone=base in dialect.zoned_time_types)


def _undecorated(type_: Any) -> Any:
    """A driver's decorated type as the type it stands for: PyHive's HiveTimestamp refuses to bind
    a parameter ("Writing to Hive not supported"), its TIMESTAMP binds one."""
    return type_.impl_instance if isinstance(type_, sa.types.TypeDecorator) else type_


@contextmanager
def query_errors(engine: Engine, model: str, what: str) -> Iterator[None]:
    """The one translation of a failing query: SQLAlchemy's errors and the driver's own (its
    DB-API `Error`, raised where SQLAlchemy does not wrap it, e.g. while fetching) become a
    WarehouseError naming the model, what was being done (e.g. "query on table 'predictions'"),
    the warehouse (without its password) and the engine's first message line."""
    dbapi_error = getattr(getattr(engine.dialect, "loaded_dbapi", None), "Error", None)
    caught: tuple[type[BaseException], ...] = (sa.exc.SQLAlchemyError,) + (
        (dbapi_error,) if isinstance(dbapi_error, type) and issubclass(dbapi_error, BaseException) else ())
    try:
        yield
    except caught as exc:
        raise WarehouseError(f"model {model}: {what} failed in warehouse {safe_url(engine)}: "
                             f"{engine_message(exc)}") from None


def engine_message(exc: BaseException) -> str:
    """The engine's own first message line: the driver's error inside SQLAlchemy's, and inside
    a Thrift response (PyHive) its errorMessage, not the response's repr; at most 400 characters."""
    orig = getattr(exc, "orig", None) or exc
    for arg in getattr(orig, "args", ()):
        status = getattr(arg, "status", None)  # PyHive: TExecuteStatementResp(status=TStatus(...))
        message = getattr(status, "errorMessage", None) or getattr(arg, "errorMessage", None)
        if message:
            orig = message
            break
    text = str(orig).strip()
    line = next((part.strip() for part in text.splitlines() if part.strip()), "") or type(orig).__name__
    return line if len(line) <= 400 else line[:397] + "..."
