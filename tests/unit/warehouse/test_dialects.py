"""The dialect records: backends named from URLs, unsupported ones refused with the reason, and
README's engine table saying what each record says (tested here, or compiled and parsed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.warehouse.dialects import DIALECTS, compute_backend, compute_dialect

README = Path(__file__).resolve().parents[3] / "README.md"


def test_backends_are_read_from_urls() -> None:
    assert compute_backend("postgresql+psycopg2://u@h/db") == "postgresql"
    assert compute_backend("hive://127.0.0.1:10000/default") == "hive"
    assert compute_dialect("hive").alias == "Spark SQL"
    with pytest.raises(ValueError, match="is not a SQLAlchemy URL"):
        compute_backend("warehouse.duckdb")


def test_an_engine_that_cannot_run_the_sql_says_why() -> None:
    with pytest.raises(ValueError, match=r"dialect 'mariadb' is not supported \(it has no GROUPING SETS\); "
                                         r"supported: bigquery, .*hive \(Spark SQL\), postgresql"):
        compute_dialect("mariadb")


def test_the_readme_engine_table_says_what_the_records_say() -> None:
    rows = {line.split("|")[1].strip(): line for line in README.read_text().splitlines()
            if line.startswith("| ") and line.count("|") == 5}
    for record in DIALECTS.values():
        row = rows[record.title]
        assert f"`{record.driver}`" in row, record.name
        assert row.rstrip(" |").endswith("tested here" if record.tested else "compiled and parsed, not run")
