"""Several granularities in one YAML: a daily config with a weekly granularity stores two series
apart (`granularity` null and `weekly`), each measured from the warehouse over its own windows:
its rows equal what a one-schedule config of that schedule stores; their alert episodes are
apart in monitor_alerts; a rerun replaces; a bad granularity exits 2 naming the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.config_series import compute_series_configs
from monitors.core.location import compute_location
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage import results
from monitors.storage.files import write_table
from monitors.storage.results import load_alerts, load_results
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import VOLATILE

START, END = "2026-01-25", "2026-02-08"  # two Sunday-to-Sunday weeks; the drift from 2026-02-01
RUN = ["--no-report", "--as-of", "2026-03-01"]


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["window_start", "kind", "metric", "column_name", "segment"]
    return frame.drop(columns=[*VOLATILE, "granularity"]).sort_values(keys, na_position="first") \
        .reset_index(drop=True)


def test_a_weekly_granularity_is_its_own_series_equal_to_a_weekly_config(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=5, days=14, rows_per_day=500, start=pd.Timestamp(START, tz="UTC"),
                         drift_from_day=7)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    both = write_config(home, url, name="both.yaml", checks=None, granularities=[{"schedule": "@weekly"}])
    daily = write_config(home, url, name="daily.yaml", store="daily.duckdb", checks=None)
    weekly = write_config(home, url, name="weekly.yaml", store="weekly.duckdb", checks=None, schedule="@weekly")
    for path in (both, daily, weekly):
        assert main(["run", str(path), "--start", START, "--end", END, *RUN]) == 1
    out = capsys.readouterr().out
    assert "[2/2] credit_risk@weekly [2026-02-01 00:00, 2026-02-08 00:00) UTC: alert" in out

    config = load_config(both)
    rows = load_results(config.store_path, config.model, every_series=True)
    assert set(rows["model"]) == {"credit_risk"}
    by = rows.groupby(rows["granularity"].fillna("<primary>"))["window_start"].nunique().to_dict()
    assert by == {"<primary>": 14, "weekly": 2}
    primary, extra = (rows[rows["granularity"].isna()], rows[rows["granularity"] == "weekly"])
    # each series equals what a one-schedule config of its schedule stores: same windows, same values
    pd.testing.assert_frame_equal(_values(primary), _values(load_results(load_config(daily).store_path)))
    alone = load_results(load_config(weekly).store_path)
    assert alone["granularity"].isna().all()
    pd.testing.assert_frame_equal(_values(extra), _values(alone))
    # the week is one query over the week's rows in the warehouse, not a sum of the days
    week = tables["predictions"]["predicted_at"]
    week = week[(week >= pd.Timestamp("2026-02-01")) & (week < pd.Timestamp("2026-02-08"))]
    count = extra[(extra["metric"] == "row_count") & extra["segment"].isna()
                  & (extra["window_start"] == pd.Timestamp("2026-02-01"))]
    assert count["value"].item() == len(week) == 7 * 500
    assert list(extra["window_end"].drop_duplicates()) == [pd.Timestamp("2026-02-01"), pd.Timestamp("2026-02-08")]

    # alert episodes: one per series for the same rule, never merged
    episodes = load_alerts(config.store_path, config.model, every_series=True)
    income = episodes.query("kind == 'drift' and metric == 'wasserstein' and column_name == 'income' "
                            "and segment.isna()")
    assert sorted(income["granularity"].fillna("<primary>")) == ["<primary>", "weekly"]
    assert income.set_index(income["granularity"].fillna("<primary>"))["windows_in_alert"].to_dict() == \
        {"<primary>": 7, "weekly": 1}
    with duckdb.connect(str(config.store_path), read_only=True) as con:  # the views have the column
        found = con.execute("SELECT granularity, count(DISTINCT window_start) FROM monitor_results "
                            "GROUP BY ALL ORDER BY ALL NULLS FIRST").fetchall()
        assert found == [(None, 14), ("weekly", 2)]
        assert con.execute("SELECT count(*) FROM monitor_alerts WHERE granularity = 'weekly'").fetchone()[0] \
            == len(episodes[episodes["granularity"] == "weekly"])

    # a rerun of one granularity replaces its windows: the same rows, no duplicate
    assert main(["run", str(both), "--start", START, "--end", END, "--granularity", "weekly", *RUN]) == 1
    again = load_results(config.store_path, config.model, every_series=True)
    pd.testing.assert_frame_equal(_values(again), _values(rows))
    capsys.readouterr()
    assert main(["alerts", str(both), "--granularity", "weekly"]) == 0
    assert f"{len(episodes[episodes['granularity'] == 'weekly'])} alert episode(s) of model credit_risk@weekly" \
        in capsys.readouterr().out
    assert [c.model for c in compute_series_configs(config)] == ["credit_risk", "credit_risk@weekly"]

    # pages: each series its own model page and window pages; the home page lists both
    assert main(["report", str(both)]) == 0
    assert "rebuilt 2 window pages; " in capsys.readouterr().out
    reports = home / "reports"
    assert (reports / "credit_risk@weekly" / "2026-02-01T0000Z" / "index.html").exists()
    assert not (reports / "credit_risk" / "2026-02-01T0000Z" / "index.html").read_text() \
        == (reports / "credit_risk@weekly" / "2026-02-01T0000Z" / "index.html").read_text()
    page = (reports / "index.html").read_text()
    assert 'href="credit_risk/index.html"' in page and 'href="credit_risk@weekly/index.html"' in page
    assert "credit_risk@weekly" in (reports / "credit_risk@weekly" / "index.html").read_text()


@pytest.mark.parametrize(("granularities", "args", "expected"), [
    ([{"schedule": "@daily"}], [], "granularities.0.name: 'daily' is the primary schedule's name"),
    ([{"schedule": "0 */6 * * *"}], [], "granularities.0.name: schedule '0 */6 * * *' is not a preset"),
    ([{"name": "weekly", "schedule": "@wekly"}], [], "granularities.0.schedule"),
    ([{"schedule": "@weekly"}], ["--granularity", "hourly"], "--granularity: no granularity 'hourly'"),
])
def test_a_bad_granularity_exits_2_naming_the_key(
        home: Path, duckdb_warehouse: str, capsys: pytest.CaptureFixture[str],
        granularities: list[dict[str, str]], args: list[str], expected: str) -> None:
    path = write_config(home, duckdb_warehouse, granularities=granularities)
    assert main(["run", str(path), "--start", "2026-01-01", "--end", "2026-01-02", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1, err
    assert not (home / "monitoring").exists()


@pytest.mark.parametrize("where", ["disk", "s3"])
def test_older_window_files_read_granularity_as_null(
        request: pytest.FixtureRequest, tmp_path: Path, where: str) -> None:
    """Window files written before the column (no `granularity`) read as the primary series',
    alone and beside new files, on disk (the view too) and on object storage."""
    bucket = request.getfixturevalue("s3_bucket") if where == "s3" else None
    store = compute_location(f"{bucket}/store" if bucket else "monitoring.duckdb", tmp_path)
    day = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [Measurement("data_quality", "row_count", 10.0), Measurement("drift", "wasserstein", 0.3, 0.1,
                                                                      "alert", "income")]
    old = results.results_table("m", Window(day, day + timedelta(days=1)), rows, "old").drop(["granularity"])
    write_table(results.window_results_file(store, "m", Window(day, day + timedelta(days=1))), old)
    found = results.load_results(store, "m")
    assert len(found) == 2 and found["granularity"].isna().all() and set(found["run_id"]) == {"old"}
    assert len(results.load_alerts(store, "m")) == 1
    results.rebuild_model(store, "m")  # its trend and alert state, as an older version kept them
    later = Window(day + timedelta(days=1), day + timedelta(days=2))
    results.replace_window(store, "m", later, rows, "new")
    results.replace_window(store, "m@weekly", Window(day, day + timedelta(days=7)), rows, "week")
    found = results.load_results(store, "m", every_series=True)
    assert list(found["granularity"].fillna("-")) == ["-"] * 4 + ["weekly"] * 2
    assert list(results.load_results(store, "m")["run_id"]) == ["old", "old", "new", "new"]
    assert list(results.load_results(store, "m@weekly")["run_id"]) == ["week", "week"]
    episodes = results.load_alerts(store, "m", every_series=True)
    assert sorted(episodes["granularity"].fillna("-")) == ["-", "weekly"]
    assert list(episodes.sort_values("granularity", na_position="first")["windows_in_alert"]) == [2, 1]
    for series in ("m", "m@weekly"):  # the episodes' state (pages, notices) says what the view says
        pd.testing.assert_frame_equal(results.load_open_alerts(store, series), results.load_alerts(store, series),
                                      check_dtype=False)
    if where == "disk":
        with duckdb.connect(str(store), read_only=True) as con:
            assert con.execute("SELECT count(*), count(granularity) FROM monitor_results").fetchone() == (6, 2)
