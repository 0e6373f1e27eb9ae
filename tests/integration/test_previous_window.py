"""Drift against the previous window (drift.compare: [baseline, previous_window]): the demo's
income drift (+22% from 2026-02-01) alerts against the previous window on that day only, while
the baseline comparison goes on alerting; the previous window is read from the warehouse, so
windows run in any order store the same rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import stored

FIRST = date(2026, 1, 30)
DAYS = 6  # 2026-01-30 .. 2026-02-04; the drift from 2026-02-01


def _day(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    start = pd.Timestamp(day)
    return frame[(frame["predicted_at"] >= start) & (frame["predicted_at"] < start + pd.Timedelta(days=1))]


def test_drift_against_the_previous_window_alerts_when_it_changes(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=11, days=7, rows_per_day=1500, start=pd.Timestamp("2026-01-29", tz="UTC"),
                         drift_from_day=3)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    overrides = {"checks": None, "drift.compare": ["baseline", "previous_window"]}
    backward = write_config(home, url, name="backward.yaml", store="backward.duckdb", **overrides)
    forward = write_config(home, url, name="forward.yaml", store="forward.duckdb", **overrides)
    for day in reversed(range(DAYS)):  # newest first: each reads its previous window from the warehouse
        begin = FIRST + timedelta(days=day)
        main(["run", str(backward), "--start", begin.isoformat(), "--end", (begin + timedelta(days=1)).isoformat(),
              "--no-report", "--as-of", "2026-03-01"])
    capsys.readouterr()
    assert main(["run", str(forward), "--start", FIRST.isoformat(), "--end", "2026-02-05", "--no-report",
                 "--as-of", "2026-03-01"]) == 1
    out = capsys.readouterr().out
    rows = stored(load_config(forward))
    pd.testing.assert_frame_equal(stored(load_config(backward)), rows)

    whole = rows[rows["segment"].isna()]
    previous = whole[whole["kind"] == "drift_previous"]
    alerts = previous[previous["status"] == "alert"].groupby("window_start")["column_name"].apply(set)
    assert list(alerts.index) == [pd.Timestamp("2026-02-01")], alerts
    assert {"income", "debt_ratio"} <= alerts.iloc[0]
    assert not (rows.query("kind == 'drift_previous' and status == 'alert'")["window_start"]
                != pd.Timestamp("2026-02-01")).any()  # no segment either
    baseline = whole[(whole["kind"] == "drift") & (whole["column_name"] == "income") & whole["threshold"].notna()]
    assert list(baseline.set_index("window_start")["status"].loc["2026-02-01":]) == ["alert"] * 4
    assert "drift vs previous window wasserstein of income = " in out

    # the values: region's Jensen-Shannon distance between each window and the one before
    predictions = tables["predictions"]
    values = list(tables["training_data"]["region"].value_counts().index)
    for day in range(1, DAYS):
        begin = FIRST + timedelta(days=day)
        now, before = (_day(predictions, d)["region"].value_counts().reindex(values, fill_value=0)
                       for d in (begin, begin - timedelta(days=1)))
        found = previous[(previous["window_start"] == pd.Timestamp(begin)) & (previous["column_name"] == "region")
                         & (previous["metric"] == "jensenshannon")]["value"].item()
        assert found == pytest.approx(jensenshannon(before.to_numpy(float), now.to_numpy(float)), rel=1e-9)
    first = previous[previous["window_start"] == pd.Timestamp(FIRST)]
    assert np.isfinite(first["value"].dropna()).all() and len(first) > 10  # its previous window has rows
