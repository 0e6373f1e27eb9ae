"""Volume judged against its season, counted in the warehouse (DuckDB and PostgreSQL): nine weeks
of daily windows with weekends at 35%, a Wednesday at 15% and a Saturday at 10% of an ordinary
one. Each window is run alone, with nothing else stored (a backfill in any order), and gets the
same verdict as the series judged in order."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from monitors import demo
from monitors.compute.series import compute_series_verdicts
from monitors.core.settings import Volume
from monitors.core.window import Window, compute_windows
from monitors.run.window import load_window_message, run_window
from monitors.storage.results import load_alerts
from monitors.testing import make_tables

from .helpers import Build

START = demo.START  # a Thursday
WEDNESDAY, SATURDAY, ORDINARY_SATURDAY, LEARNING_SATURDAY, LATER_WEDNESDAY = 48, 51, 44, 9, 55
AS_OF = START + timedelta(days=70)


def _window(day: int) -> Window:
    return Window(START + timedelta(days=day), START + timedelta(days=day + 1))


def _naive(day: int) -> pd.Timestamp:
    return pd.Timestamp(_window(day).start.replace(tzinfo=None))


def _tables() -> dict[str, pd.DataFrame]:
    tables = make_tables(seed=5, days=63, rows_per_day=600, training_rows=600, calendar="weekly", row_jitter=0.1)
    tables = demo.compute_outage(tables, *(_window(WEDNESDAY).start, _window(WEDNESDAY).end), 0.15, seed=1)
    return demo.compute_outage(tables, *(_window(SATURDAY).start, _window(SATURDAY).end), 0.10, seed=2)


@pytest.mark.parametrize("warehouse", ["duckdb", "postgresql"], indirect=True)
def test_volume_alerts_against_its_season_in_the_warehouse(warehouse: Build) -> None:
    tables = _tables()
    config = warehouse(tables, checks=None, **{"performance.metrics": [], "drift.multivariate": False})
    found = {}
    for day in (WEDNESDAY, SATURDAY, LATER_WEDNESDAY, ORDINARY_SATURDAY, LEARNING_SATURDAY):
        summary = run_window(config, _window(day), as_of=AS_OF, write_reports=False)
        found[day] = {r.metric: r for r in summary.rows if r.metric.startswith("row_count")}
    outage, quiet = found[WEDNESDAY]["row_count"], found[SATURDAY]["row_count"]
    assert outage.status == "alert" and outage.value is not None and outage.value < 120
    assert found[WEDNESDAY]["row_count_season"].column_name == "day_of_week=Wednesday"
    assert quiet.status == "alert" and quiet.value is not None and quiet.value < 30
    assert found[SATURDAY]["row_count_season"].column_name == "day_of_week=Saturday"
    assert found[LATER_WEDNESDAY]["row_count"].status == "ok"  # the outage was not learned
    assert found[ORDINARY_SATURDAY]["row_count"].status == "ok"
    learning = found[LEARNING_SATURDAY]
    assert learning["row_count"].status == "skipped"
    assert (learning["row_count_season"].value, learning["row_count_season"].threshold) == (1.0, 4.0)
    message = load_window_message(config, _window(WEDNESDAY), with_report=False) or ""
    upper = found[WEDNESDAY]["row_count_upper"].value
    assert f"data_quality row_count = {outage.value:.0f}, expected {math.ceil(outage.threshold or 0)}-" \
           f"{math.floor(upper or 0)} for a Wednesday" in message
    # the episode view (monitor_alerts) takes the series rule as any other: the windows were run
    # out of order, the skipped (learning) window is not judged
    episodes = load_alerts(config.store_path, config.model).query("metric == 'row_count'")
    assert len(episodes) == 1
    episode = episodes.iloc[0]
    assert (episode["opened_at"], episode["windows_in_alert"], episode["resolved_at"]) == \
        (_naive(WEDNESDAY), 2, _naive(LATER_WEDNESDAY))
    # the same verdicts as the series judged in order from the same counts
    windows = compute_windows("@daily", START, START + timedelta(days=63))
    counts = demo.compute_window_rows(tables, windows)
    series = compute_series_verdicts(Volume(), [w.start for w in windows], counts, 24.0)
    for day, rows in found.items():
        assert (rows["row_count"].status, rows["row_count"].threshold) == \
            (series[day].status, series[day].threshold), day


@pytest.mark.parametrize("warehouse", ["duckdb", "postgresql"], indirect=True)
def test_label_coverage_at_maturity_knows_its_season(warehouse: Build) -> None:
    """Weekend labels are sparser (60% arrive): at maturity every weekend day breaks
    min_label_coverage (0.8) under the plain rule; judged against its season it is ok, while a
    Wednesday whose labels half went missing still alerts."""
    tables = make_tables(seed=5, days=63, rows_per_day=600, training_rows=600, calendar="weekly", row_jitter=0.1)
    outcomes, at = tables["outcomes"], tables["predictions"].set_index("prediction_id")["predicted_at"]
    when = outcomes["prediction_id"].map(at)
    rng = np.random.default_rng(3)
    gone = ((when.dt.weekday >= 5) & (rng.uniform(size=len(outcomes)) < 0.4)) | \
        ((when >= _naive(LATER_WEDNESDAY)) & (when < _naive(LATER_WEDNESDAY + 1)) & (rng.uniform(size=len(outcomes)) < 0.5))
    tables["outcomes"] = outcomes[~gone].reset_index(drop=True)
    config = warehouse(tables, checks=None, **{"performance.metrics": [], "drift.multivariate": False})
    found = {}
    for day in (ORDINARY_SATURDAY + 7, LATER_WEDNESDAY):  # 2026-02-21 and 2026-02-25, mature by AS_OF
        summary = run_window(config, _window(day), as_of=AS_OF, write_reports=False)
        found[day] = {r.metric: r for r in summary.rows if r.segment is None and "coverage" in r.metric}
    saturday, wednesday = found[ORDINARY_SATURDAY + 7], found[LATER_WEDNESDAY]
    assert 0.5 < (saturday["label_coverage"].value or 0) < 0.7 and saturday["label_coverage"].status == "ok"
    assert (saturday["label_coverage"].threshold or 1) < 0.6
    assert saturday["label_coverage_season"].column_name == "day_of_week=Saturday"
    assert wednesday["label_coverage"].status == "alert" and wednesday["label_coverage"].threshold == 0.8
    assert "label_coverage_season" not in wednesday
    plain = warehouse(tables, checks=None, **{"performance.metrics": [], "drift.multivariate": False,
                                              "volume.seasonality": "none", "store": "plain.duckdb"})
    rows = run_window(plain, _window(ORDINARY_SATURDAY + 7), as_of=AS_OF, write_reports=False).rows
    assert next(r for r in rows if r.metric == "label_coverage" and r.segment is None).status == "alert"


@pytest.mark.parametrize("warehouse", ["duckdb", "postgresql"], indirect=True)
def test_a_run_counts_each_earlier_window_once(warehouse: Build) -> None:
    """A run keeps the earlier windows' counts (Baseline.volume): the facts of consecutive
    windows, a skipped day and a window before them all equal those counted afresh, and the
    kept counts stay within one training period."""
    from monitors.warehouse.engine import create_warehouse_engine
    from monitors.warehouse.queries import load_window_query
    from monitors.warehouse.volume import Kept, load_volume_facts

    config = warehouse(_tables(), checks=None, **{"performance.metrics": []})
    engine = create_warehouse_engine(config)
    kept: Kept = {}
    try:
        for day in (40, 41, 42, 44, 45, 20, 21):
            window = _window(day)
            query = load_window_query(engine, config, window, AS_OF)
            again = load_volume_facts(engine, config, window, query, kept)
            fresh = load_volume_facts(engine, config, window, query)
            assert again == fresh, day
            assert sorted(kept) == list(fresh.starts) and sum(fresh.trailing) > 0, day
    finally:
        engine.dispose()
    assert fresh.trailing[-1] == demo.compute_window_rows(_tables(), [_window(20)])[0]
