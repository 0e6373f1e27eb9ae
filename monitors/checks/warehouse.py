"""Checks in the warehouse: the model's GX suite validated by GX's SQL datasource on the window's
query, so the rows never leave the database (checks.run_frame_checks reads them all
into pandas). It gives the same rows as the pandas path; three GX 1.24 gaps are bridged here:

- DuckDB: GX fetches a metric's rows after closing its connection, which DuckDB's lazy cursors
  do not survive. GX keeps one persisted connection (a StaticPool engine) for the dialects in
  sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS (sqlite, ...); duckdb is added.
- A query asset has no column types (GX reflects only tables) and GX finds its column names by
  running the whole query: the batch's SQL text is given the Select's columns, which GX reads
  (`selected_columns`) instead.
- Profiled type lists name pandas dtypes: they are translated into the SQL type names GX
  compares for the dialect (its capability record: warehouse.dialects).
"""

from __future__ import annotations

import copy
import logging
import uuid
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.checks.context import gx_context, quiet_gx
from monitors.checks.results import result_measurements
from monitors.checks.suites import (
    NUMERIC_TYPES,
    STRING_TYPES,
    check_expectations,
    create_expectation_suite,
)
from monitors.core.errors import ChecksError
from monitors.core.measurement import Measurement
from monitors.warehouse.dialects import dialect_record
from monitors.warehouse.engine import load_engine_arguments, query_errors, safe_url

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.datasource.fluent import SQLDatasource

_FAMILIES = {**dict.fromkeys(NUMERIC_TYPES, "numeric"), **dict.fromkeys(STRING_TYPES, "text")}
# a column-map result needs the unexpected count, not a sample of unexpected values
_RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}


class _DialectName(str):
    """A dialect name where GX expects a GXSqlDialect member: compared as a string, read as
    .value."""

    @property
    def value(self) -> str:
        return str(self)


def _persist_connections(dialect: str) -> None:
    """Give the dialect (DuckDB) the single persisted connection GX gives sqlite (idempotent,
    process-wide)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as gx_engine

    dialects = gx_engine._PERSISTED_CONNECTION_DIALECTS
    if not any(d == dialect for d in dialects):
        gx_engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DialectName(dialect))  # type: ignore[assignment]


def sql_suite(suite: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The suite with pandas dtype names in type lists replaced by the dialect's SQL type names
    (other names are kept, so a suite written with SQL names works as it is)."""
    record = dialect_record(dialect)
    names = {"numeric": list(record.gx_numeric_types), "text": list(record.gx_text_types)}
    translated = copy.deepcopy(suite)
    for item in translated["expectations"]:
        kwargs = item.get("kwargs") or {}
        type_list = kwargs.get("type_list")
        if item["type"] == "expect_column_values_to_be_in_type_list" and isinstance(type_list, list):
            sql: list[str] = []
            for name in type_list:
                family = _FAMILIES.get(name) if isinstance(name, str) else None
                sql.extend(names[family] if family else [name])
            kwargs["type_list"] = list(dict.fromkeys(sql))
    return translated


@dataclass(frozen=True)
class WindowSql:
    """The window's Select as GX's batch takes it: SQL text with its values inlined, and the
    Select's column names and types. Picklable: the process validating beside a run gets it from
    the parent instead of reflecting the tables and building the query again."""

    text: str
    columns: tuple[tuple[str, sa.types.TypeEngine[Any]], ...]


def window_sql(engine: sa.Engine, query: sa.Select[Any]) -> WindowSql:
    """The Select as SQL text with its values inlined (GX takes text): datetimes render as
    ISO literals ('2026-01-01 00:00:00', '+00:00' for a time-zone-aware column), which DuckDB
    and PostgreSQL cast to the compared column's type."""
    text = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    return WindowSql(text, tuple((c.name, c.type) for c in query.selected_columns))


