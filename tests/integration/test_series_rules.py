"""`series:` rules through run_window (DuckDB; the history is the store's, the same for every
engine): six weeks of daily windows with weekends at 35%, a custom metric (the card
applications) that follows the weekly cycle, and one Wednesday whose cards mostly went to loans
(its volume unchanged). Run in order, the window sees the stored windows before it: no alert
after learning but that Wednesday, the same verdicts as the series replayed from the values
counted in pandas, and a rerun stores the same rows."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from monitors import demo
from monitors.compute.series_rules import compute_series_replay
from monitors.core.measurement import compute_number_text
from monitors.core.series import SeriesRule
from monitors.core.window import Window
from monitors.reports.model_page import compute_expected_at
from monitors.reports.text import compute_open_rules
from monitors.run.window import load_window_message, run_window
from monitors.storage import results
from monitors.testing import make_tables

from .helpers import Build

START = demo.START  # a Thursday
DAYS, DROP, LEARNED = 42, 34, 28  # day 34: Wednesday 2026-02-04
CARDS = {"name": "cards", "sql": "sum(case when product = 'card' then 1 else 0 end)"}


def _window(day: int) -> Window:
    return Window(START + timedelta(days=day), START + timedelta(days=day + 1))


def _tables() -> dict[str, pd.DataFrame]:
    tables = make_tables(seed=7, days=DAYS, rows_per_day=900, training_rows=600, calendar="weekly", row_jitter=0.1)
    rows = tables["predictions"]
    day = (rows["predicted_at"] >= pd.Timestamp(_window(DROP).start).tz_localize(None)) & \
        (rows["predicted_at"] < pd.Timestamp(_window(DROP).end).tz_localize(None))
    moved = day & (rows["product"] == "card") & (np.random.default_rng(1).uniform(size=len(rows)) < 0.6)
    rows.loc[moved, "product"] = "loan"
    return tables


def _cards(tables: dict[str, pd.DataFrame]) -> list[float]:
    at, product = tables["predictions"]["predicted_at"], tables["predictions"]["product"]
    return [float(((at >= pd.Timestamp(_window(d).start).tz_localize(None))
                   & (at < pd.Timestamp(_window(d).end).tz_localize(None)) & (product == "card")).sum())
            for d in range(DAYS)]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_weekly_custom_metric_alerts_only_on_its_drop(warehouse: Build) -> None:
    tables = _tables()
    config = warehouse(tables, checks=None, custom_metrics=[CARDS], series=[{"metric": "cards"}],
                       **{"performance.metrics": [], "drift.multivariate": False})
    as_of = START + timedelta(days=DAYS + 1)
    found = {}
    for day in range(DAYS):
        rows = run_window(config, _window(day), as_of=as_of, write_reports=False).rows
        found[day] = {(r.kind, r.metric): r for r in rows if r.segment is None}
    judged = {d: f[("series", "custom.cards")] for d, f in found.items()}
    assert [d for d, r in judged.items() if r.status == "alert"] == [DROP]
    assert all(judged[d].status == "ok" for d in range(LEARNED, DAYS) if d != DROP)
    assert all(found[d][("data_quality", "row_count")].status != "alert" for d in range(DAYS))
    second_saturday = found[9][("expected", "custom.cards_season")]
    assert (second_saturday.status, second_saturday.column_name, second_saturday.value) == \
        ("skipped", "day_of_week=Saturday", 1.0)
    # the store's history gives the verdicts of the series replayed from the values counted in pandas
    values = _cards(tables)
    starts = [_window(d).start for d in range(DAYS)]
    replay = compute_series_replay(SeriesRule(metric="cards", kind="custom"), starts, list(values), 24.0)
    for day, row in judged.items():
        assert (row.value, row.status, row.threshold) == \
            (values[day], replay[day].status, replay[day].threshold), day
    lower = found[DROP][("expected", "custom.cards_lower")].value
    upper = found[DROP][("expected", "custom.cards_upper")].value
    assert lower is not None and upper is not None and judged[DROP].value is not None
    assert judged[DROP].value < lower < min(values[d] for d in range(6, DAYS, 7) if d != DROP)
    text = (f"custom cards = {compute_number_text(judged[DROP].value)}, expected {compute_number_text(lower)}-"
            f"{compute_number_text(upper)} for a Wednesday")
    message = load_window_message(config, _window(DROP), with_report=False) or ""
    assert text in message and "series custom.cards" not in message
    # a rerun stores the same rows; the home page's open rule says the expected range too
    before = results.load_window_rows(config.store_path, config.model, _window(DROP))
    run_window(config, _window(DROP), as_of=as_of, write_reports=False)
    assert results.load_window_rows(config.store_path, config.model, _window(DROP)) == before
    episodes = results.load_alerts(config.store_path, config.model).query("kind == 'series'").to_dict("records")
    rules = compute_open_rules(episodes, compute_expected_at(results.load_trend(config.store_path, config.model)))
    assert [r["rule"] for r in rules] == [text]
