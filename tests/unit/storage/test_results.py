"""The results store: a window's rows round-trip; a rerun replaces them (never duplicates);
a late-label refresh swaps only its kinds; the trend file holds whole-window rows of every
window; a failed write leaves the old file and no temporary file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from monitors.core.errors import StoreError
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage import results
from monitors.storage.files import replace_file

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def _window(day: int) -> Window:
    return Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))


ROWS = [Measurement("data_quality", "row_count", 10.0),
        Measurement("drift", "wasserstein", 0.3, 0.1, "alert", "income"),
        Measurement("drift", "wasserstein", 0.05, 0.1, "ok", "income", "region=EU"),
        Measurement("performance", "f1", 0.7, 0.75, "alert")]


def test_rows_round_trip_and_a_rerun_replaces_them(tmp_path: Path) -> None:
    store = tmp_path / "monitoring.duckdb"
    path = results.replace_window(store, "m", _window(0), ROWS, "run-1")
    assert path == tmp_path / "monitoring" / "results" / "model=m" / "window_start=2026-01-01T00:00:00Z.parquet"
    assert results.load_window_rows(store, "m", _window(0)) == ROWS
    results.replace_window(store, "m", _window(0), ROWS[:2], "run-2")
    frame = results.load_results(store, "m")
    assert len(frame) == 2 and set(frame["run_id"]) == {"run-2"}
    assert list(frame["window_end"]) == [datetime(2026, 1, 2)] * 2  # naive UTC, as the view types it


def test_a_refresh_swaps_only_its_kinds(tmp_path: Path) -> None:
    store = tmp_path / "monitoring.duckdb"
    assert not results.replace_rows(store, "m", _window(0), {"performance"}, ROWS, "r")  # never stored
    results.replace_window(store, "m", _window(0), ROWS, "run-1")
    new = [Measurement("performance", "f1", 0.8, 0.75, "ok")]
    assert results.replace_rows(store, "m", _window(0), {"performance"}, new, "refresh")
    assert results.load_window_rows(store, "m", _window(0)) == [*ROWS[:3], *new]


def test_a_refreshed_row_of_another_kind_replaces_its_stored_row(tmp_path: Path) -> None:
    store = tmp_path / "monitoring.duckdb"  # label coverage's season, learned again with the labels
    season = Measurement("expected", "label_coverage_season", 3.0, 4.0, "ok")
    results.replace_window(store, "m", _window(0), [*ROWS, season], "run-1")
    for learned in (4.0, 5.0):
        new = [Measurement("performance", "f1", 0.8, 0.75, "ok"),
               Measurement("expected", "label_coverage_season", learned, 4.0, "ok")]
        assert results.replace_rows(store, "m", _window(0), {"performance"}, new, "refresh")
    assert results.load_window_rows(store, "m", _window(0)) == [*ROWS[:3], *new]  # one season row


def test_the_trend_holds_whole_window_and_judged_segment_rows_of_every_window(tmp_path: Path) -> None:
    store = tmp_path / "monitoring.duckdb"
    for day in (2, 0, 1):
        results.replace_window(store, "m", _window(day), ROWS, f"run-{day}")
    results.replace_window(store, "m", _window(1), ROWS[:1], "again")
    trend = results.load_trend(store, "m")
    assert list(trend["segment"].dropna()) == ["region=EU", "region=EU"]  # judged segment rows
    assert list(trend.groupby("window_start").size()) == [4, 1, 4]  # sorted; day 1 replaced
    assert results.load_windows(store, "m") == [_window(0), _window(1), _window(2)]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.parquet"
    replace_file(target, lambda tmp: tmp.write_text("old"))

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        replace_file(target, fail)
    assert target.read_text() == "old" and [p.name for p in target.parent.iterdir()] == ["file.parquet"]


def test_an_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "monitoring").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="model m: cannot write to .*monitoring/results/model=m"):
        results.replace_window(tmp_path / "monitoring.duckdb", "m", _window(0), ROWS, "r")


def test_the_catalog_view_reads_every_window(tmp_path: Path) -> None:
    import duckdb

    store = tmp_path / "monitoring.duckdb"
    for day in (0, 1):
        results.replace_window(store, "m", _window(day), ROWS, "r")
    with duckdb.connect(str(store), read_only=True) as con:
        found = con.execute("select count(*), count(distinct window_start), typeof(any_value(value)) "
                            "from monitor_results").fetchone()
    assert found == (8, 2, "DOUBLE")
    assert pq.read_table(results.window_results_file(store, "m", _window(0))).num_rows == 4
