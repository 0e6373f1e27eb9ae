"""Custom metrics' SQL checked at config load: what passes is one aggregate expression over the
window's columns, written back out by sqlglot; every injection try is a ConfigError naming the
key, in each dialect's parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.config import ConfigError, load_config
from monitors.core.custom import CustomMetric
from monitors.core.fields import LABEL
from monitors.testing import write_config
from monitors.warehouse.expressions import checked_metric, derived_tree, derived_value, numeric_booleans

URLS = {"duckdb": "duckdb:///w.duckdb", "postgres": "postgresql://u@localhost/db",
        "spark": "hive://localhost:10000/default"}
COLUMNS = ["prediction_id", "predicted_at", "score", "income", "debt_ratio", "age", "region", "product"]


def _load(tmp_path: Path, url: str, *metrics: dict) -> object:
    return load_config(write_config(tmp_path, url, custom_metrics=list(metrics)))


@pytest.mark.parametrize("dialect", sorted(URLS))
@pytest.mark.parametrize(("sql", "why"), [
    ("avg(income)); DROP TABLE outcomes; --", "';' is not allowed"),
    ("avg(income);", "';' is not allowed"),
    ("(select max(income) from predictions)", "a subquery is not allowed"),
    ("avg(income) + (select count(*) from outcomes)", "a subquery is not allowed"),
    ("avg(income) /* ; DROP TABLE outcomes */", "comments are not allowed"),
    ("avg(income) -- hidden\n", "comments are not allowed"),
    ("avg(income) -- hidden\n; DROP TABLE outcomes", "';' is not allowed"),
    ("avg(read_csv('/etc/passwd'))", "function read_csv is not allowed"),
    ("avg(income) over ()", "window is not allowed"),
    ("income", "column 'income' is outside an aggregate"),
    ("avg(sum(income))", "an aggregate inside an aggregate"),
    ("avg(incme)", "no column 'incme'; did you mean 'income'"),
    ("sum(outcomes.defaulted)", "without a table"),
])
def test_injection_tries_are_config_errors_naming_the_key(tmp_path: Path, dialect: str, sql: str,
                                                         why: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, URLS[dialect], {"name": "mean_income", "sql": sql, "max_change": 0.1})
    assert "model.yaml: custom_metrics.0.sql: mean_income: " in str(info.value)  # the key, not (top level)
    assert why in str(info.value)


def test_a_filter_is_checked_as_strictly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"where: a subquery is not allowed"):
        _load(tmp_path, URLS["duckdb"], {"name": "m", "sql": "avg(income)",
                                         "where": "product in (select product from outcomes)"})
    with pytest.raises(ConfigError, match=r"where: function avg is not allowed"):
        _load(tmp_path, URLS["duckdb"], {"name": "m", "sql": "avg(income)", "where": "avg(income) > 1"})


@pytest.mark.parametrize(("dialect", "expected"), [
    ("duckdb", """AVG(CASE WHEN ("product" = 'card') THEN CAST("income" AS DOUBLE) END)"""),
    ("postgres", """AVG(CASE WHEN ("product" = 'card') THEN CAST("income" AS DOUBLE PRECISION) END)"""),
    ("spark", "AVG(CASE WHEN (`product` = 'card') THEN CAST(`income` AS DOUBLE) END)"),
])
def test_a_metric_is_written_out_quoted_in_the_dialect_with_its_filter(dialect: str, expected: str) -> None:
    checked = checked_metric("avg(INCOME)", "product = 'card'", dialect, COLUMNS, "defaulted", LABEL)
    assert checked.to_sql(dialect) == expected
    assert not checked.reads_label


def test_a_metric_reading_the_label_reads_the_queries_label_column() -> None:
    checked = checked_metric("avg(case when score >= 0.5 then 1.0 else 0.0 end) - avg(defaulted)", None,
                             "postgres", COLUMNS, "defaulted", LABEL)
    assert checked.reads_label
    assert f'AVG(CAST("{LABEL}" AS DOUBLE PRECISION))' in checked.to_sql("postgres")


def test_count_star_and_distinct_are_filtered() -> None:
    sql = checked_metric("count(*) + count(distinct region)", "age > 60", "duckdb", COLUMNS, None,
                         LABEL).to_sql("duckdb")
    assert sql == ('COUNT(CASE WHEN ("age" > 60) THEN 1 END) + '
                   'COUNT(DISTINCT CASE WHEN ("age" > 60) THEN "region" END)')


def test_derived_metrics_are_arithmetic_on_earlier_metrics(tmp_path: Path) -> None:
    config = _load(tmp_path, URLS["duckdb"], {"name": "mean_income", "sql": "avg(income)"},
                   {"name": "mean_debt", "sql": "avg(debt_ratio)"},
                   {"name": "income_per_debt", "derived": "mean_income / mean_debt"})
    assert [m.name for m in config.custom_metrics] == ["mean_income", "mean_debt", "income_per_debt"]
    tree = derived_tree("(mean_income - 1) / mean_debt * 2", ["mean_income", "mean_debt"])
    assert derived_value(tree, {"mean_income": 9.0, "mean_debt": 4.0}) == 4.0
    assert derived_value(tree, {"mean_income": 9.0, "mean_debt": 0.0}) is None
    assert derived_value(tree, {"mean_income": None, "mean_debt": 4.0}) is None
    for text, why in [("mean_income / mean_dbt", "did you mean 'mean_debt'"),
                      ("abs(mean_income)", "function abs is not allowed"),
                      ("avg(income)", "function avg is not allowed")]:
        with pytest.raises(ValueError, match=why):
            derived_tree(text, ["mean_income", "mean_debt"])


def test_a_metric_needs_one_source_and_a_unique_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="give exactly one of sql or derived"):
        _load(tmp_path, URLS["duckdb"], {"name": "m", "sql": "avg(income)", "derived": "a / b"})
    with pytest.raises(ConfigError, match="a second metric of this name"):
        _load(tmp_path, URLS["duckdb"], {"name": "m", "sql": "avg(income)"}, {"name": "m", "sql": "avg(age)"})


def test_bounds_narrow_around_the_baseline() -> None:
    metric = CustomMetric(name="m", sql="avg(income)", max_change=0.1, min=95.0)
    assert metric.compute_bounds(100.0) == (95.0, pytest.approx(110.0))
    assert metric.compute_bounds(-100.0) == (95.0, pytest.approx(-90.0))
    assert metric.compute_bounds(None) == (95.0, None)


def test_slices_are_predicates_over_the_windows_columns(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, URLS["postgres"],
                                      slices=[{"name": "high_income", "where": "income > 50000"}]))
    assert config.segment_columns == ["region", "high_income"]
    for where, why in [("defaulted = 1", "no column 'defaulted'"),
                       ("income > (select avg(income) from predictions)", "a subquery is not allowed"),
                       ("income > 1; DROP TABLE outcomes", "';' is not allowed"),
                       ("avg(income) > 1", "function avg is not allowed")]:
        with pytest.raises(ConfigError) as info:
            load_config(write_config(tmp_path, URLS["postgres"], slices=[{"name": "s", "where": where}]))
        assert "slices.0.where: s: " in str(info.value) and why in str(info.value)
    with pytest.raises(ConfigError, match="already the name of a slice or a column"):
        load_config(write_config(tmp_path, URLS["duckdb"], slices=[{"name": "income", "where": "age > 1"}]))


@pytest.mark.parametrize(("sql", "where", "written"), [
    ("avg(defaulted)", None, 'AVG(CAST(CAST("defaulted" AS INT) AS DOUBLE PRECISION))'),
    ("sum(income > 50000)", "product = 'card'",
     'SUM(CASE WHEN ("product" = \'card\') THEN CAST(CAST("income" > 50000 AS INT) AS DOUBLE PRECISION) END)'),
    ("avg(income)", None, 'AVG(CAST("income" AS DOUBLE PRECISION))'),  # a number: as it was
    ("count(defaulted)", None, 'COUNT("defaulted")'),
])
def test_a_boolean_averaged_or_summed_is_cast_to_an_integer_first(sql: str, where: str | None,
                                                                   written: str) -> None:
    checked = checked_metric(sql, where, "postgres", ["defaulted", "income", "product"], None, LABEL)
    assert numeric_booleans(checked.tree, {"defaulted"}).sql(dialect="postgres") == written
