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
    assert cells[2:5] == ["alert", "1", "2026-01-02"]  # status, open alerts, open since
