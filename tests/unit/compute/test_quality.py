"""Data quality of our own from the window's counts: row count (skipped when empty), missing
share against the baseline's, new categories, numbers outside the baseline's range, non-finite
scores, and configured columns the table lacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.compute.frame_counts import compute_frame_counts
from monitors.compute.quality import compute_quality_measurements, compute_volume_rows
from monitors.core.counts import Counts, VolumeFacts
from monitors.core.measurement import Measurement
from monitors.core.profile import Profile, compute_bins, compute_profile
from monitors.core.window import Window
from monitors.testing import make_config, make_tables

NUMERICAL = ["income", "score"]


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"income": rng.normal(100, 10, n), "score": rng.uniform(0, 1, n),
                         "region": rng.choice(["EU", "NA"], n)})


@pytest.fixture(scope="module")
def baseline() -> Profile:
    rows = _rows(5_000, 0)
    rows.loc[:249, "income"] = np.nan  # 5% missing in the baseline
    bins = {c: compute_bins(float(rows[c].min()), float(rows[c].max())) for c in NUMERICAL}
    return compute_profile("p", compute_frame_counts(rows, bins, ["region"], []), bins,
                           dict.fromkeys(NUMERICAL, 1.0), ["region"])


def _quality(tmp_path: Path, baseline: Profile, rows: pd.DataFrame, missing: list[str] | None = None
             ) -> dict[tuple[str, str | None], Measurement]:
    config = make_config(tmp_path, "duckdb:///unused.duckdb", segments=[],
                         **{"predictions.features.numerical": ["income"],
                            "predictions.features.categorical": ["region"]})
    bins = {c: baseline.shapes[c].bins for c in NUMERICAL}
    counts = compute_frame_counts(rows, bins, ["region"], [])
    found = compute_quality_measurements(config, counts, baseline, missing or [])
    return {(r.metric, r.column_name): r for r in found}


def test_a_clean_window_is_ok(tmp_path: Path, baseline: Profile) -> None:
    found = _quality(tmp_path, baseline, _rows(1_000, 1))
    assert found[("row_count", None)].value == 1000.0
    assert [r for r in found.values() if r.status != "ok"] == []
    assert found[("missing_share", "income")].threshold == pytest.approx(0.05 + 0.1)


def test_each_broken_share_alerts_with_its_value(tmp_path: Path, baseline: Profile) -> None:
    rows = _rows(1_000, 2)
    rows.loc[:199, "income"] = np.nan  # 20% missing: above 5% + 0.1
    rows.loc[200:249, "income"] = 1e6  # 50 of 800 present values beyond the baseline's max
    rows.loc[250:279, "region"] = "MARS"  # 3% new category
    rows.loc[280:281, "score"] = np.inf  # non-finite scores
    found = _quality(tmp_path, baseline, rows, missing=["age"])
    assert found[("missing_share", "income")].value == pytest.approx(0.2)
    assert found[("out_of_range_share", "income")].value == pytest.approx(50 / 800)
    assert found[("new_category_share", "region")].value == pytest.approx(0.03)
    assert found[("non_finite_share", "score")].value == pytest.approx(0.002)
    assert found[("column_present", "age")].value == 0.0
    assert {k for k, r in found.items() if r.is_alert} == {
        ("missing_share", "income"), ("out_of_range_share", "income"), ("new_category_share", "region"),
        ("non_finite_share", "score"), ("column_present", "age")}


def test_an_empty_window_is_an_alert_unless_configured_otherwise(tmp_path: Path, baseline: Profile) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    rows = compute_quality_measurements(config, Counts(rows={None: 0}), baseline, [])
    assert [(r.metric, r.value, r.threshold, r.status) for r in rows] == [("row_count", 0.0, 1.0, "alert")]
    quiet = make_config(tmp_path, "duckdb:///unused.duckdb", **{"volume.empty_is_alert": False})
    rows = compute_quality_measurements(quiet, Counts(rows={None: 0}), baseline, [])
    assert [(r.metric, r.value, r.threshold, r.status) for r in rows] == [("row_count", 0.0, None, "skipped")]


@pytest.mark.parametrize(("rows_n", "trailing", "threshold", "status"), [
    (400, [1000, 0, 900, 1100], 500.0, "alert"),  # under half the median of the windows with rows
    (600, [1000, 0, 900, 1100], 500.0, "ok"),
    (600, [], 1.0, "ok"),  # nothing earlier: only the empty-window floor
    (0, [1000], 500.0, "alert"),
])
def test_row_count_against_the_trailing_median(tmp_path: Path, rows_n: int, trailing: list[int],
                                               threshold: float, status: str) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    found = compute_volume_rows(config, None, rows_n, VolumeFacts(trailing, None))
    assert [(r.metric, r.threshold, r.status) for r in found] == [("row_count", threshold, status)]


def test_staleness_of_the_newest_prediction(tmp_path: Path) -> None:
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    config = make_config(tmp_path, "duckdb:///unused.duckdb", **{"volume.max_staleness": "6h"})
    late = VolumeFacts([], datetime(2026, 1, 1, 9, tzinfo=UTC))  # nothing since 09:00
    found = {r.metric: r for r in compute_volume_rows(config, window, 500, late)}
    assert found["hours_since_last_prediction"].value == 15.0
    assert found["hours_since_last_prediction"].threshold == 6.0 and found["hours_since_last_prediction"].is_alert
    fresh = VolumeFacts([], datetime(2026, 1, 1, 23, 30, tzinfo=UTC))
    assert not any(r.is_alert for r in compute_volume_rows(config, window, 500, fresh))
    unset = make_config(tmp_path, "duckdb:///unused.duckdb")
    assert [r.metric for r in compute_volume_rows(unset, window, 500, late)] == ["row_count"]


def _weekly_facts(window: Window) -> VolumeFacts:
    """Four weeks of earlier daily windows before `window`: weekdays about 3,000 rows (rising),
    weekends 1,050."""
    starts = tuple(window.start - timedelta(days=28 - i) for i in range(28))
    return VolumeFacts([1050 if s.weekday() >= 5 else 2900 + 10 * i for i, s in enumerate(starts)], None, starts)


def test_row_count_against_its_season_with_the_range_stored(tmp_path: Path) -> None:
    wednesday = Window(datetime(2026, 2, 18, tzinfo=UTC), datetime(2026, 2, 19, tzinfo=UTC))
    config = make_config(tmp_path, "duckdb:///unused.duckdb", **{"volume.direction": "both"})
    found = {r.metric: r for r in compute_volume_rows(config, wednesday, 469, _weekly_facts(wednesday))}
    assert set(found) == {"row_count", "row_count_surge", "row_count_upper", "row_count_season"}
    count, upper, season = found["row_count"], found["row_count_upper"], found["row_count_season"]
    assert count.status == "alert" and 2000 < (count.threshold or 0) < 2200 and upper.kind == "expected"
    assert 3800 < (upper.value or 0) < 4100 and found["row_count_surge"].status == "ok"
    assert (season.column_name, season.value, season.threshold, season.status) == \
        ("day_of_week=Wednesday", 4.0, 4.0, "ok")
    saturday = Window(datetime(2026, 2, 21, tzinfo=UTC), datetime(2026, 2, 22, tzinfo=UTC))
    ordinary = {r.metric: r for r in compute_volume_rows(config, saturday, 1000, _weekly_facts(saturday))}
    assert ordinary["row_count"].status == "ok" and (ordinary["row_count"].threshold or 0) < 1000


def test_the_plain_rule_stores_no_season(tmp_path: Path) -> None:
    window = Window(datetime(2026, 2, 18, tzinfo=UTC), datetime(2026, 2, 19, tzinfo=UTC))
    flat = [3000 + (i % 3) * 50 for i in range(28)]
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    starts = tuple(window.start - timedelta(days=28 - i) for i in range(28))
    found = compute_volume_rows(config, window, 2900, VolumeFacts(flat, None, starts))
    assert [(r.metric, r.threshold, r.status) for r in found] == [("row_count", 1525.0, "ok")]


def _hourly_facts(tables: dict[str, pd.DataFrame], window: Window, days: int) -> VolumeFacts:
    """The earlier hours' rows and newest predictions, counted in pandas as the warehouse does."""
    starts = tuple(window.start - timedelta(hours=24 * days - i) for i in range(24 * days))
    at = tables["predictions"]["predicted_at"]
    rows, newest = [], []
    for s in starts:
        inside = at[(at >= pd.Timestamp(s).tz_localize(None)) & (at < pd.Timestamp(s + timedelta(hours=1)).tz_localize(None))]
        rows.append(len(inside))
        newest.append(inside.max().to_pydatetime().replace(tzinfo=UTC) if len(inside) else None)
    return VolumeFacts(rows, None, starts, tuple(newest))


