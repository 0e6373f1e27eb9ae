"""`monitors demo`: the injected drift and performance drop show up, and nothing else does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors import demo
from monitors.storage.results import load_results
from monitors.testing import compute_results_difference

REPO = Path(__file__).resolve().parents[2]
# The demo's monitor_results (all but run_id and computed_at). Rewrite it only on purpose:
#   monitors demo && .venv/bin/python -c "import duckdb; duckdb.connect('monitoring.duckdb').execute(
#   \"copy (select * exclude (run_id, computed_at) from monitor_results order by all)
#   to 'tests/integration/data/demo_results.parquet'\")"
SNAPSHOT = REPO / "tests" / "integration" / "data" / "demo_results.parquet"


def test_demo_warehouse_is_deterministic(tmp_path: Path) -> None:
    demo.write_demo_warehouse(tmp_path / "a.duckdb")
    demo.write_demo_warehouse(tmp_path / "b.duckdb")
    for table in ("training_data", "predictions", "outcomes"):
        frames = []
        for name in ("a", "b"):
            with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
                frames.append(con.execute(f"SELECT * FROM {table} ORDER BY ALL").df())
        pd.testing.assert_frame_equal(*frames)
    assert len(frames[0]) > 0


@pytest.mark.slow
def test_demo_shows_the_injected_drift_and_drop(tmp_path: Path) -> None:
    env = {**os.environ, "MONITORS_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "monitors.cli", "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"report: {tmp_path / 'reports' / 'index.html'}" in done.stdout
    assert (tmp_path / "reports" / "index.html").exists()
    # the suite it profiled is the one committed in expectations/
    assert json.loads((tmp_path / "expectations" / "credit_risk.json").read_text()) == \
        json.loads((REPO / "expectations" / "credit_risk.json").read_text())
    with duckdb.connect(str(tmp_path / "monitoring.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT * FROM monitor_results WHERE segment IS NULL").df()
    assert rows["window_start"].nunique() == demo.DAYS
    drift_start = pd.Timestamp(demo.DRIFT_START.replace(tzinfo=None))
    drop_start = pd.Timestamp(demo.DROP_START.replace(tzinfo=None))
    alerts = rows[rows["status"] == "alert"]
    assert alerts["window_start"].min() == drift_start  # nothing alerts before the drift
    drift = alerts[alerts["kind"] == "drift"]
    for feature in ("income", "debt_ratio"):
        days = set(drift[drift["column_name"] == feature]["window_start"])
        assert days == set(pd.date_range(drift_start, periods=(demo.DAYS - 31), freq="D")), feature
    untouched = drift[drift["column_name"].isin(["age", "region", "product"])]
    assert untouched["window_start"].nunique() <= 3  # "no drift alerts in most windows"
    multivariate = rows[rows["metric"] == "pca_reconstruction_error"].set_index("window_start")["status"]
    assert set(multivariate[multivariate == "alert"].index) == set(days)  # income and debt_ratio moved
    perf = alerts[(alerts["kind"] == "performance") & (alerts["metric"] == "roc_auc")]
    assert perf["window_start"].min() == drop_start
    assert perf["window_start"].nunique() >= 10
    pending = rows[(rows["kind"] == "performance") & (rows["metric"] == "roc_auc")
                   & (rows["status"] == "skipped")]
    assert pending["window_start"].min() > pd.Timestamp("2026-02-14")  # labels still arriving
    # every stored value, bound and status is the snapshot's (taken before the layout move,
    # rewritten when row_count got its bounds, when the drift floors moved to the metric
    # registry, when multivariate drift came, and when the window-level drift test came: its
    # `combined` rows added, alerting from the drift on, no other row changed, and when binary
    # CBPE kept the demo's calibrated scores instead of isotonic steps: the 60 windows' estimated
    # values and bands moved by at most 0.005 and 0.009, no status changed); a change that
    # means to alter them rewrites it
    stored = load_results(tmp_path / "monitoring.duckdb")
    assert compute_results_difference(pd.read_parquet(SNAPSHOT), stored).empty
