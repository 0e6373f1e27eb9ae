"""Charts as inline SVG: one polyline per series, alert points with their value on hover, alert
windows shaded, gaps where a value is missing, escaped names; an empty chart says so."""

from __future__ import annotations

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
    ticks = re.findall(r'class="tick-(?:top|bottom)">([^<]+)<', svg)
    assert ticks == ["0.4", "0.05"]  # the range of the values, padded only inside the plot


def test_an_empty_chart_says_so() -> None:
    assert "No values stored yet." in compute_line_chart("x", ["d1"], [Series("a", [None])])
    assert "No values stored yet." in compute_line_chart("x", [], [])


def test_a_histogram_pairs_baseline_and_window_bars() -> None:
    svg = compute_histogram(["a", "<b>"], [0.5, 0.5], [0.9, 0.1], "region")
    assert svg.count("<rect") == 4
    assert "&lt;b&gt; (window): 10.0%" in svg and "a (baseline): 50.0%" in svg
    assert compute_histogram([], [], []) == ""
