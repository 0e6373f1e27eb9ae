"""The dialect records: backends named from URLs, unsupported ones refused with the reason, and
The engine table of docs/engines.md saying what each record says (tested here, or compiled and parsed), every
time type of an engine read as time, naive timestamps as wall time in the schedule's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitors.warehouse.dialects import DIALECTS, backend_name, dialect_record
from monitors.warehouse.engine import sqlalchemy_time_type
from monitors.warehouse.queries import column_moment, column_utc, type_family

ENGINES = Path(__file__).resolve().parents[3] / "docs" / "engines.md"


def test_backends_are_read_from_urls() -> None:
    assert backend_name("postgresql+psycopg2://u@h/db") == "postgresql"
    assert backend_name("hive://127.0.0.1:10000/default") == "hive"
    assert dialect_record("hive").alias == "Spark SQL"
    with pytest.raises(ValueError, match="is not a SQLAlchemy URL"):
        backend_name("warehouse.duckdb")


def test_an_engine_that_cannot_run_the_sql_says_why() -> None:
    with pytest.raises(ValueError, match=r"dialect 'mariadb' is not supported \(it has no GROUPING SETS\); "
                                         r"supported: bigquery, .*hive \(Spark SQL\), postgresql"):
        dialect_record("mariadb")


def test_the_engine_table_says_what_the_records_say() -> None:
    rows = {line.split("|")[1].strip(): line for line in ENGINES.read_text().splitlines()
            if line.startswith("| ") and line.count("|") == 5}
    for record in DIALECTS.values():
        row = rows[record.title]
        assert f"`{record.driver}`" in row, record.name
        status = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert status.startswith("tested here") if record.tested else status == "compiled and parsed, not run"


def test_every_time_type_of_a_dialect_is_time() -> None:
    """Each engine's timestamp and date flavours reflect as time: natively (SQLAlchemy's
    DateTime or Date) or by the record's time_types (Snowflake's TIMESTAMP_NTZ is a type of its
    own); a flavour the driver knows that neither covers would make a timestamp column 'other'."""
    for record in DIALECTS.values():
        for name in record.time_types:
            assert type_family(sa.Column("t", sqlalchemy_time_type(record, name)).type) == "time", name
        try:
            names = dict(getattr(sa.dialects.registry.load(record.name), "ischema_names", None) or {})
        except Exception:  # a driver not installed here: its record's names are all there is
            continue
        for name, type_class in names.items():
            if "timestamp" in name.lower() or "datetime" in name.lower() or name.lower() == "date":
                native = type_family(type_class()) == "time"
                assert native or name.lower() in record.time_types, (record.name, name)


def test_naive_columns_are_wall_time_in_the_schedule_timezone() -> None:
    table = sa.Table("p", sa.MetaData(), sa.Column("naive", sa.DateTime()), sa.Column("day", sa.Date()),
                     sa.Column("zoned", sa.DateTime(timezone=True)))
    moment = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)  # midnight of January 2 in Berlin
    assert column_moment(table, "naive", moment, "Europe/Berlin") == datetime(2026, 1, 2)
    assert column_moment(table, "naive", moment) == datetime(2026, 1, 1, 23)
    assert column_moment(table, "day", moment, "Europe/Berlin") == date(2026, 1, 2)
    assert column_moment(table, "zoned", moment, "Europe/Berlin") == moment
    assert column_utc(table, "naive", datetime(2026, 1, 2), "Europe/Berlin") == moment
    assert column_utc(table, "naive", "2026-07-02 00:00:00", "Europe/Berlin") == \
        datetime(2026, 7, 1, 22, 0, tzinfo=UTC)  # summer time; PyHive returns text
