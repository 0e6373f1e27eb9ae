"""Multivariate drift in the warehouse: the PCA fitted from SQL sums is the one fitted in memory,
a window's stored error is the mean of its rows' errors, and a correlation that breaks while
every feature keeps its distribution alerts on the PCA row and on no feature's drift."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.cli import main
from monitors.compute.multivariate import compute_pca_fit, compute_row_errors
from monitors.config import load_config
from monitors.core.multivariate import PcaModel
from monitors.core.window import Window
from monitors.storage.baseline_cache import load_cached_pca, pca_file
from monitors.testing import make_correlated_tables, write_config, write_duckdb_warehouse
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.multivariate import baseline_halves, load_error_summary
from monitors.warehouse.queries import load_baseline_query, load_window_query

from .helpers import stored

DAYS = ["--start", "2026-01-01", "--end", "2026-01-05", "--no-report", "--as-of", "2026-03-01"]


def test_a_broken_correlation_alerts_on_the_pca_row_and_on_no_feature(home: Path) -> None:
    tables = make_correlated_tables(seed=3, days=4, rows_per_day=1500, broken_from_day=2)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config_path = write_config(home, url, checks=None, segments=[])
    assert main(["run", str(config_path), *DAYS]) == 1
    config = load_config(config_path)
    rows = stored(config)
    pca = rows.query("metric == 'pca_reconstruction_error'").set_index("window_start")
    assert list(pca["status"]) == ["ok", "ok", "alert", "alert"]
    features = rows.query("kind == 'drift' and column_name in ('income', 'debt_ratio')")
    assert (features["status"] != "alert").all()

    # the model fitted from the warehouse's sums is the one fitted on the same rows in memory:
    # one half of the baseline fitted, the other's errors measured
    model = load_cached_pca(pca_file(config, _profile_key(config)))
    assert model is not None and model.columns == ("income", "debt_ratio", "age")
    assert {c for c, _ in model.categories} == {"region", "product"}  # top categories one-hot
    assert ("region", "EU") in model.categories
    engine = create_warehouse_engine(config)
    halves = baseline_halves(load_baseline_query(engine, config).features, list(model.columns),
                            ["region", "product"])
    with engine.connect() as conn:
        fit, held = (_inputs(model, pd.DataFrame(conn.execute(h).mappings().all())) for h in halves)
    assert abs(len(fit) - len(held)) < 0.1 * len(tables["training_data"]) and model.rows == len(held)
    ours = compute_pca_fit(fit, held, model.columns, model.categories)
    assert model.error_mean == pytest.approx(ours.error_mean, rel=1e-9)
    for a, b in zip(model.components, ours.components, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)
    # and a window's stored value is the mean of its rows' errors
    predictions = tables["predictions"]
    day = predictions[predictions["predicted_at"] < pd.Timestamp("2026-01-02")]  # naive UTC
    expected = compute_row_errors(model, _inputs(model, day)).mean()
    assert pca["value"].iloc[0] == pytest.approx(expected, rel=1e-9)
    # measured by the left-out eigenvectors (DuckDB's list_inner_product) or by the
    # reconstruction (sums of products), the warehouse's error is the same
    assert model.by_rest
    rows = load_window_query(engine, config, Window(datetime(2026, 1, 1), datetime(2026, 1, 2))).features
    both = [load_error_summary(engine, rows, m, config.model) for m in (model, replace(model, rest=()))]
    assert both[0][0] == both[1][0] == len(day)
    assert both[0][1] == pytest.approx(expected, rel=1e-9) and both[1][1] == pytest.approx(expected, rel=1e-9)


def _inputs(model: PcaModel, frame: pd.DataFrame) -> np.ndarray:
    """The model's inputs of rows in pandas: the numbers, then 1/0 per category."""
    numbers = frame[list(model.columns)].to_numpy(float)
    flags = [(frame[c].astype("string") == v).fillna(False).to_numpy(float) for c, v in model.categories]
    return np.column_stack([numbers, *flags])


def _profile_key(config: object) -> str:
    from monitors.storage.baseline_cache import profile_dir

    names = [p.name for p in profile_dir(config).glob("*.pca-v4.json")]  # type: ignore[arg-type]
    assert len(names) == 1
    return names[0].removesuffix(".pca-v4.json")


def test_multivariate_drift_can_be_switched_off(home: Path) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_correlated_tables(seed=3, days=1))
    config_path = write_config(home, url, checks=None, **{"drift.multivariate": False})
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02", "--no-report"]) in (0, 1)
    assert "pca_reconstruction_error" not in set(stored(load_config(config_path))["metric"])
