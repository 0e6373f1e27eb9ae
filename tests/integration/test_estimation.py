"""CBPE in the pipeline: estimated performance stored beside the realized one; it alerts while
labels are pending and stays, for comparison, once they have matured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

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
