"""The model page counts a window's broken rules with its segments' (split whole / segments), as
the CLI does; a window whose only broken rule is a segment's is an alert window; charts keep the
whole window's values; an Evidently link only where the report was written."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.model_page import write_model_page
from monitors.storage import results

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def test_segment_alerts_count_with_the_whole_windows(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    windows = [Window(DAY + timedelta(days=d), DAY + timedelta(days=d + 1)) for d in range(3)]
    whole_status = ["ok", "ok", "alert"]
    segment_status = [["ok", "ok"], ["alert", "ok"], ["alert", "alert"]]
    for window, whole, segments in zip(windows, whole_status, segment_status, strict=True):
        results.replace_window(store, "m", window, [
            Measurement("data_quality", "row_count", 1000.0, 1.0, "ok"),
            Measurement("drift", "wasserstein", 0.05 if whole == "ok" else 0.3, 0.1, whole, "income"),
            *(Measurement("drift", "wasserstein", 0.777, 0.888, s, "income", f"region={r}")
              for s, r in zip(segments, ["EU", "NA"], strict=True))], "r")
    (reports / "m" / "2026-01-03T0000Z").mkdir(parents=True)
    (reports / "m" / "2026-01-03T0000Z" / "evidently.html").write_text("report")
    trend = results.load_trend(store, "m")
    assert len(trend) == 2 * 3 + 2 * 3  # whole rows of each window, the segments' judged rows (ok or alert)
    page = write_model_page(reports, "m", trend).read_text()
    assert "3 windows, 2 with broken rules" in page
    table = page.split("<h2>Windows</h2>")[1]
    counts = {}
    for status, cells in re.findall(r'<tr class="window (\w+)">(.*?)</tr>', table):
        day = re.search(r"\d{4}-\d\d-\d\d", cells)
        assert day is not None
        counts[day.group(0)] = (status, re.findall(r"<td[^>]*>(.*?)</td>", cells)[2])
    assert counts == {"2026-01-03": ("alert", "3 (1 whole window, 2 in segments)"),
                      "2026-01-02": ("alert", "1 (0 whole window, 1 in segments)"),
                      "2026-01-01": ("ok", "0")}
    assert table.count("evidently.html") == 1  # only the window that has one
    charts = page.split("<h2>Windows</h2>")[0]
    assert "0.3" in charts and "0.777" not in charts and "0.888" not in charts  # the whole window only


def test_the_rows_chart_draws_the_seasonal_range(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    days = [(3000.0, 2085.0, 3915.0), (1000.0, 722.0, 1383.0), (469.0, 2085.0, 3915.0)]
    for d, (rows, low, top) in enumerate(days):
        window = Window(DAY + timedelta(days=d), DAY + timedelta(days=d + 1))
        results.replace_window(store, "m", window, [
            Measurement("data_quality", "row_count", rows, low, "alert" if rows < low else "ok"),
            Measurement("expected", "row_count_upper", top),
            Measurement("expected", "row_count_season", 4.0, 4.0, "ok", "day_of_week=Thursday")], "r")
    page = write_model_page(reports, "m", results.load_trend(store, "m")).read_text()
    chart = page.split("<figcaption>Rows per window</figcaption>")[1].split("</figure>")[0]
    assert {"rows", "bound", "expected (top)"} == set(re.findall(r'data-series="([^"]+)"', chart))
    assert chart.count('class="alert-point"') == 1  # the 469-row window


def test_each_custom_metric_has_its_chart_with_the_baseline_and_bound(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    for d, (value, status) in enumerate([(50_500.0, "ok"), (61_200.0, "alert")]):
        results.replace_window(store, "m", Window(DAY + timedelta(days=d), DAY + timedelta(days=d + 1)), [
            Measurement("data_quality", "row_count", 1000.0, 1.0, "ok"),
            Measurement("baseline_custom", "mean_income", 50_000.0),
            Measurement("custom", "mean_income", value, 55_000.0, status),
            Measurement("custom", "mean_income", 99_999.0, 55_000.0, "alert", None, "region=EU")], "r")
    page = write_model_page(reports, "m", results.load_trend(store, "m")).read_text()
    chart = page.split("Custom metric: mean_income</figcaption>")[1].split("</figure>")[0]
    assert '"name":"mean_income","values":[50500.0,61200.0]' in chart
    assert '"name":"baseline","values":[50000.0,50000.0]' in chart
    assert '"name":"bound (broken or nearest)","values":[55000.0,55000.0]' in chart
    assert "99999" not in chart  # the whole window's values only


def test_drift_and_custom_metrics_against_the_previous_window_have_their_charts(tmp_path: Path) -> None:
    store, reports = tmp_path / "monitoring.duckdb", tmp_path / "reports"
    days = [(0.02, 0.05, "ok", 50_500.0, None, "skipped"), (0.31, 0.12, "alert", 61_200.0, 55_550.0, "alert"),
            (0.03, 0.11, "ok", 61_000.0, 67_320.0, "ok")]
    for d, (score, bound, status, value, previous_bound, previous_status) in enumerate(days):
        results.replace_window(store, "m", Window(DAY + timedelta(days=d), DAY + timedelta(days=d + 1)), [
            Measurement("data_quality", "row_count", 1000.0, 1.0, "ok"),
            Measurement("drift", "wasserstein", 0.3, 0.1, "alert", "income"),
            Measurement("drift_previous", "wasserstein", score, bound, status, "income"),
            Measurement("drift_previous", "drifted_share", score, 0.5, "ok"),
            Measurement("baseline_custom", "mean_income", 50_000.0),
            Measurement("custom", "mean_income", value, 55_000.0, "ok" if d == 0 else "alert"),
            Measurement("custom_previous", "mean_income", value, previous_bound, previous_status)], "r")
    page = write_model_page(reports, "m", results.load_trend(store, "m")).read_text()
    charts = re.findall(r"<figcaption>([^<]+)</figcaption>", page)
    at = charts.index("Drift per feature: wasserstein")
    assert charts[at + 1] == "Drift vs previous window: wasserstein"  # beside the baseline's
    assert "Share of drifted features vs previous window" in charts
    chart = page.split("Drift vs previous window: wasserstein</figcaption>")[1].split("</figure>")[0]
    assert '"name":"income","values":[0.02,0.31,0.03]' in chart
    assert '"name":"lowest bound","values":[0.05,0.12,0.11]' in chart
    assert chart.count('class="alert-point"') == 1
    custom = page.split("Custom metric: mean_income</figcaption>")[1].split("</figure>")[0]
    assert '"name":"bound vs previous window","values":[null,55550.0,67320.0]' in custom


@pytest.mark.parametrize("where", ["disk", "s3"])
def test_evidently_links_come_from_the_months_list_of_reports(tmp_path: Path, where: str,
                                                               request: pytest.FixtureRequest) -> None:
    """A month's reports are listed once (a report written by an earlier version included) when
    its first report is recorded; from then on the page reads the list, not the folders."""
    from monitors.core.location import compute_location
    from monitors.reports.evidently_links import links_file, load_report_keys, write_report_link
    from monitors.storage.files import delete_tree, load_text, write_text

    home = tmp_path / "reports"
    reports = home if where == "disk" else compute_location(f"{request.getfixturevalue('s3_bucket')}/r", home)
    for key in ("2026-01-03T0000Z", "2026-01-05T0000Z"):
        write_text(reports / "m" / key / "evidently.html", "report")
    write_text(reports / "m" / "2026-02-01T0000Z" / "index.html", "no report")
    keys = ["2026-01-03T0000Z", "2026-01-04T0000Z", "2026-01-05T0000Z", "2026-02-01T0000Z"]
    assert load_report_keys(reports, "m", keys) == {"2026-01-03T0000Z", "2026-01-05T0000Z"}  # listed
    write_report_link(reports, "m", "2026-01-04T0000Z")
    assert load_text(links_file(reports, "m", "2026-01")) == \
        '["2026-01-03T0000Z", "2026-01-04T0000Z", "2026-01-05T0000Z"]'
    delete_tree(reports / "m" / "2026-01-05T0000Z")  # the list is what is read from now on
    assert load_report_keys(reports, "m", keys) == {"2026-01-03T0000Z", "2026-01-04T0000Z",
                                                    "2026-01-05T0000Z"}
