"""What every page shares: the HTML shell and style, table cells, where a window's pages live."""

from __future__ import annotations

import html
import math
from pathlib import Path

from monitors.config import ModelConfig
from monitors.core.measurement import Measurement
from monitors.core.window import Window

STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}td,th{border:1px solid #ccc;
padding:.25rem .5rem;text-align:left;vertical-align:top}.alert{color:#b00020;font-weight:600}
.ok{color:#1b5e20}.skipped{color:#777}figure.chart{margin:1rem 0}figcaption{font-weight:600}
.legend{font-size:.8rem}.legend-item{margin-right:.8rem}li.rule{margin:.2rem 0}
ul.rules{margin:0;padding-left:1rem}.where{color:#555;font-weight:400}.strip{display:flex;gap:2px}
.strip .cell{display:inline-block;width:9px;height:18px;background:#bbb}
.strip .cell.alert{background:#b00020}.strip .cell.ok{background:#2e7d32}
figure.chart svg{display:block;max-width:100%}.hover{font-size:.8rem;color:#333;min-height:1.2em}"""


def compute_window_dir(config: ModelConfig, window: Window) -> Path:
    return config.reports_path / config.model / window.page_key


def compute_window_link(config: ModelConfig, window: Window) -> str:
    """Where people open the window's page: under reports_url when the reports are served, else
    the file's path."""
    if config.reports_url:
        return f"{config.reports_url.rstrip('/')}/{config.model}/{window.page_key}/index.html"
    return str(compute_window_dir(config, window) / "index.html")


def compute_page(title: str, body: str, script: str = "") -> str:
    """The page; `script`: inline JavaScript run at the end of the body (chart hover)."""
    tail = f"<script>{script}</script>" if script else ""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>{body}{tail}</body></html>\n")


def compute_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:.4g}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def compute_table(rows: list[Measurement], with_segment: bool = False) -> str:
    head = "<tr><th>metric</th><th>column</th>" + ("<th>segment</th>" if with_segment else "") + \
        "<th>value</th><th>bound</th><th>status</th></tr>"
    body = []
    for r in rows:
        cells = [r.metric, r.column_name] + ([r.segment] if with_segment else []) + [r.value, r.threshold]
        body.append(f"<tr class={r.status}>" + "".join(compute_cell(v) for v in cells)
                    + f"<td class={r.status}>{r.status}</td></tr>")
    return "<table>" + head + "".join(body) + "</table>" if rows else "<p>None.</p>"
