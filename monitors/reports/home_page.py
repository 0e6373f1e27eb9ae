"""reports/index.html: every model, worst first, with its status now, its open alerts grouped by
rule (value against bound, whole window or segments, since when) and a strip of its last
windows, from the summaries the model pages leave beside them."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from monitors.reports.pages import compute_page
from monitors.storage.files import load_names, load_text, write_text

SUMMARY = "summary.json"
STRIP = 30  # windows in a model's strip
RULES_LISTED = 6
RANK = {"alert": 0, "skipped": 1, "ok": 2}


def load_summaries(reports: Path) -> list[dict[str, Any]]:
    """The models' summaries, worst first: alerting, then not judged, then ok; more open alerts
    first."""
    summaries = []
    for path in load_names(reports, f"*/{SUMMARY}"):
        try:
            summaries.append(json.loads(load_text(path) or ""))
        except ValueError:  # gone or half-written by an older version: skipped
            continue
    return sorted(summaries, key=lambda s: (RANK.get(s.get("status", "skipped"), 1),
                                            -int(s.get("open_alerts", 0)), str(s["model"])))


def compute_rules_cell(summary: dict[str, Any]) -> str:
    rules = summary.get("rules", [])
    items = [f'<li class="rule">{html.escape(r["rule"])} <span class="where">({html.escape(r["where"])}, '
             f"since {html.escape(r['since'])})</span></li>" for r in rules[:RULES_LISTED]]
    if len(rules) > RULES_LISTED:
        items.append(f"<li>and {len(rules) - RULES_LISTED} more on the model's page</li>")
    return f"<ul class=rules>{''.join(items)}</ul>" if items else ""


def compute_strip(summary: dict[str, Any]) -> str:
    """The last windows as cells, oldest first, each a link to its page with its date, status and
    broken rules on hover."""
    name = html.escape(str(summary["model"]))
    cells = [f'<a class="cell {w["status"]}" href="{name}/{w["key"]}/index.html" '
             f'title="{html.escape(w["start"])}: {w["status"]}, {html.escape(w["alerts"])} broken rules">'
             f"</a>" for w in summary.get("strip", [])]
    return f'<span class="strip">{"".join(cells)}</span>'


def write_home(reports: Path) -> Path:
    """reports/index.html: every model, worst first, with what is wrong now and since when."""
    summaries = load_summaries(reports)
    alerting = sum(s.get("status") == "alert" for s in summaries)
    parts = ["<h1>Model monitoring</h1>"]
    if not summaries:
        parts.append("<p>No model has stored windows yet.</p>")
    else:
        parts.append(f"<p>{alerting} of {len(summaries)} model{'s' if len(summaries) != 1 else ''} "
                     f"alerting.</p>")
        parts.append('<table class="models"><tr><th>model</th><th>status</th><th>open alerts</th>'
                     "<th>open since</th><th>rules broken now</th>"
                     f"<th>last {STRIP} windows</th><th>latest window (UTC)</th>"
                     "<th>windows with alerts</th><th>windows</th></tr>")
        for s in summaries:
            name = html.escape(str(s["model"]))
            status = s.get("status", "skipped")
            latest = (f'<a href="{name}/{s["latest_key"]}/index.html">{html.escape(s["latest_start"])}</a>'
                      if "latest_key" in s else "")
            parts.append(f'<tr class="model {status}"><td><a href="{name}/index.html">{name}</a></td>'
                         f"<td class={status}>{status}</td><td>{s.get('open_alerts', 0)}</td>"
                         f"<td>{html.escape(s.get('open_since', ''))}</td><td>{compute_rules_cell(s)}</td>"
                         f"<td>{compute_strip(s)}</td><td>{latest}</td>"
                         f"<td>{s.get('alert_windows', 0)}</td><td>{s['windows']}</td></tr>")
        parts.append("</table>")
    path = reports / "index.html"
    write_text(path, compute_page("Model monitoring", "".join(parts)))
    return path
