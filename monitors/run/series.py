"""The `series:` rules of a window (compute.series_rules), their history read from the store.

Why the store and not the warehouse: a series may be any stored whole-window metric (a drift
share, a realized or estimated performance metric, a custom metric), and most of them cannot be
recounted for 28 earlier windows without measuring those windows again; the store holds each
one's value as it was judged, in one small file (the trend file), read once per window.

What a window sees: the stored values of the windows of its training period before it (not
after it, whatever else is stored), whole window, not skipped. The verdict is a function of
those values only (not of their statuses: the outlier windows are left out by the range itself),
so a rerun gives the same rows as long as the earlier windows are unchanged, and a backfill run
in order (Airflow's runs of a DAG, `monitors run` over a range) judges each window as a daily run
would have. A window run before its predecessors are stored sees fewer of them (learning, or a
range from fewer windows): running the range again in order settles it."""

from __future__ import annotations

import logging
import math
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from monitors.compute.series_rules import History, compute_series_rows
from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.window import Window, compute_trailing_windows, compute_zone
from monitors.storage import results

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


def series_history(trend: pd.DataFrame, kind: str, metric: str, starts: list) -> History:
    """The stored values of (kind, metric), whole window and not skipped, at each of `starts`
    (naive UTC, as the store keeps them), keyed by the start."""
    if trend.empty:
        return []
    found = trend[(trend["kind"] == kind) & (trend["metric"] == metric) & trend["segment"].isna()
                  & trend["column_name"].isna() & (trend["status"] != "skipped")]
    values = {row.window_start.to_pydatetime(): row.value for row in found.itertuples()}
    return [(s, v) for s in starts if (v := values.get(s)) is not None and math.isfinite(v)]


def load_series_rows(config: ModelConfig, window: Window, rows: list[Measurement]) -> list[Measurement]:
    """The window's series rows (load_judged_series); if reading the store fails, each rule
    skipped (an optional part never loses the window)."""
    try:
        return load_judged_series(config, window, rows)
    except Exception as exc:
        log.warning("model %s, window %s: series rules skipped (the store's history could not be read): %s",
                    config.model, window, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return [Measurement("series", r.name, None, None, "skipped") for r in config.series_rules]


def load_judged_series(config: ModelConfig, window: Window, rows: list[Measurement]) -> list[Measurement]:
    """Each `series:` rule's rows for the window (none without series), the window's value from
    `rows` (the metric's whole-window row as just measured)."""
    rules = config.series_rules
    if not rules:
        return []
    zone = compute_zone(config.timezone)
    hours = (window.end - window.start).total_seconds() / 3600
    trend = results.load_trend(config.store_path, config.model)
    out: list[Measurement] = []
    for rule in rules:
        earlier = compute_trailing_windows(config.schedule, window, rule.compute_training_windows(hours),
                                           config.timezone)
        starts = [w.start.replace(tzinfo=None) for w in earlier]
        local = {w.start.replace(tzinfo=None): w.start.astimezone(zone) for w in earlier}
        stored = series_history(trend, rule.kind or "", rule.metric, starts)
        history: History = [(local[s], v) for s, v in stored]
        row = next((r for r in rows if r.kind == rule.kind and r.metric == rule.metric and r.segment is None
                    and r.column_name is None), None)
        value = row.value if row is not None and row.status != "skipped" else None
        out += compute_series_rows(rule, value, history, window.start.astimezone(zone), hours)
    return out


def write_refreshed_series(config: ModelConfig, window: Window, kinds: AbstractSet[str], run_id: str) -> None:
    """After a late-label refresh swapped a stored window's rows of `kinds`: the series rules of
    those kinds judged again on them (their series and expected rows swapped, the others kept)."""
    if not any(rule.kind in kinds for rule in config.series_rules):
        return
    stored = results.load_window_rows(config.store_path, config.model, window)
    names = tuple(f"{rule.name}_" for rule in config.series_rules)
    kept = [r for r in stored if r.kind == "expected" and not r.metric.startswith(names)]
    fresh = load_series_rows(config, window, stored)
    results.replace_rows(config.store_path, config.model, window, {"series", "expected"}, [*kept, *fresh],
                         run_id)
