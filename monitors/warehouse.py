"""The warehouse seam (any SQLAlchemy database; DuckDB by default): engines, reflected tables and
the queries of a window and of the baseline; monitors.frames reads their rows into pandas.

Identifiers come from the config and are always quoted by SQLAlchemy, never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from monitors.config import ModelConfig
from monitors.errors import MonitorsError
from monitors.window import Window, compute_utc

LABEL = "__label"
_ROW_NUMBER, _LABEL_ID, _LABEL_TIME = "__rn", "__gid", "__labelled_at"


class WarehouseError(MonitorsError):
    """The warehouse could not give what the config asks for; the message says what and where."""


def compute_type_family(type_: sa.types.TypeEngine[Any]) -> str:
    """numeric, text, time, boolean or other: what a schema check compares between runs."""
    if isinstance(type_, sa.Boolean):
        return "boolean"
    if isinstance(type_, sa.Integer | sa.Numeric | sa.Float):
        return "numeric"
    if isinstance(type_, sa.String | sa.Enum):
        return "text"
    if isinstance(type_, sa.DateTime | sa.Date | sa.Time):
        return "time"
    return "other"


def compute_table_columns(table: sa.Table) -> dict[str, str]:
    return {column.name: compute_type_family(column.type) for column in table.c}


def compute_warehouse_url(url: str, home: Path) -> sa.URL:
    """A SQLAlchemy URL; a relative DuckDB or SQLite file resolves against MONITORS_HOME."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() in ("duckdb", "sqlite") and database and database != ":memory:":
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
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "duckdb":
        if parsed.database and parsed.database != ":memory:" and not Path(parsed.database).exists():
            raise WarehouseError(
                f"model {config.model}: warehouse DuckDB file {parsed.database} does not exist"
            )
        kwargs["connect_args"] = compute_duckdb_connect_args()
    return sa.create_engine(parsed, **kwargs)


def compute_duckdb_connect_args() -> dict[str, Any]:
    """Read-only (many windows may read the file in parallel) and a memory limit: DuckDB runs
    inside our process, and its joins and counts spill to disk beyond it
    (MONITORS_DUCKDB_MEMORY_LIMIT, default 300MB; measured on a 10M-row window, the whole run
    peaks at 0.88 GB with 300MB, 1.06 GB with 400MB, 1.22 GB with 500MB, in about the same time;
    DuckDB's allocations outside its buffer pool come on top of the limit). Every engine on a
    file in one process must use the same arguments (DuckDB shares one instance per file)."""
    import os

    return {"read_only": True,
            "config": {"memory_limit": os.environ.get("MONITORS_DUCKDB_MEMORY_LIMIT", "300MB")}}


def compute_safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def load_table(engine: Engine, name: str, model: str) -> sa.Table:
    """Reflect a table (`table` or `schema.table`); a clear error if it is not there."""
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
    return sa.Table(table, sa.MetaData(), *(sa.Column(c["name"], c["type"]) for c in columns),
                    schema=schema or None)


def _require(table: sa.Table, names: list[str], model: str, what: str) -> None:
    missing = [n for n in names if n not in table.c]
    if missing:
        raise WarehouseError(
            f"model {model}: table {table.fullname!r} has no column "
            f"{', '.join(repr(m) for m in missing)} ({what}); "
            f"it has {', '.join(table.c.keys())}"
        )


def _bound(table: sa.Table, column: str, moment: datetime) -> datetime:
    """Timestamps are UTC; a naive column is compared with naive UTC values."""
    utc = compute_utc(moment)
    aware = getattr(table.c[column].type, "timezone", False)
    return utc if aware else utc.replace(tzinfo=None)


def _feature_columns(config: ModelConfig, table: sa.Table) -> tuple[list[str], list[str]]:
    wanted = [*config.predictions.features.all]
    for optional in (config.predictions.predicted_label, config.predictions.model_version):
        if optional:
            wanted.append(optional)
    present = [c for c in dict.fromkeys(wanted) if c in table.c]
    missing = [c for c in dict.fromkeys(wanted) if c not in table.c]
    return present, missing


def _labels_subquery(engine: Engine, config: ModelConfig, as_of: datetime | None) -> sa.Subquery:
    """Every label row that had arrived by `as_of` (all of them without a label timestamp)."""
    gt = config.ground_truth
    assert gt is not None
    table = load_table(engine, gt.table, config.model)
    _require(table, [gt.id, gt.label], config.model, "ground_truth")
    if gt.timestamp:
        _require(table, [gt.timestamp], config.model, "ground_truth.timestamp")
    arrived = table.c[gt.timestamp] if gt.timestamp else sa.null()
    query = sa.select(table.c[gt.id].label(_LABEL_ID), table.c[gt.label].label(LABEL),
                      arrived.label(_LABEL_TIME))
    if gt.timestamp and as_of is not None:
        query = query.where(table.c[gt.timestamp] <= _bound(table, gt.timestamp, as_of))
    return query.subquery("labels")


