"""Custom metrics run in the warehouse (DuckDB and PostgreSQL): the demo's income drift (+22%
from 2026-02-01) breaks `mean_income` with max_change 0.1 on every window from that day and on
none before; an injection try exits 2 with the warehouse untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from monitors.cli import main
from monitors.config import ModelConfig, compute_config
from monitors.core.window import Window
from monitors.run.window import run_window
from monitors.testing import make_config_data, make_tables, write_duckdb_warehouse, write_sql_warehouse

from .helpers import schema_tables, stored

START = datetime(2026, 1, 29, tzinfo=UTC)  # three windows before the demo's drift, three after
DRIFT_FROM = datetime(2026, 2, 1, tzinfo=UTC)
METRICS = [
    {"name": "mean_income", "sql": "avg(income)", "max_change": 0.1},
    {"name": "card_income", "sql": "avg(income)", "where": "product like 'car%'", "max_change": 0.1},
    {"name": "approval_rate", "sql": "avg(case when score < 0.5 then 1.0 else 0.0 end)", "min": 0.4},
    {"name": "default_rate", "sql": "avg(defaulted)", "max": 0.9},
    {"name": "income_per_age", "derived": "mean_income / mean_age"},
    {"name": "mean_age", "sql": "avg(age)"},
]


@pytest.fixture(params=["duckdb", "postgresql"])
def config_data(request: pytest.FixtureRequest, home: Path) -> Any:
    """(warehouse URL, config overrides) of a warehouse holding `tables`."""
    def build(tables: dict[str, pd.DataFrame], **overrides: Any) -> dict[str, Any]:
        if request.param == "duckdb":
            return make_config_data(write_duckdb_warehouse(home / "warehouse.duckdb", tables), **overrides)
        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("postgres_schema")
        write_sql_warehouse(url, tables, schema=schema)
        return make_config_data(url, **{**schema_tables(schema), **overrides})
    return build


def test_mean_income_alerts_from_the_drift_on(config_data: Any, home: Path) -> None:
    tables = make_tables(seed=3, days=6, rows_per_day=600, start=START, drift_from_day=3)
    data = config_data(tables, checks=None, custom_metrics=[m for m in METRICS if m["name"] != "income_per_age"]
                       + [METRICS[4]])
    config: ModelConfig = compute_config(data, home / "model.yaml", home)
    for day in range(6):
        start = START + timedelta(days=day)
        run_window(config, Window(start, start + timedelta(days=1)), write_reports=False,
                   as_of=datetime(2026, 3, 1, tzinfo=UTC))
    rows = stored(config)
    custom = rows[rows["kind"] == "custom"]
    whole = custom[custom["segment"].isna()].set_index(["window_start", "metric"])
    frame = tables["predictions"]
    for day in range(6):
        start = START + timedelta(days=day)
        when = pd.Timestamp(start.replace(tzinfo=None))
        local = frame[(frame["predicted_at"] >= when) & (frame["predicted_at"] < when + timedelta(days=1))]
        assert whole.loc[(when, "mean_income"), "value"] == pytest.approx(local["income"].mean(), rel=1e-9)
        card = local[local["product"] == "card"]["income"].mean()
        assert whole.loc[(when, "card_income"), "value"] == pytest.approx(card, rel=1e-9)
        ratio = local["income"].mean() / local["age"].mean()
        assert whole.loc[(when, "income_per_age"), "value"] == pytest.approx(ratio, rel=1e-9)
        drifted = start >= DRIFT_FROM
        for name in ("mean_income", "card_income"):
            assert whole.loc[(when, name), "status"] == ("alert" if drifted else "ok"), (name, start)
        assert whole.loc[(when, "approval_rate"), "status"] == "ok"
    base = rows[(rows["kind"] == "baseline_custom") & (rows["metric"] == "mean_income")]["value"]
    assert set(base.round(6)) == {round(tables["training_data"]["income"].mean(), 6)}
    drifted = whole.xs("mean_income", level="metric").query("status == 'alert'")
    assert list(drifted["threshold"]) == pytest.approx([base.iloc[0] * 1.1] * 3)
    assert set(custom["segment"].dropna()) == {"region=EU", "region=NA", "region=APAC", "region=LATAM"}
    assert (custom[custom["metric"] == "default_rate"]["value"].notna()).all()


def test_an_injection_try_exits_2_with_the_warehouse_untouched(config_data: Any, home: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=3, days=2, rows_per_day=100, start=START)
    for sql in ("avg(income)); DROP TABLE outcomes; --", "avg(income) + (select count(*) from outcomes)",
                "avg(income) -- x\n; DELETE FROM outcomes"):
        data = config_data(tables, custom_metrics=[{"name": "mean_income", "sql": sql}])
        path = home / "model.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        assert main(["run", str(path), "--start", "2026-01-29", "--end", "2026-01-30", "--no-report"]) == 2
        assert "custom_metrics.0.sql: mean_income: " in capsys.readouterr().err
        engine = sa.create_engine(data["warehouse"])
        try:
            with engine.connect() as conn:
                table = data["ground_truth"]["table"]
                assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == len(tables["outcomes"])
        finally:
            engine.dispose()
        assert not (home / "monitoring.duckdb").exists()


def test_a_slice_is_judged_as_a_segment_is(config_data: Any, home: Path) -> None:
    tables = make_tables(seed=5, days=1, rows_per_day=1500, start=START)
    data = config_data(tables, checks=None, slices=[{"name": "high_income", "where": "income > 50000"}],
                       custom_metrics=[METRICS[0]])
    config = compute_config(data, home / "model.yaml", home)
    run_window(config, Window(START, START + timedelta(days=1)), write_reports=False,
               as_of=datetime(2026, 3, 1, tzinfo=UTC))
    rows = stored(config)
    sliced = rows[rows["segment"].isin(["high_income=true", "high_income=false"])]
    assert set(sliced["kind"]) == {"drift", "performance", "custom"}
    frame = tables["predictions"]
    for value, part in (("true", frame[frame["income"] > 50000]), ("false", frame[~(frame["income"] > 50000)])):
        mean = sliced.query(f"kind == 'custom' and segment == 'high_income={value}'")["value"].item()
        assert mean == pytest.approx(part["income"].mean(), rel=1e-9)
    assert set(rows["segment"].dropna()) >= {"region=EU", "high_income=true", "high_income=false"}


def test_late_labels_refresh_a_custom_metric_that_reads_the_label(config_data: Any, home: Path) -> None:
    """The window runs before its labels arrive (all 3 days late): `default_rate` is skipped
    with no value; a later run picks the labels up and stores pandas' value, judged."""
    tables = make_tables(seed=22, days=6, rows_per_day=800, start=START, label_delay_days=3.0)
    data = config_data(tables, checks=None, segments=[], custom_metrics=[METRICS[0], METRICS[3]],
                       **{"ground_truth.timestamp": "labelled_at", "ground_truth.max_delay": "5d"})
    path = home / "model.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    def custom(metric: str) -> pd.DataFrame:
        rows = stored(compute_config(data, path, home))
        return rows[(rows["kind"] == "custom") & (rows["metric"] == metric)].set_index("window_start")

    assert main(["run", str(path), "--start", "2026-01-29", "--end", "2026-01-30", "--no-report",
                 "--as-of", "2026-01-30T00:30"]) == 0
    first = pd.Timestamp("2026-01-29")
    before, income = custom("default_rate").loc[first], custom("mean_income").loc[first]
    assert before["status"] == "skipped" and pd.isna(before["value"])
    assert income["status"] == "ok"
    assert main(["run", str(path), "--start", "2026-02-02", "--end", "2026-02-03", "--no-report",
                 "--as-of", "2026-02-03T00:30"]) in (0, 1)
    after = custom("default_rate").loc[first]
    frame = tables["predictions"].merge(tables["outcomes"], on="prediction_id")
    local = frame[(frame["predicted_at"] >= first) & (frame["predicted_at"] < first + timedelta(days=1))]
    assert after["status"] == "ok" and after["value"] == pytest.approx(local["defaulted"].mean(), rel=1e-9)
    assert custom("mean_income").loc[first, "value"] == pytest.approx(income["value"], rel=1e-12)


