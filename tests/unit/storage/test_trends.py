"""A month's trend is its month file and its tail: the tail's rows win, a window's rerun goes to
the tail, the tail stays bounded (folded into the month file), a window rewritten while its tail is being
folded keeps its new rows, and two windows of a day stored at once are both in its digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from monitors.core.location import Location
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage import results, trend_months, trends

START = datetime(2026, 3, 1, tzinfo=UTC)


def compute_window(hour: int) -> Window:
    return Window(START + timedelta(hours=hour), START + timedelta(hours=hour + 1))


def compute_rows(value: float) -> list[Measurement]:
    return [Measurement("data_quality", "row_count", value),
            Measurement("drift", "psi", value / 100, 0.2, "ok", "income"),
            Measurement("drift", "psi", value / 50, 0.2, "alert", "income", "region=EU")]


def load_values(store: Path, hour: int) -> list[float]:
    month = trends.load_month(results.store_data_dir(store), "m", "2026-03")
    start = compute_window(hour).start.replace(tzinfo=None)
    return sorted(month[month["window_start"] == start]["value"].tolist())


def test_the_month_rows_are_the_files_with_the_tails_windows_replaced() -> None:
    def table(starts: list[int], value: float) -> pa.Table:
        moments = [datetime(2026, 3, 1, s) for s in starts]
        return pa.table({"window_start": pa.array(moments, pa.timestamp("us")), "value": [value] * len(starts)})

    month_file = table([0, 1, 2], 1.0)
    assert trend_months.month_rows(month_file, None) is month_file
    assert trend_months.month_rows(month_file, table([], 0.0)) is month_file
    merged = trend_months.month_rows(month_file, table([1, 3], 2.0))
    assert merged is not None
    assert [m.hour for m in merged["window_start"].to_pylist()] == [0, 1, 2, 3]  # sorted again
    assert merged["value"].to_pylist() == [1.0, 2.0, 1.0, 2.0]


def test_the_tail_stays_bounded_and_every_window_reads_back(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trend_months, "TAIL_ROWS", 7)  # three rows a window: folded every third window
    store = tmp_path / "monitoring.duckdb"
    for hour in range(20):
        results.replace_window(store, "m", compute_window(hour), compute_rows(float(hour)), "first")
    results.replace_window(store, "m", compute_window(4), compute_rows(100.0), "rerun")  # a folded window
    data_dir = results.store_data_dir(store)
    tail = trend_months.load_table(trend_months.tail_file(data_dir, "m", "2026-03"))
    assert tail is not None and tail.num_rows <= 7
    month_file = trend_months.load_table(trend_months.trend_file(data_dir, "m", "2026-03"))
    assert month_file is not None and month_file.num_rows + tail.num_rows >= 60
    assert [load_values(store, hour)[2] for hour in range(20)] == [100.0 if h == 4 else float(h) for h in range(20)]
    assert trends.load_months(data_dir, "m") == ["2026-03"]


def test_a_window_rewritten_during_its_tails_fold_keeps_its_new_rows(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trend_months, "TAIL_ROWS", 7)
    store = tmp_path / "monitoring.duckdb"
    update_table = trend_months.update_table
    raced: list[int] = []

    def racing(path: Location, change: Callable[..., Any], what: str, **kwargs: Any) -> None:
        update_table(path, change, what, **kwargs)
        if change.__name__ == "into_month" and not raced:  # another writer, between the two steps
            raced.append(1)
            one = compute_rows(200.0)[:1]  # one row: the tail (7 rows) is not folded again
            results.replace_window(store, "m", compute_window(2), one, "racing")

    monkeypatch.setattr(trend_months, "update_table", racing)
    for hour in range(4):  # the fourth window's tail (windows 1-3) is folded
        results.replace_window(store, "m", compute_window(hour), compute_rows(float(hour)), "first")
    assert raced
    tail = trend_months.load_table(trend_months.tail_file(results.store_data_dir(store), "m", "2026-03"))
    assert tail is not None and {m.hour for m in tail["window_start"].to_pylist()} == {2}
    assert load_values(store, 2) == [200.0]
    assert [load_values(store, hour)[2] for hour in (0, 1, 3)] == [0.0, 1.0, 3.0]


def test_two_windows_of_a_day_stored_at_once_are_both_in_the_days_digest(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "monitoring.duckdb"
    update_table = trend_months.update_table
    digests: list[int] = []

    def racing(path: Location, change: Callable[..., Any], what: str, **kwargs: Any) -> None:
        if path.name.startswith("year="):
            digests.append(1)
            if len(digests) == 2:  # window 1's digest write: another window of the day stored first
                results.replace_window(store, "m", compute_window(5), compute_rows(5.0), "racing")
        update_table(path, change, what, **kwargs)

    monkeypatch.setattr(trends, "update_table", racing)
    results.replace_window(store, "m", compute_window(0), compute_rows(0.0), "first")
    results.replace_window(store, "m", compute_window(1), compute_rows(1.0), "first")  # raced by window 5
    digest = trends.load_digest(results.store_data_dir(store), "m")
    assert len(digests) == 3 and digest[digest["kind"] == trends.WINDOWS_KIND]["windows"].tolist() == [3]
