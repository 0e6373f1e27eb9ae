"""A table is reflected once per engine (a window reads the same tables seven times); a new
engine sees the table as it is now."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa

from monitors.warehouse.engine import load_table


def test_a_table_is_reflected_once_per_engine(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE predictions (id INTEGER, score DOUBLE)")
    engine = sa.create_engine(f"duckdb:///{path}")
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    first = load_table(engine, "predictions", "m")
    reflected = len(statements)
    assert reflected > 0 and load_table(engine, "predictions", "m") is first
    assert len(statements) == reflected  # no second catalog query
    engine.dispose()
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE predictions ADD COLUMN income DOUBLE")
    fresh = sa.create_engine(f"duckdb:///{path}")
    assert list(load_table(fresh, "predictions", "m").c.keys()) == ["id", "score", "income"]
    assert list(first.c.keys()) == ["id", "score"]
    fresh.dispose()
