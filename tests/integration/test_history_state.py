"""The store's derived state (monthly trend files, the daily digest, the alert episodes' state) is
updated from each window's own rows, yet equals what the window files say: after windows stored
in shuffled order across months, after reruns that merge and split episodes, on local disk and
on object storage, with months' tails folded into their files meanwhile; and `monitors report`'s
rebuild gives the same state."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitors.core.location import compute_location
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage import alerts, catalog, episodes, results, trend_months, trends
from monitors.storage.parquet_sql import connect_parquet

START = datetime(2026, 1, 20, tzinfo=UTC)
KEY = ["kind", "metric", "column_name", "segment", "opened_at"]


def compute_windows(count: int) -> list[Window]:
    """12-hour windows from late January into February (two months)."""
    return [Window(START + timedelta(hours=12 * i), START + timedelta(hours=12 * i + 12)) for i in range(count)]


def compute_rows(rng: random.Random) -> list[Measurement]:
    """A window's rows: a volume row never judged, a whole-window drift and a performance rule, a
    segment's drift; statuses drawn so episodes open, run on, get skipped over and resolve."""
    rows = [Measurement("data_quality", "row_count", float(rng.randint(50, 90)), None, "ok")]
    for column, segment in (("income", None), ("income", "region=EU"), (None, None)):
        status = rng.choices(["ok", "alert", "skipped"], [4, 4, 1])[0]
        metric = "f1" if column is None else "psi"
        rows.append(Measurement("performance" if column is None else "drift", metric,
                                round(rng.random(), 3), 0.5, status, column, segment))
    return rows


def compute_sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY, key=lambda c: c.astype(str)).reset_index(drop=True)


def load_reference_lifecycle(store: object, model: str, window: Window) -> object:
    with connect_parquet(results.results_folder(store)) as stored:  # type: ignore[arg-type]
        assert stored is not None
        con, source = stored
        return alerts.load_window_lifecycle(con, catalog.results_select_sql(source), model,
                                            results.naive_utc(window.start))


def check_state(store: object, windows: list[Window]) -> None:
    data_dir = results.store_data_dir(store)  # type: ignore[arg-type]
    reference = compute_sorted(results.load_alerts(store, "m"))  # type: ignore[arg-type]
    assert len(reference) > 5 and reference["resolved_at"].notna().sum() > 5
    pd.testing.assert_frame_equal(compute_sorted(episodes.load_episodes(data_dir, "m")), reference,
                                  check_dtype=False)
    open_now = compute_sorted(results.load_open_alerts(store, "m"))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(open_now, compute_sorted(reference[reference["resolved_at"].isna()]),
                                  check_dtype=False)
    for window in windows[::7]:
        assert results.load_window_lifecycle(store, "m", window) == \
            load_reference_lifecycle(store, "m", window)  # type: ignore[arg-type]
    order = ["window_start", "kind", "metric", "segment"]
    stored = results.load_results(store, "m")  # type: ignore[arg-type]
    kept = stored[stored["segment"].isna() | stored["status"].isin(["ok", "alert"])]
    trend = results.load_trend(store, "m")  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(compute_sorted_by(trend, order), compute_sorted_by(kept, order), check_dtype=False)
    digest = trends.load_digest(data_dir, "m")
    days = digest[digest["kind"] == trends.WINDOWS_KIND]
    assert int(days["windows"].sum()) == stored["window_start"].nunique()
    assert int(days["alerts"].sum()) == stored[stored["status"] == "alert"]["window_start"].nunique()


def compute_sorted_by(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    return frame.sort_values(order, key=lambda c: c.astype(str)).reset_index(drop=True)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, home: Path) -> object:
    if request.param == "local":
        return home / "monitoring.duckdb"
    return compute_location(f"{request.getfixturevalue('s3_bucket')}/monitoring", home)


def test_the_state_kept_window_by_window_equals_the_one_rebuilt_from_the_window_files(
        store: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trend_months, "TAIL_ROWS", 12)  # a month's tail folded every two or three windows
    rng = random.Random(29)
    windows = compute_windows(60)
    order = windows[:]
    rng.shuffle(order)
    for window in order:
        results.replace_window(store, "m", window, compute_rows(rng), "first")  # type: ignore[arg-type]
    check_state(store, windows)
    for window in rng.sample(windows, 8):  # reruns with other statuses: episodes merge and split
        results.replace_window(store, "m", window, compute_rows(rng), "rerun")  # type: ignore[arg-type]
    check_state(store, windows)
    data_dir = results.store_data_dir(store)  # type: ignore[arg-type]
    before, digest = episodes.load_episodes(data_dir, "m"), trends.load_digest(data_dir, "m")
    results.rebuild_model(store, "m")  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(compute_sorted(episodes.load_episodes(data_dir, "m")), compute_sorted(before))
    # each window updated only its own day of the digest: the same digest as one rebuilt whole
    day_order = ["day", "kind", "metric", "column_name"]
    pd.testing.assert_frame_equal(compute_sorted_by(trends.load_digest(data_dir, "m"), day_order),
                                  compute_sorted_by(digest, day_order))
    check_state(store, windows)


def test_each_window_stored_in_order_reads_its_lifecycle_from_the_state_as_the_files_say(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows stored in order walk only the windows after those the state walked, and each
    one's lifecycle (read from the state, it being the last walked) equals the view's; a window
    stored out of order walks its month again."""
    monkeypatch.setattr(trend_months, "TAIL_ROWS", 12)
    store, rng = home / "monitoring.duckdb", random.Random(31)
    windows = compute_windows(40)
    walked = episodes.walk_month
    walks: list[int] = []

    def counting(model: str, carry_in: list, rows: object, until: object) -> list:  # type: ignore[type-arg]
        walks.append(0 if rows is None else rows.num_rows)  # type: ignore[attr-defined]
        return walked(model, carry_in, rows, until)  # type: ignore[arg-type]

    monkeypatch.setattr(episodes, "walk_month", counting)
    for window in windows[:-1]:
        results.replace_window(store, "m", window, compute_rows(rng), "first")
        assert walks[-1] <= 5  # one window's rows (five), not the month's
        assert results.load_window_lifecycle(store, "m", window) == load_reference_lifecycle(store, "m", window)
    results.replace_window(store, "m", windows[3], compute_rows(rng), "rerun")  # out of order
    assert walks[-1] > 5
    check_state(store, windows[:-1])


def test_a_whole_model_rule_in_alert_across_a_months_end_resolves_in_the_next_month(home: Path) -> None:
    """A rule without a column (f1) carried in alert into a month whose own alerts are all
    column rules: the month's first ok window resolves it, as the view says."""
    store = home / "monitoring.duckdb"
    start = datetime(2026, 1, 30, tzinfo=UTC)
    statuses = [("ok", "ok"), ("alert", "ok"), ("ok", "alert"), ("ok", "ok")]
    for i, (f1, psi) in enumerate(statuses):  # a 12-hour window a day, Jan 30 to Feb 2
        window = Window(start + timedelta(hours=24 * i), start + timedelta(hours=24 * i + 12))
        rows = [Measurement("performance", "f1", 0.4, 0.5, f1), Measurement("drift", "psi", 0.3, 0.2, psi, "income")]
        results.replace_window(store, "m", window, rows, "run")
    data_dir = results.store_data_dir(store)
    kept = compute_sorted(episodes.load_episodes(data_dir, "m"))
    reference = compute_sorted(results.load_alerts(store, "m"))
    assert list(reference["resolved_at"].astype(str)) == ["2026-02-02", "2026-02-01"]  # psi, f1
    pd.testing.assert_frame_equal(kept, reference, check_dtype=False)
