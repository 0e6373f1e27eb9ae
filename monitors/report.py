"""HTML reports: per window, our summary page and an Evidently drift report (on a seeded sample;
its ~3.8 MB JavaScript bundle kept once per reports folder), and reports/index.html listing
every window of every model with its status, built from the store."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pandas as pd

from monitors.alerts import compute_broken_rules, compute_rule_text
from monitors.charts import compute_histogram
from monitors.config import ModelConfig
from monitors.histogram import Counts
from monitors.measurement import Measurement
from monitors.profile import Profile
from monitors.scores import compute_value_slots
from monitors.store import replace_file
from monitors.tracing import compute_tracing_text
from monitors.window import Window

ASSETS = "assets"
HISTOGRAMS = "histograms.json"
HISTOGRAM_BINS = 20
TOP_CATEGORIES = 10
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}td,th{border:1px solid #ccc;
padding:.25rem .5rem;text-align:left;vertical-align:top}.alert{color:#b00020;font-weight:600}
.ok{color:#1b5e20}.skipped{color:#777}figure.chart{margin:1rem 0}figcaption{font-weight:600}
.legend{font-size:.8rem}.legend-item{margin-right:.8rem}li.rule{margin:.2rem 0}"""


def compute_report_key(window: Window | datetime) -> str:
    start = window.start if isinstance(window, Window) else window
    return start.strftime("%Y-%m-%dT%H%MZ")


def compute_window_dir(config: ModelConfig, window: Window) -> Path:
    return config.reports_path / config.model / compute_report_key(window)


def compute_window_status(rows: Iterable[Measurement]) -> str:
    rows = list(rows)
    if any(r.is_alert for r in rows):
        return "alert"
    counts = [r for r in rows if r.metric == "row_count"]
    if counts and not counts[0].value:
        return "skipped"
    return "ok"


def write_text(path: Path, text: str) -> None:
    """Atomic write: readers (and a web server) never see half a page."""
    replace_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def compute_page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>{body}</body></html>\n")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:.4g}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def _table(rows: list[Measurement], with_segment: bool = False) -> str:
    head = "<tr><th>metric</th><th>column</th>" + ("<th>segment</th>" if with_segment else "") + \
        "<th>value</th><th>bound</th><th>status</th></tr>"
    body = []
    for r in rows:
        cells = [r.metric, r.column_name] + ([r.segment] if with_segment else []) + [r.value, r.threshold]
        body.append(f"<tr class={r.status}>" + "".join(_cell(v) for v in cells)
                    + f"<td class={r.status}>{r.status}</td></tr>")
    return "<table>" + head + "".join(body) + "</table>" if rows else "<p>None.</p>"


def _drift_order(row: Measurement) -> tuple[int, float]:
    """Broken first, then by how close the score is to its bound."""
    ratio = (row.value or 0.0) / row.threshold if row.threshold else 0.0
    return (0 if row.is_alert else 1, -ratio)


def compute_histograms(config: ModelConfig, baseline: Profile, window_counts: Counts
                       ) -> dict[str, dict[str, list]]:
    """Baseline-vs-window shares per feature, from the counts: numbers in equal-width bins over
    the baseline's 1st-99th percentile (the ends take the rest), the top categories plus
    `other`."""
    import numpy as np

    out: dict[str, dict[str, list]] = {}
    for column, shape in baseline.shapes.items():
        reference = baseline.slots.get((None, column))
        current = baseline.compute_slots(window_counts, (None, column))
        if reference is None or current is None:
            continue
        ref, cur = compute_value_slots(shape, reference), compute_value_slots(shape, current)
        if not ref.sum() or not cur.sum():
            continue
        if shape.bins is not None:
            b = shape.bins
            cumulative = np.cumsum(ref) / ref.sum()  # slots: under, bins, over
            first, last = int(np.searchsorted(cumulative, 0.01)), int(np.searchsorted(cumulative, 0.99))
            low = b.low + max(first - 1, 0) * b.width
            high = max(b.low + last * b.width, low + b.width)
            edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
            inner = b.low + (np.arange(len(ref) - 2) + 0.5) * b.width
            centers = np.r_[b.low - b.width, inner, b.high + b.width]
            display = np.clip(np.searchsorted(edges, centers, side="right") - 1, 0, HISTOGRAM_BINS - 1)
            shares = [np.bincount(display, weights=v, minlength=HISTOGRAM_BINS) / v.sum() for v in (ref, cur)]
            labels = [f"{e:.4g}" for e in edges[:-1]]
        else:
            names = [*baseline.values[column], "other"]
            top = min(TOP_CATEGORIES, len(names) - 1)
            shares = [np.r_[v[:top], v[top:].sum()] / v.sum() for v in (ref, cur)]
            labels = [*names[:top], "other"]
        out[column] = {"labels": labels, "reference": [float(x) for x in shares[0]],
                       "current": [float(x) for x in shares[1]]}
    return out