def test_freshness_is_judged_against_its_season(tmp_path: Path) -> None:
    """Hourly windows, nights at 10-15% of the peak (a few rows an hour): a night hour's newest
    prediction is often over 30 minutes old, which max_staleness 30m would page every night."""
    tables = make_tables(seed=3, days=9, rows_per_day=500, training_rows=100, calendar="daily")
    config = make_config(tmp_path, "duckdb:///unused.duckdb", schedule="@hourly",
                         **{"volume.max_staleness": "30m"})
    night = Window(datetime(2026, 1, 9, 3, tzinfo=UTC), datetime(2026, 1, 9, 4, tzinfo=UTC))
    facts = _hourly_facts(tables, night, 8)
    stale = {r.metric: r for r in compute_volume_rows(config, night, 3, VolumeFacts(
        facts.trailing, night.end - timedelta(minutes=50), facts.starts, facts.newest_each))}
    assert stale["row_count_season"].column_name == "hour_of_day=03:00"
    freshness = stale["hours_since_last_prediction"]
    assert freshness.value == pytest.approx(50 / 60) and freshness.status == "ok"
    assert (freshness.threshold or 0) > 50 / 60
    noon = Window(datetime(2026, 1, 9, 12, tzinfo=UTC), datetime(2026, 1, 9, 13, tzinfo=UTC))
    facts = _hourly_facts(tables, noon, 8)
    late = {r.metric: r for r in compute_volume_rows(config, noon, 30, VolumeFacts(
        facts.trailing, noon.end - timedelta(minutes=50), facts.starts, facts.newest_each))}
    assert late["hours_since_last_prediction"].status == "alert"
    assert late["hours_since_last_prediction"].threshold == 0.5  # a busy hour keeps max_staleness
