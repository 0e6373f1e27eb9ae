"""reports/index.html: every model with its latest window's status and open alerts, from the
summaries the model pages leave beside them."""

from __future__ import annotations

import html
import json
from pathlib import Path

from monitors.reports.pages import compute_page
from monitors.storage.files import load_names, load_text, write_text

SUMMARY = "summary.json"


def write_home(reports: Path) -> Path:
    """reports/index.html: every model with its open alerts (since when) and latest window."""
    summaries = []
    for path in load_names(reports, f"*/{SUMMARY}"):
        try:
            summaries.append(json.loads(load_text(path) or ""))
        except ValueError:  # gone or half-written by an older version: skipped
            continue
    parts = ["<h1>Model monitoring</h1>"]
    if not summaries:
        parts.append("<p>No model has stored windows yet.</p>")
    else:
        parts.append('<table class="models"><tr><th>model</th><th>latest window (UTC)</th><th>status</th>'
                     "<th>open alerts</th><th>open since</th><th>windows with alerts</th>"
                     "<th>windows</th></tr>")
        for s in summaries:
            name = html.escape(str(s["model"]))
            status = s.get("status", "skipped")
            latest = (f'<a href="{name}/{s["latest_key"]}/index.html">{html.escape(s["latest_start"])}</a>'
                      if "latest_key" in s else "")
            parts.append(f'<tr class="model {status}"><td><a href="{name}/index.html">{name}</a></td>'
                         f"<td>{latest}</td><td class={status}>{status}</td>"
                         f"<td>{s.get('open_alerts', 0)}</td><td>{html.escape(s.get('open_since', ''))}</td>"
                         f"<td>{s.get('alert_windows', 0)}</td>"
                         f"<td>{s['windows']}</td></tr>")
        parts.append("</table>")
    path = reports / "index.html"
    write_text(path, compute_page("Model monitoring", "".join(parts)))
    return path

