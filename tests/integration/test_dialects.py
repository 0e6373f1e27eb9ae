"""Every statement a run issues, for each engine that is declared but not run here (Snowflake,
BigQuery, Trino, Redshift, Databricks) and for Spark SQL: compiled by that dialect's SQLAlchemy
package with its values inlined, and parsed by sqlglot for that dialect. The dialect's record
(warehouse/dialects.py) supplies what differs: NaN tests, GROUPING arity, md5. And an engine
that cannot run the SQL is refused when the config loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.sql.util import find_tables
from sqlglot import expressions as exp

from monitors.cli import main
from monitors.testing import make_tables, write_config, write_duckdb_warehouse
from monitors.warehouse.dialects import DIALECTS

COMPILED = sorted(name for name, d in DIALECTS.items() if name != "duckdb")
RUN = ["--start", "2026-01-01", "--end", "2026-01-04", "--as-of", "2026-01-05", "--jobs", "1"]
SPECIAL = {"nan", "inf", "infinity", "-inf"}  # what a client-side binding of a float writes


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> list[sa.sql.Select[Any]]:
    """The SELECTs three runs issue on DuckDB (binary with drift, a performance drop, tracing,
    label-free estimates, reports from md5 samples; regression; multiclass, with and without class
    probabilities), without the
    driver's own catalog queries (reflection is each dialect's own business)."""
    home = tmp_path_factory.mktemp("dialects")
    tables = make_tables(seed=4, days=3, rows_per_day=900, drift_from_day=1, drop_from_day=1,
                         label_delay_max_days=3)
    later = tables["predictions"].head(30).copy()  # rescored: the latest row per id wins
    later["predicted_at"] += pd.Timedelta(minutes=1)
    tables["predictions"] = pd.concat([tables["predictions"], later], ignore_index=True)
    for table in ("predictions", "training_data"):  # a class label and probabilities for multiclass
        tables[table]["predicted_class"] = (tables[table]["score"] >= 0.5).astype(int)
        tables[table]["p_one"], tables[table]["p_zero"] = tables[table]["score"], 1 - tables[table]["score"]
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    configs = [
        write_config(home, url, name="binary.yaml", checks=None, **{"report.sample_size": 100}),
        write_config(home, url, name="regression.yaml", checks=None, store="r.duckdb", task="regression",
                     **{"performance.metrics": ["mae", "rmse", "r2"]}),
        write_config(home, url, name="multiclass.yaml", checks=None, store="m.duckdb",
                     task="multiclass_classification",
                     **{"predictions.score": "predicted_class", "performance.metrics": ["accuracy", "f1"],
                        "segments": []}),  # no segments: a plain GROUP BY
        write_config(home, url, name="probabilities.yaml", checks=None, store="p.duckdb",
                     task="multiclass_classification",
                     **{"predictions.score": None, "predictions.predicted_label": None,
                        "predictions.class_scores": {"1": "p_one", "0": "p_zero"},
                        "performance.metrics": ["roc_auc", "log_loss"]}),
    ]
    captured: list[sa.sql.Select[Any]] = []

    def grab(conn: Any, clause: Any, *args: Any) -> None:
        if isinstance(clause, sa.sql.Select) and not any(
                getattr(t, "schema", None) in ("pg_catalog", "information_schema")
                for t in find_tables(clause, include_joins=True, include_aliases=True)):
            captured.append(clause)

    sa.event.listen(sa.engine.Engine, "before_execute", grab)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MONITORS_HOME", str(home))  # relative stores and reports land in home
            patch.chdir(home)
            for config in configs:
                report = [] if config.stem == "binary" else ["--no-report"]
                assert main(["run", str(config), *RUN, *report]) in (0, 1)
    finally:
        sa.event.remove(sa.engine.Engine, "before_execute", grab)
    return captured


def _compiled(statement: sa.sql.Select[Any], name: str) -> str:
    dialect = sa.dialects.registry.load(name)()
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _functions(tree: exp.Expression, name: str) -> list[exp.Expression]:
    return [f for f in tree.find_all(exp.Func) if f.sql_name().lower() == name
            or (isinstance(f, exp.Anonymous) and str(f.this).lower() == name)]


def test_the_runs_issue_every_kind_of_statement(statements: list[sa.sql.Select[Any]]) -> None:
    texts = [str(s) for s in statements]
    assert len(texts) > 30
    for part in ("GROUPING SETS", "md5(", "'NaN'", "stddev_pop", "row_number", "sampled"):
        assert any(part in t for t in texts), part


@pytest.mark.parametrize("name", COMPILED)
def test_every_statement_compiles_and_parses_for_the_dialect(statements: list[sa.sql.Select[Any]],
                                                             name: str) -> None:
    record = DIALECTS[name]
    seen: dict[str, int] = {"nan": 0, "grouping": 0, "md5": 0, "group": 0}
    for statement in statements:
        text = _compiled(statement, name)
        tree = sqlglot.parse_one(text, read=record.sqlglot)  # raises on SQL the dialect cannot read
        bare = {c.name.lower() for c in tree.find_all(exp.Column)} & SPECIAL
        assert not bare, f"{name}: a float written as a column name {bare}: {text[:300]}"
        for grouping in _functions(tree, "grouping"):
            seen["grouping"] += 1
            arguments = len(grouping.expressions) or 1
            assert record.multi_argument_grouping or arguments == 1, f"{name}: {grouping.sql()}"
        if record.nan_function:  # NaN = NaN is false there: never compared with
            assert "'NaN'" not in text and "nan()" not in text, text[:300]
            seen["nan"] += text.lower().count(f"{record.nan_function}(")
        else:
            seen["nan"] += text.count(record.special_doubles[0].split(" AS")[0])
        if "md5(" in text.lower():
            seen["md5"] += 1
            assert "(".join(record.md5) + "(" in text.lower(), text[:300]
        seen["group"] += _check_grouping_keys(tree, name, text)
        bare = [c.sql() for c in tree.find_all(exp.Cast) if c.to.this in (exp.DataType.Type.DECIMAL,)
                and not c.to.expressions]
        assert not bare, f"{name}: a DECIMAL without precision (Spark's rounds to integers): {bare[:2]}"
    assert seen["nan"] > 0 and seen["grouping"] > 0 and seen["md5"] > 0 and seen["group"] > 0, seen


def _check_grouping_keys(tree: exp.Expression, name: str, text: str) -> int:
    """No GROUP BY key is one parenthesised list: Spark and Databricks read `GROUP BY (a, b)` as
    one struct, not two keys; inside GROUPING SETS a parenthesised list is a set, as it should be.
    Returns the number of GROUP BY clauses seen."""
    groups = list(tree.find_all(exp.Group))
    for group in groups:
        tuples = [e.sql() for e in group.expressions if isinstance(e, exp.Tuple | exp.Paren)]
        assert not tuples, f"{name}: GROUP BY of one parenthesised list {tuples[:1]}: {text[:300]}"
    return len(groups)


@pytest.mark.parametrize(("url", "reason"), [
    ("mariadb+pymysql://root@127.0.0.1:3306/test", "it has no GROUPING SETS"),
    ("mysql+pymysql://root@127.0.0.1:3306/test", "it has no GROUPING SETS"),
    ("sqlite:///warehouse.sqlite", "it has no GROUPING SETS"),
    ("mssql+pyodbc://sa@127.0.0.1/test", "its GROUPING takes one argument"),
])
def test_an_engine_that_cannot_run_the_sql_is_refused_before_anything(
        home: Path, url: str, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(home, url)
    assert main(["run", str(config), *RUN]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    backend = url.split(":", 1)[0].split("+")[0]
    assert len(err) == 1 and f"dialect {backend!r} is not supported ({reason})" in err[0]
    assert "supported: bigquery, databricks, duckdb, hive (Spark SQL), postgresql" in err[0]
    assert not (home / "monitoring").exists() and not (home / "monitoring.duckdb").exists()
