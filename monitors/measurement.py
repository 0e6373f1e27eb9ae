"""One measured value: the unit every stage returns and the store keeps (a monitor_results row)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "alert", "skipped"]

# metrics where a smaller value is the bad direction (alert when value < threshold)
LOWER_IS_WORSE = frozenset({
    "accuracy", "precision", "recall", "f1", "roc_auc", "r2", "label_coverage", "column_present",
})
# drift scores where reaching the bound is drift (as Evidently decides); others must exceed it
AT_OR_ABOVE = frozenset({"wasserstein", "jensenshannon", "psi", "ks", "drifted_share"})


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
    """Whether value breaks its bound, in the metric's bad direction."""
    if value is None or threshold is None or math.isnan(value):
        return False
    if metric in LOWER_IS_WORSE:
        return value < threshold
    if metric in AT_OR_ABOVE:
        return value >= threshold
    return value > threshold


def compute_status(metric: str, value: float | None, threshold: float | None) -> Status:
    return "alert" if compute_breach(metric, value, threshold) else "ok"


def clean_value(value: object) -> float | None:
    """A float for the store; None for missing, NaN or infinite values."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
