"""Estimates without labels in the pipeline (CBPE; a regression's direct loss estimation): stored
beside the realized metrics, they alert while labels are pending and stay, for comparison, once
the labels have matured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import (
    make_regression_overrides,
    make_regression_tables,
    make_tables,
    write_config,
    write_duckdb_warehouse,
)

from .helpers import stored


def test_estimates_alert_while_labels_are_pending_and_stay_after(home: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=31, days=2, rows_per_day=1500, label_delay_days=3)
    day2 = tables["predictions"]["predicted_at"] >= pd.Timestamp("2026-01-02")
    rng = np.random.default_rng(0)  # day 2: the model's scores carry no information any more
    tables["predictions"].loc[day2, "score"] = rng.uniform(0.45, 0.55, int(day2.sum())).round(6)
    tables["predictions"]["predicted_label"] = (tables["predictions"]["score"] >= 0.5).astype("int64")
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config_path = write_config(home, url, checks=None, **{"ground_truth.timestamp": "labelled_at"})
    run = ["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-03", "--no-report"]

    assert main([*run, "--as-of", "2026-01-03T01:00"]) == 1  # no label has arrived yet
    out = capsys.readouterr().out
    assert "estimated_performance roc_auc = " in out
    rows = stored(load_config(config_path)).query("segment.isna()")
    est = rows[(rows["kind"] == "estimated_performance")].set_index(["window_start", "metric"])
    day1, day2_ = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02")
    assert est.loc[(day1, "roc_auc"), "status"] == "ok"
    assert est.loc[(day1, "roc_auc"), "value"] > 0.8
    assert est.loc[(day2_, "roc_auc"), "status"] == "alert"
    assert est.loc[(day2_, "roc_auc"), "value"] < 0.65
    assert est.loc[(day1, "roc_auc_band"), "value"] > 0
    realized = rows[(rows["kind"] == "performance") & (rows["metric"] == "roc_auc")]
    assert set(realized["status"]) == {"skipped"}  # nothing to realize yet

    assert main([*run, "--as-of", "2026-03-01"]) == 1  # labels in: the realized metric alerts
    rows = stored(load_config(config_path)).query("segment.isna()")
    judged = rows[rows["column_name"].isna()].set_index(["kind", "window_start", "metric"])
    assert judged.loc[("performance", day2_, "roc_auc"), "status"] == "alert"
    assert judged.loc[("estimated_performance", day2_, "roc_auc"), "status"] == "ok"  # kept, not judged
    realized_auc = judged.loc[("performance", day1, "roc_auc"), "value"]
    estimate = judged.loc[("estimated_performance", day1, "roc_auc"), "value"]
    band = judged.loc[("estimated_performance", day1, "roc_auc_band"), "value"]
    assert abs(realized_auc - estimate) <= band


def test_regression_loss_estimates_alert_while_labels_are_pending(home: Path) -> None:
    """Direct loss estimation: the windows whose features move to where the baseline's errors
    were larger get a higher estimated MAE and RMSE, alerting before any label arrives; once
    labels arrive each estimate (all six metrics, whole window and per region) lies within its
    band of the realized metric."""
    tables = make_regression_tables(seed=7, days=4, rows_per_day=1500, shift_from_day=2, training_rows=20_000)
    tables["outcomes"]["labelled_at"] = tables["outcomes"]["labelled_at"] + pd.Timedelta(days=5)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config_path = write_config(home, url, checks=None, segments=["region"], **make_regression_overrides(),
                               **{"ground_truth.timestamp": "labelled_at"})
    run = ["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-05", "--no-report"]

    assert main([*run, "--as-of", "2026-01-05T01:00"]) == 1  # no label has arrived yet
    rows = stored(load_config(config_path)).query("kind == 'estimated_performance'")
    status = rows[rows["segment"].isna()].pivot(index="window_start", columns="metric", values="status")
    assert list(status["mae"]) == ["ok", "ok", "alert", "alert"]
    assert list(status["rmse"]) == ["ok", "ok", "alert", "alert"]
    assert set(rows["segment"].dropna()) == {f"region={r}" for r in ("EU", "NA", "APAC", "LATAM")}

    assert main([*run, "--as-of", "2026-03-01"]) == 1  # labels in: realized metrics judged
    rows = stored(load_config(config_path))
    performance = rows[rows["kind"].isin(["performance", "estimated_performance"])]
    values = performance.assign(segment=performance["segment"].fillna("")).pivot_table(
        index=["window_start", "segment"], columns=["kind", "metric"], values="value")
    metrics = ("mae", "mse", "rmse", "mape", "msle", "rmsle")
    errors = pd.DataFrame({m: values[("estimated_performance", m)] - values[("performance", m)]
                           for m in metrics}).abs()
    bands = pd.DataFrame({m: values[("estimated_performance", f"{m}_band")] for m in metrics})
    assert errors.notna().all().all() and len(errors) == 4 * 5  # the whole window and 4 regions
    whole = errors.xs("", level="segment") <= bands.xs("", level="segment")
    assert whole.all().all(), errors.xs("", level="segment")
    assert (errors <= bands).mean().min() >= 0.9, (errors <= bands).mean()
    realized = rows.query("segment.isna() and kind == 'performance' and metric == 'mae'")
    assert list(realized["status"]) == ["ok", "ok", "alert", "alert"]
    estimated = rows.query("kind == 'estimated_performance'")
    assert set(estimated[estimated["segment"].isna()]["status"]) == {"ok"}  # kept, not judged
    assert set(estimated["status"]) == {"ok", "skipped"}  # segments under min_segment_rows: skipped

def test_slices_get_a_regressions_loss_estimates_as_segments_do(home: Path) -> None:
    """A slice (`slices:`) is estimated as a segment value is: the high-debt rows, where the
    model's errors are larger, get a higher estimated MAE than the others, and each estimate lies
    within its band of the realized MAE once labels arrive; a slice value with fewer than
    min_segment_rows rows is measured, not judged."""
    tables = make_regression_tables(seed=7, days=2, rows_per_day=1500, training_rows=20_000)
    tables["outcomes"]["labelled_at"] = tables["outcomes"]["labelled_at"] + pd.Timedelta(days=5)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    slices = [{"name": "high_debt", "where": "debt_ratio > 0.45"}, {"name": "rich", "where": "income > 150000"}]
    config_path = write_config(home, url, checks=None, segments=[], slices=slices, **make_regression_overrides(),
                               **{"ground_truth.timestamp": "labelled_at"})
    run = ["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-03", "--no-report"]

    assert main([*run, "--as-of", "2026-01-03T01:00"]) in (0, 1)  # no label has arrived yet
    rows = stored(load_config(config_path)).query("kind == 'estimated_performance' and metric == 'mae'")
    by = rows.assign(segment=rows["segment"].fillna("")).set_index(["window_start", "segment"])
    assert set(rows["segment"].dropna()) == {"high_debt=true", "high_debt=false", "rich=true", "rich=false"}
    for day in ("2026-01-01", "2026-01-02"):
        when = pd.Timestamp(day)
        assert by.loc[(when, "high_debt=true"), "value"] > 1.2 * by.loc[(when, "high_debt=false"), "value"]
        assert by.loc[(when, "rich=true"), "status"] == "skipped"  # a few rows: measured, not judged
        assert by.loc[(when, "high_debt=true"), "status"] in ("ok", "alert")

    assert main([*run, "--as-of", "2026-03-01"]) in (0, 1)  # labels in: realized beside the estimates
    rows = stored(load_config(config_path))
    mae = rows[rows["metric"].isin(["mae", "mae_band"]) & rows["segment"].str.startswith("high_debt")]
    values = mae.pivot_table(index=["window_start", "segment"], columns=["kind", "metric"], values="value")
    errors = (values[("estimated_performance", "mae")] - values[("performance", "mae")]).abs()
    assert len(errors) == 4 and (errors <= values[("estimated_performance", "mae_band")]).all(), values