def _load_unique(engine: Engine, select: sa.Select[Any], id_column: str, config: ModelConfig,
                 table: str) -> bool:
    """Whether every row of `select` has its own id (no NULL ids either)."""
    source = select.subquery("checked")
    check = sa.select(sa.func.count(), sa.func.count(sa.distinct(source.c[id_column])))
    with compute_query_errors(config, table), engine.connect() as conn:
        rows, ids = conn.execute(check).one()
    return bool(rows == ids)


@contextmanager
def compute_query_errors(config: ModelConfig, table: str) -> Iterator[None]:
    """A failing query becomes a WarehouseError naming the model and the table."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        detail = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise WarehouseError(
            f"model {config.model}: query on table {table!r} failed: {detail}") from None


def _latest(select: sa.Select[Any], names: list[str], partition: Any, order: list[Any]
            ) -> sa.Select[Any]:
    """The rows of `select` first in `order` within each `partition` value."""
    rn = sa.func.row_number().over(partition_by=partition, order_by=order)
    inner = select.add_columns(rn.label(_ROW_NUMBER)).subquery("window_rows")
    return sa.select(*(inner.c[n] for n in names)).where(inner.c[_ROW_NUMBER] == 1)


def _predictions_query(engine: Engine, config: ModelConfig, start: datetime, end: datetime,
                       as_of: datetime | None) -> Query:
    """The rows of [start, end) with their labels: the latest row per prediction id, and its
    latest label that arrived by `as_of`. One aggregate first asks whether any id repeats; the
    usual answer, no, leaves plain scans with no window function for every later query."""
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    _require(table, [p.id, p.timestamp, p.score], config.model, "predictions")
    present, missing = _feature_columns(config, table)
    names = list(dict.fromkeys([p.id, p.timestamp, p.score, *present]))
    columns = [table.c[c] for c in names]
    in_window = [table.c[p.timestamp] >= _bound(table, p.timestamp, start),
                 table.c[p.timestamp] < _bound(table, p.timestamp, end)]
    features = sa.select(*columns).where(*in_window)
    latest_row = [table.c[p.timestamp].desc()]
    rows = features
    if config.ground_truth is not None:
        labels = _labels_subquery(engine, config, as_of)
        rows = (sa.select(*columns, labels.c[LABEL])
                .select_from(table.outerjoin(labels, table.c[p.id] == labels.c[_LABEL_ID]))
                .where(*in_window))
        if not _load_unique(engine, rows, p.id, config, table.fullname):
            rows = _latest(rows, [*names, LABEL], table.c[p.id],
                           [*latest_row, labels.c[_LABEL_TIME].desc().nulls_last()])
            if not _load_unique(engine, features, p.id, config, table.fullname):
                features = _latest(features, names, table.c[p.id], latest_row)
        return Query(rows, table.fullname, missing, True, compute_table_columns(table), features)
    if not _load_unique(engine, features, p.id, config, table.fullname):
        features = _latest(features, names, table.c[p.id], latest_row)
    return Query(features, table.fullname, missing, False, compute_table_columns(table), features)


@dataclass
class Query:
    """A SELECT of rows in the warehouse, not yet run, with what reflection found."""

    select: sa.Select[Any]
    table: str
    missing_columns: list[str]
    has_labels: bool
    columns: dict[str, str]
    features: sa.Select[Any]  # the same rows without the label: no join, for drift and quality


def compute_window_query(engine: Engine, config: ModelConfig, window: Window,
                         as_of: datetime | None = None) -> Query:
    """The window's predictions (latest row per id wins) with their labels, if any arrived."""
    return _predictions_query(engine, config, window.start, window.end, as_of)


def compute_baseline_query(engine: Engine, config: ModelConfig, as_of: datetime | None = None
                           ) -> Query:
    """The training baseline: a table with the features, the score and the label, or a fixed
    window of the predictions table joined with its labels."""
    if config.baseline.window is not None:
        w = config.baseline.window
        return _predictions_query(engine, config, w.start, w.end, as_of)
    assert config.baseline.table is not None
    table_ = load_table(engine, config.baseline.table, config.model)
    _require(table_, [config.predictions.score], config.model, "baseline")
    present, missing = _feature_columns(config, table_)
    names = [config.predictions.score, *present]
    columns: list[Any] = [table_.c[c] for c in dict.fromkeys(names)]
    has_labels = False
    gt = config.ground_truth
    if gt is not None and gt.label in table_.c:
        columns.append(table_.c[gt.label].label(LABEL))
        has_labels = True
    features = sa.select(*(table_.c[c] for c in dict.fromkeys(names)))
    return Query(sa.select(*columns), table_.fullname, missing, has_labels,
                 compute_table_columns(table_), features)


def load_table_columns(engine: Engine, config: ModelConfig) -> dict[str, str]:
    """The predictions table's columns with their type families (for the schema snapshot)."""
    return compute_table_columns(load_table(engine, config.predictions.table, config.model))
