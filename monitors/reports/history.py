"""The model page's whole history, downsampled (storage.trends' daily digest): per period (a day,
a week or a month, whichever keeps at most MAX_PERIODS points) the windows in alert and, per
series, its lowest and highest value; and a link per month to the month's page (its windows,
each linked to its own page). The page's size stays bounded whatever the history."""

from __future__ import annotations

from typing import Any

import pandas as pd

from monitors.core.metrics import METRICS
from monitors.reports import charts

MAX_PERIODS = 200
SERIES = [("data_quality", "row_count", "Rows per window"),
          ("drift", "drifted_share", "Share of drifted features"),
          ("drift_previous", "drifted_share", "Share of drifted features vs previous window"),
          ("performance", "roc_auc", "Performance: roc_auc"), ("performance", "f1", "Performance: f1"),
          ("performance", "accuracy", "Performance: accuracy"), ("performance", "rmse", "Performance: rmse"),
          ("performance", "mae", "Performance: mae"), ("performance", "label_coverage", "Label coverage")]


def compute_period(digest: pd.DataFrame) -> tuple[str, str]:
    """The coarsest needed of day, week and month: (pandas frequency, its name)."""
    days = digest["day"].nunique()
    if days <= MAX_PERIODS:
        return "D", "day"
    if days / 7 <= MAX_PERIODS:
        return "W-MON", "week"
    return "MS", "month"


def compute_periods(digest: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The digest summed up per period: windows, alerts, lowest and highest value."""
    frequency, name = compute_period(digest)
    start = pd.to_datetime(digest["day"])
    period = start.dt.to_period(frequency[0] if frequency != "W-MON" else "W").dt.start_time
    grouped = digest.assign(period=period, column_name=digest["column_name"].fillna("")).groupby(
        ["period", "kind", "metric", "column_name"], sort=True)
    return grouped.agg(windows=("windows", "sum"), alerts=("alerts", "sum"), min_value=("min_value", "min"),
                       max_value=("max_value", "max")).reset_index(), name


def compute_history_charts(digest: pd.DataFrame, windows_kind: str) -> tuple[list[str], str]:
    """Charts of the whole history per period, and the period's name."""
    if digest.empty:
        return [], "day"
    periods, name = compute_periods(digest)
    status = periods[periods["kind"] == windows_kind].set_index("period")
    index = list(status.index)
    labels = [f"{p:%Y-%m-%d}" for p in index]
    alert_periods = [bool(a) for a in status["alerts"]]
    in_alert = [float(a) for a in status["alerts"]]
    counted = [float(w) for w in status["windows"]]
    out = [charts.compute_line_chart(f"Windows in alert per {name}", labels, [
        charts.Series("windows in alert", in_alert, alert_periods),
        charts.Series("windows", counted, dashed=True, color="#555")],
        alert_periods, "windows (count)", counts=True)]
    for kind, metric, title in SERIES:
        found = periods[(periods["kind"] == kind) & (periods["metric"] == metric)
                        & (periods["column_name"] == "")]
        if found.empty or found["max_value"].isna().all():
            continue
        by = found.set_index("period").reindex(index)
        alerts = [bool(a) and not pd.isna(a) for a in by["alerts"]]
        series = [charts.Series(f"highest per {name}", compute_values(by, index, "max_value"), alerts),
                  charts.Series(f"lowest per {name}", compute_values(by, index, "min_value"), [], True,
                                "#555")]
        out.append(charts.compute_line_chart(f"{title} (per {name}: lowest and highest)", labels, series,
                                             alert_periods, METRICS[metric].axis_title if metric in METRICS
                                             else metric, counts=metric == "row_count"))
    return out, name


def compute_values(by: pd.DataFrame, index: list[Any], column: str) -> list[float | None]:
    """The column's values over `index` (`by` reindexed on it: missing periods are NaN)."""
    return [None if pd.isna(v) else float(v) for v in by[column]]


def compute_month_links(digest: pd.DataFrame, windows_kind: str) -> list[dict[str, Any]]:
    """Per month, newest first: its page, windows and windows in alert."""
    if digest.empty:
        return []
    status = digest[digest["kind"] == windows_kind]
    month = pd.to_datetime(status["day"]).dt.strftime("%Y-%m")
    grouped = status.assign(month=month).groupby("month").agg(windows=("windows", "sum"),
                                                              alerts=("alerts", "sum"))
    return [{"month": m, "windows": int(r.windows), "alerts": int(r.alerts)}
            for m, r in grouped.sort_index(ascending=False).iterrows()]
