"""Whether people are told: a changed set of open alerts is sent, an unchanged one only after
notify.repeat_every (0: always), and a RESOLVED notice once every alert last sent has cleared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.run.notices import run_failing_notice, run_passing_notice
from monitors.storage import results
from monitors.testing import make_config

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def _store(home: Path, day: int, income: str, age: str = "ok") -> None:
    window = Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))
    rows = [Measurement("drift", "wasserstein", 0.3, 0.1, income, "income"),
            Measurement("drift", "wasserstein", 0.2, 0.1, age, "age")]
    results.replace_window(home / "monitoring.duckdb", "credit_risk", window, rows, f"r{day}")


def test_a_change_is_sent_a_repeat_waits_a_clearing_is_resolved(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    now = DAY + timedelta(days=30)
    _store(tmp_path, 0, "alert")
    assert run_failing_notice(config, now).send  # new
    _store(tmp_path, 1, "alert")
    assert not run_failing_notice(config, now + timedelta(days=1)).send  # the same open alert
    assert run_failing_notice(config, now + timedelta(days=8)).send  # after repeat_every (7d)
    _store(tmp_path, 2, "alert", age="alert")
    assert run_failing_notice(config, now + timedelta(days=9)).send  # one more open alert
    _store(tmp_path, 3, "ok", age="alert")
    assert not run_passing_notice(config, now + timedelta(days=10)).send  # age still open
    _store(tmp_path, 4, "ok")
    notice = run_passing_notice(config, now + timedelta(days=11))
    assert notice.send and notice.text == ("model credit_risk: RESOLVED, no open alerts: "
                                           "drift wasserstein of age; drift wasserstein of income")
    assert not run_passing_notice(config, now + timedelta(days=12)).send  # said once


def test_an_alert_that_flickers_or_moves_between_segments_is_not_news(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    now = DAY + timedelta(days=30)
    for day, segment in enumerate(["region=EU", "region=NA", None, "region=EU"]):
        window = Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))
        results.replace_window(tmp_path / "monitoring.duckdb", "credit_risk", window, [
            Measurement("drift", "wasserstein", 0.3, 0.1, "alert" if segment else "ok", "income", segment)],
            f"r{day}")
        sent = run_failing_notice(config, now + timedelta(hours=day)).send if segment else None
        assert sent is (None if segment is None else day == 0), day  # income drifting: told once


def test_repeat_every_zero_sends_every_window(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb", **{"airflow.notify.repeat_every": "0s"})
    _store(tmp_path, 0, "alert")
    assert all(run_failing_notice(config, DAY + timedelta(days=30, hours=h)).send for h in range(3))
