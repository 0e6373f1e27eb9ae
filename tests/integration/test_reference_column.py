"""The `reference` column (what drift was measured against): drift rows store baseline,
drift_previous rows previous_window, other kinds null; window files written before the column
existed read as null everywhere (the view, load_results, the trend, a late-label refresh of
them), on local disk and on object storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from monitors.core.location import Location, compute_location
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage import results
from monitors.storage.files import write_table

DAY = datetime(2026, 1, 1, tzinfo=UTC)
ROWS = [Measurement("data_quality", "row_count", 10.0),
        Measurement("drift", "wasserstein", 0.3, 0.1, "alert", "income"),
        Measurement("drift_previous", "wasserstein", 0.05, 0.1, "ok", "income")]
REFERENCES = [None, "baseline", "previous_window"]  # in the order of ROWS


def _window(day: int) -> Window:
    return Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))


def write_old_window(store: Location, window: Window) -> None:
    """A window file as versions before the column wrote it (no `reference`)."""
    table = results.results_table("m", window, ROWS, "old-run")
    write_table(results.window_results_file(store, "m", window), table.drop_columns(["reference"]))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, home: Path) -> Location:
    if request.param == "local":
        return home / "monitoring.duckdb"
    return compute_location(f"{request.getfixturevalue('s3_bucket')}/monitoring", home)


def _references(frame: object, day: int) -> list[str | None]:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    rows = frame[frame["window_start"] == pd.Timestamp(_window(day).start.replace(tzinfo=None))]
    rows = rows.sort_values("kind")  # data_quality, drift, drift_previous: the order of ROWS
    return [None if pd.isna(r) else r for r in rows["reference"]]


def test_files_without_the_column_read_as_null_beside_new_ones(store: Location) -> None:
    write_old_window(store, _window(0))
    assert _references(results.load_results(store, "m"), 0) == [None] * 3  # only old files
    results.replace_window(store, "m", _window(1), ROWS, "new-run")
    assert _references(results.load_results(store, "m"), 0) == [None] * 3
    assert _references(results.load_results(store, "m"), 1) == REFERENCES
    results.rebuild_model(store, "m")  # the trend, from old and new files
    trend = results.load_trend(store, "m")
    assert _references(trend, 0) == [None] * 3 and _references(trend, 1) == REFERENCES
    alerts = results.load_alerts(store, "m")  # the drift alert of both windows: one episode
    assert list(alerts["windows_in_alert"]) == [2]


def test_a_refresh_of_an_old_window_stores_the_references_of_its_kept_rows(store: Location) -> None:
    write_old_window(store, _window(0))
    new = [Measurement("performance", "f1", 0.8, 0.75, "ok")]
    assert results.replace_rows(store, "m", _window(0), {"performance"}, new, "refresh")
    frame = results.load_results(store, "m")
    assert _references(frame, 0) == [*REFERENCES, None]  # then performance: null


def test_the_catalog_view_reads_old_files_as_null(home: Path) -> None:
    import duckdb

    store = home / "monitoring.duckdb"
    write_old_window(store, _window(0))
    results.replace_window(store, "m", _window(1), ROWS, "new-run")
    with duckdb.connect(str(store), read_only=True) as con:
        found = con.execute("SELECT window_start, kind, reference, typeof(reference) FROM monitor_results "
                            "ORDER BY window_start, kind").fetchall()
    assert [(r[2], r[3]) for r in found] == [(None, "VARCHAR")] * 3 + [
        (ref, "VARCHAR") for ref in REFERENCES]


def test_a_view_over_old_files_only_binds_the_column() -> None:
    import duckdb

    from monitors.storage.catalog import results_select_sql

    old = pa.table({"model": ["m"], "kind": ["drift"], "value": [0.1]})  # no reference, few columns
    with duckdb.connect() as con:
        con.register("old_files", old)
        assert con.execute(f"SELECT kind, reference FROM ({results_select_sql('old_files')})"
                           ).fetchall() == [("drift", None)]
