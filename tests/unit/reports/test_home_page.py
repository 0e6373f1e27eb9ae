"""The home page lists what is wrong now: a model with open alerts shows them, and since when,
whatever its latest window says (an empty or pending latest window hides nothing)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.home_page import write_home
from monitors.reports.model_page import write_model_page
from monitors.storage import results

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def test_open_alerts_show_whatever_the_latest_window_says(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    for day, income in enumerate(["ok", "alert", "alert", "skipped"]):  # the latest: not judged
        window = Window(DAY + timedelta(days=day), DAY + timedelta(days=day + 1))
        results.replace_window(store, "m", window, [
            Measurement("data_quality", "row_count", 100.0, 1.0, "ok"),
            Measurement("drift", "wasserstein", 0.3, 0.1, income, "income")], "r")
    open_alerts = results.load_alerts(store, "m", open_only=True).to_dict("records")
    write_model_page(reports, "m", results.load_trend(store, "m"), open_alerts)
    row = re.search(r'<tr class="model (\w+)">(.*?)</tr>', write_home(reports).read_text())
    assert row is not None and row.group(1) == "alert"  # its latest window is ok; an alert is open
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(2))
    assert cells[1:4] == ["alert", "1", "2026-01-02"]  # status, open alerts, open since
    assert "drift wasserstein of income = 0.3 (bound: &lt; 0.1) <span class=\"where\">" \
        "(whole window, since 2026-01-02)" in cells[4]
    # the strip: each window, oldest first, its status on hover
    strip = re.findall(r'<a class="cell (\w+)" href="m/([^/]+)/index.html" title="([^"]*)">', cells[5])
    assert [(status, title) for status, _, title in strip] == [
        ("ok", "2026-01-01: ok, 0 broken rules"), ("alert", "2026-01-02: alert, 1 broken rules"),
        ("alert", "2026-01-03: alert, 1 broken rules"), ("ok", "2026-01-04: ok, 0 broken rules")]


def _write_model(store: Path, reports: Path, model: str, rows: list[Measurement]) -> None:
    window = Window(DAY, DAY + timedelta(days=1))
    results.replace_window(store, model, window, [Measurement("data_quality", "row_count", 100.0, 1.0, "ok"),
                                                  *rows], "r")
    write_model_page(reports, model, results.load_trend(store, model),
                     results.load_alerts(store, model, open_only=True).to_dict("records"))


def test_models_worst_first_with_their_rules_grouped_over_segments(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    income = [Measurement("drift", "wasserstein", 0.3, 0.1, "alert", "income"),
              *(Measurement("drift", "wasserstein", 0.4, 0.1, "alert", "income", f"region={r}")
                for r in ("EU", "NA"))]
    _write_model(store, reports, "a_fine", [Measurement("drift", "wasserstein", 0.01, 0.1, "ok", "age")])
    _write_model(store, reports, "b_one", [Measurement("performance", "roc_auc", 0.6, 0.8, "alert",
                                                       segment="region=EU")])
    _write_model(store, reports, "c_many", [*income, Measurement("performance", "f1", 0.5, 0.7, "alert")])
    page = write_home(reports).read_text()
    assert "2 of 3 models alerting." in page
    assert re.findall(r'<tr class="model (\w+)"><td><a href="(\w+)/', page) == [
        ("alert", "c_many"), ("alert", "b_one"), ("ok", "a_fine")]
    rules = re.findall(r'<li class="rule">(.*?) <span class="where">\((.*?)\)</span>', page)
    assert rules == [
        ("drift wasserstein of income = 0.3 (bound: &lt; 0.1)", "whole window and 2 segments, since 2026-01-01"),
        ("performance f1 = 0.5 (bound: &gt;= 0.7)", "whole window, since 2026-01-01"),
        ("performance roc_auc", "1 segment, since 2026-01-01")]
