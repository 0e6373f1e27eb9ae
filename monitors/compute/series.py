"""Series rules: a whole-window count judged against the same season of its own trailing history
(counted in the warehouse, so backfill order does not matter). The season comes from the window's
length (daily: day of week; hourly: hour of day or of week; shorter: hour of day) and, with
seasonality auto, from a test of the history: a one-way analysis of variance of the windows' log
counts grouped by season (F test, p < SEASON_P) whose season medians also differ by SEASON_RATIO
or more; hourly windows get the hour of week when, with a week of history, the day of week still
explains what the hour of day leaves (learning until four of the window's hour of week). The
expected range of a season is robust: the median of its earlier windows, minus and plus
`deviations` times the spread (1.4826 x MAD, never below min_spread of the median) combined with
the count's Poisson noise, computed twice, the second time without the windows outside the first
range (windows that would have alerted are not learned from, so an outage never becomes normal)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from monitors.core.measurement import Status, compute_status
from monitors.core.settings import compute_candidates

if TYPE_CHECKING:
    from monitors.core.settings import Seasonal, Volume

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEASON_P = 0.001  # the season explains the history: the F test's p-value below this
SEASON_RATIO = 1.2  # and its seasons' medians differ by at least this factor
MAD_SD = 1.4826  # MAD to a normal's standard deviation
TYPICAL_MADS, TYPICAL_LOG = 4.0, 0.3  # what the season test leaves out (see _typical)
WEEKLY_TEST_DAYS = 7  # hourly windows: the day of week is tested once the history spans this


def compute_season(seasonality: str, local: datetime) -> int:
    if seasonality == "day_of_week":
        return local.weekday()
    if seasonality == "hour_of_day":
        return local.hour
    return local.weekday() * 24 + local.hour


def compute_season_label(seasonality: str, index: int) -> str:
    """e.g. Wednesday, 14:00, Wednesday 14:00"""
    if seasonality == "day_of_week":
        return DAY_NAMES[index]
    if seasonality == "hour_of_day":
        return f"{index:02d}:00"
    return f"{DAY_NAMES[index // 24]} {index % 24:02d}:00"


@dataclass(frozen=True)
class Band:
    center: float
    lower: float
    upper: float
    learned: int  # the season's earlier windows it was learned from


def compute_band(values: np.ndarray, volume: Seasonal, counts: bool = True, rows: int = 0,
                 floor: float = 0.0) -> Band:
    """The expected range of a season from its earlier windows' values (see the module): counts
    with their Poisson noise; with `rows`, shares with the binomial noise of a window of that many;
    the spread never below `floor` (any value: a lower bound may be negative)."""
    kept = values
    band = Band(0.0, 0.0, 0.0, 0)
    for _ in range(2):
        center = float(np.median(kept))
        spread = max(MAD_SD * float(np.median(np.abs(kept - center))), volume.min_spread * abs(center), floor)
        noise = max(center, 0.0) if counts else \
            (min(max(center, 0.0), 1.0) * (1 - min(max(center, 0.0), 1.0)) / rows if rows else 0.0)
        width = volume.deviations * math.sqrt(spread ** 2 + noise)
        band = Band(center, max(center - width, 0.0) if counts else center - width, center + width, len(kept))
        inside = values[(values >= band.lower) & (values <= band.upper)]
        if len(inside) == len(kept) or not len(inside):
            break
        kept = inside
    return band


def _typical(logs: np.ndarray) -> np.ndarray:
    """A season's log counts without its outliers (an outage, a holiday): those further from the
    median than TYPICAL_MADS robust deviations (at least TYPICAL_LOG), which would hide a season."""
    center = np.median(logs)
    spread = max(TYPICAL_MADS * MAD_SD * float(np.median(np.abs(logs - center))), TYPICAL_LOG)
    return logs[np.abs(logs - center) <= spread]


def compute_season_test(values: np.ndarray, seasons: np.ndarray) -> bool:
    """Whether the seasons explain the values (log counts, each season's outliers left out): a
    one-way analysis of variance (the ratio of the variance between seasons to that within them)
    gives p < SEASON_P, and season medians SEASON_RATIO apart; False when fewer than two seasons
    have two windows each. Values not all positive (a metric that may be 0 or negative) are
    tested as they are, their season medians apart by SEASON_RATIO - 1 of their typical size."""
    from scipy.stats import f_oneway

    positive = bool(np.all(values > 0))
    logs = np.log(values) if positive else values / max(float(np.median(np.abs(values))), 1e-9)
    groups = [_typical(logs[seasons == s]) for s in np.unique(seasons)]
    groups = [g for g in groups if len(g) >= 2]
    if len(groups) < 2 or np.ptp(logs) == 0:
        return False
    medians = [float(np.median(g)) for g in groups]
    apart = math.log(SEASON_RATIO) if positive else SEASON_RATIO - 1
    return bool(f_oneway(*groups).pvalue < SEASON_P and max(medians) - min(medians) >= apart)


def compute_hour_of_week_test(values: np.ndarray, locals_: list[datetime]) -> bool:
    """Hourly windows with a week of history or more: does the day of week explain what remains
    of the log counts once each hour of day's median is taken out?"""
    hours = np.array([t.hour for t in locals_])
    positive = bool(np.all(values > 0))
    logs = np.log(values) if positive else values.astype(float)
    rest = logs.copy()
    for h in np.unique(hours):
        rest[hours == h] -= np.median(logs[hours == h])
    return compute_season_test(np.exp(rest) if positive else rest, np.array([t.weekday() for t in locals_]))


@dataclass(frozen=True)
class Verdict:
    """How a window's count was judged: its status and the bound it keeps; with a season, the
    expected range's top, the season (e.g. day_of_week=Wednesday) and its windows learned."""

    status: Status
    threshold: float | None
    upper: float | None = None
    season: str | None = None
    learned: int = 0
    needed: int = 0
    surge: bool = False  # above the expected range (judged with direction both)


def compute_plain_verdict(volume: Volume, value: float, history: list[int]) -> Verdict:
    """The plain rule: at least one row (empty_is_alert), at least min_share of the median of the
    trailing_windows before it that had rows."""
    earlier = [n for n in history[-volume.trailing_windows:] if n > 0]
    bound = float(np.median(earlier)) * volume.min_share if earlier else 0.0
    if volume.empty_is_alert:
        bound = max(bound, 1.0)
    threshold = round(bound, 6) or None
    status: Status = "skipped" if not value and not volume.empty_is_alert else \
        compute_status("row_count", value, threshold)
    return Verdict(status, threshold)


def compute_chosen_season(volume: Seasonal, history: Sequence[tuple[datetime, float]], local: datetime,
                          window_hours: float) -> tuple[str | None, bool]:
    """The season judged and whether it is still learning (auto: the first season the schedule
    can have, until the history holds season_windows of the window's own)."""
    if volume.seasonality != "auto":
        return (None, False) if volume.seasonality == "none" else (volume.seasonality, False)
    candidates = compute_candidates(window_hours)
    if not candidates:
        return None, False
    first = candidates[0]
    season = compute_season(first, local)
    if sum(compute_season(first, t) == season for t, _ in history) < volume.season_windows:
        return first, True
    values = np.array([n for _, n in history], dtype=float)
    times = [t for t, _ in history]
    if "hour_of_week" in candidates and (local - times[0]).days >= WEEKLY_TEST_DAYS \
            and compute_hour_of_week_test(values, times):
        week = compute_season("hour_of_week", local)
        learned = sum(compute_season("hour_of_week", t) == week for t in times)
        return "hour_of_week", learned < volume.season_windows
    seasons = np.array([compute_season(first, t) for t in times])
    return (first, False) if compute_season_test(values, seasons) else (None, False)


def compute_guard(volume: Volume, history: list[int]) -> float | None:
    """While learning: collapse_share of the history's median (windows with rows), less
    `deviations` times its Poisson noise (a night hour of 7 rows is not a collapse at 5)."""
    if not history:
        return None
    share = volume.collapse_share * float(np.median(history))
    return round(max(share - volume.deviations * math.sqrt(share), 0.0), 6) or None


def compute_count_verdict(volume: Volume, value: float, history: list[tuple[datetime, int]],
                          local: datetime | None, window_hours: float) -> Verdict:
    """A window's row count against its season (module docstring), or the plain rule: without a
    season, for an empty window, and while learning for a window the plain rule passes; while
    learning, a window it breaks is skipped unless below collapse_share of the history's median."""
    plain = compute_plain_verdict(volume, value, [n for _, n in history])
    if not value or local is None:
        return plain
    rows = [(t, n) for t, n in history if n > 0]  # empty windows alerted: never learned from
    chosen, learning = compute_chosen_season(volume, rows, local, window_hours)
    if chosen is None:
        return plain
    index = compute_season(chosen, local)
    same = np.array([n for t, n in rows if compute_season(chosen, t) == index], dtype=float)
    band = compute_band(same, volume) if len(same) else Band(0.0, 0.0, 0.0, 0)
    label = f"{chosen}={compute_season_label(chosen, index)}"
    needed = volume.season_windows
    if learning or len(same) < needed or band.learned < 2:
        if plain.status != "alert":
            return plain
        guard = compute_guard(volume, [n for _, n in rows])
        status: Status = "alert" if guard and value < guard else "skipped"
        return Verdict(status, guard, None, label, min(len(same), needed), needed)
    lower = round(max(band.lower, 1.0 if volume.empty_is_alert else 0.0), 6)
    return Verdict(compute_status("row_count", value, lower), lower or None, round(band.upper, 6), label,
                   band.learned, needed, surge=volume.direction == "both" and value > band.upper)


def compute_series_verdicts(volume: Volume, starts: list[datetime], counts: list[int],
                            window_hours: float) -> list[Verdict]:
    """Each window of a series judged against the windows before it (starts in the schedule's
    timezone, oldest first; the first ones with less history than the training period, as a new
    model's): what the benchmark and the tests replay."""
    size = volume.compute_training_windows(window_hours)
    verdicts = []
    for i, (start, n) in enumerate(zip(starts, counts, strict=True)):
        history = list(zip(starts[max(0, i - size):i], counts[max(0, i - size):i], strict=True))
        verdicts.append(compute_count_verdict(volume, float(n), history, start, window_hours))
    return verdicts


def compute_staleness_limit(volume: Volume, limit: float, season: str | None, local: datetime | None,
                            history: list[tuple[datetime, float]]) -> float:
    """Freshness by the same rules: max_staleness, or the top of the expected range of the hours
    between the newest prediction and the end of the season's earlier windows when that is higher
    (a night hour's newest prediction is older than a day hour's), once the season has
    season_windows of them; never lower than max_staleness."""
    if season is None or local is None:
        return limit
    chosen = season.partition("=")[0]
    index = compute_season(chosen, local)
    same = np.array([h for t, h in history if compute_season(chosen, t) == index], dtype=float)
    if len(same) < volume.season_windows:
        return limit
    return max(limit, round(compute_band(same, volume, counts=False).upper, 6))


def compute_coverage_bound(volume: Volume, minimum: float, history: list[tuple[datetime, int, int]],
                           local: datetime, window_hours: float, rows: int) -> tuple[float, str | None, int]:
    """Label coverage at maturity by the same rules: min_label_coverage, or, where the season's
    earlier mature windows (local start, rows, labelled rows) are usually (their median) less
    covered than that, the bottom of their expected range (with the binomial noise of a window of
    `rows`). Returns the bound, the season (None: the minimum stands) and its windows learned."""
    counted = [(t, n) for t, n, _ in history if n > 0]
    if not counted:
        return minimum, None, 0
    chosen, learning = compute_chosen_season(volume, counted, local, window_hours)
    if chosen is None or learning:
        return minimum, None, 0
    index = compute_season(chosen, local)
    same = np.array([k / n for t, n, k in history if n > 0 and compute_season(chosen, t) == index])
    if len(same) < volume.season_windows:
        return minimum, None, 0
    band = compute_band(same, volume, counts=False, rows=rows)
    if band.center >= minimum:  # a season usually covered keeps the minimum
        return minimum, None, 0
    bound = min(minimum, round(max(band.lower, 0.0), 6))
    return bound, f"{chosen}={compute_season_label(chosen, index)}", band.learned
