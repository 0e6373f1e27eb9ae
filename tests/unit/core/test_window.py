from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitors.core.window import (
    Window,
    compute_trailing_windows,
    compute_utc,
    compute_window_containing,
    compute_windows,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_windows_cover_start_inclusive_end_exclusive() -> None:
    windows = compute_windows("@daily", "2026-01-01", "2026-01-04")
    assert [(w.start, w.end) for w in windows] == [
        (utc(2026, 1, 1), utc(2026, 1, 2)), (utc(2026, 1, 2), utc(2026, 1, 3)),
        (utc(2026, 1, 3), utc(2026, 1, 4))]


def test_unaligned_range_keeps_only_whole_windows() -> None:
    windows = compute_windows("@daily", "2026-01-01T06:00", "2026-01-03T12:00")
    assert [w.start for w in windows] == [utc(2026, 1, 2)]


def test_hourly_cron() -> None:
    windows = compute_windows("0 */6 * * *", "2026-01-01", "2026-01-02")
    assert len(windows) == 4 and windows[1] == Window(utc(2026, 1, 1, 6), utc(2026, 1, 1, 12))


def test_naive_times_are_utc() -> None:
    assert compute_utc("2026-01-01T05:00") == utc(2026, 1, 1, 5)
    assert compute_utc("2026-01-01T05:00+02:00") == utc(2026, 1, 1, 3)


def test_window_containing() -> None:
    assert compute_window_containing("@daily", "2026-03-05T13:00") == Window(utc(2026, 3, 5), utc(2026, 3, 6))


def test_empty_window_is_rejected() -> None:
    with pytest.raises(ValueError, match="not after its start"):
        Window(utc(2026, 1, 2), utc(2026, 1, 1))


def test_key_is_stable() -> None:
    assert Window(utc(2026, 1, 2), utc(2026, 1, 3)).key == "2026-01-02T00:00:00Z"


@pytest.mark.parametrize("day,hours", [("2026-03-29", 23), ("2026-10-25", 25), ("2026-06-01", 24)])
def test_daily_windows_in_a_dst_timezone_follow_local_midnight(day: str, hours: int) -> None:
    start = datetime.fromisoformat(day)
    windows = compute_windows("@daily", start, start.replace(day=start.day + 1), "Europe/Berlin")
    assert len(windows) == 1
    window = windows[0]
    assert (window.end - window.start).total_seconds() == hours * 3600
    assert window.start.astimezone(ZoneInfo("Europe/Berlin")).hour == 0
    assert window.end.astimezone(ZoneInfo("Europe/Berlin")).hour == 0


def test_consecutive_dst_windows_tile_without_gap_or_overlap() -> None:
    windows = compute_windows("0 */6 * * *", "2026-03-28", "2026-03-31", "America/New_York")
    assert all(a.end == b.start for a, b in zip(windows, windows[1:], strict=False))
    assert windows[0].start == utc(2026, 3, 28, 4)  # local midnight, EDT (UTC-4) since 8 March


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        compute_windows("@daily", "2026-01-01", "2026-01-02", "Mars/Olympus")


def test_windows_from_airflow_pendulum_times_are_plain_utc_datetimes() -> None:
    import pendulum  # what Airflow hands a task as data_interval_start/end

    window = Window(pendulum.datetime(2026, 2, 19, tz="Europe/Berlin"), pendulum.datetime(2026, 2, 20, tz="UTC"))
    assert type(window.start) is datetime and window.start == utc(2026, 2, 18, 23)
    assert window.end + timedelta(days=14) > datetime.now(UTC)  - timedelta(days=9999)


@pytest.mark.parametrize(("schedule", "timezone"), [
    ("@hourly", "UTC"), ("0 * * * *", "Europe/Paris"), ("0 9 * * 1-5", "America/New_York"),
    ("@daily", "Europe/Berlin"), ("*/30 * * * *", "Australia/Lord_Howe"), ("0 0 * * 0", "UTC")])
def test_trailing_windows_asked_in_any_order_are_the_schedules_windows_before(schedule: str, timezone: str) -> None:
    """The windows kept from earlier calls (a run asks for each window's hundreds of trailing
    windows) give what enumerating the schedule gives, across DST changes (Lord Howe's are half
    an hour), weekday schedules and windows asked out of order."""
    rng = random.Random(112)
    windows = compute_windows(schedule, datetime(2025, 10, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC),
                              timezone)
    asked = windows[::max(1, len(windows) // 40)]
    for window in [*asked, *rng.sample(windows, 15)]:
        for count in (1, 24, 300):
            span = (window.end - window.start) * 2 * (count + 1)
            enumerated = compute_windows(schedule, window.start - span, window.start, timezone)[-count:]
            assert compute_trailing_windows(schedule, window, count, timezone) == enumerated
