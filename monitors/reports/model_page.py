"""reports/<model>/index.html: trend charts over all stored windows (alert windows marked) and a
table of windows, from the store's trend file, never the warehouse; and the model's summary for
the home page. Writing one window rewrites only its page, this one and the home page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from markupsafe import Markup

from monitors.core.kinds import Kind
from monitors.core.location import Location
from monitors.core.measurement import Measurement, clean_value
from monitors.core.metrics import METRICS, compute_chart_metrics
from monitors.core.window import compute_moment_label, compute_page_key
from monitors.reports import charts
from monitors.reports.evidently_links import load_report_keys
from monitors.reports.history import compute_history_charts, compute_month_links
from monitors.reports.home_page import STRIP, SUMMARY
from monitors.reports.pages import compute_html, compute_page
from monitors.reports.text import compute_expected_texts, compute_open_rules
from monitors.reports.trend_charts import (
    Key,
    compute_custom_charts,
    compute_drift_charts,
    compute_trend_index,
    line_series,
)
from monitors.storage.files import write_text
from monitors.storage.trends import WINDOWS_KIND

RECENT_WINDOWS = 90  # windows the model page shows in full (charts and table)


def compute_window_table(trend: pd.DataFrame) -> pd.DataFrame:
    """One row per window: start, end, status, broken rules (whole window and segments; the trend
    holds segments' rows only when they broke), of them in segments, row count."""
    if trend.empty:
        return pd.DataFrame(columns=["window_start", "window_end", "status", "alerts", "segment_alerts",
                                     "rows"])
    alert = trend["status"] == "alert"
    in_segment = alert & trend["segment"].notna()
    grouped = trend.assign(alert=alert.astype(int), segment_alert=in_segment.astype(int)
                           ).groupby("window_start", sort=True)
    table = grouped.agg(window_end=("window_end", "first"), alerts=("alert", "sum"),
                        segment_alerts=("segment_alert", "sum")).reset_index()
    whole = trend[trend["segment"].isna()]
    rows = whole[whole["metric"] == "row_count"].set_index("window_start")["value"]
    table["rows"] = table["window_start"].map(rows)
    table["status"] = [("alert" if a else ("skipped" if not r or pd.isna(r) else "ok"))
                       for a, r in zip(table["alerts"], table["rows"], strict=True)]
    return table


def compute_volume_chart(index: dict[Key, dict[int, tuple[float, float, str]]], windows: list[int],
                         labels: list[str], alert_windows: list[bool]) -> str:
    """Rows per window with row_count's bound and, when a season judged it, its expected range's top."""
    rows: Key = (Kind.DATA_QUALITY, "row_count", None)
    upper: Key = (Kind.EXPECTED, "row_count_upper", None)
    volume = [line_series(index, windows, rows, "rows"),
              line_series(index, windows, rows, "bound", 1, True, charts.ALERT)]
    if upper in index:
        volume.append(line_series(index, windows, upper, "expected (top)", 0, True, "#9467bd"))
    return charts.compute_line_chart("Rows per window", labels, volume, alert_windows,
                                     METRICS["row_count"].axis_title, counts=True)


def compute_model_charts(trend: pd.DataFrame, table: pd.DataFrame | None = None) -> list[str]:
    table = compute_window_table(trend) if table is None else table
    windows = [int(w) for w in table["window_start"].astype("int64")]
    labels = [compute_moment_label(w) for w in table["window_start"]]
    alert_windows = list(table["status"] == "alert")
    index = compute_trend_index(trend)
    out = compute_drift_charts(index, windows, labels, alert_windows)

    def bound_chart(title: str, key: Key, name: str, bound: str = "bound") -> str:
        return charts.compute_line_chart(title, labels, [
            line_series(index, windows, key, name),
            line_series(index, windows, key, bound, 1, True, charts.ALERT)],
            alert_windows, METRICS[key[1]].axis_title)

    out.append(bound_chart("Share of drifted features", (Kind.DRIFT, "drifted_share", None), "drifted share"))
    if (Kind.DRIFT_PREVIOUS, "drifted_share", None) in index:
        out.append(bound_chart("Share of drifted features vs previous window",
                               (Kind.DRIFT_PREVIOUS, "drifted_share", None), "drifted share"))
    out += [bound_chart("Multivariate drift (PCA reconstruction)", (Kind.DRIFT, m, None), "mean error")
            for m in compute_chart_metrics("multivariate") if (Kind.DRIFT, m, None) in index]
    for metric in compute_chart_metrics("performance"):
        key: Key = (Kind.PERFORMANCE, metric, None)
        if not any(not pd.isna(v[0]) for v in index.get(key, {}).values()):
            continue
        estimated = line_series(index, windows, (Kind.ESTIMATED_PERFORMANCE, metric, None),
                            "estimated (no labels)", color="#9467bd")
        band = line_series(index, windows, (Kind.ESTIMATED_PERFORMANCE, f"{metric}_band", None), "band")
        spread = [charts.Series(name, [None if e is None or b is None else e + sign * b
                                       for e, b in zip(estimated.values, band.values, strict=True)],
                                dashed=True, color="#c5b0d5")
                  for name, sign in (("estimate + band", 1), ("estimate - band", -1))]
        series = [line_series(index, windows, key, f"{metric} (realized)"),
                  line_series(index, windows, (Kind.BASELINE_PERFORMANCE, metric, None), "baseline", 0, True,
                          "#555"),
                  line_series(index, windows, key, "bound", 1, True, charts.ALERT)]
        if any(v is not None for v in estimated.values):
            series += [estimated, *spread]
        out.append(charts.compute_line_chart(f"Performance: {metric}", labels, series, alert_windows,
                                             METRICS[metric].axis_title))
    coverage: Key = (Kind.PERFORMANCE, "label_coverage", None)
    if coverage in index:
        out.append(bound_chart("Label coverage", coverage, "label coverage", "minimum"))
    out.append(compute_volume_chart(index, windows, labels, alert_windows))
    failed: dict[int, int] = {}
    for (kind, _, _), by_window in index.items():
        if kind in (Kind.SCHEMA, Kind.DATA_QUALITY):
            for w, item in by_window.items():
                failed[w] = failed.get(w, 0) + (item[2] == "alert")
    out.append(charts.compute_line_chart("Failed checks (schema and data quality)", labels, [
        charts.Series("failed checks", [float(failed.get(w, 0)) for w in windows],
                      [bool(failed.get(w, 0)) for w in windows])], alert_windows,
        "failed checks (count)", counts=True))
    return out + compute_custom_charts(index, windows, labels, alert_windows)


def compute_window_rows(table: pd.DataFrame, reported: set[str] | None = None) -> list[dict[str, Any]]:
    """The window table's rows: a link to each window's page and, for the windows in alert whose
    page key is in `reported` (reports.evidently_links), to their Evidently report (the window's
    page links its report in any case)."""
    return [{"key": (key := compute_page_key(row.window_start)),
             "label": compute_moment_label(row.window_start), "status": row.status,
             "broken": compute_alert_count(row), "rows": "" if pd.isna(row.rows) else f"{int(row.rows):,}",
             "evidently": reported is not None and row.status == "alert" and key in reported}
            for row in table.itertuples()]


def load_reported(reports: Location, model: str, table: pd.DataFrame) -> set[str]:
    """The page keys of the table's alert windows that have an Evidently report (one read per
    month they span)."""
    alert = table[table["status"] == "alert"]
    return load_report_keys(reports, model, (compute_page_key(s) for s in alert["window_start"]))


def compute_totals(table: pd.DataFrame, digest: pd.DataFrame | None) -> tuple[int, int]:
    """Windows stored and windows in alert (the digest's, over the whole history, when given)."""
    if digest is None or digest.empty:
        return len(table), int((table["status"] == "alert").sum())
    status = digest[digest["kind"] == WINDOWS_KIND]
    return int(status["windows"].sum()), int(status["alerts"].sum())


def write_model_page(reports: Location, model: str, trend: pd.DataFrame,
                     open_alerts: list[dict[str, Any]] | None = None,
                     digest: pd.DataFrame | None = None) -> Location:
    """reports/<model>/index.html and its summary for the home page (`open_alerts`: the model's
    open monitor_alerts rows; without them, the latest window's broken rules): the latest
    RECENT_WINDOWS windows of `trend` in full; with `digest` (storage.trends), the whole history
    per period and a link per month."""
    table = compute_window_table(trend)
    if len(table) > RECENT_WINDOWS:
        table = table.iloc[-RECENT_WINDOWS:].reset_index(drop=True)
        trend = trend[trend["window_start"] >= table["window_start"].iloc[0]]
    windows = compute_window_rows(table, load_reported(reports, model, table))
    total, alert_windows = compute_totals(table, digest)
    charts_markup = [Markup(c) for c in compute_model_charts(trend, table)] if windows else []
    history, period = compute_history_charts(digest, WINDOWS_KIND) \
        if digest is not None and total > len(table) else ([], "day")
    body = compute_html("model.html", model=model, windows=windows, charts=charts_markup,
                        alert_windows=alert_windows, total_windows=total, prefix="",
                        history=[Markup(c) for c in history], period=period,
                        months=compute_month_links(digest, WINDOWS_KIND) if digest is not None else [],
                        latest=windows[-1] if windows else None)
    path = reports / model / "index.html"
    write_text(path, compute_page(f"{model}: monitoring", body, charts.HOVER_SCRIPT))
    summary = compute_summary(model, table, open_alerts, compute_expected_at(trend))
    if windows:
        summary.update(windows=total, alert_windows=alert_windows)
    write_text(reports / model / SUMMARY, json.dumps(summary))
    return path


def write_month_page(reports: Location, model: str, month: str, trend: pd.DataFrame) -> Location:
    """reports/<model>/months/<YYYY-MM>.html: the month's windows (the model page links it)."""
    table = compute_window_table(trend)
    body = compute_html("month.html", model=model, month=month, prefix="../",
                        windows=compute_window_rows(table),
                        alert_windows=int((table["status"] == "alert").sum()))
    path = reports / model / "months" / f"{month}.html"
    write_text(path, compute_page(f"{model}: {month}", body))
    return path


def compute_alert_count(row: Any) -> str:
    """e.g. "14 (2 whole window, 12 in segments)"."""
    segments = int(row.segment_alerts)
    if not segments:
        return str(int(row.alerts))
    return f"{int(row.alerts)} ({int(row.alerts) - segments} whole window, {segments} in segments)"


def compute_expected_at(trend: pd.DataFrame) -> Callable[[Any], dict[str, str]]:
    """The expected ranges of the rules a season judged in a stored window (by its start), from
    the trend file's whole-window rows."""
    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    def at(moment: Any) -> dict[str, str]:
        found = trend[(trend["window_start"] == pd.Timestamp(moment)) & trend["segment"].isna()]
        return compute_expected_texts(Measurement(str(r.kind), str(r.metric), clean_value(r.value),
                                                  clean_value(r.threshold), r.status, text(r.column_name))
                                      for r in found.itertuples())
    return at


def compute_summary(model: str, table: pd.DataFrame, open_alerts: list[dict[str, Any]] | None,
                    expected_at: Callable[[Any], dict[str, str]] | None = None) -> dict[str, Any]:
    """What the home page shows of a model: open alerts whatever its latest window says (an
    empty or pending latest window does not hide a month of alerts), grouped by rule, since when;
    the latest window; the last STRIP windows' statuses."""
    summary: dict[str, Any] = {"model": model, "windows": len(table)}
    if table.empty:
        return summary
    latest = table.iloc[-1]
    summary.update(latest_start=str(latest["window_start"]), latest_end=str(latest["window_end"]),
                   status=str(latest["status"]), open_alerts=int(latest["alerts"]),
                   alert_windows=int((table["status"] == "alert").sum()),
                   latest_key=compute_page_key(latest["window_start"]),
                   strip=[{"key": compute_page_key(r.window_start), "status": str(r.status),
                           "start": compute_moment_label(r.window_start), "alerts": compute_alert_count(r)}
                          for r in table.iloc[-STRIP:].itertuples()])
    if open_alerts is not None:
        summary["open_alerts"] = len(open_alerts)
        summary["rules"] = compute_open_rules(open_alerts, expected_at)
        if open_alerts:
            summary["status"] = "alert"
            opened = pd.Timestamp(min(a["opened_at"] for a in open_alerts))
            summary["open_since"] = compute_moment_label(opened)
    return summary
