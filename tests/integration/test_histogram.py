"""Counts computed in the warehouse (one GROUPING SETS scan) equal the same counts computed in
Python, on DuckDB and PostgreSQL, with nulls, NaN, infinities, values outside the baseline's
range, unseen categories and segments; the baseline profile is computed once and reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitors.compute.frame_counts import compute_frame_counts
from monitors.core.counts import FINE_BINS, MISSING, NON_FINITE, OVER, UNDER, compute_bin_codes
from monitors.core.profile import compute_bins
from monitors.core.window import Window
from monitors.run.reference import load_baseline_profile
from monitors.storage.baseline_cache import profile_dir, write_profile_calibration
from monitors.testing import make_config, make_tables, write_duckdb_warehouse, write_sql_warehouse
from monitors.warehouse.counts import load_window_counts
from monitors.warehouse.queries import load_window_query
from monitors.warehouse.sql import bin_expression

from .helpers import open_engine, schema_tables

NUMERICAL = ["income", "debt_ratio", "age", "score"]
CATEGORICAL = ["region", "product"]


def _tables() -> dict[str, pd.DataFrame]:
    tables = make_tables(seed=5, days=1, rows_per_day=2000, training_rows=4000)
    window = tables["predictions"]
    window.loc[:9, "income"] = np.nan  # NULL (PostgreSQL) / NULL (DuckDB from pandas)
    window.loc[10:14, "debt_ratio"] = np.inf
    window.loc[15:19, "debt_ratio"] = -np.inf
    window.loc[20:49, "age"] = 200.0  # above the baseline's range
    window.loc[50:59, "age"] = -5.0  # below it
    window.loc[60:79, "region"] = "MARS"  # a category the baseline never had
    window.loc[80:89, "product"] = None
    return tables


def _compare(engine: sa.Engine, url: str, home: Path, tables: dict[str, pd.DataFrame],
             **overrides: str) -> None:
    config = make_config(home, url, **overrides)
    baseline = load_baseline_profile(engine, config)
    window = Window(*[pd.Timestamp(t).to_pydatetime() for t in ("2026-01-01T00:00Z", "2026-01-02T00:00Z")])
    query = load_window_query(engine, config, window)
    found = load_window_counts(engine, config, query, baseline)
    bins = {c: baseline.shapes[c].bins for c in NUMERICAL}
    expected = compute_frame_counts(tables["predictions"], bins, CATEGORICAL, ["region"])  # type: ignore[arg-type]
    assert found.rows == expected.rows and found.rows[None] == 2000
    assert set(found.slots) == set(expected.slots)
    for key, slots in expected.slots.items():
        assert np.array_equal(found.slots[key], slots), key
        assert found.outside_sums[key] == pytest.approx(expected.outside_sums[key], rel=1e-12)
    assert found.categories == expected.categories
    whole = found.slots
    assert whole[(None, "income")][MISSING] == 10
    assert whole[(None, "debt_ratio")][NON_FINITE] == 10
    assert whole[(None, "age")][OVER] == 30 and whole[(None, "age")][UNDER] == 10
    assert found.outside_sums[(None, "age")] == (-50.0, 6000.0)
    assert found.categories[(None, "region")]["MARS"] == 20
    assert found.categories[(None, "product")][None] == 10
    assert set(found.rows) == {None, "region=EU", "region=NA", "region=APAC", "region=LATAM",
                               "region=MARS"}
    assert baseline.rows[None] == 4000 and sum(v for k, v in baseline.rows.items() if k) == 4000


def test_duckdb_counts_equal_python_counts(home: Path) -> None:
    tables = _tables()
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    with open_engine(url) as engine:
        _compare(engine, url, home, tables)


def test_postgres_counts_equal_python_counts(home: Path, postgres_url: str, postgres_schema: str) -> None:
    tables = _tables()
    write_sql_warehouse(postgres_url, tables, schema=postgres_schema)
    with open_engine(postgres_url) as engine:
        _compare(engine, postgres_url, home, tables, **schema_tables(postgres_schema))


def test_profile_is_computed_once_and_follows_a_changed_baseline(home: Path) -> None:
    tables = make_tables(seed=6, days=1, rows_per_day=500, training_rows=3000)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = make_config(home, url)
    engine = sa.create_engine(url, connect_args={"read_only": True})
    first = load_baseline_profile(engine, config)
    files = list(profile_dir(config).glob("*.parquet"))
    assert [f.stem for f in files] == [first.key]
    first = first.with_calibration({(None, "income", "wasserstein", 128): (0.05, 0.0004)})
    write_profile_calibration(config, first)
    again = load_baseline_profile(engine, config)  # read from the file, calibration kept
    assert again.null == first.null and again.rows == first.rows
    assert again.values == first.values and again.shapes == first.shapes
    for key, slots in first.slots.items():
        assert np.array_equal(again.slots[key], slots)
    engine.dispose()
    tables["training_data"] = tables["training_data"].head(2500)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    engine = sa.create_engine(url, connect_args={"read_only": True})
    changed = load_baseline_profile(engine, config)
    engine.dispose()
    assert changed.key != first.key and changed.rows[None] == 2500
    assert len(list(profile_dir(config).glob("*.parquet"))) == 2


def test_bin_codes_match_the_sql_expression_at_the_edges(home: Path) -> None:
    bins = compute_bins(0.0, 1.0)
    values = np.array([0.0, 1.0, 0.5, 1 / 3, -1e-12, 1 + 1e-12, np.nan, np.inf, -np.inf, 0.999999999])
    path = home / "edges.duckdb"
    url = write_duckdb_warehouse(path, {"t": pd.DataFrame({"x": values})})
    engine = sa.create_engine(url, connect_args={"read_only": True})
    table = sa.Table("t", sa.MetaData(), sa.Column("x", sa.Double()))
    with engine.connect() as conn:
        sql = [r[0] for r in conn.execute(sa.select(bin_expression(table.c.x, bins)))]
    engine.dispose()
    assert sql == list(compute_bin_codes(values, bins))
    assert sql[:2] == [0, FINE_BINS - 1] and sql[4:9] == [UNDER, OVER, MISSING, NON_FINITE, NON_FINITE]
