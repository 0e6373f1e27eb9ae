"""The window's page: a list of sections, each a function of what the page shows (broken rules
first, then where performance dropped, checks, drift per feature with its histogram,
performance against the baseline, segments). A new section is one function in SECTIONS."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitors.config import ModelConfig
from monitors.core.measurement import Measurement, compute_window_status
from monitors.core.window import Window
from monitors.reports.charts import compute_histogram
from monitors.reports.pages import compute_cell, compute_page, compute_table, compute_window_dir
from monitors.reports.text import (
    compute_broken_rules,
    compute_group_text,
    compute_rule_groups,
    compute_rule_text,
    compute_tracing_text,
    compute_verdict,
)
from monitors.storage.files import load_text, write_text

HISTOGRAMS = "histograms.json"


@dataclass
class WindowPage:
    config: ModelConfig
    window: Window
    rows: list[Measurement]
    note: str  # what the stored values and the Evidently report were computed on
    evidently: Path | None
    histograms: dict[str, dict[str, list]]

    @property
    def whole(self) -> list[Measurement]:
        return [r for r in self.rows if r.segment is None]


def compute_header(page: WindowPage) -> str:
    model, status = html.escape(page.config.model), compute_window_status(page.rows)
    evidently = ' · <a href="evidently.html">Evidently drift report</a>' if page.evidently else \
        f" · {compute_no_evidently_text(page)}"
    return (f'<p><a href="../../index.html">All models</a> · <a href="../index.html">{model}: '
            f"all windows</a>{evidently}</p><h1>{model}: {html.escape(str(page.window))}</h1>"
            f'<p class="verdict"><span class={status}>{status}</span>: '
            f"{html.escape(compute_verdict(page.rows))}</p><p>{html.escape(page.note)}</p>")


def compute_no_evidently_text(page: WindowPage) -> str:
    mode = page.config.report.evidently
    why = "written for windows that break a rule" if mode == "alerts" else "off"
    return (f"no Evidently report (report.evidently: {mode}, {why}; <code>monitors report CONFIG "
            f"--window {page.window.start:%Y-%m-%dT%H:%M}Z --evidently</code> renders it)")


def compute_broken_section(page: WindowPage) -> str:
    """Broken rules grouped by rule: the whole window's value and bound, its segments folded."""
    broken = compute_broken_rules(page.rows)
    items = []
    for group in compute_rule_groups(page.rows):
        folded = "" if not group.segments else (
            f"<details><summary>{len(group.segments)} segment(s)</summary><ul>"
            + "".join(f"<li class='rule alert'>{html.escape(compute_rule_text(r))}</li>"
                      for r in group.segments)
            + "</ul></details>")
        items.append(f"<li class='rule alert'>{html.escape(compute_group_text(group))}{folded}</li>")
    return (f'<h2 id="broken">Broken rules ({len(broken)})</h2>'
            + (f"<ul class=broken>{''.join(items)}</ul>" if broken else "<p>None.</p>"))


def compute_tracing_section(page: WindowPage) -> str:
    traced = compute_tracing_text([r for r in page.rows if r.kind == "tracing"])
    if not traced:
        return ""
    return ('<h2 id="tracing">Where performance dropped</h2><ol class=tracing>'
            + "".join(f"<li>{html.escape(t)}</li>" for t in traced) + "</ol>")


def compute_checks_section(page: WindowPage) -> str:
    checks = [r for r in page.whole if r.kind in ("schema", "data_quality")]
    return '<h2 id="checks">Checks</h2>' + compute_table(sorted(checks, key=lambda r: not r.is_alert))


def _drift_order(row: Measurement) -> tuple[int, float]:
    """Broken first, then by how close the score is to its bound."""
    ratio = (row.value or 0.0) / row.threshold if row.threshold else 0.0
    return (0 if row.is_alert else 1, -ratio)


