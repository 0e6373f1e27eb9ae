"""The `series:` rules: a stored whole-window metric judged against the same season of its own
history, as volume is (compute.series: the season from the schedule and the data, the expected
range median +- deviations x robust spread, windows outside the first range left out of the
second, so an outage is never learned as normal). The history is what the store holds for the
windows before this one (run.series); here it is plain (local start, value) pairs. Pure.

Rows: kind series, metric <kind>.<metric> (e.g. custom.refunds), value the metric's, threshold
the bound it broke or else the nearer one; beside it, kind expected: <name>_lower and
<name>_upper (the range) and <name>_season (value: its earlier windows learned from, threshold:
how many it needs, column: the season, e.g. day_of_week=Saturday, or none; skipped while
learning)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from monitors.compute.series import compute_band, compute_chosen_season, compute_season, compute_season_label
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, Status
from monitors.core.series import SeriesRule

History = list[tuple[datetime, float | None]]  # earlier windows: local start, value


@dataclass(frozen=True)
class SeriesVerdict:
    status: Status
    threshold: float | None
    lower: float | None = None
    upper: float | None = None
    season: str | None = None  # e.g. day_of_week=Saturday; None: the whole history is one season
    learned: int = 0
    needed: int = 0


def compute_series_verdict(rule: SeriesRule, value: float | None, history: History,
                           local: datetime, window_hours: float) -> SeriesVerdict:
    """The window's value against its season's expected range; skipped without a value, and
    while the season (or, without one, the history) has fewer than season_windows windows."""
    needed = rule.season_windows
    if value is None or not math.isfinite(value):
        return SeriesVerdict("skipped", None, needed=needed)
    known: list[tuple[datetime, float]] = [(t, v) for t, v in history if v is not None and math.isfinite(v)]
    chosen, learning = compute_chosen_season(rule, known, local, window_hours)
    index = compute_season(chosen, local) if chosen else 0
    same = np.array([v for t, v in known if chosen is None or compute_season(chosen, t) == index])
    label = f"{chosen}={compute_season_label(chosen, index)}" if chosen else None
    if learning or len(same) < needed:
        return SeriesVerdict("skipped", None, season=label, learned=min(len(same), needed), needed=needed)
    band = compute_band(same, rule, counts=False, floor=rule.spread_floor)
    lower, upper = round(band.lower, 9), round(band.upper, 9)
    low = rule.direction in ("down", "both") and value < lower
    high = rule.direction in ("up", "both") and value > upper
    if low or high:
        threshold = lower if low else upper
    else:
        bounds = [b for b, d in ((lower, "down"), (upper, "up")) if rule.direction in (d, "both")]
        threshold = min(bounds, key=lambda b: abs(value - b))
    status: Status = "alert" if low or high else "ok"
    return SeriesVerdict(status, threshold, lower, upper, label, band.learned, needed)


def compute_series_rows(rule: SeriesRule, value: float | None, history: History,
                        local: datetime, window_hours: float) -> list[Measurement]:
    """The rule's rows for a window (module docstring)."""
    verdict = compute_series_verdict(rule, value, history, local, window_hours)
    rows = [Measurement(Kind.SERIES, rule.name, value, verdict.threshold, verdict.status)]
    if verdict.lower is not None and verdict.upper is not None:
        rows += [Measurement(Kind.EXPECTED, f"{rule.name}_lower", verdict.lower),
                 Measurement(Kind.EXPECTED, f"{rule.name}_upper", verdict.upper)]
    if verdict.needed and value is not None:
        learned, needed = float(verdict.learned), float(verdict.needed)
        rows.append(Measurement(Kind.EXPECTED, f"{rule.name}_season", learned, needed,
                                "skipped" if verdict.status == "skipped" else "ok", verdict.season or "none"))
    return rows


def compute_series_replay(rule: SeriesRule, starts: list[datetime], values: list[float | None],
                          window_hours: float) -> list[SeriesVerdict]:
    """Each window of a series judged against the windows before it in the training period
    (starts local, oldest first), as the store gives them to windows run in order: what the
    benchmark and the tests replay."""
    size = rule.compute_training_windows(window_hours)
    verdicts = []
    for i, (start, value) in enumerate(zip(starts, values, strict=True)):
        history = list(zip(starts[max(0, i - size):i], values[max(0, i - size):i], strict=True))
        verdicts.append(compute_series_verdict(rule, value, history, start, window_hours))
    return verdicts
