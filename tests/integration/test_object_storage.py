"""The store and the reports on object storage (an S3-compatible server): the same rows as on
local disk, every page, the CLI's reads, nothing on the local disk, and read-modify-writes that
lose no concurrent writer's rows."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd
import pytest
import s3fs

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import compute_results_difference, write_config

from .helpers import stored

RANGE = ["--start", "2026-01-01", "--end", "2026-01-04", "--as-of", "2026-03-01"]


def compute_local_files(home: Path) -> set[Path]:
    return {path for path in home.rglob("*") if path.is_file() and not path.name.endswith(".wal")}


def test_a_run_on_s3_stores_what_local_disk_stores_and_writes_nothing_locally(
        home: Path, duckdb_warehouse: str, s3_bucket: str, capsys: pytest.CaptureFixture[str]) -> None:
    local = write_config(home, duckdb_warehouse, checks=None, **{"report.evidently": True})
    assert main(["run", str(local), *RANGE]) == 0
    remote = write_config(home, duckdb_warehouse, name="remote.yaml", checks=None,
                          store=f"{s3_bucket}/team/monitoring", reports=f"{s3_bucket}/team/reports",
                          **{"report.evidently": True})
    before = compute_local_files(home)
    capsys.readouterr()
    assert main(["run", str(remote), *RANGE]) == 0
    assert f"{s3_bucket}/team/reports/index.html" in capsys.readouterr().out
    assert compute_local_files(home) == before  # no store, page, profile or cache file on this disk

    on_s3, on_disk = stored(load_config(remote)), stored(load_config(local))
    assert len(on_s3) > 100 and on_s3["window_start"].nunique() == 3
    assert compute_results_difference(on_disk, on_s3).empty

    fs = s3fs.S3FileSystem()
    bucket = s3_bucket.removeprefix("s3://")
    assert sorted(fs.ls(f"{bucket}/team/monitoring/results/model=credit_risk")) == [
        f"{bucket}/team/monitoring/results/model=credit_risk/window_start=2026-01-0{d}T00:00:00Z.parquet"
        for d in (1, 2, 3)]
    assert len(fs.ls(f"{bucket}/team/monitoring/profiles")) >= 1
    model_page = fs.cat_file(f"{bucket}/team/reports/credit_risk/index.html").decode()
    for day in (1, 2, 3):
        assert f'href="2026-01-0{day}T0000Z/index.html"' in model_page
    assert 'href="credit_risk/index.html"' in fs.cat_file(f"{bucket}/team/reports/index.html").decode()
    assert len(fs.glob(f"{bucket}/team/reports/assets/evidently-*.js")) == 1

    for command in (["results", "--format", "csv"], ["alerts"]):
        assert main([command[0], str(local), *command[1:]]) == 0
        from_disk = capsys.readouterr().out
        assert main([command[0], str(remote), *command[1:]]) == 0
        assert capsys.readouterr().out == from_disk or command[0] == "results"
    assert main(["results", str(remote), "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") == len(on_s3) + 1


def test_a_report_rebuilt_from_s3_lists_every_window(home: Path, duckdb_warehouse: str, s3_bucket: str) -> None:
    config = write_config(home, duckdb_warehouse, checks=None, store=f"{s3_bucket}/monitoring",
                          reports=f"{s3_bucket}/reports")
    assert main(["run", str(config), *RANGE, "--no-report"]) == 0
    fs = s3fs.S3FileSystem()
    bucket = s3_bucket.removeprefix("s3://")
    assert not fs.exists(f"{bucket}/reports/index.html")
    assert main(["report", str(config)]) == 0
    model_page = fs.cat_file(f"{bucket}/reports/credit_risk/index.html").decode()
    assert all(f'href="2026-01-0{day}T0000Z/index.html"' in model_page for day in (1, 2, 3))


def test_a_store_url_without_conditional_writes_is_refused_before_anything_runs(
        home: Path, duckdb_warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(home, duckdb_warehouse, checks=None, store="gs://bucket/monitoring")
    assert main(["run", str(config), *RANGE]) == 2
    err = capsys.readouterr().err
    assert "store" in err and "gs://bucket/monitoring" in err and "conditional writes" in err


WINDOW_ROWS = 6  # drift rows of the stored window; each writer swaps its own kind's row


def compute_window() -> object:
    from monitors.core.window import Window
    from monitors.testing import make_window_bounds

    return Window(*make_window_bounds(0))


def run_swaps(store: str, kind: str, times: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One writer: swaps its kind's row `times` times (value = the iteration), after the others
    are ready (a barrier, so the writers overlap)."""
    from monitors.core.location import compute_location
    from monitors.core.measurement import Measurement
    from monitors.storage.results import replace_rows

    location = compute_location(store, Path.cwd())
    start.wait()
    for value in range(times):
        assert replace_rows(location, "race", compute_window(), {kind},  # type: ignore[arg-type]
                            [Measurement(kind, "count", float(value), status="alert")], f"run-{kind}")
    _exit_at_once()