def write_window_page(config: ModelConfig, window: Window, rows: list[Measurement],
                      sample_note: str, evidently: Path | None,
                      histograms: dict[str, dict[str, list]] | None = None) -> Path:
    """Broken rules first (what, value, bound), then checks, drift per feature (sorted by score,
    with its histogram), performance against the baseline, segments."""
    folder = compute_window_dir(config, window)
    if histograms is not None:
        write_text(folder / HISTOGRAMS, json.dumps(histograms))
    elif (folder / HISTOGRAMS).exists():
        histograms = json.loads((folder / HISTOGRAMS).read_text())
    histograms = histograms or {}
    status = compute_window_status(rows)
    broken = compute_broken_rules(rows)
    whole = [r for r in rows if r.segment is None]
    parts = ['<p><a href="../../index.html">All models</a> · <a href="../index.html">'
             f"{html.escape(config.model)}: all windows</a>",
             ' · <a href="evidently.html">Evidently drift report</a>' if evidently else "",
             f"</p><h1>{html.escape(config.model)}: {html.escape(str(window))}</h1>",
             f"<p>Status: <span class={status}>{status}</span>. {html.escape(sample_note)}</p>",
             f'<h2 id="broken">Broken rules ({len(broken)})</h2>']
    items = "".join(f"<li class='rule alert'>{html.escape(compute_rule_text(r))}</li>" for r in broken)
    parts.append(f"<ul class=broken>{items}</ul>" if broken else "<p>None.</p>")
    traced = compute_tracing_text([r for r in rows if r.kind == "tracing"])
    if traced:
        parts.append('<h2 id="tracing">Where performance dropped</h2><ol class=tracing>'
                     + "".join(f"<li>{html.escape(t)}</li>" for t in traced) + "</ol>")
    parts.append('<h2 id="checks">Checks</h2>')
    checks_rows = [r for r in whole if r.kind in ("schema", "data_quality")]
    parts.append(_table(sorted(checks_rows, key=lambda r: not r.is_alert)))
    parts.append('<h2 id="drift">Drift per feature</h2><table><tr><th>column</th><th>method</th>'
                 "<th>value</th><th>bound</th><th>status</th><th>other scores</th>"
                 "<th>baseline (grey) vs window (blue)</th></tr>")
    drift_rows = [r for r in whole if r.kind == "drift" and r.column_name]
    judged = [r for r in drift_rows if r.threshold is not None or r.status == "skipped"]
    for r in sorted(judged, key=_drift_order):
        hist = histograms.get(str(r.column_name))
        svg = compute_histogram(hist["labels"], hist["reference"], hist["current"], str(r.column_name)) \
            if hist else ""
        others = " · ".join(f"{o.metric} {o.value:.4g}" for o in drift_rows
                            if o.column_name == r.column_name and o is not r and o.value is not None)
        parts.append(f"<tr class={r.status}>" + "".join(_cell(v) for v in (r.column_name, r.metric, r.value,
                                                                             r.threshold))
                     + f"<td class={r.status}>{r.status}</td><td>{html.escape(others)}</td>"
                     f"<td>{svg}</td></tr>")
    parts.append("</table><p>Bounds are calibrated to the window's size (at most "
                 "drift.false_alert_rate of undrifted windows break one), never below the "
                 "effect-size floor.</p>")
    parts.append(_table([r for r in whole if r.kind == "drift" and not r.column_name]))
    parts.append('<h2 id="performance">Performance against the baseline</h2>')
    baseline = {r.metric: r.value for r in whole if r.kind == "baseline_performance"}
    estimated = {r.metric: r for r in whole if r.kind == "estimated_performance"}
    perf = [r for r in whole if r.kind == "performance"]
    if perf:
        parts.append("<table><tr><th>metric</th><th>realized</th><th>baseline</th><th>bound</th>"
                     "<th>status</th><th>estimated (CBPE)</th><th>± band</th><th>estimate status</th></tr>")
        for r in perf:
            est = estimated.get(r.metric)
            band = estimated.get(f"{r.metric}_band")
            parts.append(f"<tr class={r.status}>" + "".join(_cell(v) for v in (
                r.metric, r.value, baseline.get(r.metric), r.threshold))
                + f"<td class={r.status}>{r.status}</td>"
                + "".join(_cell(v) for v in (est.value if est else None, band.value if band else None))
                + (f"<td class={est.status}>{est.status}</td>" if est else "<td></td>") + "</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No labels configured.</p>")
    segments = [r for r in rows if r.segment is not None and r.kind != "tracing"]
    parts.append('<h2 id="segments">Segments</h2><p>Measured per segment value; not judged '
                 "(no per-segment bounds yet).</p>" + _table(segments, with_segment=True))
    path = folder / "index.html"
    write_text(path, compute_page(f"{config.model} {window}", "".join(parts)))
    return path