def compute_drift_section(page: WindowPage) -> str:
    parts = ['<h2 id="drift">Drift per feature</h2><table><tr><th>column</th><th>method</th>'
             "<th>value</th><th>bound</th><th>status</th><th>other scores</th>"
             "<th>baseline (grey) vs window (blue)</th></tr>"]
    drift_rows = [r for r in page.whole if r.kind == "drift" and r.column_name]
    judged = [r for r in drift_rows if r.threshold is not None or r.status == "skipped"]
    for r in sorted(judged, key=_drift_order):
        hist = page.histograms.get(str(r.column_name))
        svg = compute_histogram(hist["labels"], hist["reference"], hist["current"], str(r.column_name)) \
            if hist else ""
        others = " · ".join(f"{o.metric} {o.value:.4g}" for o in drift_rows
                            if o.column_name == r.column_name and o is not r and o.value is not None)
        parts.append(f"<tr class={r.status}>" + "".join(compute_cell(v) for v in (
            r.column_name, r.metric, r.value, r.threshold))
            + f"<td class={r.status}>{r.status}</td><td>{html.escape(others)}</td><td>{svg}</td></tr>")
    parts.append("</table><p>Bounds are calibrated to the window's size (at most "
                 "drift.false_alert_rate of undrifted windows break one), never below the "
                 "effect-size floor.</p>")
    parts.append(compute_table([r for r in page.whole if r.kind == "drift" and not r.column_name]))
    return "".join(parts)


def compute_performance_section(page: WindowPage) -> str:
    parts = ['<h2 id="performance">Performance against the baseline</h2>']
    baseline = {r.metric: r.value for r in page.whole if r.kind == "baseline_performance"}
    estimated = {r.metric: r for r in page.whole if r.kind == "estimated_performance"}
    perf = [r for r in page.whole if r.kind == "performance"]
    if not perf:
        why = "No labels configured (ground_truth)." if page.config.ground_truth is None else \
            "Not measured: the window has no rows."
        return parts[0] + f"<p>{why}</p>"
    parts.append("<table><tr><th>metric</th><th>realized</th><th>baseline</th><th>bound</th>"
                 "<th>status</th><th>estimated (CBPE)</th><th>± band</th><th>estimate status</th></tr>")
    for r in perf:
        est, band = estimated.get(r.metric), estimated.get(f"{r.metric}_band")
        parts.append(f"<tr class={r.status}>" + "".join(compute_cell(v) for v in (
            r.metric, r.value, baseline.get(r.metric), r.threshold))
            + f"<td class={r.status}>{r.status}</td>"
            + "".join(compute_cell(v) for v in (est.value if est else None, band.value if band else None))
            + (f"<td class={est.status}>{est.status}</td>" if est else "<td></td>") + "</tr>")
    return "".join(parts) + "</table>"


def compute_segments_section(page: WindowPage) -> str:
    segments = [r for r in page.rows if r.segment is not None and r.kind != "tracing"]
    broken = sum(r.is_alert for r in segments)
    return ('<h2 id="segments">Segments</h2><p>Measured and judged per segment value, with bounds '
            f"for the segment's size ({broken} broken rule(s) here; a value with fewer than "
            f"{page.config.min_segment_rows} rows is measured, not judged: skipped).</p>"
            + compute_table(segments, with_segment=True))


SECTIONS: list[Callable[[WindowPage], str]] = [
    compute_header, compute_broken_section, compute_tracing_section, compute_checks_section,
    compute_drift_section, compute_performance_section, compute_segments_section,
]


def write_window_page(config: ModelConfig, window: Window, rows: list[Measurement],
                      sample_note: str, evidently: Path | None,
                      histograms: dict[str, dict[str, list]] | None = None) -> Path:
    """The page from the window's rows; its histograms are kept beside it, so a page rebuilt
    from the store alone (`monitors report`, a late-label refresh) keeps them."""
    folder = compute_window_dir(config, window)
    if histograms is not None:
        write_text(folder / HISTOGRAMS, json.dumps(histograms))
    else:
        kept = load_text(folder / HISTOGRAMS)
        histograms = json.loads(kept) if kept is not None else None
    page = WindowPage(config, window, rows, sample_note, evidently, histograms or {})
    path = folder / "index.html"
    write_text(path, compute_page(f"{config.model} {window}", "".join(s(page) for s in SECTIONS)))
    return path
