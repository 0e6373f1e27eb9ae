"""Custom metrics against the previous window (`max_change_previous`, kind custom_previous,
reference previous_window): on the demo's income drift (+22% from 2026-02-01) `mean_income`
alerts against the day before on 2026-02-01 only (not on 02-03), while its baseline comparison
goes on alerting; the previous window's value comes from the store when it holds that window
and from the warehouse otherwise, and both give the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitors.config import compute_config
from monitors.core.window import Window
from monitors.run.window import load_window_message, run_window
from monitors.testing import make_config_data, make_tables, write_duckdb_warehouse

from .helpers import stored

START = datetime(2026, 1, 29, tzinfo=UTC)  # three windows before the demo's drift, three after
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
METRIC = {"name": "mean_income", "sql": "avg(income)", "max_change": 0.1, "max_change_previous": 0.1}


def _window(day: int) -> Window:
    start = START + timedelta(days=day)
    return Window(start, start + timedelta(days=1))


def test_mean_income_alerts_against_the_previous_window_when_it_moves(home: Path) -> None:
    tables = make_tables(seed=3, days=6, rows_per_day=600, start=START, drift_from_day=3)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    configs = [compute_config(make_config_data(url, checks=None, store=f"{name}.duckdb", custom_metrics=[METRIC]),
                              home / f"{name}.yaml", home) for name in ("forward", "backward")]
    forward, backward = configs
    for day in range(6):  # in order: each window's previous one is in the store
        run_window(forward, _window(day), write_reports=False, as_of=AS_OF)
    for day in reversed(range(6)):  # newest first: the previous window is read from the warehouse
        run_window(backward, _window(day), write_reports=False, as_of=AS_OF)
    rows = stored(forward)
    pd.testing.assert_frame_equal(stored(backward), rows)

    whole = rows[rows["segment"].isna() & (rows["metric"] == "mean_income")]
    previous = whole[whole["kind"] == "custom_previous"].set_index("window_start")
    assert set(previous["reference"]) == {"previous_window"}
    alerts = list(previous[previous["status"] == "alert"].index)
    assert alerts == [pd.Timestamp("2026-02-01")], previous[["value", "threshold", "status"]]
    assert previous.loc["2026-02-03", "status"] == "ok"
    baseline = whole[whole["kind"] == "custom"].set_index("window_start")
    assert list(baseline.loc["2026-02-01":, "status"]) == ["alert"] * 3  # against the baseline: still
    # the bound: 10% above the day before's value
    assert previous.loc["2026-02-01", "threshold"] == pytest.approx(baseline.loc["2026-01-31", "value"] * 1.1)
    frame = tables["predictions"]
    day = frame[(frame["predicted_at"] >= pd.Timestamp("2026-02-01"))
                & (frame["predicted_at"] < pd.Timestamp("2026-02-02"))]
    assert previous.loc["2026-02-01", "value"] == pytest.approx(day["income"].mean(), rel=1e-9)
    assert previous.loc["2026-01-29", "status"] == "skipped"  # its previous window had no rows
    message = load_window_message(forward, _window(3), with_report=False)
    assert message is not None and "custom vs previous window mean_income = " in message
