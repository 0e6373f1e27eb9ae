"""Compaction folds a past month's window files into one month file without changing what the
store holds: monitor_results (load_results, the DuckDB view) and monitor_alerts give the same
rows before and after, and after a rerun or a late-label swap of a compacted window (a window
file again, which wins over the month's rows), on local disk and on object storage."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors.core.location import compute_location
from monitors.core.measurement import Measurement
from monitors.storage import catalog, compaction, episodes, results
from monitors.storage.files import load_names
from tests.integration.test_history_state import check_state, compute_rows, compute_windows

ORDER = ["window_start", "kind", "metric", "column_name", "segment"]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, home: Path) -> object:
    if request.param == "local":
        return home / "monitoring.duckdb"
    return compute_location(f"{request.getfixturevalue('s3_bucket')}/monitoring", home)


def load_sorted(store: object) -> pd.DataFrame:
    frame = results.load_results(store, "m")  # type: ignore[arg-type]
    return frame.sort_values(ORDER, key=lambda c: c.astype(str)).reset_index(drop=True)


def load_view(store: Path) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        frame = con.execute(f"SELECT * FROM {catalog.VIEW}").df()
    return frame.sort_values(ORDER, key=lambda c: c.astype(str)).reset_index(drop=True)


def load_file_names(store: object) -> list[str]:
    folder = results.results_folder(store) / "model=m"  # type: ignore[arg-type]
    return [path.name for path in load_names(folder, "*.parquet")]


def test_compaction_keeps_every_row_and_a_rerun_of_a_compacted_window_wins(store: object) -> None:
    rng = random.Random(44)
    windows = compute_windows(60)  # 12-hour windows from 2026-01-20 into February
    written = {window: compute_rows(rng) for window in windows}
    for window, rows in written.items():
        results.replace_window(store, "m", window, rows, "first")  # type: ignore[arg-type]
    before, alerts_before = load_sorted(store), results.load_alerts(store, "m")  # type: ignore[arg-type]
    done = results.write_compacted(store, "m", "2026-02")  # type: ignore[arg-type]
    assert (done.months, done.folded, done.left) == (1, 24, 0)  # January's 24 windows
    names = load_file_names(store)
    assert "month=2026-01.parquet" in names and len(names) == 1 + 36
    pd.testing.assert_frame_equal(load_sorted(store), before)
    pd.testing.assert_frame_equal(results.load_alerts(store, "m"), alerts_before)  # type: ignore[arg-type]
    if isinstance(store, Path):
        pd.testing.assert_frame_equal(load_view(store), before, check_dtype=False)
    compacted = windows[3]
    assert results.load_window_rows(store, "m", compacted) == written[compacted]  # type: ignore[arg-type]

    rerun = compute_rows(rng)  # a backfill of a compacted window: a window file, which wins
    results.replace_window(store, "m", compacted, rerun, "rerun")  # type: ignore[arg-type]
    assert results.load_window_rows(store, "m", compacted) == rerun  # type: ignore[arg-type]
    late = [Measurement("performance", "f1", 0.99, 0.5, "ok")]  # late labels of another one
    assert results.replace_rows(store, "m", windows[5], {"performance"}, late, "late")  # type: ignore[arg-type]
    expected = load_sorted(store)
    assert len(expected) == len(before) - 4 + len(rerun) - 1 + 1
    assert set(expected[expected["window_start"] == compacted.start.replace(tzinfo=None)]["run_id"]) == {"rerun"}
    check_state(store, windows)  # the derived state equals what the results say
    again = results.write_compacted(store, "m", "2026-03")  # type: ignore[arg-type]
    assert (again.months, again.folded) == (2, 2 + 36)
    assert load_file_names(store) == ["month=2026-01.parquet", "month=2026-02.parquet"]
    pd.testing.assert_frame_equal(load_sorted(store), expected)
    if isinstance(store, Path):
        pd.testing.assert_frame_equal(load_view(store), expected, check_dtype=False)
    state = episodes.load_episodes(results.store_data_dir(store), "m")  # type: ignore[arg-type]
    results.rebuild_model(store, "m")  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(episodes.load_episodes(results.store_data_dir(store), "m"), state)  # type: ignore[arg-type]
    check_state(store, windows)


def test_a_window_file_rewritten_during_compaction_is_left_and_still_wins(home: Path) -> None:
    store = home / "monitoring.duckdb"
    rng = random.Random(7)
    windows = compute_windows(4)  # January
    for window in windows:
        results.replace_window(store, "m", window, compute_rows(rng), "first")
    folder = results.results_folder(store)
    paths = load_names(folder / "model=m", "window_start=*.parquet")
    folded = compaction.write_month(folder, "m", "2026-01", paths)  # the month written, files not yet deleted
    rerun = compute_rows(rng)
    results.replace_window(store, "m", windows[0], rerun, "rerun")  # a writer in between
    assert results.load_window_rows(store, "m", windows[0]) == rerun  # the window file wins
    from monitors.storage.files import delete_if_unchanged

    deleted = [delete_if_unchanged(p, data, "model m") for p, data in folded.items()]
    assert deleted == [False, True, True, True]
    assert results.load_window_rows(store, "m", windows[0]) == rerun
    assert len(load_sorted(store)) == sum(1 for _ in rerun) + 3 * 4


def test_the_store_commands_compact_and_rebuild(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitors.cli import main
    from monitors.testing import write_config

    config = write_config(home, "duckdb:///warehouse.duckdb", model="m", **{"checks": None})
    store = home / "monitoring.duckdb"
    rng = random.Random(3)
    windows = compute_windows(30)
    for window in windows:
        results.replace_window(store, "m", window, compute_rows(rng), "first")
    before = load_sorted(store)
    assert main(["store", "compact", str(config), "--before", "2026-02"]) == 0
    assert "model m: 24 window files folded into 1 month files (months before 2026-02)" in capsys.readouterr().out
    assert main(["store", "rebuild", str(config)]) == 0
    pd.testing.assert_frame_equal(load_sorted(store), before)
    check_state(store, windows)
    with pytest.raises(SystemExit) as bad:
        main(["store", "compact", str(config), "--before", "2026-13"])
    assert bad.value.code == 2 and "not a month YYYY-MM: '2026-13'" in capsys.readouterr().err
