"""Alert episodes from the stored results: consecutive judged windows in alert are one episode,
resolved by the next ok window; skipped windows neither open nor close one; a backfill that
fills a gap merges or splits episodes; a late-label refresh re-derives them; the DuckDB file
has the view monitor_alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.text import compute_episode_text
from monitors.storage import results

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def _window(day: int) -> Window:
    return Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))


def _store(store: Path, day: int, status: str, value: float = 0.3, segment: str | None = None) -> None:
    rows = [Measurement("data_quality", "row_count", 100.0, 1.0),
            Measurement("drift", "wasserstein", value, 0.1, status, "income", segment)]
    results.replace_window(store, "m", _window(day), rows, f"run-{day}")


def _episodes(store: Path, open_only: bool = False) -> list[tuple[str, str | None, int]]:
    found = results.load_alerts(store, "m", open_only)
    return [(str(e.opened_at.date()), None if pd.isna(e.resolved_at) else str(e.resolved_at.date()),
             int(e.windows_in_alert)) for e in found.itertuples()]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "monitoring.duckdb"


def test_episodes_open_resolve_and_ignore_skipped_windows(store: Path) -> None:
    for day, status in enumerate(["ok", "alert", "alert", "skipped", "alert", "ok", "alert"]):
        _store(store, day, status, value=0.2 + day / 100)
    assert _episodes(store) == [("2026-01-07", None, 1), ("2026-01-02", "2026-01-06", 3)]
    assert _episodes(store, open_only=True) == [("2026-01-07", None, 1)]
    first = results.load_alerts(store, "m").iloc[1]
    assert (first.first_value, first.latest_value, first.latest_threshold) == pytest.approx((0.21, 0.24, 0.1))
    with duckdb.connect(str(store), read_only=True) as con:  # the same, as a view users query
        assert con.execute("select count(*), count(resolved_at) from monitor_alerts").fetchone() == (2, 1)


def test_a_backfilled_gap_merges_or_splits_episodes(store: Path) -> None:
    _store(store, 0, "alert")
    _store(store, 2, "alert")
    assert _episodes(store) == [("2026-01-01", None, 2)]  # the stored judgements are consecutive
    _store(store, 1, "ok")  # the gap filled: two episodes
    assert _episodes(store) == [("2026-01-03", None, 1), ("2026-01-01", "2026-01-02", 1)]
    _store(store, 1, "alert")  # rerun as an alert: one again
    assert _episodes(store) == [("2026-01-01", None, 3)]


def test_a_late_label_refresh_re_derives_them(store: Path) -> None:
    for day in range(3):
        _store(store, day, "alert" if day else "ok")
    refreshed = [Measurement("drift", "wasserstein", 0.05, 0.1, "ok", "income")]
    assert results.replace_rows(store, "m", _window(2), {"drift"}, refreshed, "refresh")
    assert _episodes(store) == [("2026-01-02", "2026-01-03", 1)]


def test_segments_are_rules_of_their_own_and_read_as_text(store: Path) -> None:
    _store(store, 0, "alert", segment="region=EU")
    _store(store, 1, "ok", segment="region=EU")
    episode = results.load_alerts(store, "m").iloc[0].to_dict()
    assert compute_episode_text(episode) == (
        "RESOLVED 2026-01-01 to 2026-01-02 (1 window): drift wasserstein of income [region=EU] = 0.3 "
        "(bound: < 0.1)")
