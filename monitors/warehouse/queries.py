"""The queries of a window and of the baseline: SELECTs built from reflected tables, not yet
run (warehouse.frames reads their rows into pandas, counts and outcomes aggregate them).

Identifiers come from the config and are always quoted by SQLAlchemy, never pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitors.config import ModelConfig
from monitors.core.errors import WarehouseError
from monitors.core.fields import LABEL
from monitors.core.window import Window, compute_local, compute_utc, compute_zone
from monitors.warehouse.engine import load_table, query_errors
from monitors.warehouse.slices import sliced_select

_ROW_NUMBER, _LABEL_ID, _LABEL_TIME = "__rn", "__gid", "__labelled_at"


def type_family(type_: sa.types.TypeEngine[Any]) -> str:
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


def column_families(table: sa.Table) -> dict[str, str]:
    return {column.name: type_family(column.type) for column in table.c}


def _require(table: sa.Table, names: list[str], model: str, what: str) -> None:
    missing = [n for n in names if n not in table.c]
    if missing:
        raise WarehouseError(
            f"model {model}: table {table.fullname!r} has no column "
            f"{', '.join(repr(m) for m in missing)} ({what}); "
            f"it has {', '.join(table.c.keys())}"
        )


def column_moment(table: sa.Table, column: str, moment: datetime, timezone: str = "UTC"
                          ) -> datetime | date:
    """The value a time column is compared with at `moment`: an instant for a zoned column; for
    a naive one (TIMESTAMP, TIMESTAMP_NTZ, DATETIME) the wall time in the schedule's timezone;
    for a DATE the day there."""
    utc = compute_utc(moment)
    type_ = table.c[column].type
    if getattr(type_, "timezone", False):
        return utc
    local = utc.astimezone(compute_zone(timezone)).replace(tzinfo=None)
    return local.date() if isinstance(type_, sa.Date) and not isinstance(type_, sa.DateTime) else local


def column_utc(table: sa.Table, column: str, value: datetime | date, timezone: str = "UTC"
                       ) -> datetime:
    """A value read from a time column as a UTC instant (naive values are wall time in the
    schedule's timezone)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return compute_utc(value)
    return compute_utc(compute_local(compute_utc(value).replace(tzinfo=None), compute_zone(timezone)))


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
        query = query.where(table.c[gt.timestamp] <= column_moment(table, gt.timestamp, as_of,
                                                                           config.timezone))
    return query.subquery("labels")


def _load_unique(engine: Engine, select: sa.Select[Any], id_column: str, config: ModelConfig,
                 table: str) -> tuple[bool, bool]:
    """Whether every row of `select` has its own id (no NULL ids either), and whether it has
    none."""
    source = select.subquery("checked")
    check = sa.select(sa.func.count(), sa.func.count(sa.distinct(source.c[id_column])))
    with query_errors(engine, config.model, f"query on table {table!r}"), engine.connect() as conn:
        rows, ids = conn.execute(check).one()
    return bool(rows == ids), not rows


def _latest(select: sa.Select[Any], names: list[str], partition: Any, order: list[Any]
            ) -> sa.Select[Any]:
    """The rows of `select` first in `order` within each `partition` value."""
    rn = sa.func.row_number().over(partition_by=partition, order_by=order)
    inner = select.add_columns(rn.label(_ROW_NUMBER)).subquery("window_rows")
    return sa.select(*(inner.c[n] for n in names)).where(inner.c[_ROW_NUMBER] == 1)


def _load_predictions_query(engine: Engine, config: ModelConfig, start: datetime, end: datetime,
                       as_of: datetime | None) -> Query:
    """The rows of [start, end) with their labels: the latest row per prediction id, and its
    latest label that arrived by `as_of`. One aggregate first asks whether any id repeats; the
    usual answer, no, leaves plain scans with no window function for every later query."""
    p = config.predictions
    table = load_table(engine, p.table, config.model)
    _require(table, [p.id, p.timestamp, *p.outputs], config.model, "predictions")
    present, missing = _feature_columns(config, table)
    names = list(dict.fromkeys([p.id, p.timestamp, *p.outputs, *present]))
    columns = [table.c[c] for c in names]
    in_window = [table.c[p.timestamp] >= column_moment(table, p.timestamp, start, config.timezone),
                 table.c[p.timestamp] < column_moment(table, p.timestamp, end, config.timezone)]
    features = sa.select(*columns).where(*in_window)
    latest_row = [table.c[p.timestamp].desc()]
    rows = features
    if config.ground_truth is not None:
        labels = _labels_subquery(engine, config, as_of)
        rows = (sa.select(*columns, labels.c[LABEL])
                .select_from(table.outerjoin(labels, table.c[p.id] == labels.c[_LABEL_ID]))
                .where(*in_window))
        unique, empty = _load_unique(engine, rows, p.id, config, table.fullname)
        if not unique:
            rows = _latest(rows, [*names, LABEL], table.c[p.id],
                           [*latest_row, labels.c[_LABEL_TIME].desc().nulls_last()])
            if not _load_unique(engine, features, p.id, config, table.fullname)[0]:
                features = _latest(features, names, table.c[p.id], latest_row)
        return Query(rows, table.fullname, missing, True, column_families(table), features, empty)
    unique, empty = _load_unique(engine, features, p.id, config, table.fullname)
    if not unique:
        features = _latest(features, names, table.c[p.id], latest_row)
    return Query(features, table.fullname, missing, False, column_families(table), features, empty)


@dataclass
class Query:
    """A SELECT of rows in the warehouse, not yet run, with what reflection found."""

    select: sa.Select[Any]
    table: str
    missing_columns: list[str]
    has_labels: bool
    columns: dict[str, str]
    features: sa.Select[Any]  # the same rows without the label: no join, for drift and quality
    empty: bool = False  # no row in it (counted when the query was built); False when not counted


def load_window_query(engine: Engine, config: ModelConfig, window: Window,
                         as_of: datetime | None = None) -> Query:
    """The window's predictions (latest row per id wins) with their labels, if any arrived."""
    return _sliced(engine, config, _load_predictions_query(engine, config, window.start, window.end, as_of))


def _sliced(engine: Engine, config: ModelConfig, query: Query) -> Query:
    """The query with one more column per slice (warehouse.slices), read as a segment is."""
    backend = engine.dialect.name
    return replace(query, select=sliced_select(config, query.select, backend),
                   features=sliced_select(config, query.features, backend))


def load_baseline_query(engine: Engine, config: ModelConfig, as_of: datetime | None = None
                           ) -> Query:
    """The training baseline: a table with the features, the score and the label, or a fixed
    window of the predictions table joined with its labels."""
    if config.baseline.window is not None:
        w = config.baseline.window
        return _sliced(engine, config, _load_predictions_query(engine, config, w.start, w.end, as_of))
    assert config.baseline.table is not None
    table_ = load_table(engine, config.baseline.table, config.model)
    _require(table_, config.predictions.outputs, config.model, "baseline")
    present, missing = _feature_columns(config, table_)
    names = [*config.predictions.outputs, *present]
    columns: list[Any] = [table_.c[c] for c in dict.fromkeys(names)]
    has_labels = False
    gt = config.ground_truth
    if gt is not None and gt.label in table_.c:
        columns.append(table_.c[gt.label].label(LABEL))
        has_labels = True
    features = sa.select(*(table_.c[c] for c in dict.fromkeys(names)))
    return _sliced(engine, config, Query(sa.select(*columns), table_.fullname, missing, has_labels,
                                         column_families(table_), features))


def load_table_columns(engine: Engine, config: ModelConfig) -> dict[str, str]:
    """The predictions table's columns with their type families (for the schema snapshot)."""
    return column_families(load_table(engine, config.predictions.table, config.model))
