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


def test_cache_keys_name_the_warehouse_the_same_from_every_host(tmp_path: Path) -> None:
    """A worker with another MONITORS_HOME (so another absolute path to the same DuckDB file),
    or reaching PostgreSQL by another host or user, keys the baseline's profile the same."""
    from monitors.warehouse.engine import engine_identity

    for home in ("a", "b"):
        (tmp_path / home).mkdir()
        with duckdb.connect(str(tmp_path / home / "warehouse.duckdb")):
            pass
    identities = set()
    for url in (f"duckdb:///{tmp_path / 'a' / 'warehouse.duckdb'}", f"duckdb:///{tmp_path / 'b' / 'warehouse.duckdb'}",
                "postgresql+psycopg2://alice:secret@10.0.0.5:5432/sales",
                "postgresql+psycopg2://bob@db.internal/sales"):
        engine = sa.create_engine(url)
        identities.add(engine_identity(engine))
        engine.dispose()
    assert identities == {"duckdb:warehouse.duckdb", "postgresql:sales"}
