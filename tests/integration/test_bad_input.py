"""Bad input: a clear error naming model, table and column, or a flagged result; never a
traceback, and nothing already stored is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.core.window import Window
from monitors.testing import make_tables, write_config, write_duckdb_warehouse
from monitors.warehouse.engine import create_warehouse_engine

from .helpers import load_window, stored, write_suite_for

DAY1 = ["--start", "2026-01-01", "--end", "2026-01-02", "--no-report", "--as-of", "2026-03-01"]


def _setup(home: Path, mutate=None, suite: bool = True, **overrides: object) -> Path:
    tables = make_tables(seed=5, days=1, rows_per_day=1500)
    url = write_duckdb_warehouse(home / "clean.duckdb", tables)
    clean = write_config(home, url, name="clean.yaml")
    if suite:
        write_suite_for(load_config(clean))  # the suite is profiled from the clean baseline
    if mutate is not None:
        mutate(tables)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    if not suite:
        overrides["checks"] = None
    return write_config(home, url, **overrides)


def _run(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", str(config), *(args or DAY1)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _alerts(config: Path) -> pd.DataFrame:
    rows = stored(load_config(config))
    return rows[(rows["status"] == "alert") & rows["segment"].isna()]


def test_missing_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home, lambda t: t.pop("outcomes"), suite=False)
    code, _, err = _run(config, capsys)
    assert code == 2
    assert "error: model credit_risk: table 'outcomes' not found in warehouse duckdb:///" in err
    assert "Traceback" not in err


def test_missing_required_column(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home, lambda t: t["predictions"].drop(columns="score", inplace=True), suite=False)
    code, _, err = _run(config, capsys)
    assert code == 2
    assert "model credit_risk: no column 'score' in table 'predictions' (predictions.score); it has " in err


def test_missing_feature_column_is_a_schema_alert(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home, lambda t: t["predictions"].drop(columns="age", inplace=True))
    code, out, _ = _run(config, capsys)
    assert code == 1
    assert "schema column_present of age = 0 (bound: >= 1)" in out
    alerts = _alerts(config)
    assert set(alerts.query("column_name == 'age'")["metric"]) >= {"column_present", "expect_column_to_exist"}


def test_window_with_no_rows_is_an_alert(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home)
    code, out, _ = _run(config, capsys, "--start", "2026-06-01", "--end", "2026-06-02", "--no-report")
    assert code == 1  # a data outage is the most common incident: not a quiet skip
    assert "UTC: alert, 0 rows" in out and "data_quality row_count = 0 (bound: >= 1)" in out
    rows = stored(load_config(config))
    assert rows.query("metric == 'row_count'")["value"].item() == 0
    assert set(rows.query("metric != 'row_count'")["status"]) == {"skipped"}
    quiet = write_config(home, str(load_config(config).warehouse), name="quiet.yaml",
                         **{"checks.suite": str(load_config(config).suite_path), "volume.empty_is_alert": False})
    code, out, _ = _run(quiet, capsys, "--start", "2026-06-01", "--end", "2026-06-02", "--no-report")
    assert code == 0 and "UTC: skipped, 0 rows" in out


def test_a_collapse_in_volume_alerts(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=6, days=5, rows_per_day=1000)
    predictions = tables["predictions"]
    last_day = predictions["predicted_at"] >= pd.Timestamp("2026-01-05")
    tables["predictions"] = predictions[~last_day | (predictions.index % 4 == 0)]  # a quarter is left
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = write_config(home, url, checks=None, **{"volume.seasonality": "none"})
    code, out, _ = _run(config, capsys, "--start", "2026-01-01", "--end", "2026-01-06", "--no-report",
                        "--as-of", "2026-03-01")
    assert code == 1
    assert "window [2026-01-05 00:00, 2026-01-06 00:00) UTC" in out
    assert "data_quality row_count = 250 (bound: >= 500)" in out  # half the median of 4 x 1000
    counts = stored(load_config(config)).query("metric == 'row_count'")
    assert list(counts["status"]) == ["ok"] * 4 + ["alert"]
    assert list(counts["threshold"]) == [1.0, 500.0, 500.0, 500.0, 500.0]
    # seasonality auto (the default): a new model's fifth day may be its first quiet season (a
    # Monday after four days), so it is skipped while Mondays are learned; below the collapse
    # guard (5% of the median, less its Poisson noise: 50 - 3 x 7.1 rows) it alerts
    learning = write_config(home, url, "auto.yaml", checks=None, store=str(home / "auto.duckdb"))
    code, _, _ = _run(learning, capsys, "--start", "2026-01-05", "--end", "2026-01-06", "--no-report")
    rows = stored(load_config(learning)).set_index("metric")
    assert code == 0 and rows.loc["row_count", "status"] == "skipped"
    assert rows.loc["row_count", "threshold"] == pytest.approx(50 - 3 * 50 ** 0.5)
    assert tuple(rows.loc["row_count_season", ["column_name", "value", "threshold", "status"]]) == \
        ("day_of_week=Monday", 0.0, 4.0, "skipped")


def test_all_null_feature_is_flagged(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mutate(t: dict[str, pd.DataFrame]) -> None:
        t["predictions"]["debt_ratio"] = np.nan
    config = _setup(home, mutate)
    code, out, _ = _run(config, capsys)
    assert code == 1
    alerts = _alerts(config).query("column_name == 'debt_ratio'")
    assert alerts.query("metric == 'missing_share'")["value"].item() == 1.0
    assert "expect_column_values_to_not_be_null" in set(alerts["metric"])
    rows = stored(load_config(config))
    drift = rows.query("kind == 'drift' and column_name == 'debt_ratio' and segment.isna()")
    assert drift["status"].item() == "skipped"


def test_nan_and_inf_scores_are_flagged(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mutate(t: dict[str, pd.DataFrame]) -> None:
        t["predictions"].loc[:99, "score"] = np.nan
        t["predictions"].loc[100:149, "score"] = np.inf
    config = _setup(home, mutate)
    code, out, _ = _run(config, capsys)
    assert code == 1
    assert "data_quality non_finite_share of score = 0.1 (bound: <= 0)" in out
    rows = stored(load_config(config)).query("segment.isna()")
    auc = rows.query("kind == 'performance' and metric == 'roc_auc'")["value"].item()
    assert 0.7 < auc < 0.95  # computed on the finite scores


def test_unseen_category_is_flagged(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mutate(t: dict[str, pd.DataFrame]) -> None:
        t["predictions"].loc[:299, "product"] = "crypto"
    config = _setup(home, mutate)
    code, out, _ = _run(config, capsys)
    assert code == 1
    alerts = _alerts(config).query("column_name == 'product'")
    assert alerts.query("metric == 'new_category_share'")["value"].item() == pytest.approx(0.2)
    assert "expect_column_values_to_be_in_set" in set(alerts["metric"])


def test_duplicate_prediction_ids_latest_row_wins(home: Path) -> None:
    def mutate(t: dict[str, pd.DataFrame]) -> None:
        later = t["predictions"].head(500).copy()
        later["predicted_at"] += pd.Timedelta(seconds=1)
        later["score"] = 0.999
        t["predictions"] = pd.concat([t["predictions"], later], ignore_index=True)
    config = load_config(_setup(home, mutate, suite=False))
    engine = create_warehouse_engine(config)
    frame = load_window(engine, config, Window(datetime(2026, 1, 1, tzinfo=UTC),
                                                         datetime(2026, 1, 2, tzinfo=UTC))).data
    assert len(frame) == 1500 and frame["prediction_id"].is_unique
    first = frame.set_index("prediction_id").loc["p000000"]
    assert first["score"] == 0.999
    assert (frame["score"] == 0.999).sum() == 500


def test_labels_that_never_arrive(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mutate(t: dict[str, pd.DataFrame]) -> None:
        t["outcomes"]["prediction_id"] = "other-" + t["outcomes"]["prediction_id"]
    config = _setup(home, mutate, suite=False)
    code, out, _ = _run(config, capsys, *DAY1[:-1], "2026-01-05")  # as of 4 days later: pending
    assert code == 0
    rows = stored(load_config(config)).query("kind == 'performance' and segment.isna()")
    assert set(rows["status"]) == {"skipped"}
    code, out, _ = _run(config, capsys)  # as of 2026-03-01: max_delay (14d) passed
    assert code == 1
    assert "performance label_coverage = 0 (bound: >= 0.8)" in out


def test_malformed_config_key_and_unknown_metric_via_cli(home: Path, capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    bad_key = write_config(home, "duckdb:///w.duckdb", name="a.yaml", **{"predictions.scores": "s"})
    code, _, err = _run(bad_key, capsys)
    assert code == 2 and f"{bad_key}: predictions.scores: unknown key" in err
    bad_metric = write_config(home, "duckdb:///w.duckdb", name="b.yaml", **{"performance.metrics": ["auc"]})
    code, _, err = _run(bad_metric, capsys)
    assert code == 2 and "unknown metric 'auc'" in err and "Traceback" not in err
    hourly_season = write_config(home, "duckdb:///w.duckdb", name="c.yaml", **{"volume.seasonality": "hour_of_day"})
    code, _, err = _run(hourly_season, capsys)
    assert code == 2 and "volume.seasonality: hour_of_day is not a season of schedule '@daily' (windows of 24 hours)" in err
    typo = write_config(home, "duckdb:///w.duckdb", name="d.yaml", **{"volume.seasonality": "weekly"})
    code, _, err = _run(typo, capsys)
    assert code == 2 and f"{typo}: volume.seasonality: Input should be 'auto', 'none'" in err


def test_a_failing_rerun_loses_nothing_stored(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home, suite=False)
    assert _run(config, capsys)[0] == 0
    before = stored(load_config(config))
    broken = write_config(home, str(load_config(config).warehouse), name="broken.yaml", checks=None,
                          **{"predictions.table": "no_such_table"})
    assert _run(broken, capsys)[0] == 2
    pd.testing.assert_frame_equal(before, stored(load_config(config)))


def test_missing_suite_file_is_named(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home, **{"checks.suite": "expectations/nope.json"})
    code, _, err = _run(config, capsys)
    assert code == 2 and "expectations/nope.json does not exist" in err
    assert "monitors expectations init" in err


def _store_files(home: Path) -> dict[str, bytes]:
    files = [home / "monitoring.duckdb", *sorted((home / "monitoring").rglob("*"))]
    return {str(p.relative_to(home)): p.read_bytes() for p in files if p.is_file()}


def test_a_typo_in_a_column_is_a_config_error_that_changes_nothing(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(home)
    assert _run(config, capsys)[0] == 0
    before = _store_files(home)
    assert len([n for n in before if n.endswith(".parquet")]) >= 3  # a window, its trend, a profile
    for key, typo, meant in (("predictions.features.numerical", ["incme", "age"], "income"),
                             ("predictions.features.categorical", ["prodcut", "region"], "product"),
                             ("ground_truth.label", "defauted", "defaulted")):
        broken = write_config(home, str(load_config(config).warehouse), name="typo.yaml",
                              **{"checks.suite": str(load_config(config).suite_path), key: typo})
        code, out, err = _run(broken, capsys, "--start", "2026-01-01", "--end", "2026-01-02")
        name = typo[0] if isinstance(typo, list) else typo
        table = "outcomes" if key.startswith("ground_truth") else "predictions"
        assert code == 2, (key, out, err)
        assert f"error: model credit_risk: no column {name!r} in table {table!r} ({key}); " \
               f"did you mean {meant!r}?" in err
        assert "Traceback" not in err and out == ""
        assert _store_files(home) == before  # byte for byte: nothing measured, nothing written
        assert not (home / "reports").exists()


def _as_text(table: str, column: str, values: dict | None = None):  # type: ignore[no-untyped-def]
    """A mutation of the test tables: `column` of `table` stored as text."""
    def mutate(tables: dict[str, pd.DataFrame]) -> None:
        found = tables[table][column]
        tables[table] = tables[table].assign(**{column: found.map(values) if values else found.astype(str)})
    return mutate


@pytest.mark.parametrize(("task", "mutate", "column", "table", "found", "wanted"), [
    ("binary_classification", _as_text("predictions", "predicted_at"), "predicted_at", "predictions",
     "text", "time"),
    ("regression", _as_text("outcomes", "defaulted", {0: "low", 1: "high"}), "defaulted", "outcomes",
     "text", "numeric"),
    ("binary_classification", _as_text("outcomes", "defaulted", {0: "no", 1: "yes"}), "defaulted",
     "outcomes", "text", "boolean or numeric"),
])
def test_a_column_of_the_wrong_type_is_named(home: Path, capsys: pytest.CaptureFixture[str], task: str,
                                             mutate: object, column: str, table: str, found: str,
                                             wanted: str) -> None:
    metrics = ["rmse"] if task == "regression" else ["roc_auc"]
    config = _setup(home, mutate, suite=False, task=task, **{"performance.metrics": metrics})
    code, _, err = _run(config, capsys)
    assert code == 2 and "Traceback" not in err
    assert f"model credit_risk: column {column!r} of table {table!r}" in err
    assert f"is {found}, not {wanted}" in err
    assert not (home / "monitoring").exists()


def test_a_range_holding_no_complete_window_is_exit_2_naming_the_first_one(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(home, write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(days=2)),
                          checks=None, schedule="@weekly")
    code, _, err = _run(config, capsys, "--start", "2026-01-06", "--end", "2026-01-10")
    assert code == 2 and err.strip() == (
        "error: model credit_risk: no complete @weekly window in [2026-01-06 00:00:00, 2026-01-10 00:00:00); "
        "the first one from --start is 2026-01-11 00:00 to 2026-01-18 00:00 UTC")
    assert not (home / "monitoring").exists()
