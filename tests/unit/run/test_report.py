"""The Evidently report's samples: report.sample_size a side (5,000 unless set), a larger setting
lowered to 20,000 for a window of more than 50,000 rows, and the page's note says which and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitors.core.window import Window
from monitors.run.report import ReportJob, report_sample_size, sample_note
from monitors.testing import make_config

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def _job(rows: int) -> ReportJob:
    return ReportJob(Window(DAY, DAY + timedelta(days=1)), DAY, "key", rows, 120_000)


def test_the_default_sample_is_5000_rows_a_side(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    assert [report_sample_size(config, n) for n in (1_000, 50_001, 1_000_000)] == [5_000] * 3
    assert sample_note(config, _job(1_000_000), 5_000, 5_000).endswith(
        "5,000 window rows and 5,000 baseline rows (at most 5,000 per side).")


def test_a_large_window_is_sampled_smaller_and_the_page_says_why(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb", **{"report.sample_size": 50_000})
    assert [report_sample_size(config, n) for n in (1_000, 50_000, 50_001, 1_000_000)] == \
        [50_000, 50_000, 20_000, 20_000]
    note = sample_note(config, _job(1_000_000), 20_000, 20_000)
    assert note == ("Stored values use all 1,000,000 window rows and 120,000 baseline rows. The Evidently "
                    "report uses seeded samples: 20,000 window rows and 20,000 baseline rows (at most "
                    "20,000 per side: report.sample_size, lowered to 20,000 for windows of more than "
                    "50,000 rows).")
    assert sample_note(config, _job(3_000), 3_000, 20_000).endswith(
        "3,000 window rows and 20,000 baseline rows (at most 50,000 per side).")


def test_a_smaller_configured_sample_is_kept(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb", **{"report.sample_size": 5_000})
    assert report_sample_size(config, 1_000_000) == 5_000
    assert sample_note(config, _job(1_000_000), 5_000, 5_000).endswith("(at most 5,000 per side).")
