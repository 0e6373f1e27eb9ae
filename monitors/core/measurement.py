"""One measured value: the unit every stage returns and the store keeps (a monitor_results row)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from monitors.core.metrics import compute_breach_direction

Status = Literal["ok", "alert", "skipped"]



@dataclass(frozen=True)
class Measurement:
    kind: str
    metric: str
    value: float | None
    threshold: float | None = None
    status: Status = "ok"
    column_name: str | None = None
    segment: str | None = None

    @property
    def is_alert(self) -> bool:
        return self.status == "alert"


def compute_breach(metric: str, value: float | None, threshold: float | None) -> bool:
    """Whether value breaks its bound, in the metric's bad direction (see core.metrics; drift
    scores break it at the bound, as Evidently decides)."""
    if value is None or threshold is None or math.isnan(value):
        return False
    direction = compute_breach_direction(metric)
    if direction == "below":
        return value < threshold
    if direction == "at_or_above":
        return value >= threshold
    return value > threshold


def compute_status(metric: str, value: float | None, threshold: float | None) -> Status:
    return "alert" if compute_breach(metric, value, threshold) else "ok"


RuleKey = tuple[str, str, str | None, str | None]  # kind, metric, column_name, segment


def compute_rule_key(row: Measurement) -> RuleKey:
    return row.kind, row.metric, row.column_name, row.segment


@dataclass(frozen=True)
class Lifecycle:
    """Where a window's broken rules stand in their alerts' lives (from the stored results)."""

    since: dict[RuleKey, tuple[datetime, int]] = field(default_factory=dict)  # opened, windows so far
    resolved: list[tuple[RuleKey, datetime, int]] = field(default_factory=list)  # ended with this window


def compute_window_status(rows: Iterable[Measurement]) -> str:
    """alert if any rule broke; skipped for an empty window; else ok."""
    rows = list(rows)
    if any(r.is_alert for r in rows):
        return "alert"
    counts = [r for r in rows if r.metric == "row_count"]
    if counts and not counts[0].value:
        return "skipped"
    return "ok"


def compute_number_text(value: float) -> str:
    """A number for people: 4 significant digits, large ones in full with thousands separators
    (68,570, not 6.857e+04), infinities as inf and -inf."""
    if math.isfinite(value) and abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def clean_value(value: object) -> float | None:
    """A float for the store; None for missing, NaN or infinite values."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
