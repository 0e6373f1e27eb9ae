"""What every page shares: the HTML shell and style, table cells, where a window's pages live."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from monitors.config import ModelConfig
from monitors.core.location import Location
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


def compute_window_dir(config: ModelConfig, window: Window) -> Location:
    return config.reports_path / config.model / window.page_key


def compute_window_link(config: ModelConfig, window: Window) -> str:
    """Where people open the window's page: under reports_url when the reports are served, else
    the file's path."""
    if config.reports_url:
        return f"{config.reports_url.rstrip('/')}/{config.model}/{window.page_key}/index.html"
    return str(compute_window_dir(config, window) / "index.html")


@cache
def _environment() -> jinja2.Environment:
    """Templates in reports/templates, every value escaped unless it is Markup (our own SVG)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("monitors.reports", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def compute_html(template: str, **values: Any) -> Markup:
    """A template rendered with `values` (escaped; pass markup we built as Markup)."""
    return Markup(_environment().get_template(template).render(**values))


def compute_page(title: str, body: str, script: str = "") -> str:
    """The page around `body` (markup); `script`: inline JavaScript run at the end (chart hover)."""
    return str(compute_html("page.html", title=title, style=Markup(STYLE), body=Markup(body),
                            script=Markup(script)))


def compute_table(rows: list[Measurement], with_segment: bool = False) -> str:
    macros = _environment().get_template("macros.html").module
    return str(macros.table(rows, with_segment))  # type: ignore[attr-defined]
