"""reports/index.html: every model, worst first, with its status now, its open alerts grouped by
rule (value against bound, whole window or segments, since when) and a strip of its last
windows, from the summaries the model pages leave beside them."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from monitors.core.location import Location
from monitors.reports.pages import compute_html, compute_page
from monitors.storage.files import load_names, load_text, write_text

SUMMARY = "summary.json"
STRIP = 30  # windows in a model's strip
RULES_LISTED = 6
RANK = {"alert": 0, "skipped": 1, "ok": 2}


def load_summaries(reports: Location) -> list[dict[str, Any]]:
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


def compute_strip(summary: dict[str, Any]) -> Markup:
    """A model's strip: a cell per window linking its page, its status on hover (formatted here,
    not by the template: 200 models' strips are 6,000 cells)."""
    model = escape(summary["model"])
    return Markup("".join(
        f'<a class="cell {(status := escape(w["status"]))}" href="{model}/{escape(w["key"])}/index.html" '
        f'title="{escape(w["start"])}: {status}, {escape(w["alerts"])} broken rules"></a>'
        for w in summary.get("strip") or []))


def write_home(reports: Location) -> Location:
    """reports/index.html: every model, worst first, with what is wrong now and since when."""
    summaries = load_summaries(reports)
    body = compute_html("home.html", summaries=summaries, strip=STRIP, listed=RULES_LISTED,
                        strips=[compute_strip(s) for s in summaries],
                        alerting=sum(s.get("status") == "alert" for s in summaries))
    path = reports / "index.html"
    write_text(path, compute_page("Model monitoring", body))
    return path
