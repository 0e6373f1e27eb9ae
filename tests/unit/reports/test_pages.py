"""Where a message points people: the served page under reports_url, else the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitors.core.window import Window
from monitors.reports.pages import compute_window_link
from monitors.testing import make_config

WINDOW = Window(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC))


def test_messages_link_the_served_page_when_there_is_one(tmp_path: Path) -> None:
    local = make_config(tmp_path, "duckdb:///w.duckdb")
    assert compute_window_link(local, WINDOW) == str(tmp_path / "reports" / "credit_risk" / "2026-02-01T0000Z"
                                                     / "index.html")
    served = make_config(tmp_path, "duckdb:///w.duckdb", reports_url="https://monitoring.example.com/r/")
    assert compute_window_link(served, WINDOW) == \
        "https://monitoring.example.com/r/credit_risk/2026-02-01T0000Z/index.html"
