"""HTML reports: per window, our summary page and an Evidently drift report (on a seeded sample;
its ~3.8 MB JavaScript bundle kept once per reports folder), and reports/index.html listing
every window of every model with its status, built from the store."""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from monitors.alerts import compute_broken_rules, compute_rule_text
from monitors.config import ModelConfig
from monitors.measurement import Measurement
from monitors.window import Window

ASSETS = "assets"
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left}.alert{color:#b00020;font-weight:600}.ok{color:#1b5e20}.skipped{color:#777}"""


def compute_report_key(window: Window) -> str:
    return window.start.strftime("%Y-%m-%dT%H%MZ")


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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{_STYLE}</style></head><body>{body}</body></html>\n")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:.4g}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def write_window_page(config: ModelConfig, window: Window, rows: list[Measurement],
                      sample_note: str, evidently: Path | None) -> Path:
    status = compute_window_status(rows)
    broken = compute_broken_rules(rows)
    parts = [f"<h1>{html.escape(config.model)}: {html.escape(str(window))}</h1>",
             f"<p>Status: <span class={status}>{status}</span>. {html.escape(sample_note)}</p>",
             '<p><a href="../../index.html">All windows</a>']
    if evidently is not None:
        parts.append(f' · <a href="{html.escape(evidently.name)}">Evidently drift report</a>')
    parts.append("</p><h2>Broken rules</h2>")
    if broken:
        parts.append("<ul>" + "".join(f"<li class=alert>{html.escape(compute_rule_text(r))}</li>"
                                      for r in broken) + "</ul>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>All measurements</h2><table><tr><th>kind</th><th>metric</th><th>column</th>"
                 "<th>segment</th><th>value</th><th>threshold</th><th>status</th></tr>")
    for r in rows:
        parts.append("<tr>" + "".join(_cell(v) for v in (
            r.kind, r.metric, r.column_name, r.segment, r.value, r.threshold))
            + f"<td class={r.status}>{r.status}</td></tr>")
    parts.append("</table>")
    path = compute_window_dir(config, window) / "index.html"
    write_text(path, _page(f"{config.model} {window}", "".join(parts)))
    return path


def compute_sample(frame: pd.DataFrame, size: int) -> pd.DataFrame:
    return frame if len(frame) <= size else frame.sample(n=size, random_state=0)


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
    """Evidently's DataDriftPreset on seeded samples of at most report.sample_size rows."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    p = config.predictions
    numerical = [c for c in [*p.features.numerical, p.score]
                 if c in reference.columns and c in current.columns]
    categorical = [c for c in p.features.categorical
                   if c in reference.columns and c in current.columns]
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    size = config.report.sample_size

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        out = compute_sample(frame[numerical + categorical], size).copy()
        for c in numerical:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        for c in categorical:
            out[c] = out[c].astype("string")
        return out.reset_index(drop=True)

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


def write_index(reports: Path, results: pd.DataFrame) -> Path:
    """reports/index.html: every stored window of every model, newest first, with its status."""
    parts = ["<h1>Model monitoring</h1>"]
    if results.empty:
        parts.append("<p>No windows stored yet.</p>")
    for model, group in results.groupby("model", sort=True):
        windows = group.groupby(["window_start", "window_end"], sort=True)
        latest_rows: list[str] = []
        for (start, end), rows in windows:
            alerts = int((rows["status"] == "alert").sum())
            counts = rows[rows["metric"] == "row_count"]["value"]
            status = "alert" if alerts else ("skipped" if counts.empty or not counts.iloc[0]
                                             else "ok")
            key = pd.Timestamp(start).strftime("%Y-%m-%dT%H%MZ")
            link = f"{html.escape(str(model))}/{key}/index.html"
            latest_rows.append(
                f"<tr><td><a href=\"{link}\">{html.escape(str(start))} – {html.escape(str(end))}"
                f"</a></td><td class={status}>{status}</td><td>{alerts}</td></tr>")
        parts.append(f"<h2>{html.escape(str(model))}</h2><table><tr><th>window (UTC)</th>"
                     "<th>status</th><th>broken rules</th></tr>" + "".join(reversed(latest_rows))
                     + "</table>")
    path = reports / "index.html"
    write_text(path, _page("Model monitoring", "".join(parts)))
    return path
