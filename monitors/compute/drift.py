"""Per-column drift and dataset drift against the baseline profile, from the window's slot counts.

Every column gets every score (numerical: wasserstein, ks, psi, jensenshannon; categorical:
jensenshannon, psi); one of them is judged (drift.numerical_metric, drift.categorical_metric).
Its bound is calibrated to the window's size: the quantile of the score's null distribution
(windows of that size drawn from the baseline itself) at 1 - false_alert_rate / family, where the
family is every judged (segment, column) of the window, so a window without drift breaks a drift
rule with probability at most false_alert_rate. The bound never falls below the effect-size
floor (numerical_threshold, categorical_threshold; by default the judged score's floor in the
metric registry): a huge window does not alert on a negligible difference. A segment smaller
than min_segment_rows is measured, not judged.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from monitors.compute.combined import compute_combined_rows
from monitors.compute.scores import (
    compute_null_moments,
    compute_null_quantile,
    compute_scores,
    compute_value_slots,
)
from monitors.core.counts import Counts, Key
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, clean_value, compute_status
from monitors.core.profile import Calibration, Profile
from monitors.core.settings import Drift

MIN_ROWS = 2
SIZE_STEPS = 4  # calibration sizes 2^(k/4): the largest at or below the window's size


@dataclass(frozen=True)
class ColumnDrift:
    segment: str | None
    column: str
    scores: dict[str, float]
    judged: str
    rows: int
    small: bool  # a segment below min_segment_rows: measured, not judged
    threshold: float | None = None


def compute_calibration_size(n: int) -> int:
    return max(1, math.floor(2 ** (math.floor(SIZE_STEPS * math.log2(n)) / SIZE_STEPS) + 1e-9))


def _seed(*parts: object) -> int:
    """From the baseline's counts and the size: the same bounds on every engine and rerun."""
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "little")


def compute_column_drifts(profile: Profile, counts: Counts, keys: list[Key], settings: Drift,
                          min_segment_rows: int) -> list[ColumnDrift]:
    """Scores of each (segment, column) the window and the baseline both have values for."""
    out = []
    for key in keys:
        segment, column = key
        shape = profile.shapes.get(column)
        reference, current = profile.slots.get(key), profile.compute_slots(counts, key)
        if shape is None or reference is None or current is None:
            continue
        ref, cur = compute_value_slots(shape, reference), compute_value_slots(shape, current)
        n, m = int(cur.sum()), int(ref.sum())
        judged = settings.numerical_metric if shape.numerical else settings.categorical_metric
        if n < MIN_ROWS or m < MIN_ROWS:
            out.append(ColumnDrift(segment, column, {}, judged, n, True))
            continue
        outside = None
        if shape.numerical:
            under, over = counts.outside_sums.get(key, (0.0, 0.0))
            outside = (under / cur[0] if cur[0] else 0.0, over / cur[-1] if cur[-1] else 0.0)
        scores = {k: float(v) for k, v in compute_scores(shape, ref, cur, outside).items()}
        small = segment is not None and (counts.rows.get(segment, 0) < min_segment_rows
                                         or profile.rows.get(segment, 0) < min_segment_rows)
        out.append(ColumnDrift(segment, column, scores, judged, n, small))
    return out


def compute_thresholds(profile: Profile, drifts: list[ColumnDrift], settings: Drift
                       ) -> tuple[list[ColumnDrift], Calibration]:
    """Each judged score's calibrated bound, and the null moments computed for window sizes the
    profile had none for (the caller keeps them: Profile.with_calibration)."""
    def is_judged(d: ColumnDrift) -> bool:
        return bool(d.scores) and not d.small

    level = 1 - settings.false_alert_rate / max(sum(map(is_judged, drifts)), 1)
    added: Calibration = {}
    out = []
    for d in drifts:
        if not is_judged(d):
            out.append(d)
            continue
        shape = profile.shapes[d.column]
        floor = settings.compute_floor(shape.numerical)
        size = compute_calibration_size(d.rows)
        key = (d.segment, d.column, d.judged, size)
        moments = profile.null.get(key) or added.get(key)
        if moments is None:
            reference = compute_value_slots(shape, profile.slots[(d.segment, d.column)])
            for metric, found in compute_null_moments(
                    shape, reference, size, _seed(reference.tobytes(), size)).items():
                added[(d.segment, d.column, metric, size)] = found
            moments = added[key]
        bound = max(floor, compute_null_quantile(*moments, level))
        out.append(ColumnDrift(d.segment, d.column, d.scores, d.judged, d.rows, d.small,
                               round(bound, 12)))
    return out, added