def test_a_boolean_label_averages_as_ones_and_zeros(config_data: Any, home: Path) -> None:
    """avg(boolean) (PostgreSQL has none, nor a boolean-to-double cast): a BOOLEAN label and a
    comparison are averaged as 1 and 0, on DuckDB and PostgreSQL alike."""
    tables = make_tables(seed=5, days=1, rows_per_day=800, start=START)
    for name in ("outcomes", "training_data"):
        tables[name]["defaulted"] = tables[name]["defaulted"].astype(bool)
    metrics = [{"name": "default_rate", "sql": "avg(defaulted)", "max_change": 0.5},
               {"name": "rich_share", "sql": "sum(income > 50000) / count(*)", "where": "product = 'card'"}]
    data = config_data(tables, checks=None, segments=[], custom_metrics=metrics)
    config = compute_config(data, home / "model.yaml", home)
    run_window(config, Window(START, START + timedelta(days=1)), write_reports=False,
               as_of=datetime(2026, 3, 1, tzinfo=UTC))
    rows = stored(config)
    custom = rows[(rows["kind"] == "custom")].set_index("metric")
    frame = tables["predictions"].merge(tables["outcomes"], on="prediction_id")
    assert custom.loc["default_rate", "value"] == pytest.approx(frame["defaulted"].mean(), rel=1e-9)
    cards = tables["predictions"][tables["predictions"]["product"] == "card"]
    assert custom.loc["rich_share", "value"] == pytest.approx((cards["income"] > 50000).mean(), rel=1e-9)
    baseline = rows[rows["kind"] == "baseline_custom"].set_index("metric")
    assert baseline.loc["default_rate", "value"] == pytest.approx(tables["training_data"]["defaulted"].mean())
