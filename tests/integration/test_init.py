"""`monitors init` guesses a model's config from its tables, says why beside each guess, and the
text runs as written: `monitors expectations init`, then `monitors run`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_regression_tables, make_tables, write_duckdb_warehouse

from .helpers import stored

TABLES = ["--predictions", "predictions", "--ground-truth", "outcomes"]


def _init(capsys: pytest.CaptureFixture[str], home: Path, *extra: str) -> Path:
    capsys.readouterr()
    assert main(["init", "--model", "scaffolded", "--warehouse", "duckdb:///warehouse.duckdb", *TABLES,
                 *extra]) == 0
    path = home / "scaffolded.yaml"
    path.write_text(capsys.readouterr().out)
    return path


def test_init_on_the_demo_tables_guesses_the_demo_config_and_runs_as_written(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=3, days=5, rows_per_day=600,
                                                                  drift_from_day=4))
    path = _init(capsys, home, "--baseline", "training_data")
    text = path.read_text()
    assert "# guessed: the label has 2 values" in text and "# guessed: unique here and also in the labels" in text
    data = yaml.safe_load(text)
    assert data["task"] == "binary_classification"
    assert {k: data["predictions"][k] for k in ("id", "timestamp", "score", "predicted_label", "model_version")} \
        == {"id": "prediction_id", "timestamp": "predicted_at", "score": "score",
            "predicted_label": "predicted_label", "model_version": "model_version"}
    assert data["predictions"]["features"] == {"numerical": ["income", "debt_ratio", "age"],
                                               "categorical": ["region", "product"]}
    assert (data["ground_truth"]["label"], data["ground_truth"]["timestamp"]) == ("defaulted", "labelled_at")
    assert main(["expectations", "init", str(path)]) == 0
    assert main(["run", str(path), "--start", "2026-01-02", "--end", "2026-01-06", "--no-report"]) == 1
    rows = stored(load_config(path))
    assert rows["window_start"].nunique() == 4
    drifted = rows[(rows["kind"] == "drift") & (rows["status"] == "alert")]
    assert set(drifted["window_start"].dt.day) == {5}  # drift from day 4 (January 5), none before
    assert "expect_column_values_to_not_be_null" in set(rows["metric"])  # the suite it wrote ran


def test_init_guesses_a_regression_and_a_baseline_window(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_duckdb_warehouse(home / "warehouse.duckdb", make_regression_tables(seed=2, days=16, rows_per_day=200))
    path = _init(capsys, home)
    data = yaml.safe_load(path.read_text())
    assert data["task"] == "regression" and data["predictions"]["score"] == "score"
    assert data["baseline"] == {"window": {"start": date(2026, 1, 1), "end": date(2026, 1, 15)}}
    config = load_config(path)
    assert config.predictions.predicted_label is None
    assert main(["expectations", "init", str(path)]) == 0
    assert main(["run", str(path), "--start", "2026-01-15", "--end", "2026-01-17", "--no-report",
                 "--as-of", "2026-03-01"]) in (0, 1)
    assert {"mae", "rmse"} <= set(stored(config)["metric"])


def test_a_table_typo_is_one_line_with_the_table_meant(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=3, days=1, rows_per_day=50))
    assert main(["init", "--model", "m", "--warehouse", "duckdb:///warehouse.duckdb",
                 "--predictions", "predictons"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("table 'predictons' not found in warehouse "
                                             f"duckdb:///{home}/warehouse.duckdb; did you mean 'predictions'?")
