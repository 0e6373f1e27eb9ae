"""The volume series rule on the seeded generator's calendar shapes, every window of a series
judged against the windows before it (compute_series_verdicts): weekly, daily, both, a holiday, a
trend and flat, daily and hourly windows; outages made by dropping rows (demo.compute_outage)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitors import demo
from monitors.compute.series import (
    Verdict,
    compute_count_verdict,
    compute_coverage_bound,
    compute_series_verdicts,
)
from monitors.core.errors import ConfigError
from monitors.core.settings import Volume
from monitors.core.window import Window, compute_windows
from monitors.testing import make_config, make_tables

START = demo.START  # a Thursday
LEARNED_DAYS = 28  # daily windows: four of each day of week


def _series(calendar: str, schedule: str, days: int, outages: tuple[tuple[datetime, datetime, float], ...] = (),
            volume: Volume | None = None, rows_per_day: int = 3000, seed: int = 1
            ) -> list[tuple[Window, int, Verdict]]:
    tables = make_tables(seed=seed, days=days, rows_per_day=rows_per_day, training_rows=100, calendar=calendar,
                         row_jitter=0.1)
    for start, end, keep in outages:
        tables = demo.compute_outage(tables, start, end, keep)
    windows = compute_windows(schedule, START, START + timedelta(days=days))
    counts = demo.compute_window_rows(tables, windows)
    hours = (windows[0].end - windows[0].start).total_seconds() / 3600
    verdicts = compute_series_verdicts(volume or Volume(), [w.start for w in windows], counts, hours)
    return list(zip(windows, counts, verdicts, strict=True))


def _day(n: int) -> tuple[datetime, datetime]:
    return START + timedelta(days=n), START + timedelta(days=n + 1)


def _alerts(series: list[tuple[Window, int, Verdict]]) -> list[datetime]:
    return [w.start for w, _, v in series if v.status == "alert"]


@pytest.mark.parametrize("calendar", ["weekly", "both", "trend"])
def test_daily_windows_of_a_weekly_cycle_never_alert(calendar: str) -> None:
    series = _series(calendar, "@daily", 63)
    assert _alerts(series) == []
    judged = [v for w, _, v in series if w.start >= START + timedelta(days=LEARNED_DAYS)]
    assert {v.season.split("=")[0] for v in judged if v.season} == {"day_of_week"}
    assert all(v.upper is not None for v in judged)  # every window after learning has its season's range
    # without a season, every weekend breaks the plain rule (half the trailing median)
    plain = _series(calendar, "@daily", 63, volume=Volume(seasonality="none"))
    assert len(_alerts(plain)) == 18


def test_a_weekday_outage_and_a_quiet_saturday_alert_against_their_season() -> None:
    wednesday, saturday = 48, 51  # 2026-02-18 (Wednesday) at 15%, 2026-02-21 (Saturday) at 10%
    series = _series("weekly", "@daily", 63, outages=((*_day(wednesday), 0.15), (*_day(saturday), 0.10)))
    assert _alerts(series) == [_day(wednesday)[0], _day(saturday)[0]]
    _, rows, verdict = series[wednesday]
    assert verdict.season == "day_of_week=Wednesday" and rows < verdict.threshold < 3000 < verdict.upper
    # a Saturday at 10% is above what the plain rule's collapse guard would catch, and below its season
    _, rows, verdict = series[saturday]
    assert verdict.season == "day_of_week=Saturday" and rows < verdict.threshold < 1050 < verdict.upper
    # the outage is not learned from: the next Wednesdays keep their range
    after = [v for w, _, v in series[wednesday + 7::7]]
    assert all(v.status == "ok" and v.threshold > 1800 for v in after)


def test_learning_is_visible_and_a_collapse_still_alerts() -> None:
    series = _series("weekly", "@daily", 28, outages=((*_day(12), 0.01),))
    saturday = series[9]  # 2026-01-10, the second Saturday: the plain rule breaks, the season learns
    assert saturday[2].status == "skipped" and saturday[2].season == "day_of_week=Saturday"
    assert (saturday[2].learned, saturday[2].needed) == (1, 4)
    collapse = series[12]  # a Tuesday at 1%: below the guard (5% of the median, less its noise)
    assert collapse[2].status == "alert" and collapse[1] < collapse[2].threshold < 150
    assert _alerts(series) == [collapse[0].start]
    assert [w.start for w, _, v in series if v.status == "skipped"] == \
        [w.start for w, _, _ in series if w.start.weekday() >= 5]  # every weekend of the first four weeks


def test_an_empty_window_alerts_at_once() -> None:
    verdict = compute_count_verdict(Volume(), 0.0, [], None, 24.0)
    assert (verdict.status, verdict.threshold) == ("alert", 1.0)


def test_a_holiday_alerts_once_and_is_not_learned() -> None:
    series = _series("holiday", "@daily", 63)
    holiday = next(w.start for w, _, _ in series if w.start.weekday() == 0
                   and (w.start - START).days // 7 == demo.HOLIDAY_WEEK)
    assert _alerts(series) == [holiday]
    following = [v for w, _, v in series if w.start.weekday() == 0 and w.start > holiday]
    assert following and all(v.status == "ok" for v in following)


def test_a_flat_series_is_judged_as_before() -> None:
    auto = _series("flat", "@daily", 63)
    plain = _series("flat", "@daily", 63, volume=Volume(seasonality="none"))
    assert [v for _, _, v in auto] == [v for _, _, v in plain]
    assert all(v.season is None and v.status == "ok" for _, _, v in auto)


def test_hourly_windows_of_a_daily_cycle() -> None:
    peak = START + timedelta(days=16, hours=10)  # three peak hours at 10%
    series = _series("daily", "@hourly", 21, outages=((peak, peak + timedelta(hours=3), 0.10),))
    learned = [(w, n, v) for w, n, v in series if w.start >= START + timedelta(days=4)]
    alerts = _alerts(learned)
    assert alerts == [peak, peak + timedelta(hours=1), peak + timedelta(hours=2)]
    assert len(alerts) <= 0.01 * len(learned) + 3
    nights = [v for w, _, v in series if w.start.hour in (0, 1, 2, 3, 4, 5, 23)]
    assert all(v.status != "alert" for v in nights)
    assert {v.season for _, _, v in learned if v.season} >= {"hour_of_day=03:00", "hour_of_day=14:00"}


def test_hourly_windows_of_a_weekly_and_daily_cycle_learn_the_hour_of_week() -> None:
    series = _series("both", "@hourly", 36)
    assert _alerts(series) == []
    last = series[-1][2]
    assert last.season == "hour_of_week=Thursday 23:00" and last.learned >= 4 and last.upper is not None


def test_a_surge_alerts_with_direction_both() -> None:
    history = [(START - timedelta(days=7 * k), 3000 + 40 * k) for k in range(4, 0, -1)]
    both, down = Volume(seasonality="day_of_week", direction="both"), Volume(seasonality="day_of_week")
    surge = compute_count_verdict(both, 6000.0, history, START, 24.0)
    assert surge.surge and surge.status == "ok" and surge.upper is not None and surge.upper < 6000
    assert not compute_count_verdict(down, 6000.0, history, START, 24.0).surge


def test_counts_are_held_to_their_noise() -> None:
    """A season of 40 rows is not held to a 4,000-row season's precision."""
    def band(rows: int) -> tuple[float, float]:
        history = [(START - timedelta(days=7 * k), rows) for k in range(4, 0, -1)]
        verdict = compute_count_verdict(Volume(seasonality="day_of_week", min_spread=0.0), rows, history,
                                        START, 24.0)
        assert verdict.threshold is not None and verdict.upper is not None
        return verdict.threshold / rows, verdict.upper / rows

    small, large = band(40), band(4000)
    assert small[0] < 0.55 and small[1] > 1.45  # 3 x sqrt(40) = 19 rows either side
    assert 0.94 < large[0] < 0.96 and 1.04 < large[1] < 1.06  # 3 x sqrt(4000) = 190


