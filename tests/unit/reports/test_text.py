from __future__ import annotations

from datetime import UTC, datetime

from monitors.core.measurement import Measurement, compute_status
from monitors.core.window import Window
from monitors.reports.text import compute_broken_rules, compute_failure_message, compute_series_note

WINDOW = Window(datetime(2026, 2, 3, tzinfo=UTC), datetime(2026, 2, 4, tzinfo=UTC))


def test_no_message_when_nothing_broke() -> None:
    rows = [Measurement("drift", "wasserstein", 0.05, 0.1, "ok", "income")]
    assert compute_failure_message("m", WINDOW, rows) is None


def test_message_names_each_rule_value_and_bound() -> None:
    rows = [
        Measurement("drift", "wasserstein", 0.4123, 0.1, "alert", "income"),
        Measurement("performance", "roc_auc", 0.61, 0.8, "alert"),
        Measurement("drift", "wasserstein", 0.01, 0.1, "ok", "age"),
    ]
    message = compute_failure_message("credit_risk", WINDOW, rows, "reports/x/index.html")
    assert message is not None
    assert "model credit_risk, window [2026-02-03 00:00, 2026-02-04 00:00) UTC: 2 rule(s) broken" in message
    assert "drift wasserstein of income = 0.4123 (bound: < 0.1)" in message
    assert "performance roc_auc = 0.61 (bound: >= 0.8)" in message
    assert "age" not in message
    assert message.endswith("report: reports/x/index.html")


def test_directions() -> None:
    assert compute_status("wasserstein", 0.1, 0.1) == "alert"  # at the bound is drift
    assert compute_status("ks", 0.05, 0.05) == "alert"
    assert compute_status("ks", 0.04, 0.05) == "ok"
    assert compute_status("roc_auc", 0.74, 0.75) == "alert"
    assert compute_status("mae", 2.3, 2.2) == "alert"
    assert compute_status("mae", None, 2.2) == "ok"


def test_broken_rules_whole_window_first() -> None:
    rows = [Measurement("drift", "x", 1, 0, "alert", segment="r=EU"), Measurement("drift", "x", 1, 0, "alert")]
    assert [r.segment for r in compute_broken_rules(rows)] == [None, "r=EU"]


def test_the_message_says_what_is_new_ongoing_and_resolved() -> None:
    from monitors.core.measurement import Lifecycle

    income = Measurement("drift", "wasserstein", 0.41, 0.1, "alert", "income")
    f1 = Measurement("performance", "f1", 0.61, 0.7, "alert")
    life = Lifecycle({("drift", "wasserstein", "income", None): (datetime(2026, 2, 1), 4),
                      ("performance", "f1", None, None): (datetime(2026, 2, 4), 1)},
                     [(("drift", "psi", "age", "region=EU"), datetime(2026, 1, 30), 2)])
    message = compute_failure_message("m", WINDOW, [income, f1], "r.html", life)
    assert message is not None
    assert message.splitlines() == [
        "model m, window [2026-02-03 00:00, 2026-02-04 00:00) UTC: 2 rule(s) broken (1 new, 1 ongoing)",
        "  - ONGOING since 2026-02-01 (4 windows) drift wasserstein of income = 0.41 (bound: < 0.1)",
        "  - NEW performance f1 = 0.61 (bound: >= 0.7)",
        "  resolved in this window:",
        "  - RESOLVED drift psi of age [region=EU] (in alert since 2026-01-30, 2 windows)",
        "report: r.html"]


def test_the_verdict_groups_a_rule_with_its_segments_and_names_the_first_three() -> None:
    from monitors.reports.text import compute_verdict

    regions = ("EU", "NA", "APAC", "LATAM")
    rows = [Measurement("drift", "wasserstein", 0.4, 0.07, "alert", "income"),
            *(Measurement("drift", "wasserstein", 0.5, 0.1, "alert", "income", f"region={r}") for r in regions),
            *(Measurement("drift", "wasserstein", v, 0.1, s, "debt_ratio", f"region={r}")
              for r, v, s in zip(regions, (0.3, 0.01, 0.02, None), ("alert", "ok", "ok", "skipped"), strict=True)),
            Measurement("performance", "roc_auc", 0.68, 0.82, "alert"),
            Measurement("baseline_performance", "roc_auc", 0.87),
            Measurement("data_quality", "missing_share", 0.2, 0.05, "alert", "age")]
    # whole-window rules first, then rules broken only in segments (counted of those judged)
    assert compute_verdict(rows) == (
        "8 rules broken: data_quality missing_share of age = 0.2 (bound: <= 0.05): whole window; "
        "drift wasserstein of income = 0.4 (bound: < 0.07): whole window and 4 of 4 segments; "
        "performance roc_auc = 0.68 (baseline 0.87, bound: >= 0.82): whole window; and 1 more.")
    assert compute_verdict(rows[5:9]) == "1 rule broken: drift wasserstein of debt_ratio: 1 of 3 segments."
    assert compute_verdict([Measurement("drift", "wasserstein", 0.01, 0.07, "ok", "age")]) == "No rule broken."


def test_a_series_rule_says_what_was_expected_for_its_season() -> None:
    rows = [Measurement("data_quality", "row_count", 469.0, 2015.5, "alert"),
            Measurement("expected", "row_count_upper", 3784.2),
            Measurement("expected", "row_count_season", 4.0, 4.0, "ok", "day_of_week=Wednesday")]
    message = compute_failure_message("credit_risk", WINDOW, rows)
    assert message is not None
    assert "data_quality row_count = 469, expected 2,016-3,784 for a Wednesday" in message
    assert compute_series_note(rows) == \
        "row_count: expected 2,016-3,784 for a Wednesday (learned from 4 earlier Wednesdays)"
    learning = [Measurement("data_quality", "row_count", 1100.0, 95.0, "skipped"),
                Measurement("expected", "row_count_season", 2.0, 4.0, "skipped", "day_of_week=Saturday")]
    assert compute_series_note(learning) == ("row_count: learning: 2 of 4 Saturdays (meanwhile it alerts "
                                             "only when empty or below a collapse guard)")
    hourly = [*rows[:2], Measurement("expected", "row_count_season", 4.0, 4.0, "ok", "hour_of_day=14:00")]
    assert "expected 2,016-3,784 for 14:00" in (compute_failure_message("m", WINDOW, hourly) or "")
    assert compute_series_note(rows[:1]) is None  # the plain rule


def test_drift_against_the_previous_window_says_so() -> None:
    row = Measurement("drift_previous", "wasserstein", 0.31, 0.12, compute_status("wasserstein", 0.31, 0.12),
                      "income", "region=EU")
    window = Window(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC))
    message = compute_failure_message("m", window, [row])
    assert message is not None and "drift vs previous window wasserstein of income [region=EU] = 0.31" in message
