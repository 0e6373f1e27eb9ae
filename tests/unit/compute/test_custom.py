"""Custom metrics judged from their values: bounds around the baseline's value, absolute bounds,
small segments measured not judged, label metrics skipped while labels may still arrive, and
the broken rule's text says which way it broke."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitors.compute.custom import compute_custom_rows
from monitors.core.custom import ROWS
from monitors.core.window import Window
from monitors.reports.text import compute_failure_message, compute_rule_text
from monitors.testing import make_config

METRICS = [{"name": "mean_income", "sql": "avg(income)", "max_change": 0.1},
           {"name": "approval_rate", "sql": "avg(case when score < 0.5 then 1.0 else 0.0 end)", "min": 0.4},
           {"name": "default_rate", "sql": "avg(defaulted)", "max": 0.3}]
BASELINE = {None: {ROWS: 3000.0, "mean_income": 50_000.0, "approval_rate": 0.6, "default_rate": 0.2},
            "region=EU": {ROWS: 900.0, "mean_income": 60_000.0, "approval_rate": 0.6, "default_rate": 0.2}}


def _rows(tmp_path: Path, values: dict, pending: bool = False) -> dict:
    config = make_config(tmp_path, "duckdb:///w.duckdb", custom_metrics=METRICS)
    rows = compute_custom_rows(config, values, BASELINE, {"default_rate"}, pending)
    return {(r.kind, r.metric, r.segment): r for r in rows}


def test_each_bound_is_judged_and_the_threshold_is_the_broken_bound(tmp_path: Path) -> None:
    rows = _rows(tmp_path, {None: {ROWS: 500.0, "mean_income": 56_000.0, "approval_rate": 0.35,
                                   "default_rate": 0.25}})
    income = rows[("custom", "mean_income", None)]
    assert (income.status, income.threshold) == ("alert", pytest.approx(55_000.0))
    approval = rows[("custom", "approval_rate", None)]
    assert (approval.status, approval.threshold) == ("alert", 0.4)
    assert rows[("custom", "default_rate", None)].status == "ok"
    assert rows[("baseline_custom", "mean_income", None)].value == 50_000.0
    assert compute_rule_text(income, 50_000.0) == \
        "custom mean_income = 56,000 (baseline 50,000, bound: <= 55,000)"
    assert compute_rule_text(approval) == "custom approval_rate = 0.35 (bound: >= 0.4)"


def test_within_bounds_is_ok_with_the_nearer_bound(tmp_path: Path) -> None:
    rows = _rows(tmp_path, {None: {ROWS: 500.0, "mean_income": 46_000.0, "approval_rate": 0.5,
                                   "default_rate": 0.1}})
    income = rows[("custom", "mean_income", None)]
    assert (income.status, income.threshold) == ("ok", pytest.approx(45_000.0))
    assert compute_rule_text(income) == "custom mean_income = 46,000 (bound: >= 45,000)"


def test_segments_use_their_own_baseline_and_small_ones_are_not_judged(tmp_path: Path) -> None:
    values = {None: {ROWS: 500.0, "mean_income": 50_000.0, "approval_rate": 0.6, "default_rate": 0.2},
              "region=EU": {ROWS: 300.0, "mean_income": 50_000.0, "approval_rate": 0.6, "default_rate": 0.2},
              "region=NA": {ROWS: 100.0, "mean_income": 10.0, "approval_rate": 0.0, "default_rate": 0.9}}
    rows = _rows(tmp_path, values)
    eu = rows[("custom", "mean_income", "region=EU")]
    assert (eu.status, eu.threshold) == ("alert", pytest.approx(54_000.0))  # 60,000 - 10%
    assert {rows[("custom", m, "region=NA")].status for m in ("mean_income", "approval_rate")} == {"skipped"}


def test_a_label_metric_waits_for_the_labels_and_the_message_names_broken_rules(tmp_path: Path) -> None:
    values = {None: {ROWS: 500.0, "mean_income": 50_000.0, "approval_rate": 0.6, "default_rate": 0.9}}
    assert _rows(tmp_path, values, pending=True)[("custom", "default_rate", None)].status == "skipped"
    rows = _rows(tmp_path, values)
    assert rows[("custom", "default_rate", None)].status == "alert"
    window = Window(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC))
    message = compute_failure_message("credit_risk", window, list(rows.values()))
    assert message is not None and "  - custom default_rate = 0.9 (bound: <= 0.3)" in message