def test_a_season_the_schedule_cannot_have_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"volume.seasonality: hour_of_day is not a season of schedule '@daily' \(windows of 24 hours\)"):
        make_config(tmp_path, "duckdb:///unused.duckdb", **{"volume.seasonality": "hour_of_day"})
    hourly = make_config(tmp_path, "duckdb:///unused.duckdb", schedule="@hourly",
                         **{"volume.seasonality": "hour_of_week"})
    assert hourly.volume.compute_training_windows(1.0) == 4 * 168


def test_label_coverage_bound_follows_the_season() -> None:
    """Weekly rows, weekend labels at 60%: a Saturday's bound drops below 0.6; a Wednesday's
    (usually all labelled) stays at the minimum; a flat series keeps it."""
    starts = [START + timedelta(days=d) for d in range(-35, 0)]
    history = [(s, 1000 if s.weekday() >= 5 else 3000, 600 if s.weekday() >= 5 else 2990) for s in starts]
    saturday = START + timedelta(days=2)
    bound, season, learned = compute_coverage_bound(Volume(), 0.8, history, saturday, 24.0, 1000)
    assert season == "day_of_week=Saturday" and learned == 5 and 0.35 < bound < 0.5
    assert compute_coverage_bound(Volume(), 0.8, history, START + timedelta(days=6), 24.0, 3000) == (0.8, None, 0)
    flat = [(s, 3000, 1800) for s in starts]
    assert compute_coverage_bound(Volume(), 0.8, flat, saturday, 24.0, 3000) == (0.8, None, 0)
