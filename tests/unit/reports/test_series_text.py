"""What people read of a `series:` rule: the failure message's line, the window page's notes,
the home page's open rule (the expected range, not the bound)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.model_page import compute_expected_at
from monitors.reports.series_text import compute_expected_texts, compute_series_notes
from monitors.reports.text import compute_failure_message, compute_open_rules

SATURDAY = [Measurement("series", "custom.refunds", 41.0, 120.0, "alert"),
            Measurement("expected", "custom.refunds_lower", 120.0),
            Measurement("expected", "custom.refunds_upper", 260.5),
            Measurement("expected", "custom.refunds_season", 4.0, 4.0, "ok", "day_of_week=Saturday")]
VOLUME = [Measurement("data_quality", "row_count", 469.0, 2015.2, "alert"),
          Measurement("expected", "row_count_upper", 3784.9),
          Measurement("expected", "row_count_season", 4.0, 4.0, "ok", "day_of_week=Wednesday")]


def test_the_message_says_the_expected_range() -> None:
    window = Window(datetime(2026, 2, 21), datetime(2026, 2, 22))
    message = compute_failure_message("m", window, [*SATURDAY, *VOLUME]) or ""
    assert "  - custom refunds = 41, expected 120-260.5 for a Saturday" in message.splitlines()
    assert "  - data_quality row_count = 469, expected 2,016-3,784 for a Wednesday" in message.splitlines()
    flat = [*SATURDAY[:3], Measurement("expected", "custom.refunds_season", 28.0, 4.0, "ok", "none")]
    assert compute_expected_texts(flat) == {"custom.refunds": "expected 120-260.5 (from 28 earlier windows)"}


def test_the_window_page_says_how_each_series_was_judged() -> None:
    learning = [Measurement("series", "performance.roc_auc", 0.8, None, "skipped"),
                Measurement("expected", "performance.roc_auc_season", 2.0, 4.0, "skipped", "day_of_week=Saturday"),
                Measurement("series", "drift.drifted_share", None, None, "skipped")]
    assert compute_series_notes([*VOLUME, *SATURDAY, *learning]) == [
        "row_count: expected 2,016-3,784 for a Wednesday (learned from 4 earlier Wednesdays)",
        "custom refunds: expected 120-260.5 for a Saturday (learned from 4 earlier Saturdays)",
        "performance roc_auc: learning: 2 of 4 Saturdays",
        "drift drifted_share: not judged (no value this window)"]


def test_the_home_page_gives_the_expected_range_of_a_season_judged_rule() -> None:
    at = pd.Timestamp("2026-02-21")
    trend = pd.DataFrame([{"window_start": at, "kind": r.kind, "metric": r.metric, "column_name": r.column_name,
                           "segment": None, "value": r.value, "threshold": r.threshold, "status": r.status}
                          for r in [*SATURDAY, *VOLUME]])
    episodes = [{"kind": "series", "metric": "custom.refunds", "column_name": None, "segment": None,
                 "opened_at": at, "last_seen_at": at, "latest_value": 41.0, "latest_threshold": 120.0},
                {"kind": "data_quality", "metric": "row_count", "column_name": None, "segment": None,
                 "opened_at": at, "last_seen_at": at, "latest_value": 469.0, "latest_threshold": 2015.2}]
    rules = [r["rule"] for r in compute_open_rules(episodes, compute_expected_at(trend))]
    assert rules == ["custom refunds = 41, expected 120-260.5 for a Saturday",
                     "data_quality row_count = 469, expected 2,016-3,784 for a Wednesday"]
    assert [r["rule"] for r in compute_open_rules(episodes)][1] == "data_quality row_count = 469 (bound: >= 2015)"
