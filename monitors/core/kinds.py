"""The kinds of a monitor_results row (its `kind` column), one set for every layer: a StrEnum, so
a kind is its text in the store, the views and the pages."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    SCHEMA = "schema"
    DATA_QUALITY = "data_quality"
    CUSTOM = "custom"  # custom metrics (SQL aggregates in the warehouse)
    BASELINE_CUSTOM = "baseline_custom"  # a custom metric's value on the baseline
    CUSTOM_PREVIOUS = "custom_previous"  # a custom metric against the previous window's value
    DRIFT = "drift"
    DRIFT_PREVIOUS = "drift_previous"  # drift against the previous window (drift.compare)
    PERFORMANCE = "performance"
    BASELINE_PERFORMANCE = "baseline_performance"  # a metric's value on the baseline
    ESTIMATED_PERFORMANCE = "estimated_performance"  # without labels: CBPE, DLE
    TRACING = "tracing"  # the slices that explain a performance drop
    SERIES = "series"  # a stored metric judged against its season (series:)
    EXPECTED = "expected"  # never judged: an expected range's top, the season learned from


# what a comparison was measured against (the `reference` column); other kinds store null
REFERENCES: dict[str, str] = {Kind.DRIFT: "baseline", Kind.DRIFT_PREVIOUS: "previous_window",
                              Kind.CUSTOM_PREVIOUS: "previous_window"}


def reference_of(kind: str) -> str | None:
    """The `reference` column of a row of this kind: baseline, previous_window or None."""
    return REFERENCES.get(kind)


# the parts of a window, each judged by its own Airflow task, and the kinds of the rules in it
PARTS: dict[str, tuple[Kind, ...]] = {
    "checks": (Kind.SCHEMA, Kind.DATA_QUALITY, Kind.CUSTOM, Kind.CUSTOM_PREVIOUS, Kind.SERIES),
    "drift": (Kind.DRIFT, Kind.DRIFT_PREVIOUS),
    "performance": (Kind.PERFORMANCE, Kind.ESTIMATED_PERFORMANCE)}
# what labels change: the kinds a late-label refresh replaces in a stored window
LABELLED: frozenset[Kind] = frozenset({*PARTS["performance"], Kind.BASELINE_PERFORMANCE, Kind.TRACING})
# refreshed too when a custom metric reads the label
LABELLED_CUSTOM: frozenset[Kind] = frozenset({Kind.CUSTOM, Kind.BASELINE_CUSTOM, Kind.CUSTOM_PREVIOUS})
