"""`series:` rules on the seeded generator's calendar shapes: a custom metric (the card
applications of a window, counted in pandas as the warehouse would) replayed window by window
against the windows before it (compute_series_replay); outages made by dropping rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitors import demo
from monitors.compute.series_rules import SeriesVerdict, compute_series_replay, compute_series_rows
from monitors.core.errors import ConfigError
from monitors.core.series import SeriesRule
from monitors.core.window import compute_windows
from monitors.testing import make_config, make_tables

START = demo.START  # a Thursday
LEARNED = 28  # daily windows: four of each day of week
CARDS = {"name": "cards", "sql": "sum(case when product = 'card' then 1 else 0 end)"}


def _cards(calendar: str, days: int = 63, outages: tuple[tuple[int, float], ...] = (),
           rule: SeriesRule | None = None) -> list[tuple[datetime, float, SeriesVerdict]]:
    """Daily windows of a calendar shape: each day's card rows, judged as the store replays them."""
    tables = make_tables(seed=3, days=days, rows_per_day=3000, training_rows=100, calendar=calendar, row_jitter=0.1)
    for day, keep in outages:
        tables = demo.compute_outage(tables, START + timedelta(days=day), START + timedelta(days=day + 1), keep)
    windows = compute_windows("@daily", START, START + timedelta(days=days))
    rows = tables["predictions"]
    values = [float(((rows["predicted_at"] >= pd.Timestamp(w.start).tz_localize(None))
                     & (rows["predicted_at"] < pd.Timestamp(w.end).tz_localize(None))
                     & (rows["product"] == "card")).sum()) for w in windows]
    verdicts = compute_series_replay(rule or SeriesRule(metric="cards", kind="custom"), [w.start for w in windows],
                                     list(values), 24.0)
    return list(zip([w.start for w in windows], values, verdicts, strict=True))


def _alerts(series: list[tuple[datetime, float, SeriesVerdict]]) -> list[int]:
    return [(t - START).days for t, _, v in series if v.status == "alert"]


@pytest.mark.parametrize("calendar", ["weekly", "both", "trend"])
def test_a_weekly_custom_metric_never_alerts_after_learning(calendar: str) -> None:
    series = _cards(calendar)
    assert _alerts(series) == []
    learned = [v for t, _, v in series if (t - START).days >= LEARNED]
    assert {v.season.split("=")[0] for v in learned if v.season} == {"day_of_week"}
    assert all(v.status == "ok" and v.lower is not None for v in learned)
    saturday = next(v for t, _, v in series[LEARNED:] if t.weekday() == 5)
    weekday = next(v for t, _, v in series[LEARNED:] if t.weekday() == 2)
    assert saturday.upper is not None and weekday.lower is not None and saturday.upper < weekday.lower
    # without a season, weekends fall below the weekdays' range
    plain = _cards(calendar, rule=SeriesRule(metric="cards", kind="custom", seasonality="none"))
    assert len([d for d in _alerts(plain) if d >= LEARNED]) >= 8


def test_learning_is_skipped_with_its_season() -> None:
    series = _cards("weekly", days=28)
    first_saturday = series[2][2]  # 2026-01-03
    assert (first_saturday.status, first_saturday.season) == ("skipped", "day_of_week=Saturday")
    assert (first_saturday.learned, first_saturday.needed) == (0, 4)
    rows = compute_series_rows(SeriesRule(metric="cards", kind="custom"), 350.0,
                               [(START + timedelta(days=d), 1000.0) for d in range(9)], START + timedelta(days=9),
                               24.0)
    # nine windows: day_of_week learning; with two Saturdays it is not learned yet
    assert rows[0].status == "skipped" and rows[-1].metric == "custom.cards_season"
    assert rows[-1].status == "skipped" and rows[-1].column_name == "day_of_week=Saturday"
    assert (rows[-1].value, rows[-1].threshold) == (1.0, 4.0)


