"""Great Expectations: the suite profiled from the baseline, and validated on windows (in this
process, or in the CLI's forked one beside the measurement: the same rows, the same errors)."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitors.checks.results import run_frame_checks
from monitors.checks.suites import suite_from_baseline
from monitors.cli import main
from monitors.config import load_config
from monitors.core.errors import ChecksError
from monitors.core.fields import LABEL
from monitors.core.window import Window
from monitors.run import window as window_module
from monitors.run.beside import ChecksBeside
from monitors.run.window import run_window
from monitors.storage.results import load_results
from monitors.testing import make_tables, write_config


def test_expectations_init_profiles_the_baseline(home: Path, duckdb_warehouse: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse)
    assert main(["expectations", "init", str(config_path)]) == 0
    suite_path = home / "expectations" / "credit_risk.json"
    assert f"to {suite_path}" in capsys.readouterr().out
    suite = json.loads(suite_path.read_text())
    by = {(e["type"], e["kwargs"].get("column")): e["kwargs"] for e in suite["expectations"]}
    assert by[("expect_table_row_count_to_be_between", None)] == {"min_value": 1}
    for column in ["income", "debt_ratio", "age", "region", "product", "score"]:
        assert ("expect_column_to_exist", column) in by
        assert ("expect_column_values_to_not_be_null", column) in by
    age = by[("expect_column_values_to_be_between", "age")]
    assert age["min_value"] == pytest.approx(18 - 0.1 * (79 - 18))
    assert age["max_value"] == pytest.approx(79 + 0.1 * (79 - 18))
    assert by[("expect_column_values_to_be_between", "score")]["max_value"] == 1.0
    # padded only where the data allows: income is never negative, so its bound stays 0
    assert by[("expect_column_values_to_be_between", "income")]["min_value"] == 0.0
    assert by[("expect_column_values_to_be_between", "debt_ratio")]["min_value"] == 0.0
    # the predicted label is held to the baseline's class labels
    assert by[("expect_column_values_to_be_in_set", "predicted_label")] == \
        {"column": "predicted_label", "value_set": [0, 1]}
    assert by[("expect_column_values_to_be_in_set", "region")]["value_set"] == ["APAC", "EU", "LATAM", "NA"]
    # a second init refuses to overwrite an edited suite
    assert main(["expectations", "init", str(config_path)]) == 2
    assert "exists; use --force" in capsys.readouterr().err


def test_suite_passes_on_clean_data_and_fails_on_broken(home: Path, duckdb_warehouse: str) -> None:
    config = load_config(write_config(home, duckdb_warehouse))
    tables = make_tables(seed=9, days=1, rows_per_day=500)
    suite = suite_from_baseline(config, tables["training_data"])
    clean = run_frame_checks(suite, tables["predictions"], config.model)
    assert len(clean) == len(suite["expectations"])
    assert all(r.status == "ok" for r in clean), [r for r in clean if r.status != "ok"]
    broken = tables["predictions"].copy()
    broken.loc[:49, "age"] = 500  # 10% out of range: beyond mostly=0.99
    broken.loc[:0, "region"] = None
    rows = run_frame_checks(suite, broken, config.model)
    failed = {(r.metric, r.column_name): r for r in rows if r.status == "alert"}
    assert set(failed) == {("expect_column_values_to_be_between", "age"),
                           ("expect_column_values_to_not_be_null", "region")}
    age = failed[("expect_column_values_to_be_between", "age")]
    assert age.kind == "data_quality" and age.value == pytest.approx(0.1) and age.threshold == pytest.approx(0.01)


def test_a_predicted_label_outside_the_baselines_classes_breaks_the_suite(
        home: Path, duckdb_warehouse: str) -> None:
    config = load_config(write_config(home, duckdb_warehouse))
    tables = make_tables(seed=9, days=1, rows_per_day=500)
    suite = suite_from_baseline(config, tables["training_data"].rename(columns={"defaulted": LABEL}))
    broken = tables["predictions"].copy()
    broken.loc[:4, "predicted_label"] = 2  # 1% of the rows: a class the model never had
    rows = run_frame_checks(suite, broken, config.model)
    failed = {(r.metric, r.column_name): r.value for r in rows if r.status == "alert"}
    assert failed == {("expect_column_values_to_be_in_set", "predicted_label"): pytest.approx(0.01)}


def test_malformed_suite_is_a_clear_error(home: Path, duckdb_warehouse: str) -> None:
    config = load_config(write_config(home, duckdb_warehouse))
    bad = {"name": "x", "expectations": [{"type": "expect_nothing_known", "kwargs": {}}]}
    with pytest.raises(ChecksError, match="model credit_risk: invalid expectation suite"):
        run_frame_checks(bad, pd.DataFrame({"a": [1]}), config.model)


def test_the_validation_beside_starts_before_the_counts_and_skips_an_empty_window(
        home: Path, duckdb_warehouse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = write_config(home, duckdb_warehouse)
    assert main(["expectations", "init", str(config_path)]) == 0
    config = load_config(config_path)
    as_of = datetime(2026, 3, 1, tzinfo=UTC)
    empty = Window(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC))
    full = Window(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    events: list[str] = []
    counts = window_module.load_window_counts
    monkeypatch.setattr(window_module, "load_window_counts",
                        lambda *args: events.append("counted") or counts(*args))

    class Recording(ChecksBeside):
        def submit(self, *args: Any) -> Any:
            events.append(f"validating {args[1]}")
            return super().submit(*args)

    beside = Recording(config)
    try:
        empty_rows = run_window(config, empty, as_of=as_of, write_reports=False, beside=beside).rows
        full_rows = run_window(config, full, as_of=as_of, write_reports=False, beside=beside).rows
    finally:
        beside.close()
    # the full window's validation started before its counts; the empty one was known empty
    # (by the query's id check) and never sent
    assert events == ["counted", f"validating {full}", "counted"]
    assert not [r for r in empty_rows if r.metric.startswith("expect_")]
    assert full_rows == run_window(config, full, as_of=as_of, write_reports=False).rows


def test_the_suite_validated_beside_the_window_gives_the_rows_validated_in_line(
        home: Path, duckdb_warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse)
    assert main(["expectations", "init", str(config_path)]) == 0
    config = load_config(config_path)
    window, as_of = Window(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)), \
        datetime(2026, 3, 1, tzinfo=UTC)
    beside = ChecksBeside(config)
    try:
        forked = run_window(config, window, as_of=as_of, write_reports=False, beside=beside)
    finally:
        beside.close()
    in_line = run_window(config, window, as_of=as_of, write_reports=False)
    gx = [r for r in forked.rows if r.metric.startswith("expect_")]
    assert len(gx) > 20 and all(r.status == "ok" for r in gx)
    assert forked.rows == in_line.rows  # every row, in the same order, values exactly equal

    # the forked process killed (out of memory, say): the window is validated in line, not lost
    before = set(multiprocessing.active_children())
    beside = ChecksBeside(config)
    try:
        (forked_child,) = set(multiprocessing.active_children()) - before
        forked_child.kill()
        forked_child.join(10)
        assert run_window(config, window, as_of=as_of, write_reports=False, beside=beside).rows == in_line.rows
    finally:
        beside.close()

    # a malformed suite raised in the forked process is the CLI's clear error; nothing is stored
    suite_path = home / "expectations" / "credit_risk.json"
    suite = json.loads(suite_path.read_text())
    suite["expectations"].append({"type": "expect_column_values_to_be_between", "kwargs": {"colum": "age"}})
    suite_path.write_text(json.dumps(suite))
    before = load_results(config.store_path, config.model)
    capsys.readouterr()
    assert main(["run", str(config_path), "--start", "2026-01-03", "--end", "2026-01-04", "--no-report"]) == 2
    assert "model credit_risk: invalid expectation suite" in capsys.readouterr().err
    after = load_results(config.store_path, config.model)
    assert len(after) == len(before) and set(after["window_start"]) == set(before["window_start"])
