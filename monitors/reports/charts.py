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


@dataclass(frozen=True)
class _Frame:
    """Where values and windows land on a line chart."""

    n: int
    low: float
    high: float
    pad: float

    @property
    def plot_w(self) -> float:
        return WIDTH - LEFT - RIGHT

    @property
    def plot_h(self) -> float:
        return HEIGHT - TOP - BOTTOM

    @property
    def step(self) -> float:
        return self.plot_w / max(self.n - 1, 1)

    def x(self, i: int) -> float:
        return LEFT + (i * self.step if self.n > 1 else self.plot_w / 2)

    def y(self, v: float) -> float:
        return TOP + self.plot_h * (1 - (v - self.low) / (self.high - self.low))


def _axes(frame: _Frame, x_labels: Sequence[str], alert_windows: Sequence[bool]) -> list[str]:
    """Alert windows as shaded bands, the axes, the y range's ends and the first and last window."""
    parts = []
    band = max(frame.step, 2.0)
    for i, flagged in enumerate(alert_windows):
        if flagged:
            parts.append(f'<rect class="alert-window" x="{frame.x(i) - band / 2:.1f}" y="{TOP}" '
                         f'width="{band:.1f}" height="{frame.plot_h}" fill="{ALERT}" opacity="0.08"/>')
    bottom = TOP + frame.plot_h
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#999"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#999"/>')
    for value, anchor in ((frame.high - frame.pad, "top"), (frame.low + frame.pad, "bottom")):
        parts.append(f'<text x="{LEFT - 4}" y="{frame.y(value) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" class="tick-{anchor}">{_fmt(value)}</text>')
    for i, anchor in sorted({0: "start", frame.n - 1: "end"}.items()):
        parts.append(f'<text x="{frame.x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="11">'
                     f'{html.escape(x_labels[i])}</text>')
    return parts


def _series(frame: _Frame, s: Series, color: str, x_labels: Sequence[str]) -> list[str]:
    """One series: polylines between missing values (a lone value as a point), alert points."""
    parts = []
    dash = ' stroke-dasharray="5 4"' if s.dashed else ""
    runs: list[list[str]] = [[]]
    for i, v in enumerate(s.values):
        if v is None or not math.isfinite(v):
            runs.append([])
        else:
            runs[-1].append(f"{frame.x(i):.1f},{frame.y(v):.1f}")
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
            parts.append(f'<circle class="alert-point" cx="{frame.x(i):.1f}" cy="{frame.y(v):.1f}" r="3.5" '
                         f'fill="{ALERT}"><title>{html.escape(x_labels[i])}: '
                         f'{html.escape(s.name)} = {_fmt(v)}</title></circle>')
    return parts


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
    frame = _Frame(n, low - pad, high + pad, pad)
    parts = [f'<figure class="chart" data-points="{n}"><figcaption>{esc_title}</figcaption>',
             f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{esc_title}" xmlns="http://www.w3.org/2000/svg">',
             *_axes(frame, x_labels, alert_windows)]
    legend = []
    for k, s in enumerate(series):
        color = s.color or COLORS[k % len(COLORS)]
        parts += _series(frame, s, color, x_labels)
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
