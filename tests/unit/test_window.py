from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitors.window import Window, compute_utc, compute_window_containing, compute_windows


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
