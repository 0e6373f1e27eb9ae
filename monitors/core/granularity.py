"""Granularities: the extra schedules of one model config (`granularities:` beside `schedule:`),
each its own series of windows. A series is named by its key: the model for the primary
schedule, `<model>@<name>` for an extra one; the key names its store folders, its pages and its
messages, while the stored rows keep `model` and hold the name in `granularity`. Plain data."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from monitors.core.settings import Strict
from monitors.core.window import check_schedule, iter_windows

SEPARATOR = "@"  # model names and granularity names are identifiers: the key splits back
PRESET_NAMES = {"@hourly": "hourly", "@daily": "daily", "@midnight": "daily", "@weekly": "weekly",
                "@monthly": "monthly", "@yearly": "yearly", "@annually": "yearly"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


class Granularity(Strict):
    """One extra schedule: its own windows, measured from the warehouse over each window's
    [start, end), its own history, alerts, DAG (`monitor_<model>_<name>`) and pages."""

    schedule: str = Field(description=(
        "a cron expression or preset (quote it: \"@weekly\", \"0 */6 * * *\"): one window per interval"))
    name: str | None = Field(default=None, description=(
        "the series' name (a letter, then letters, digits and _): in the DAG id `monitor_<model>_<name>`, "
        "the store and the pages (`<model>@<name>`) and the `granularity` column; a preset's default is "
        "its name (hourly, daily, weekly, monthly, yearly), a cron expression needs one"))

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        check_schedule(value)
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError(f"name {value!r} must start with a letter and contain only letters, digits "
                             f"and _ (at most 50)")
        return value

    @property
    def label(self) -> str:
        """The name, or the preset's (checked at config load: a cron schedule names one)."""
        return self.name or PRESET_NAMES.get(self.schedule, "")


def compute_series_key(model: str, granularity: str | None) -> str:
    """credit_risk (the primary schedule) or credit_risk@weekly."""
    return model if granularity is None else f"{model}{SEPARATOR}{granularity}"


def compute_series_parts(key: str) -> tuple[str, str | None]:
    """credit_risk@weekly -> (credit_risk, weekly); credit_risk -> (credit_risk, None)."""
    model, sep, granularity = key.partition(SEPARATOR)
    return model, (granularity if sep else None)


def compute_window_hours(schedule: str, timezone: str = "UTC") -> float:
    """How long one of the schedule's windows lasts (its first in 2026, outside DST changes)."""
    first = next(iter_windows(schedule, "2026-01-05", "2027-01-05", timezone), None)
    return (first.end - first.start).total_seconds() / 3600 if first else 0.0


def check_granularities(primary: str, found: list[Granularity]) -> None:
    """ValueError naming the key: a cron schedule without a name, a name or schedule listed
    twice or equal to the primary schedule's."""
    names = {PRESET_NAMES.get(primary, "")} - {""}
    schedules = {primary}
    for i, granularity in enumerate(found):
        key = f"granularities.{i}"
        if not granularity.label:
            raise ValueError(f"{key}.name: schedule {granularity.schedule!r} is not a preset; name it "
                             f"(e.g. name: every_6_hours)")
        if granularity.label in names:
            raise ValueError(f"{key}.name: {granularity.label!r} is "
                             + ("the primary schedule's name" if granularity.label
                                == PRESET_NAMES.get(primary) else "listed twice"))
        if granularity.schedule in schedules:
            raise ValueError(f"{key}.schedule: {granularity.schedule!r} is "
                             + ("the primary `schedule`" if granularity.schedule == primary
                                else "listed twice"))
        names.add(granularity.label)
        schedules.add(granularity.schedule)