def compute_drift_measurements(drifts: list[ColumnDrift], settings: Drift, outputs: list[str],
                               segments: list[str | None], kind: Kind = Kind.DRIFT) -> list[Measurement]:
    """Rows for the store: every score of every column (the judged one with its bound), and per
    segment the share of drifted features (the model's outputs, `outputs`, are not features)."""
    rows = []
    for d in drifts:
        if not d.scores:
            rows.append(Measurement(kind, d.judged, None, None, "skipped", d.column, d.segment))
            continue
        for metric, value in d.scores.items():
            if metric != d.judged:
                rows.append(Measurement(kind, metric, clean_value(value), None, "ok", d.column,
                                        d.segment))
                continue
            status = "skipped" if d.small else compute_status(metric, value, d.threshold)
            rows.append(Measurement(kind, metric, clean_value(value), d.threshold, status,
                                    d.column, d.segment))
    for segment in segments:
        features = [d for d in drifts if d.segment == segment and d.column not in outputs
                    and d.threshold is not None]
        bound = settings.max_drifted_share
        if not features:
            rows.append(Measurement(kind, "drifted_share", None, bound, "skipped", None, segment))
            continue
        share = float(np.mean([d.scores[d.judged] >= (d.threshold or 0.0) for d in features]))
        rows.append(Measurement(kind, "drifted_share", share, bound,
                                compute_status("drifted_share", share, bound), None, segment))
    return rows


def compute_drift_rows(settings: Drift, window_counts: Counts, baseline: Profile, outputs: list[str],
                       min_segment_rows: int, kind: Kind = Kind.DRIFT
                       ) -> tuple[list[Measurement], Calibration]:
    """Drift of every column, whole and per segment value, with calibrated bounds; and the null
    moments computed for a window size the profile had none for (see compute_thresholds).
    `outputs`: the model's output columns (not features); `min_segment_rows`: the config's. The
    null draws both sides again (compute_null_moments), so against another window's profile
    (kind drift_previous, without the combined test) the bound is calibrated for two samples."""
    if not window_counts.rows.get(None):
        return [Measurement(kind, "drifted_share", None, settings.max_drifted_share, "skipped")], {}
    columns = list(baseline.shapes)
    segments = sorted({s for s in [*baseline.rows, *window_counts.rows] if s is not None})
    keys: list[Key] = [(None, c) for c in columns]
    keys += [(s, c) for s in segments for c in columns if c != s.split("=", 1)[0]]
    drifts = compute_column_drifts(baseline, window_counts, keys, settings, min_segment_rows)
    drifts, added = compute_thresholds(baseline, drifts, settings)
    rows = compute_drift_measurements(drifts, settings, outputs, [None, *segments], kind)
    if kind != Kind.DRIFT:
        return rows, added
    judged = [(d.column, d.scores[d.judged], d.threshold) for d in drifts
              if d.segment is None and d.threshold is not None and d.column not in outputs]
    return [*rows, *compute_combined_rows(baseline, window_counts, judged, settings)], added


def compute_window_profile(baseline: Profile, counts: Counts) -> Profile:
    """A window's counts as the reference of another window's drift: the baseline's bins and
    category values, the window's slots and rows (no calibration yet)."""
    slots = {}
    for key in {*counts.slots, *counts.categories}:
        found = baseline.compute_slots(counts, key)
        if found is not None:
            slots[key] = found
    return Profile(f"{baseline.key}:window", baseline.shapes, baseline.values, slots, dict(counts.rows))


def compute_previous_drift_rows(settings: Drift, window_counts: Counts, previous: Counts, baseline: Profile,
                                outputs: list[str], min_segment_rows: int) -> list[Measurement]:
    """Drift against the window before (kind drift_previous): skipped where it had no rows. Its
    calibration is of a throwaway profile, so it is not kept."""
    if not previous.rows.get(None):
        return [Measurement(Kind.DRIFT_PREVIOUS, "drifted_share", None, settings.max_drifted_share,
                            "skipped")]
    rows, _ = compute_drift_rows(settings, window_counts, compute_window_profile(baseline, previous), outputs,
                                 min_segment_rows, Kind.DRIFT_PREVIOUS)
    return rows