def run_store(store: str, times: int, start: multiprocessing.synchronize.Barrier) -> None:
    """The store of the window (as a rerun writes it), `times` times."""
    from monitors.core.location import compute_location
    from monitors.core.measurement import Measurement
    from monitors.storage.results import replace_window

    location = compute_location(store, Path.cwd())
    start.wait()
    for _ in range(times):
        replace_window(location, "race", compute_window(),  # type: ignore[arg-type]
                       [Measurement("drift", "psi", float(i), column_name=f"f{i}") for i in range(WINDOW_ROWS)]
                       + [Measurement("performance", "f1", 0.5)], "run-store")
    _exit_at_once()


def _exit_at_once() -> None:
    """A writer that finished its writes exits without the interpreter's teardown: a native
    thread pool's destructor aborted one spawned writer at exit ("terminate called without an
    active exception", exit code -6) after its writes were done; the rows are checked after."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_writers(targets: list[tuple[object, tuple[object, ...]]]) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(targets))
    processes = [context.Process(target=target, args=(*args, start)) for target, args in targets]  # type: ignore[arg-type]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
    assert [process.exitcode for process in processes] == [0] * len(processes)


def load_window_and_trend(store: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from monitors.core.location import compute_location
    from monitors.storage.files import load_table
    from monitors.storage.results import SCHEMA, load_trend, window_results_file

    location = compute_location(store, Path.cwd())
    window = load_table(window_results_file(location, "race", compute_window()), schema=SCHEMA)  # type: ignore[arg-type]
    assert window is not None
    order = ["kind", "metric", "column_name"]
    return (window.to_pandas().sort_values(order).reset_index(drop=True),
            load_trend(location, "race").sort_values(order).reset_index(drop=True))


@pytest.fixture(params=["local", "s3"])
def race_store(request: pytest.FixtureRequest, home: Path) -> str:
    if request.param == "local":
        return str(home / "monitoring.duckdb")
    return f"{request.getfixturevalue('s3_bucket')}/monitoring"


def test_writers_swapping_rows_of_one_window_at_once_lose_none(race_store: str) -> None:
    run_writers([(run_store, (race_store, 1))])
    kinds = [f"label_batch_{i}" for i in range(4)]
    run_writers([(run_swaps, (race_store, kind, 5)) for kind in kinds])
    window, trend = load_window_and_trend(race_store)
    swapped = window[window["kind"].isin(kinds)]
    assert sorted(swapped["kind"]) == kinds and (swapped["value"] == 4.0).all()
    assert len(window) == WINDOW_ROWS + 1 + len(kinds)
    pd.testing.assert_frame_equal(trend, window)  # the trend file carries the last file


def test_a_store_and_a_late_label_refresh_racing_lose_no_rows(race_store: str) -> None:
    run_writers([(run_store, (race_store, 1))])
    run_writers([(run_store, (race_store, 5)), (run_swaps, (race_store, "performance", 5))])
    window, trend = load_window_and_trend(race_store)
    assert list(window.query("kind == 'drift'")["value"]) == [float(i) for i in range(WINDOW_ROWS)]
    performance = window.query("kind == 'performance'")
    # whichever wrote last: the store's f1, or the refresh's count on top of the stored drift
    assert list(performance["metric"]) in (["f1"], ["count"]) and len(window) == WINDOW_ROWS + 1
    pd.testing.assert_frame_equal(trend, window)