def _share_bundle(page: str, reports: Path, depth: int) -> str:
    """Move the largest inline script (Evidently's bundle) to reports/assets, once."""
    scripts = list(_SCRIPT.finditer(page))
    if not scripts:
        return page
    biggest = max(scripts, key=lambda m: len(m.group(1)))
    code = biggest.group(1)
    if len(code) < 100_000:
        return page
    name = f"evidently-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    asset = reports / ASSETS / name
    if not asset.exists():
        write_text(asset, code)
    src = "../" * depth + f"{ASSETS}/{name}"
    return page[:biggest.start()] + f'<script src="{src}"></script>' + page[biggest.end():]


def write_evidently_report(config: ModelConfig, window: Window, reference: pd.DataFrame,
                           current: pd.DataFrame) -> Path:
    """Evidently's DataDriftPreset on the seeded samples (frames.load_sample)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    p = config.predictions
    numerical = [c for c in [*p.features.numerical, p.score]
                 if c in reference.columns and c in current.columns]
    categorical = [c for c in p.features.categorical
                   if c in reference.columns and c in current.columns]
    # Evidently 0.7 puts category values and column names into its page as HTML (a value
    # `<script>alert(1)</script>` runs): hand it escaped text, which it then shows as written.
    names = {c: html.escape(c) for c in numerical + categorical}
    definition = DataDefinition(numerical_columns=[names[c] for c in numerical],
                                categorical_columns=[names[c] for c in categorical])
    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[numerical + categorical].copy()
        for c in numerical:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        for c in categorical:
            out[c] = out[c].astype("string").map(html.escape, na_action="ignore").astype("string")
        return out.rename(columns=names).reset_index(drop=True)

    snapshot = Report([DataDriftPreset(drift_share=config.drift.max_drifted_share)]).run(
        current_data=Dataset.from_pandas(prepare(current), data_definition=definition),
        reference_data=Dataset.from_pandas(prepare(reference), data_definition=definition),
    )
    folder = compute_window_dir(config, window)
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / f".evidently.{os.getpid()}.raw.html"
    snapshot.save_html(str(raw))
    page = raw.read_text(encoding="utf-8")
    raw.unlink()
    path = folder / "evidently.html"
    write_text(path, _share_bundle(page, config.reports_path, depth=2))
    return path
