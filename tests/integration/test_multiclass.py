"""A multiclass model with class probabilities (predictions.class_scores): ROC AUC (macro one-vs-
rest) and log loss counted in the warehouse equal scikit-learn's, CBPE estimates them without
labels, its probability columns are profiled and drift-monitored, a drop alerts, and
probability metrics are refused without them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import (
    CLASSES,
    make_multiclass_overrides,
    make_multiclass_tables,
    write_config,
    write_duckdb_warehouse,
    write_sql_warehouse,
)

from .helpers import schema_tables, stored

RANGE = ["--start", "2026-01-01", "--end", "2026-01-05", "--no-report", "--as-of", "2026-03-01"]


def compute_expected(tables: dict[str, pd.DataFrame], day: int, region: str | None = None
                     ) -> dict[str, float]:
    """scikit-learn's metrics of one day's window (of its rows in `region`)."""
    predictions = tables["predictions"].merge(tables["outcomes"][["prediction_id", "defaulted"]],
                                              on="prediction_id")
    start = pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)
    at = predictions["predicted_at"]
    window = predictions[(at >= start) & (at < start + pd.Timedelta(days=1))]
    if region is not None:
        window = window[window["region"] == region]
    ordered = sorted(CLASSES)  # scikit-learn's labels are sorted, the probability columns follow
    proba = window[[f"p_{c}" for c in ordered]].to_numpy()
    # the predicted class: the highest probability, the first in class_scores' order on a tie
    predicted = np.array(CLASSES)[window[[f"p_{c}" for c in CLASSES]].to_numpy().argmax(axis=1)]
    return {"roc_auc": roc_auc_score(window["defaulted"], proba, multi_class="ovr", average="macro",
                                     labels=ordered),
            "log_loss": log_loss(window["defaulted"], proba, labels=ordered),
            "accuracy": accuracy_score(window["defaulted"], predicted),
            "f1": f1_score(window["defaulted"], predicted, average="macro")}


def _check_against_sklearn(rows: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    whole = rows[rows["segment"].isna() & (rows["kind"] == "performance")]
    for day in range(4):
        expected = compute_expected(tables, day)
        found = whole[whole["window_start"] == pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)]
        values = dict(zip(found["metric"], found["value"], strict=True))
        assert values["roc_auc"] == pytest.approx(expected["roc_auc"], abs=1e-3)
        assert values["log_loss"] == pytest.approx(expected["log_loss"], rel=1e-9)
        assert values["accuracy"] == pytest.approx(expected["accuracy"], rel=1e-12)
        assert values["f1"] == pytest.approx(expected["f1"], rel=1e-9)
    # per segment value too (the demo config's segments: region)
    segments = rows[(rows["kind"] == "performance") & (rows["window_start"] == pd.Timestamp("2026-01-01"))]
    for region in ("EU", "NA", "APAC"):
        expected = compute_expected(tables, 0, region)
        found = segments[segments["segment"] == f"region={region}"]
        values = dict(zip(found["metric"], found["value"], strict=True))
        assert values["roc_auc"] == pytest.approx(expected["roc_auc"], abs=1e-3), region
        assert values["log_loss"] == pytest.approx(expected["log_loss"], rel=1e-9), region


def test_probability_metrics_equal_scikit_learn_and_a_drop_alerts(home: Path) -> None:
    tables = make_multiclass_tables(seed=5, days=4, rows_per_day=1500, drop_from_day=2)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config_path = write_config(home, url, checks=None, **make_multiclass_overrides())
    assert main(["run", str(config_path), *RANGE]) == 1
    rows = stored(load_config(config_path))
    _check_against_sklearn(rows, tables)
    auc = rows.query("kind == 'performance' and metric == 'roc_auc' and segment.isna()")
    assert list(auc["status"]) == ["ok", "ok", "alert", "alert"]
    drift = rows.query("kind == 'drift' and segment.isna() and column_name.notna()")
    assert {f"p_{c}" for c in CLASSES} <= set(drift["column_name"])  # prediction drift per class
    _check_estimates(rows, days=(0, 1))


def _check_estimates(rows: pd.DataFrame, days: tuple[int, ...]) -> None:
    """CBPE's estimates of the windows whose labels follow the model's probabilities lie within
    their bands of the realized metrics (labels arrived: stored, not judged)."""
    whole = rows[rows["segment"].isna()]
    for day in days:
        at = whole[whole["window_start"] == pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)]
        realized = dict(zip(at.query("kind == 'performance'")["metric"],
                            at.query("kind == 'performance'")["value"], strict=True))
        estimated = at.query("kind == 'estimated_performance'")
        values = dict(zip(estimated["metric"], estimated["value"], strict=True))
        for metric in ("roc_auc", "accuracy", "f1"):
            assert abs(values[metric] - realized[metric]) <= values[f"{metric}_band"], (day, metric)
        assert set(estimated["status"]) == {"ok"}


def test_postgres_counts_what_duckdb_counts(home: Path, postgres_url: str, postgres_schema: str) -> None:
    tables = make_multiclass_tables(seed=6, days=4, rows_per_day=600)
    write_sql_warehouse(postgres_url, tables, schema=postgres_schema)
    config_path = write_config(home, postgres_url, checks=None, **make_multiclass_overrides(),
                               **schema_tables(postgres_schema))
    assert main(["run", str(config_path), *RANGE]) in (0, 1)
    rows = stored(load_config(config_path))
    _check_against_sklearn(rows, tables)
    _check_estimates(rows, days=(0, 1, 2, 3))


def test_probability_metrics_without_class_scores_are_refused(home: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    overrides = {**make_multiclass_overrides(), "predictions.class_scores": None, "predictions.score": "p_low"}
    config_path = write_config(home, "duckdb:///warehouse.duckdb", checks=None, **overrides)
    assert main(["run", str(config_path), *RANGE]) == 2
    err = capsys.readouterr().err
    assert "performance.metrics" in err and "'roc_auc'" in err and "predictions.class_scores" in err
