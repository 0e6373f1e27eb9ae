"""Text of the series rules: a season as people say it, the expected range of a rule its season
judged (row_count from volume, each `series:` rule), and how each was judged, for the window's
page (its range and the windows learned from, or what it is still learning)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, compute_number_text


def compute_season_phrase(season: str, plural: bool = False) -> str:
    """A stored season (day_of_week=Wednesday, hour_of_day=14:00, hour_of_week=Wednesday 14:00)
    as people say it: a Wednesday, 14:00, a Wednesday 14:00; plural: Wednesdays, 14:00 windows."""
    kind, _, label = season.partition("=")
    if plural:
        return f"{label}s" if kind == "day_of_week" else f"{label} windows"
    return label if kind == "hour_of_day" else f"a {label}"


def compute_expected_texts(rows: Iterable[Measurement]) -> dict[str, str]:
    """The expected ranges of the rules a season judged in a window's rows, by metric:
    {"row_count": "expected 2,015-3,784 for a Wednesday", "row_count_surge": ...,
    "custom.refunds": "expected 120-260 for a Saturday"}; a series without a season says the
    windows it was learned from: "expected 0.2-0.3 (from 28 earlier windows)"."""
    whole = {(r.kind, r.metric): r for r in rows if r.segment is None}
    texts: dict[str, str] = {}
    count, upper = whole.get((Kind.DATA_QUALITY, "row_count")), whole.get((Kind.EXPECTED, "row_count_upper"))
    season = whole.get((Kind.EXPECTED, "row_count_season"))
    if count is not None and upper is not None and season is not None and season.column_name is not None \
            and count.threshold is not None and upper.value is not None:
        text = (f"expected {math.ceil(count.threshold):,}-{math.floor(upper.value):,} for "
                f"{compute_season_phrase(season.column_name)}")
        texts.update(row_count=text, row_count_surge=text)
    for kind, name in list(whole):
        low, high = whole.get((Kind.EXPECTED, f"{name}_lower")), whole.get((Kind.EXPECTED, f"{name}_upper"))
        season = whole.get((Kind.EXPECTED, f"{name}_season"))
        if kind != Kind.SERIES or low is None or high is None or season is None \
                or low.value is None or high.value is None:
            continue
        label = season.column_name
        where = f"for {compute_season_phrase(label)}" if label not in (None, "none") \
            else f"(from {int(season.value or 0)} earlier windows)"
        texts[name] = f"expected {compute_number_text(low.value)}-{compute_number_text(high.value)} {where}"
    return texts


def compute_series_note(rows: Iterable[Measurement]) -> str | None:
    """How row_count was judged, for the window's page: its expected range and the windows it was
    learned from, or `learning: 2 of 4 Saturdays`; None for the plain rule."""
    rows = list(rows)
    season = next((r for r in rows if r.metric == "row_count_season" and r.segment is None), None)
    if season is None or season.column_name is None:
        return None
    learned = f"{int(season.value or 0)} of {int(season.threshold or 0)} " \
              f"{compute_season_phrase(season.column_name, plural=True)}"
    if season.status == "skipped":
        return (f"row_count: learning: {learned} (meanwhile it alerts only when empty or below a "
                f"collapse guard)")
    expected = compute_expected_texts(rows).get("row_count")
    plural = compute_season_phrase(season.column_name, plural=True)
    if expected is None:
        return None
    return f"row_count: {expected} (learned from {int(season.value or 0)} earlier {plural})"


def compute_series_notes(rows: Iterable[Measurement]) -> list[str]:
    """How each series rule was judged, for the window's page: row_count's (compute_series_note),
    then each `series:` rule's: `custom refunds: expected 120-260 for a Saturday (learned from 4
    earlier Saturdays)`, `custom refunds: learning: 2 of 4 Saturdays`, or not measured."""
    rows = list(rows)
    notes = [n for n in [compute_series_note(rows)] if n]
    expected = compute_expected_texts(rows)
    seasons = {r.metric.removesuffix("_season"): r for r in rows
               if r.kind == Kind.EXPECTED and r.segment is None and r.metric.endswith("_season")}
    for row in rows:
        if row.kind != Kind.SERIES or row.segment is not None:
            continue
        subject = row.metric.replace(".", " ", 1)
        season = seasons.get(row.metric)
        if season is None:
            notes.append(f"{subject}: not judged (no value this window)")
            continue
        label = season.column_name or "none"
        plural = "windows" if label == "none" else compute_season_phrase(label, plural=True)
        learned = f"{int(season.value or 0)} of {int(season.threshold or 0)} {plural}"
        if season.status == "skipped":
            notes.append(f"{subject}: learning: {learned}")
        elif row.metric in expected:
            notes.append(f"{subject}: {expected[row.metric]}" + (
                f" (learned from {int(season.value or 0)} earlier {plural})" if label != "none" else ""))
    return notes
