"""The window's page: a list of sections, each a function of what the page shows (broken rules
first, then where performance dropped, checks, drift per feature with its histogram,
performance against the baseline, segments). A new section is one function in SECTIONS."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from markupsafe import Markup

from monitors.config import ModelConfig
from monitors.core.kinds import Kind
from monitors.core.location import Location
from monitors.core.measurement import Measurement, compute_window_status
from monitors.core.window import Window
from monitors.reports.charts import compute_histogram
from monitors.reports.pages import compute_html, compute_page, compute_table, compute_window_dir
from monitors.reports.text import (
    compute_broken_rules,
    compute_group_text,
    compute_rule_groups,
    compute_rule_text,
    compute_series_notes,
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
    evidently: Location | None
    histograms: dict[str, dict[str, list]]

    @property
    def whole(self) -> list[Measurement]:
        return [r for r in self.rows if r.segment is None]


def compute_header(page: WindowPage) -> Markup:
    status = compute_window_status(page.rows)
    return compute_html("window/header.html", model=page.config.model, window=str(page.window),
                        evidently=page.evidently is not None, mode=page.config.report.evidently,
                        window_arg=f"{page.window.start:%Y-%m-%dT%H:%M}Z", status=status,
                        verdict=compute_verdict(page.rows), note=page.note)


def compute_broken_section(page: WindowPage) -> Markup:
    """Broken rules grouped by rule: the whole window's value and bound, its segments folded."""
    groups = [{"text": compute_group_text(g), "segments": [compute_rule_text(r) for r in g.segments]}
              for g in compute_rule_groups(page.rows)]
    return compute_html("window/broken.html", broken=len(compute_broken_rules(page.rows)), groups=groups)


def compute_tracing_section(page: WindowPage) -> Markup:
    return compute_html("window/tracing.html",
                        traced=compute_tracing_text([r for r in page.rows if r.kind == Kind.TRACING]))


def compute_checks_section(page: WindowPage) -> Markup:
    checks = [r for r in page.whole if r.kind in (Kind.SCHEMA, Kind.DATA_QUALITY, Kind.SERIES)]
    table = compute_table(sorted(checks, key=lambda r: not r.is_alert))
    notes = compute_series_notes(page.whole)
    return Markup('<h2 id="checks">Checks</h2>') + Markup(table) + \
        Markup("").join(Markup("<p>{}</p>").format(n) for n in notes)


def _drift_order(row: Measurement) -> tuple[int, float]:
    """Broken first, then by how close the score is to its bound."""
    ratio = (row.value or 0.0) / row.threshold if row.threshold else 0.0
    return (0 if row.is_alert else 1, -ratio)


def compute_drift_section(page: WindowPage) -> Markup:
    drift_rows = [r for r in page.whole if r.kind == Kind.DRIFT and r.column_name]
    previous: dict[tuple[str | None, str], Measurement] = {(r.column_name, r.metric): r for r in page.whole
                if r.kind == Kind.DRIFT_PREVIOUS and r.column_name}
    judged = [r for r in drift_rows if r.threshold is not None or r.status == "skipped"]
    rows = []
    for r in sorted(judged, key=_drift_order):
        hist = page.histograms.get(str(r.column_name))
        svg = compute_histogram(hist["labels"], hist["reference"], hist["current"], str(r.column_name)) \
            if hist else ""
        others = " · ".join(f"{o.metric} {o.value:.4g}" for o in drift_rows
                            if o.column_name == r.column_name and o is not r and o.value is not None)
        rows.append({"row": r, "others": others, "svg": Markup(svg),  # the SVG escapes its own text
                     "previous": previous.get((r.column_name, r.metric))})
    shares = [r if r.kind == Kind.DRIFT else replace(r, metric=f"{r.metric} vs previous window")
              for r in page.whole if r.kind in (Kind.DRIFT, Kind.DRIFT_PREVIOUS) and not r.column_name]
    return compute_html("window/drift.html", rows=rows, shares=shares, previous=bool(previous))


def compute_performance_section(page: WindowPage) -> Markup:
    baseline = {r.metric: r.value for r in page.whole if r.kind == Kind.BASELINE_PERFORMANCE}
    estimated = {r.metric: r for r in page.whole if r.kind == Kind.ESTIMATED_PERFORMANCE}
    rows = [{"row": r, "baseline": baseline.get(r.metric), "estimate": estimated.get(r.metric),
             "band": estimated.get(f"{r.metric}_band")} for r in page.whole if r.kind == Kind.PERFORMANCE]
    why = "No labels configured (ground_truth)." if page.config.ground_truth is None else \
        "Not measured: the window has no rows."
    return compute_html("window/performance.html", rows=rows, why=why)


def compute_custom_section(page: WindowPage) -> Markup:
    """The custom metrics of the whole window (their segments are in the segments' table), each
    followed by its comparison with the previous window when it has one."""
    baseline = {r.metric: r.value for r in page.whole if r.kind == Kind.BASELINE_CUSTOM}
    previous = {r.metric: replace(r, metric=f"{r.metric} vs previous window")
                for r in page.whole if r.kind == Kind.CUSTOM_PREVIOUS}
    rows = []
    for r in (r for r in page.whole if r.kind == Kind.CUSTOM):
        rows.append({"row": r, "baseline": baseline.get(r.metric)})
        if r.metric in previous:  # its comparison with the previous window, below it
            rows.append({"row": previous[r.metric], "baseline": None})
    return compute_html("window/custom.html", rows=rows)


def compute_segments_section(page: WindowPage) -> Markup:
    segments = [r for r in page.rows if r.segment is not None and r.kind != Kind.TRACING]
    return compute_html("window/segments.html", rows=segments, broken=sum(r.is_alert for r in segments),
                        min_rows=page.config.min_segment_rows)


SECTIONS: list[Callable[[WindowPage], Markup]] = [
    compute_header, compute_broken_section, compute_tracing_section, compute_checks_section,
    compute_drift_section, compute_performance_section, compute_custom_section, compute_segments_section,
]


def write_window_page(config: ModelConfig, window: Window, rows: list[Measurement],
                      sample_note: str, evidently: Location | None,
                      histograms: dict[str, dict[str, list]] | None = None) -> Location:
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
