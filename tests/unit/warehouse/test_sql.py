"""The SQL a dialect's record writes: NaN and infinities as SQL (never a bound parameter), NaN
tests where NaN = NaN is false, GROUPING with one argument, md5 as a lowercase hex text; and
the one-argument GROUPING sum gives GROUPING(a, b, c)'s bitmask."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pytest
import sqlalchemy as sa

from monitors.warehouse.sql import (
    ARRAY_DOT_MIN,
    array_of,
    dot_product,
    double_literal,
    grouping_bitmask,
    grouping_sum,
    is_finite,
    is_missing,
    md5_hex,
)

T = sa.table("t", sa.column("a"), sa.column("b"), sa.column("c"))


def _sql(expr: Any, dialect: str) -> str:
    statement = expr if isinstance(expr, sa.Select) else sa.select(expr)
    compiled = statement.compile(dialect=sa.dialects.registry.load(dialect)(),
                                       compile_kwargs={"literal_binds": True})
    return " ".join(str(compiled).split())


@pytest.mark.parametrize(("dialect", "nan", "inf"), [
    ("duckdb", "CAST('NaN' AS DOUBLE PRECISION)", "CAST('Infinity' AS DOUBLE PRECISION)"),
    ("hive", "CAST('NaN' AS DOUBLE)", "CAST('Infinity' AS DOUBLE)"),
    ("trino", "nan()", "infinity()"),
    ("snowflake", "CAST('NaN' AS DOUBLE)", "CAST('inf' AS DOUBLE)"),
])
def test_nan_and_infinities_are_sql_not_parameters(dialect: str, nan: str, inf: str) -> None:
    assert _sql(double_literal(float("nan")), dialect).startswith(f"SELECT {nan}")
    assert _sql(double_literal(float("inf")), dialect).startswith(f"SELECT {inf}")
    assert "0.25" in _sql(double_literal(0.25), dialect)  # finite: an ordinary value


def test_nan_is_tested_by_function_where_nan_is_not_equal_to_itself() -> None:
    assert _sql(is_missing(T.c.a), "trino") == "SELECT t.a IS NULL OR is_nan(t.a) AS anon_1 FROM t"
    assert "NOT is_nan(t.a) AND t.a != infinity() AND t.a != -infinity()" in _sql(is_finite(T.c.a), "trino")
    assert "`t`.`a` = CAST('NaN' AS DOUBLE)" in _sql(is_missing(T.c.a), "hive")


def test_grouping_takes_one_argument_where_the_dialect_says() -> None:
    exprs = [T.c.a, T.c.b]
    assert "grouping(t.a, t.b)" in _sql(grouping_bitmask(exprs), "postgresql")
    assert "(grouping(`t`.`a`) * 2 + grouping(`t`.`b`) * 1)" in _sql(grouping_bitmask(exprs), "hive")


def test_md5_is_lowercase_hex_by_the_dialects_functions() -> None:
    assert "lower(to_hex(md5(to_utf8(t.a))))" in _sql(md5_hex(T.c.a), "trino")
    assert "to_hex(md5(`t`.`a`))" in _sql(md5_hex(T.c.a), "bigquery")
    with duckdb.connect() as con:  # DuckDB's md5 is the hex text the others are brought to
        assert con.execute(_sql(md5_hex(sa.literal("abc")), "duckdb")).fetchone() == \
            ("900150983cd24fb0d6963f7d28e17f72",)


def test_the_one_argument_grouping_sum_is_the_multi_argument_bitmask() -> None:
    sets = sa.func.grouping_sets(sa.tuple_(), sa.tuple_(T.c.a), sa.tuple_(T.c.b, T.c.c), sa.tuple_(T.c.a, T.c.c))
    exprs = [T.c.a, T.c.b, T.c.c]
    query = sa.select(sa.func.grouping(*exprs), grouping_sum(exprs)).select_from(T).group_by(sets)
    with duckdb.connect() as con:
        con.execute("create table t as select range % 3 as a, range % 2 as b, range % 5 as c from range(30)")
        rows = con.execute(_sql(query, "duckdb")).fetchall()
    assert {a for a, _ in rows} == {0b111, 0b011, 0b100, 0b010}
    assert all(a == b for a, b in rows)


def test_the_dialect_expressions_are_in_the_statement_cache_key() -> None:
    """SQLAlchemy caches compiled statements by key: expressions over other columns (or another
    infinity) must not share one, and the same expression must (or nothing is cached)."""
    def key(expr: Any) -> Any:
        found = sa.select(expr)._generate_cache_key()
        assert found is not None  # cacheable
        return found
    assert key(is_missing(T.c.a)) == key(is_missing(T.c.a))
    assert key(is_missing(T.c.a)) != key(is_missing(T.c.b))
    assert key(double_literal(float("inf"))) != key(double_literal(float("-inf")))
    assert key(grouping_bitmask([T.c.a, T.c.b])) != key(grouping_bitmask([T.c.b, T.c.a]))
    assert key(md5_hex(T.c.a)) != key(md5_hex(T.c.b))


@pytest.mark.parametrize("width", [3, ARRAY_DOT_MIN + 12])
def test_a_dot_product_is_the_same_by_arrays_or_by_sums(width: int) -> None:
    rng = np.random.default_rng(width)
    values, weights = rng.normal(size=(50, width)), tuple(float(w) for w in rng.normal(size=width))
    names = [f"x{i}" for i in range(width)]
    table = sa.table("t", *(sa.column(n) for n in names))
    inner = sa.select(*table.c, array_of(list(table.c)).label("v")).subquery("inner")
    query = sa.select(dot_product(inner.c.v, [inner.c[n] for n in names], weights))
    by_duckdb = _sql(query, "duckdb")
    assert ("list_inner_product(" in by_duckdb) == (width >= ARRAY_DOT_MIN)
    assert "array" not in _sql(query, "hive") and "NULL AS `v`" in _sql(query, "hive")
    with duckdb.connect() as con:
        con.execute(f"create table t ({', '.join(f'{n} double' for n in names)})")
        con.executemany(f"insert into t values ({', '.join('?' * width)})", values.tolist())
        got = [row[0] for row in con.execute(by_duckdb).fetchall()]
    np.testing.assert_allclose(sorted(got), sorted(values @ np.array(weights)), rtol=1e-12)
