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
    name: Identifier  # stored as the metric's name (kind custom)
    sql: str | None = None  # one aggregate expression over the window's rows
    where: str | None = None  # a filter of the rows the aggregate reads
    derived: str | None = None  # or: arithmetic on other custom metrics' names
    max_change: float | None = Field(default=None, gt=0)  # relative to the baseline's value
    min: float | None = None
    max: float | None = None

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


class Slice(Strict):
    """A predicate on the window's rows, judged beside the segments (`segments:` slices by a
    column's values): stored as segment `<name>=true` and `<name>=false`."""

    name: Identifier
    where: str
