"""Outcome tallies counted in the warehouse equal the tallies of the same rows in Python, on
DuckDB and PostgreSQL, for the whole window and per segment; the metrics from them equal
scikit-learn's (ROC AUC within 1e-3: scores in one of 4096 bins count as tied)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn import metrics as m

from monitors.compute.frame_counts import compute_frame_tally
from monitors.compute.measure import DEFAULT_SCORE_BINS, compute_score_bins
from monitors.compute.performance import compute_metrics
from monitors.core.fields import LABEL
from monitors.core.window import Window
from monitors.run.reference import load_baseline_profile, load_reference
from monitors.storage.baseline_cache import profile_dir
from monitors.testing import make_config, make_tables, write_duckdb_warehouse, write_sql_warehouse
from monitors.warehouse.frames import load_query
from monitors.warehouse.outcomes import load_tallies
from monitors.warehouse.queries import load_window_query

from .helpers import open_engine, schema_tables

WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))


def _tables() -> dict[str, pd.DataFrame]:
    tables = make_tables(seed=9, days=1, rows_per_day=3000, training_rows=3000)
    outcomes_ = tables["outcomes"]
    outcomes_.loc[:299, "defaulted"] = None  # 300 labels not in yet
    predictions = tables["predictions"]
    predictions.loc[300:309, "score"] = np.nan
    return tables


def _check(engine: sa.Engine, url: str, home: Path, tables: dict[str, pd.DataFrame],
           **overrides: str) -> None:
    config = make_config(home, url, **overrides)
    baseline = load_baseline_profile(engine, config)
    query = load_window_query(engine, config, WINDOW)
    found, _ = load_tallies(engine, config, query.select, baseline)
    frame = load_query(engine, config, query).data
    bins = compute_score_bins(config, baseline)
    expected = {None: compute_frame_tally(config.task, frame, config, bins)}
    for value, part in frame.groupby(frame["region"].astype(str)):
        expected[f"region={value}"] = compute_frame_tally(config.task, part, config, bins)
    assert set(found) == set(expected)
    for key, tally in expected.items():
        got = found[key]
        assert got.total == tally.total and got.labelled == tally.labelled, key
        order = np.lexsort(got.groups.T[::-1])
        assert np.array_equal(got.groups[order], tally.groups[np.lexsort(tally.groups.T[::-1])]), key
        assert got.log_loss_sum == pytest.approx(tally.log_loss_sum, rel=1e-9), key
    whole = found[None]
    assert whole.total == 3000 and whole.labelled == 3000 - 300 - 10
    labelled = frame[frame["__label"].notna() & frame["score"].notna()]
    y, s = labelled["__label"].astype(int), labelled["score"]
    pred = labelled["predicted_label"]
    metrics = compute_metrics(whole)
    assert metrics["accuracy"] == pytest.approx(m.accuracy_score(y, pred))
    assert metrics["f1"] == pytest.approx(m.f1_score(y, pred))
    assert metrics["log_loss"] == pytest.approx(m.log_loss(y, s), rel=1e-9)
    assert metrics["roc_auc"] == pytest.approx(m.roc_auc_score(y, s), abs=1e-3)


def test_duckdb_tallies_equal_python_tallies(home: Path) -> None:
    tables = _tables()
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    with open_engine(url) as engine:
        _check(engine, url, home, tables)
        _check_regression(engine, url, home)


def _check_regression(engine: sa.Engine, url: str, home: Path) -> None:
    """The regression sums in SQL (labels 0/1 taken as numbers) equal those in Python."""
    config = make_config(home, url, task="regression", **{"performance.metrics": ["mae", "rmse"]})
    baseline = load_baseline_profile(engine, config)
    query = load_window_query(engine, config, WINDOW)
    found, _ = load_tallies(engine, config, query.select, baseline)
    frame = load_query(engine, config, query).data
    expected = compute_frame_tally("regression", frame, config, DEFAULT_SCORE_BINS)
    assert found[None].sums == pytest.approx(expected.sums, rel=1e-9)
    assert found[None].sums["n"] == 3000 - 300 - 10


def test_duckdb_log_errors_leave_out_values_at_or_below_minus_one(home: Path) -> None:
    """Scores spread over (-3, 1): the squared log errors in SQL are those of Python, over the
    rows whose label and score are above -1 only (ln is never taken of a number <= 0)."""
    tables = _tables()
    tables["predictions"]["score"] = tables["predictions"]["score"] * 4 - 3
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    with open_engine(url) as engine:
        _check_regression(engine, url, home)
        config = make_config(home, url, task="regression", **{"performance.metrics": ["mae"]})
        query = load_window_query(engine, config, WINDOW)
        found, _ = load_tallies(engine, config, query.select, load_baseline_profile(engine, config))
    score = tables["predictions"]["score"]
    assert 0 < found[None].sums["sle_n"] < found[None].sums["n"]
    assert found[None].sums["sle_n"] == pytest.approx(found[None].sums["n"] * float((score[310:] > -1).mean()),
                                                      rel=0.05)


def test_postgres_tallies_equal_python_tallies(home: Path, postgres_url: str, postgres_schema: str) -> None:
    tables = _tables()
    write_sql_warehouse(postgres_url, tables, schema=postgres_schema)
    with open_engine(postgres_url) as engine:
        _check(engine, postgres_url, home, tables, **schema_tables(postgres_schema))


def test_regression_sums_match_scikit_learn() -> None:
    rng = np.random.default_rng(2)
    y, s = rng.normal(10, 6, 2000), rng.normal(10, 6, 2000)
    config = make_config(Path("/nonexistent"), "duckdb:///w.duckdb", task="regression",
                         **{"performance.metrics": ["mae"]})
    frame = pd.DataFrame({"score": s, LABEL: y})
    tally = compute_frame_tally("regression", frame, config, DEFAULT_SCORE_BINS)
    found = compute_metrics(tally)
    assert found["mae"] == pytest.approx(m.mean_absolute_error(y, s))
    assert found["rmse"] == pytest.approx(np.sqrt(m.mean_squared_error(y, s)))
    assert found["r2"] == pytest.approx(m.r2_score(y, s))
    assert found["mape"] == pytest.approx(m.mean_absolute_percentage_error(y, s))
    assert found["mse"] == pytest.approx(m.mean_squared_error(y, s))
    logged = (y > -1) & (s > -1)
    assert 0 < logged.sum() < len(y)  # the log errors: of the rows above -1
    assert found["msle"] == pytest.approx(m.mean_squared_log_error(y[logged], s[logged]))
    assert found["rmsle"] == pytest.approx(np.sqrt(m.mean_squared_log_error(y[logged], s[logged])))


def test_baseline_tallies_are_counted_once_and_follow_changed_labels(home: Path) -> None:

    tables = make_tables(seed=12, days=1, rows_per_day=500, training_rows=3000)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = make_config(home, url)
    with open_engine(url) as engine:
        first = load_reference(engine, config)
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute",
                        lambda _c, _cur, statement, *_: statements.append(statement))
        again = load_reference(engine, config)
    assert [f.name for f in profile_dir(config).glob("*.tallies-*.json")] != []
    assert not any("GROUPING SETS" in s.upper() for s in statements)  # nothing counted again
    assert set(again.reference.tallies) == set(first.reference.tallies) and len(first.reference.tallies) > 1  # whole + segments
    for key, tally in first.reference.tallies.items():
        assert np.array_equal(again.reference.tallies[key].groups, tally.groups)
        assert again.reference.tallies[key].log_loss_sum == tally.log_loss_sum
    # 40 labels flipped: a new summary of the label column, so counted again, and correctly
    training = tables["training_data"]
    training.loc[:39, "defaulted"] = 1 - training.loc[:39, "defaulted"]
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    with open_engine(url) as engine:
        changed = load_reference(engine, config)
    frame_tally = compute_frame_tally(
        config.task, training.rename(columns={"defaulted": LABEL}), config,
        compute_score_bins(config, changed.reference.profile))
    assert changed.reference.profile.key == first.reference.profile.key  # the features did not change
    assert np.array_equal(_sorted(changed.reference.tallies[None].groups), _sorted(frame_tally.groups))
    assert not np.array_equal(_sorted(changed.reference.tallies[None].groups), _sorted(first.reference.tallies[None].groups))
    assert len(list(profile_dir(config).glob("*.tallies-*.json"))) == 2


def _sorted(groups: np.ndarray) -> np.ndarray:
    return groups[np.lexsort(groups.T[::-1])]
