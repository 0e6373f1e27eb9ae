"""Charts as inline SVG: one polyline per series, alert points with their value on hover, alert
windows shaded, gaps where a value is missing, escaped names; round ticks with thousands
separators (never 1e+03), axis titles, dated x ticks, values not judged drawn hollow, every
window's values for the hover script; an empty chart says so."""

from __future__ import annotations

import json
import re

from monitors.reports.charts import Series, compute_histogram, compute_line_chart


def test_a_line_chart_draws_series_alerts_and_gaps() -> None:
    svg = compute_line_chart("Drift <income>", ["d1", "d2", "d3", "d4"], [
        Series("income", [0.05, 0.3, None, 0.4], [False, True, False, True]),
        Series("bound", [0.1, 0.1, 0.1, 0.1], dashed=True)], alert_windows=[False, True, False, True])
    assert "Drift &lt;income&gt;" in svg and "<income>" not in svg
    assert svg.count('class="alert-window"') == 2
    assert re.findall(r"<title>([^<]+)</title>", svg) == ["d2: income = 0.3", "d4: income = 0.4"]
    assert svg.count('class="series"') == 2  # income's first run (d1-d2) and the bound; d4 alone
    assert svg.count('class="series-point"') == 1
    assert 'stroke-dasharray="5 4"' in svg
    ticks = re.findall(r'class="y-tick"[^>]*>([^<]+)<', svg)
    assert ticks == ["0.0", "0.1", "0.2", "0.3", "0.4"]  # round, covering 0.05..0.4
    assert re.findall(r'class="x-tick"[^>]*>([^<]+)<', svg) == ["d1", "d2", "d3", "d4"]
    assert "window start (UTC)" in svg


def test_counts_read_as_counts_from_zero() -> None:
    svg = compute_line_chart("Rows per window", [f"d{i}" for i in range(30)],
                             [Series("rows", [3440.0 + i for i in range(30)])], y_title="rows", counts=True)
    assert re.findall(r'class="y-tick"[^>]*>([^<]+)<', svg) == ["0", "1,000", "2,000", "3,000", "4,000"]
    assert re.search(r'class="y-title"[^>]*>rows<', svg) and "e+" not in svg
    assert len(re.findall(r'class="x-tick"', svg)) == 8  # at most 8 dated windows, first and last
    assert re.findall(r'class="x-tick"[^>]*>([^<]+)<', svg)[::7] == ["d0", "d29"]
    none = compute_line_chart("Failed checks", ["d1", "d2"], [Series("failed", [0.0, 0.0])], counts=True)
    assert re.findall(r'class="y-tick"[^>]*>([^<]+)<', none) == ["0", "1"]  # whole, none negative


def test_values_not_judged_are_hollow_and_every_window_is_in_the_hover_data() -> None:
    svg = compute_line_chart("Performance: roc_auc", ["d1", "d2", "d3"], [
        Series("roc_auc", [0.8, 0.7, 0.75], [False, True, False], judged=[True, True, False])])
    assert svg.count('class="pending-point"') == 1 and svg.count('class="alert-point"') == 1
    assert "not judged yet" in svg
    data = json.loads(re.search(r'<script type="application/json" class="chart-data">(.*?)</script>', svg)[1])
    assert data["labels"] == ["d1", "d2", "d3"] and data["series"] == [{"name": "roc_auc",
                                                                         "values": [0.8, 0.7, 0.75]}]
    script = compute_line_chart("x", ["</script><script>alert(1)//"], [Series("a", [1.0])])
    assert "</script><script>alert(1)" not in script  # data in the JSON cannot close the element


def test_an_empty_chart_says_so() -> None:
    assert "No values stored yet." in compute_line_chart("x", ["d1"], [Series("a", [None])])
    assert "No values stored yet." in compute_line_chart("x", [], [])


def test_a_histogram_pairs_baseline_and_window_bars() -> None:
    svg = compute_histogram(["a", "<b>"], [0.5, 0.5], [0.9, 0.1], "region")
    assert svg.count("<rect") == 4
    assert "&lt;b&gt; (window): 10.0%" in svg and "a (baseline): 50.0%" in svg
    assert compute_histogram([], [], []) == ""
