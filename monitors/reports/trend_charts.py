"""The model page's trend charts that read the trend index (kind, metric, column -> window ->
value, bound, status): the series drawn from it, drift per score against the baseline and the
previous window, and a chart per custom metric."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from monitors.core.kinds import Kind
from monitors.core.metrics import METRICS, compute_chart_metrics
from monitors.reports import charts

DRIFT_CHARTS: list[tuple[str, str]] = [(Kind.DRIFT, "Drift per feature: {}"),
                                       (Kind.DRIFT_PREVIOUS, "Drift vs previous window: {}")]


Key = tuple[str, str, str | None]


def compute_trend_index(trend: pd.DataFrame) -> dict[Key, dict[int, tuple[float, float, str]]]:
    """(kind, metric, column) -> window (ns) -> (value, threshold, status), in one pass."""
    index: dict[Key, dict[int, tuple[float, float, str]]] = {}
    trend = trend[trend["segment"].isna()]  # charts show the whole window's values
    starts = trend["window_start"].astype("int64").to_numpy()
    columns = trend["column_name"].where(trend["column_name"].notna(), None)
    for kind, metric, column, start, value, threshold, status in zip(
            trend["kind"], trend["metric"], columns, starts, trend["value"], trend["threshold"],
            trend["status"], strict=True):
        index.setdefault((kind, metric, column), {}).setdefault(int(start), (value, threshold, status))
    return index


def line_series(index: dict[Key, dict[int, tuple[float, float, str]]], windows: list[int], key: Key,
                name: str, field: int = 0, dashed: bool = False, color: str | None = None) -> charts.Series:
    found = index.get(key, {})
    values = []
    for w in windows:
        item = found.get(w)
        values.append(None if item is None or pd.isna(item[field]) else float(item[field]))
    alerts = [] if dashed else [w in found and found[w][2] == "alert" for w in windows]
    judged = [] if dashed else [w not in found or found[w][2] in ("ok", "alert") for w in windows]
    return charts.Series(name, values, alerts, dashed, color, judged)


def lowest_bound(index: dict[Key, dict[int, tuple[float, float, str]]], windows: list[int],
                 method: str, columns: list[str], kind: str = Kind.DRIFT) -> charts.Series:
    """Bounds are calibrated per column and window size; the chart draws the lowest of them."""
    values: list[float | None] = []
    for w in windows:
        found = [index[(kind, method, c)][w][1] for c in columns if w in index[(kind, method, c)]]
        bounds = [float(b) for b in found if not pd.isna(b)]
        values.append(min(bounds) if bounds else None)
    return charts.Series("lowest bound", values, [], True, charts.ALERT)


def compute_drift_charts(index: dict[Key, dict[int, tuple[float, float, str]]], windows: list[int],
                         labels: list[str], alert_windows: list[bool]) -> list[str]:
    """Per drift score, a chart of the columns judged on it (they have a bound) against the
    baseline, and beside it their drift against the previous window (drift.compare)."""
    out = []
    for method in compute_chart_metrics("drift"):
        for kind, title in DRIFT_CHARTS:
            columns = sorted(str(c) for (k, m, c), found in index.items() if k == kind and m == method
                             and c is not None and any(not pd.isna(v[1]) for v in found.values()))
            if not columns:
                continue
            series = [line_series(index, windows, (kind, method, c), c) for c in columns]
            out.append(charts.compute_line_chart(
                title.format(method), labels, [*series, lowest_bound(index, windows, method, columns, kind)],
                alert_windows, METRICS[method].axis_title))
    return out


def compute_custom_charts(index: dict[Key, dict[int, tuple[float, float, str]]], windows: list[int],
                          labels: list[str], alert_windows: list[bool]) -> list[str]:
    """A chart per custom metric: its value, the baseline's, and the bound it broke or came
    nearest to (the upper or the lower one, window by window)."""
    names = sorted({m for (k, m, c) in index if k == Kind.CUSTOM and c is None})
    out = []
    for m in names:
        value = line_series(index, windows, (Kind.CUSTOM, m, None), m)
        series = [line_series(index, windows, (Kind.BASELINE_CUSTOM, m, None), "baseline", 0, True, "#555"),
                  line_series(index, windows, (Kind.CUSTOM, m, None), "bound (broken or nearest)", 1, True,
                          charts.ALERT)]
        previous: Key = (Kind.CUSTOM_PREVIOUS, m, None)
        if previous in index:  # max_change_previous: its bound; its alerts marked on the value
            against = line_series(index, windows, previous, "")
            value = replace(value, alerts=[a or b for a, b in zip(value.alerts, against.alerts, strict=True)])
            series.append(line_series(index, windows, previous, "bound vs previous window", 1, True,
                                      "#ff7f0e"))
        out.append(charts.compute_line_chart(f"Custom metric: {m}", labels, [value, *series], alert_windows,
                                             m))
    return out
