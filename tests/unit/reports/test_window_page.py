"""The window page from stored rows: status, broken rules first with value and bound, where
performance dropped, checks, drift sorted by closeness to the bound with its histogram, the
performance table with CBPE beside it, segments; everything from data escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.window_page import HISTOGRAMS, SECTIONS, write_window_page
from monitors.testing import make_config

WINDOW = Window(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC))
ROWS = [
    Measurement("data_quality", "row_count", 3000.0),
    Measurement("drift", "wasserstein", 0.02, 0.1, "ok", "age"),
    Measurement("drift", "wasserstein", 0.41, 0.1, "alert", "income"),
    Measurement("drift", "ks", 0.2, None, "ok", "income"),
    Measurement("drift", "jensenshannon", 0.05, 0.1, "ok", "<b>region</b>"),
    Measurement("drift", "drifted_share", 0.33, 0.5, "ok"),
    Measurement("performance", "roc_auc", 0.71, 0.8, "alert"),
    Measurement("baseline_performance", "roc_auc", 0.85),
    Measurement("estimated_performance", "roc_auc", 0.74, 0.8, "ok"),
    Measurement("estimated_performance", "roc_auc_band", 0.03),
    Measurement("tracing", "roc_auc_contribution", 0.05, None, "ok", "region", "region=EU"),
    Measurement("tracing", "roc_auc_slice_value", 0.6, None, "ok", "region", "region=EU"),
    Measurement("drift", "wasserstein", 0.3, 0.12, "alert", "income", "region=EU"),
]


def test_the_page_leads_with_what_broke(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    histograms = {"income": {"labels": ["0", "10"], "reference": [0.5, 0.5], "current": [0.2, 0.8]}}
    path = write_window_page(config, WINDOW, ROWS, "Stored values use all 3,000 window rows.", None,
                             histograms)
    assert path == tmp_path / "reports" / "credit_risk" / "2026-02-01T0000Z" / "index.html"
    page = path.read_text()
    # first, the window in one line: rules grouped, segments folded into their rule
    assert ('<p class="verdict"><span class=alert>alert</span>: 3 rules broken: drift wasserstein of '
            "income = 0.41 (bound: &lt; 0.1): whole window and 1 of 1 segments; performance roc_auc = "
            "0.71 (baseline 0.85, bound: &gt;= 0.8): whole window.</p>") in page
    headings = re.findall(r'<h2 id="(\w+)"', page)
    assert headings == ["broken", "tracing", "checks", "drift", "performance", "segments"]
    rules = re.findall(r"<li class='rule alert'>([^<]+)", page.split('<h2 id="broken">')[1])
    assert rules == ["drift wasserstein of income = 0.41 (bound: &lt; 0.1): whole window and 1 of 1 segments",
                     "drift wasserstein of income [region=EU] = 0.3 (bound: &lt; 0.12)",  # folded in
                     "performance roc_auc = 0.71 (baseline 0.85, bound: &gt;= 0.8): whole window"]
    assert "<details><summary>1 segment(s)</summary>" in page
    drift_table = page.split('<h2 id="drift">')[1].split("</table>")[0]
    assert drift_table.index(">income<") < drift_table.index(">age<")  # broken first
    assert "ks 0.2" in drift_table and "svg" in drift_table  # other scores and the histogram
    assert "&lt;b&gt;region&lt;/b&gt;" in page and "<b>region</b>" not in page
    assert ">0.74<" in page and ">0.03<" in page  # CBPE estimate and band beside roc_auc
    assert "region=EU: roc_auc 0.6" in page
    assert (path.parent / HISTOGRAMS).exists()


def test_a_page_rebuilt_from_the_store_keeps_its_histograms(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    histograms = {"income": {"labels": ["0", "10"], "reference": [0.5, 0.5], "current": [0.2, 0.8]}}
    write_window_page(config, WINDOW, ROWS, "first", None, histograms)
    page = write_window_page(config, WINDOW, ROWS, "rebuilt", tmp_path / "evidently.html").read_text()
    assert "svg" in page.split('<h2 id="drift">')[1] and "rebuilt" in page
    assert '<a href="evidently.html">Evidently drift report</a>' in page


def test_every_section_is_one_function_of_the_page() -> None:
    assert [s.__name__ for s in SECTIONS] == [
        "compute_header", "compute_broken_section", "compute_tracing_section", "compute_checks_section",
        "compute_drift_section", "compute_performance_section", "compute_custom_section",
        "compute_segments_section"]


def test_the_text_is_true_for_the_window(tmp_path: Path) -> None:
    """Segments are judged (the page counts their broken rules); a model with labels whose
    window is empty does not say it has no labels."""
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    page = write_window_page(config, WINDOW, ROWS, "note", None).read_text()
    segments = page.split('<h2 id="segments">')[1]
    assert "judged per segment value" in segments and "1 broken rule(s) here" in segments
    assert "not judged (no per-segment bounds yet)" not in page
    empty = [Measurement("data_quality", "row_count", 0.0, 1.0, "alert")]
    page = write_window_page(config, WINDOW, empty, "note", None).read_text()
    assert "Not measured: the window has no rows." in page and "No labels configured" not in page
    unlabelled = make_config(tmp_path, "duckdb:///unused.duckdb", ground_truth=None, performance=None)
    assert "No labels configured" in write_window_page(unlabelled, WINDOW, empty, "note", None).read_text()


def test_the_checks_say_how_volume_was_judged(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    outage = [Measurement("data_quality", "row_count", 469.0, 2085.1, "alert"),
              Measurement("expected", "row_count_upper", 3914.9),
              Measurement("expected", "row_count_season", 4.0, 4.0, "ok", "day_of_week=Sunday")]
    page = write_window_page(config, WINDOW, outage, "", None, {}).read_text()
    assert "data_quality row_count = 469, expected 2,086-3,914 for a Sunday: whole window" in page
    checks = page.split('<h2 id="checks">')[1]
    assert "<p>row_count: expected 2,086-3,914 for a Sunday (learned from 4 earlier Sundays)</p>" in checks
    learning = [Measurement("data_quality", "row_count", 1100.0, 113.3, "skipped"),
                Measurement("expected", "row_count_season", 2.0, 4.0, "skipped", "day_of_week=Sunday")]
    page = write_window_page(config, WINDOW, learning, "", None, {}).read_text()
    assert "row_count: learning: 2 of 4 Sundays" in page.split('<h2 id="checks">')[1]


def test_drift_against_the_previous_window_sits_beside_the_baseline_s(tmp_path: Path) -> None:
    config = make_config(tmp_path, "duckdb:///unused.duckdb")
    rows = [*ROWS, Measurement("drift_previous", "wasserstein", 0.37, 0.15, "alert", "income"),
            Measurement("drift_previous", "drifted_share", 0.5, 0.5, "alert")]
    page = write_window_page(config, WINDOW, rows, "", None, {}).read_text()
    assert "<th>vs previous window</th>" in page
    income = re.search(r"<tr class=alert><td>income</td><td>wasserstein</td>(.*?)</tr>", page, re.S)
    assert income is not None and re.search(r"0\.41.*0\.1.*alert.*0\.37.*0\.15.*alert", income.group(1), re.S)
    assert "drifted_share vs previous window" in page
