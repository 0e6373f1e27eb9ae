"""Data-quality measurements of our own, beside the GX suite, from the window's slot counts and the
baseline profile: row count, missing share, share of categories the baseline never had, share of
numbers outside the baseline's range, and non-finite scores."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from monitors.compute.series import compute_count_verdict, compute_staleness_limit
from monitors.config import ModelConfig
from monitors.core.counts import MISSING, NON_FINITE, OVER, UNDER, Counts, VolumeFacts
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, compute_status
from monitors.core.profile import Profile
from monitors.core.window import Window, compute_zone

MISSING_TOLERANCE = 0.1  # alert when the missing share rises this much above the baseline's
NEW_CATEGORY_TOLERANCE = 0.01
OUT_OF_RANGE_TOLERANCE = 0.01


def _missing(profile: Profile, slots: np.ndarray, column: str) -> int:
    if profile.shapes[column].numerical:
        return int(slots[MISSING] + slots[NON_FINITE])
    return int(slots[-1])


def compute_volume_rows(config: ModelConfig, window: Window | None, rows_n: int,
                        facts: VolumeFacts | None) -> list[Measurement]:
    """row_count against its season's expected range or the plain rule (compute.series); with a
    season, the range's top and the season (kind expected) and, with direction both, the surge
    rule; with volume.max_staleness, the hours from the newest prediction to the window's end,
    against max_staleness or its season's expected top when higher (compute.series)."""
    volume = config.volume
    history, local, hours = compute_history(config, window, facts)
    verdict = compute_count_verdict(volume, float(rows_n), history, local, hours)
    rows = [Measurement(Kind.DATA_QUALITY, "row_count", float(rows_n), verdict.threshold, verdict.status)]
    if verdict.season is not None:
        judged = verdict.upper is not None
        if judged and volume.direction == "both":
            rows.append(Measurement(Kind.DATA_QUALITY, "row_count_surge", float(rows_n), verdict.upper,
                                    "alert" if verdict.surge else "ok"))
        if judged:
            rows.append(Measurement(Kind.EXPECTED, "row_count_upper", verdict.upper))
        rows.append(Measurement(Kind.EXPECTED, "row_count_season", float(verdict.learned),
                                float(verdict.needed), "ok" if judged else "skipped", verdict.season))
    if volume.max_staleness is not None and facts is not None and facts.newest is not None \
            and window is not None:
        stale = (window.end - facts.newest).total_seconds() / 3600
        limit = compute_staleness_limit(volume, volume.max_staleness.total_seconds() / 3600, verdict.season,
                                        local, compute_staleness_history(config, window, facts))
        rows.append(Measurement(Kind.DATA_QUALITY, "hours_since_last_prediction", round(stale, 6), limit,
                                compute_status("hours_since_last_prediction", stale, limit)))
    return rows


def compute_staleness_history(config: ModelConfig, window: Window, facts: VolumeFacts
                              ) -> list[tuple[datetime, float]]:
    """Each earlier window with rows: its local start and the hours from its newest prediction to
    its end (the next window's start)."""
    if not facts.starts or len(facts.newest_each) != len(facts.starts):
        return []
    zone = compute_zone(config.timezone)
    ends = [*facts.starts[1:], window.start]
    return [(s.astimezone(zone), (e - n).total_seconds() / 3600)
            for s, e, n in zip(facts.starts, ends, facts.newest_each, strict=True) if n is not None]


def compute_history(config: ModelConfig, window: Window | None, facts: VolumeFacts | None
                    ) -> tuple[list[tuple[datetime, int]], datetime | None, float]:
    """The earlier windows' (local start, rows), the window's local start and its hours; without
    the earlier windows' starts (or a window), their rows alone under a placeholder time."""
    trailing = facts.trailing if facts else []
    if window is None or facts is None or len(facts.starts) != len(trailing):
        return [(datetime.min, n) for n in trailing], None, 24.0
    zone = compute_zone(config.timezone)
    return ([(s.astimezone(zone), n) for s, n in zip(facts.starts, trailing, strict=True)],
            window.start.astimezone(zone), (window.end - window.start).total_seconds() / 3600)


def compute_quality_measurements(config: ModelConfig, counts: Counts, profile: Profile,
                                 missing_columns: list[str], window: Window | None = None,
                                 facts: VolumeFacts | None = None) -> list[Measurement]:
    p = config.predictions
    rows_n = counts.rows.get(None, 0)
    rows = compute_volume_rows(config, window, rows_n, facts)
    rows += [Measurement(Kind.SCHEMA, "column_present", 0.0, 1.0, "alert", c) for c in missing_columns]
    if not rows_n:
        return rows
    base_n = max(profile.rows.get(None, 0), 1)
    for column in p.features.all:
        current, baseline = profile.compute_slots(counts, (None, column)), profile.slots.get((None, column))
        if current is None or baseline is None:
            continue
        share = _missing(profile, current, column) / rows_n
        bound = min(1.0, _missing(profile, baseline, column) / base_n + MISSING_TOLERANCE)
        rows.append(Measurement(Kind.DATA_QUALITY, "missing_share", share, bound,
                                "alert" if share > bound else "ok", column))
        present = int(current.sum()) - _missing(profile, current, column)
        if profile.shapes[column].numerical:
            metric, tolerance = "out_of_range_share", OUT_OF_RANGE_TOLERANCE
            outside = int(current[UNDER] + current[OVER])
        else:
            metric, tolerance = "new_category_share", NEW_CATEGORY_TOLERANCE
            outside = int(current[-2])
        value = outside / present if present else 0.0
        rows.append(Measurement(Kind.DATA_QUALITY, metric, value, tolerance,
                                "alert" if value > tolerance else "ok", column))
    for output in p.outputs:  # the score, each class's probability
        scores = profile.compute_slots(counts, (None, output))
        if scores is not None and output in profile.shapes and profile.shapes[output].numerical:
            bad = _missing(profile, scores, output) / rows_n
            rows.append(Measurement(Kind.DATA_QUALITY, "non_finite_share", bad, 0.0,
                                    "alert" if bad > 0 else "ok", output))
    return rows