def test_a_weekday_drop_alerts_and_is_not_learned() -> None:
    wednesday = 48  # 2026-02-18 at 60% of its cards: above a weekend's level, below its season
    series = _cards("weekly", outages=((wednesday, 0.6),))
    assert _alerts(series) == [wednesday]
    when, value, verdict = series[wednesday]
    assert verdict.season == "day_of_week=Wednesday" and verdict.lower is not None
    wednesdays = [v for t, v, _ in series if t.weekday() == 2 and t != when]
    assert value < verdict.threshold == verdict.lower < min(wednesdays) <= max(wednesdays) < (verdict.upper or 0)
    assert value > max(v for t, v, _ in series if t.weekday() >= 5)  # a weekend's level would not catch it
    assert all(v.status == "ok" for _, _, v in series[wednesday + 7::7])


def test_a_holiday_alerts_once() -> None:
    series = _cards("holiday")
    assert _alerts(series) == [46]  # the Monday of week 6, at a weekend's level
    assert series[46][0].weekday() == 0


def test_a_flat_series_is_judged_against_its_history() -> None:
    series = _cards("flat")
    assert _alerts(series) == []
    assert all(v.season is None for _, _, v in series[LEARNED:])
    dropped = _cards("flat", outages=((50, 0.5),))
    assert _alerts(dropped) == [50]
    assert dropped[50][2].season is None and dropped[50][2].learned >= 20


def test_direction_and_the_floor_of_a_metric_usually_zero() -> None:
    history = [(START + timedelta(days=d), 0.0) for d in range(28)]
    zero = SeriesRule(metric="refunds", kind="custom", seasonality="none")
    floored = zero.model_copy(update={"spread_floor": 1.0})
    rows = compute_series_rows(zero, 1.0, history, START + timedelta(days=28), 24.0)
    assert (rows[0].status, rows[0].threshold) == ("alert", 0.0)
    assert [r.metric for r in rows] == ["custom.refunds", "custom.refunds_lower", "custom.refunds_upper",
                                        "custom.refunds_season"]
    ok = compute_series_rows(floored, 2.0, history, START + timedelta(days=28), 24.0)
    assert (ok[0].status, ok[2].value) == ("ok", 3.0)  # 0 + 3 deviations x a floor of 1
    assert compute_series_rows(floored, 4.0, history, START + timedelta(days=28), 24.0)[0].status == "alert"
    up = floored.model_copy(update={"direction": "up"})
    assert compute_series_rows(up, -5.0, history, START + timedelta(days=28), 24.0)[0].status == "ok"
    assert compute_series_rows(zero, None, history, START, 24.0)[0].status == "skipped"


def _config(tmp_path: Path, series: list[dict], **more: object) -> object:
    return make_config(tmp_path, "duckdb:///unused.duckdb", custom_metrics=[CARDS], series=series, **more)


def test_config_finds_the_kind_and_names_wrong_keys(tmp_path: Path) -> None:
    config = _config(tmp_path, [{"metric": "cards"}, {"metric": "roc_auc", "kind": "performance"},
                                {"metric": "drifted_share", "direction": "up"}])
    assert [r.name for r in config.series_rules] == ["custom.cards", "performance.roc_auc", "drift.drifted_share"]
    with pytest.raises(ConfigError, match=r"series.1.metric: unknown metric 'card' .*did you mean 'cards'\?"):
        _config(tmp_path, [{"metric": "row_count"}, {"metric": "card"}])
    with pytest.raises(ConfigError, match=r"series.0.kind: 'roc_auc' is stored by performance and "
                                          r"estimated_performance; name one"):
        _config(tmp_path, [{"metric": "roc_auc"}])
    with pytest.raises(ConfigError, match=r"series.0.seasonalty: unknown key; did you mean 'seasonality'\?"):
        _config(tmp_path, [{"metric": "cards", "seasonalty": "none"}])
    with pytest.raises(ConfigError, match=r"series.1.metric: custom.cards is listed twice"):
        _config(tmp_path, [{"metric": "cards"}, {"metric": "cards", "kind": "custom"}])
    with pytest.raises(ConfigError, match=r"series.0.seasonality: hour_of_day is not a season of schedule"):
        _config(tmp_path, [{"metric": "cards", "seasonality": "hour_of_day"}])
