"""What `monitors init` knows of a table (warehouse.summary reads it): plain types, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    family: str  # numeric, text, time, boolean or other
    distinct: int
    nulls: int
    low: Any = None  # numbers and times: the smallest value
    high: Any = None


@dataclass(frozen=True)
class TableSummary:
    name: str
    rows: int
    columns: list[ColumnSummary]

    def column(self, name: str) -> ColumnSummary | None:
        return next((c for c in self.columns if c.name == name), None)
