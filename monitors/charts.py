"""Charts as inline SVG, computed in Python: no JavaScript, no CDN, nothing to vendor; pages open
from disk or any static server. Every text that came from data is escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
          "#bcbd22", "#7f7f7f", "#d62728"]
ALERT = "#d62728"


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    alerts: Sequence[bool] = field(default_factory=list)
    dashed: bool = False
    color: str | None = None


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def compute_line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series],
                       alert_windows: Sequence[bool] = ()) -> str:
    """A line chart over windows: one polyline per series (dashed for baselines and bounds),
    alert points as red circles, alert windows as shaded bands."""
    n = len(x_labels)
    numbers = [v for s in series for v in _finite(s.values)]
    esc_title = html.escape(title)
    if n == 0 or not numbers:
        return (f'<figure class="chart empty"><figcaption>{esc_title}</figcaption>'
                "<p>No values stored yet.</p></figure>")
    low, high = min(numbers), max(numbers)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<figure class="chart" data-points="{n}"><figcaption>{esc_title}</figcaption>',
             f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{esc_title}" xmlns="http://www.w3.org/2000/svg">']
    band = max(step, 2.0)
    for i, flagged in enumerate(alert_windows):
        if flagged:
            parts.append(f'<rect class="alert-window" x="{x(i) - band / 2:.1f}" y="{TOP}" '
                         f'width="{band:.1f}" height="{plot_h}" fill="{ALERT}" opacity="0.08"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
                 'stroke="#999"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#999"/>')
    for value, anchor in ((high - pad, "top"), (low + pad, "bottom")):
        parts.append(f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" class="tick-{anchor}">{_fmt(value)}</text>')
    for i, anchor in sorted({0: "start", n - 1: "end"}.items()):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="11">'
                     f'{html.escape(x_labels[i])}</text>')
    legend = []
    for k, s in enumerate(series):
        color = s.color or COLORS[k % len(COLORS)]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None or not math.isfinite(v):
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="series" data-series="{html.escape(s.name)}" '
                             f'points="{" ".join(run)}" fill="none" stroke="{color}" '
                             f'stroke-width="1.6"{dash}/>')
            elif len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle class="series-point" cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
        for i, flagged in enumerate(s.alerts):
            v = s.values[i] if i < len(s.values) else None
            if flagged and v is not None and math.isfinite(v):
                parts.append(f'<circle class="alert-point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" '
                             f'fill="{ALERT}"><title>{html.escape(x_labels[i])}: '
                             f'{html.escape(s.name)} = {_fmt(v)}</title></circle>')
        legend.append(f'<span class="legend-item"><span style="color:{color}">&#9632;</span> '
                      f'{html.escape(s.name)}</span>')
    parts.append("</svg>")
    parts.append(f'<div class="legend">{" ".join(legend)}</div></figure>')
    return "".join(parts)


def compute_histogram(labels: Sequence[str], reference: Sequence[float], current: Sequence[float],
                      title: str = "") -> str:
    """Baseline vs window shares per bin or category, as paired bars."""
    n = len(labels)
    if n == 0:
        return ""
    width, height, bottom = 360, 120, 18
    top = max([*reference, *current, 1e-9])
    slot = (width - 8) / n
    bar = max(slot / 2 - 1, 1)
    parts = [f'<svg class="histogram" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{html.escape(title)}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i in range(n):
        for j, (shares, color, name) in enumerate(((reference, "#9e9e9e", "baseline"),
                                                   (current, "#1f77b4", "window"))):
            h = (height - bottom - 4) * (shares[i] / top)
            parts.append(f'<rect x="{4 + i * slot + j * (bar + 1):.1f}" y="{height - bottom - h:.1f}" '
                         f'width="{bar:.1f}" height="{h:.1f}" fill="{color}"><title>'
                         f'{html.escape(labels[i])} ({name}): {shares[i]:.1%}</title></rect>')
    parts.append(f'<text x="4" y="{height - 4}" font-size="10">{html.escape(labels[0])}</text>')
    parts.append(f'<text x="{width - 4}" y="{height - 4}" font-size="10" text-anchor="end">'
                 f'{html.escape(labels[-1])}</text></svg>')
    return "".join(parts)
