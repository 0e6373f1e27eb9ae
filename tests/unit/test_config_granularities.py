"""`granularities:`: extra schedules of one config, each a series of its own (`<model>@<name>`):
preset names by default, a cron schedule named, duplicates and the primary's name or schedule
refused naming the key; a season a granularity cannot have falls back to auto for it alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.config import ConfigError, load_config
from monitors.config_series import compute_series_configs
from monitors.core.granularity import compute_series_key, compute_series_parts, compute_window_hours
from monitors.core.window import compute_windows
from monitors.testing import write_config


def _load(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    return load_config(write_config(tmp_path, "duckdb:///warehouse.duckdb", **overrides), home=tmp_path)


def test_each_granularity_is_a_series_of_its_own(tmp_path: Path) -> None:
    config = _load(tmp_path, granularities=[{"schedule": "@weekly"}, {"name": "six", "schedule": "0 */6 * * *"},
                                            {"schedule": "@hourly"}])
    assert config.granularity_names == ["daily", "weekly", "six", "hourly"]
    series = compute_series_configs(config)
    assert [(s.model, s.base_model, s.granularity, s.schedule) for s in series] == [
        ("credit_risk", "credit_risk", None, "@daily"),
        ("credit_risk@weekly", "credit_risk", "weekly", "@weekly"),
        ("credit_risk@six", "credit_risk", "six", "0 */6 * * *"),
        ("credit_risk@hourly", "credit_risk", "hourly", "@hourly")]
    assert series[0] is config and series[1].granularities == [] and series[1].store_path == config.store_path
    assert [s.model for s in compute_series_configs(config, "six")] == ["credit_risk@six"]
    assert [s.model for s in compute_series_configs(config, "daily")] == ["credit_risk"]
    with pytest.raises(ConfigError, match=r"--granularity: no granularity 'monthly'; choose from daily, "
                                          r"weekly, six, hourly"):
        compute_series_configs(config, "monthly")
    windows = compute_windows(series[2].schedule, "2026-01-01", "2026-01-02")
    assert [w.start.hour for w in windows] == [0, 6, 12, 18]
    assert compute_window_hours("@weekly") == 168 and compute_window_hours("0 */6 * * *") == 6


def test_a_one_schedule_config_is_one_series(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert config.granularities == [] and compute_series_configs(config) == [config]
    assert config.granularity is None and config.base_model == "credit_risk"
    assert compute_series_key("credit_risk", None) == "credit_risk"
    assert compute_series_parts(compute_series_key("credit_risk", "weekly")) == ("credit_risk", "weekly")


@pytest.mark.parametrize(("granularities", "message"), [
    ([{"schedule": "@daily"}], "granularities.0.name: 'daily' is the primary schedule's name"),
    ([{"name": "days", "schedule": "@daily"}], "granularities.0.schedule: '@daily' is the primary `schedule`"),
    ([{"schedule": "@weekly"}, {"name": "weekly", "schedule": "0 0 * * 1"}],
     "granularities.1.name: 'weekly' is listed twice"),
    ([{"name": "a", "schedule": "@weekly"}, {"name": "b", "schedule": "@weekly"}],
     "granularities.1.schedule: '@weekly' is listed twice"),
    ([{"schedule": "0 */6 * * *"}], "granularities.0.name: schedule '0 */6 * * *' is not a preset; name it"),
    ([{"name": "six", "schedule": "every 6 hours"}], "granularities.0.schedule"),
    ([{"name": "six-hours", "schedule": "0 */6 * * *"}], "granularities.0.name"),
    ([{"name": "x", "schedule": "@weekly", "cron": "x"}], "granularities.0.cron"),
])
def test_a_bad_granularity_is_refused_naming_its_key(tmp_path: Path, granularities: list[dict[str, str]],
                                                     message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, granularities=granularities)
    assert message in str(caught.value), str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_a_season_a_granularity_cannot_have_is_auto_for_it_alone(tmp_path: Path) -> None:
    config = _load(tmp_path, schedule="@hourly", granularities=[{"schedule": "@daily"}, {"schedule": "@weekly"}],
                   volume={"seasonality": "hour_of_week"},
                   series=[{"metric": "drifted_share", "seasonality": "hour_of_day"},
                           {"metric": "row_count", "seasonality": "none"}])
    hourly, daily, weekly = compute_series_configs(config)
    assert hourly.volume.seasonality == "hour_of_week"
    assert [r.seasonality for r in hourly.series] == ["hour_of_day", "none"]
    for other in (daily, weekly):  # hour seasons have no meaning for day-long windows: auto finds theirs
        assert other.volume.seasonality == "auto"
        assert [r.seasonality for r in other.series] == ["auto", "none"]
        assert other.volume.season_windows == config.volume.season_windows  # the other settings kept
    with pytest.raises(ConfigError, match="volume.seasonality: day_of_week is not a season of schedule"):
        _load(tmp_path, schedule="@hourly", volume={"seasonality": "day_of_week"},
              granularities=[{"schedule": "@daily"}])  # the primary schedule is checked as before
