"""The config's custom metrics: business metrics written as one SQL aggregate each (or derived
from others by arithmetic), judged by absolute bounds and by their change from the baseline's
value. Plain data: the SQL is checked against the window's columns by config.py
(warehouse.expressions) and run by warehouse.custom."""

from __future__ import annotations

from pydantic import Field, model_validator

from monitors.core.fields import Identifier
from monitors.core.settings import Strict

ROWS = "__rows"  # beside the custom metrics' values: the rows they were computed over


class CustomMetric(Strict):
    name: Identifier = Field(description="an identifier; stored as the metric's name (kind custom)")
    sql: str | None = Field(default=None, description=(
        "one aggregate expression over the window's rows, e.g. avg(income) (give sql or derived)"))
    where: str | None = Field(default=None, description="a filter of the rows `sql` reads (no aggregate)")
    derived: str | None = Field(default=None, description=(
        "or: arithmetic (+ - * /) on the names of custom metrics listed before it"))
    max_change: float | None = Field(default=None, gt=0, description=(
        "alert when the value moves more than this (relative) from the baseline's value"))
    max_change_previous: float | None = Field(default=None, gt=0, description=(
        "alert when the value moves more than this (relative) from the previous window's value "
        "(rows of kind custom_previous)"))
    min: float | None = Field(default=None, description="alert below this value")
    max: float | None = Field(default=None, description="alert above this value")

    @model_validator(mode="after")
    def _one_source(self) -> CustomMetric:
        if (self.sql is None) == (self.derived is None):
            raise ValueError(f"custom metric {self.name!r}: give exactly one of sql or derived")
        if self.where is not None and self.sql is None:
            raise ValueError(f"custom metric {self.name!r}: where filters the rows of sql")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"custom metric {self.name!r}: min is above max")
        return self

    def compute_bounds(self, baseline: float | None) -> tuple[float | None, float | None]:
        """(lowest, highest) value the metric may take: min and max, narrowed by max_change
        around the baseline's value when there is one."""
        low, high = self.min, self.max
        if self.max_change is not None and baseline is not None:
            spread = abs(baseline) * self.max_change
            low = baseline - spread if low is None else max(low, baseline - spread)
            high = baseline + spread if high is None else min(high, baseline + spread)
        return low, high

    def compute_previous_bounds(self, previous: float | None) -> tuple[float | None, float | None]:
        """(lowest, highest) value within max_change_previous of the previous window's value."""
        if self.max_change_previous is None or previous is None:
            return None, None
        spread = abs(previous) * self.max_change_previous
        return previous - spread, previous + spread


class Slice(Strict):
    """A predicate on the window's rows, judged beside the segments (`segments:` slices by a
    column's values): stored as segment `<name>=true` and `<name>=false`."""

    name: Identifier = Field(description=(
        "an identifier (not a column's or a segment's name): rows stored with segment `<name>=true` and "
        "`<name>=false`"))
    where: str = Field(description="a predicate on the window's columns (no aggregate, not the label)")