def _bare_type(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The type without length/precision/scale: GX compares compiled names (NUMERIC, not
    NUMERIC(10, 2)) on PostgreSQL; isinstance elsewhere is unaffected."""
    bare = copy.copy(type_)
    for attr in ("length", "precision", "scale"):
        if getattr(bare, attr, None) is not None:
            setattr(bare, attr, None)
    return bare


def _describe_batches(source: SQLDatasource, sql: WindowSql) -> None:
    """Make the batches of this datasource carry the Select's columns and types, which GX reads
    from a query's text clause (`selected_columns`); else it runs the whole query for the names
    and fails type expectations (KeyError 'type')."""
    columns = sa.table("window", *(sa.column(name, _bare_type(type_)) for name, type_ in sql.columns)).c
    execution_engine = source.get_execution_engine()
    load = execution_engine.get_batch_data_and_markers

    def get_batch_data_and_markers(batch_spec: Any) -> Any:
        batch_data, markers = load(batch_spec)
        if isinstance(batch_data.selectable, sa.TextClause):
            batch_data.selectable.selected_columns = columns  # type: ignore[attr-defined]
        return batch_data, markers

    execution_engine.get_batch_data_and_markers = get_batch_data_and_markers  # type: ignore[method-assign]


def _close(source: SQLDatasource) -> None:
    """Close the persisted connection and both engines: a DuckDB file stays locked while open."""
    execution_engine = source.get_execution_engine()
    if execution_engine._connection is not None:
        execution_engine._connection.close()
    execution_engine.engine.dispose()
    if source._engine is not None:
        source._engine.dispose()


def _fail(model: str, engine: sa.Engine, exc: Exception) -> ChecksError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if engine.url.password:
        detail = detail.replace(str(engine.url.password), "***")
    return ChecksError(f"model {model}: cannot validate the suite in warehouse "
                       f"{safe_url(engine)}: {detail}")


def _validate(suite: dict[str, Any], engine: sa.Engine, sql: WindowSql, model: str
              ) -> ExpectationSuiteValidationResult:
    check_expectations(suite, model)
    expectation_suite = create_expectation_suite(sql_suite(suite, engine.dialect.name), model)
    record = dialect_record(engine.dialect.name)
    if record.embedded_file and engine.url.database in (None, "", ":memory:"):
        raise ChecksError(f"model {model}: checks in the warehouse need a {record.name} file, "
                          "not an in-memory database")
    typed = sa.text(sql.text).columns(*(sa.column(name, type_) for name, type_ in sql.columns))
    with query_errors(engine, model, "window query"), engine.connect() as conn:
        # GX would turn a failing query into failed checks
        conn.execute(sa.select(typed.subquery("checked")).limit(0)).close()
    if record.gx_persisted_connection:
        _persist_connections(record.name)
    kwargs = load_engine_arguments(engine)
    context = gx_context()
    name = f"warehouse-{uuid.uuid4().hex}"
    try:
        with warnings.catch_warnings():  # GX suggests a dialect-specific datasource type
            warnings.simplefilter("ignore")
            source = context.data_sources.add_sql(  # GX tests the connection here
                name, connection_string=engine.url.render_as_string(hide_password=False), kwargs=kwargs)
    except Exception as exc:  # GX wraps driver errors in its own types
        raise _fail(model, engine, exc) from None
    try:
        _describe_batches(source, sql)
        asset = source.add_query_asset("window", query=sql.text)
        batch = asset.add_batch_definition_whole_table("window").get_batch()
        return batch.validate(expectation_suite, result_format=_RESULT_FORMAT)
    finally:
        _close(source)
        context.data_sources.delete(name)


def load_warehouse_check_measurements(suite: dict[str, Any], engine: sa.Engine,
                                         query: sa.Select[Any] | WindowSql, model: str) -> list[Measurement]:
    """Validate the suite on the window's rows in the warehouse (`query`: the window's Select on
    `engine`, or its window_sql); one measurement per expectation, as checks.run_frame_checks
    gives."""
    quiet_gx()
    # on DuckDB GX logs, per type check, that it compares with sqlalchemy's own types: as intended
    logging.getLogger("great_expectations.expectations.type_comparison").setLevel(logging.ERROR)
    sql = query if isinstance(query, WindowSql) else window_sql(engine, query)
    return result_measurements(_validate(suite, engine, sql, model))
