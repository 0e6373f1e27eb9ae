"""Charts as inline SVG, computed in Python: no CDN, nothing to vendor; pages open from disk or
any static server. A line chart reads like a time-series panel: a y axis with a title and unit,
round ticks (never scientific, thousands separated), dated x ticks, bounds as dashed red lines,
alert windows shaded, values not judged yet drawn hollow, and every window's values on hover
(HOVER_SCRIPT, a few lines of inline script; alert points also carry an SVG <title>). Every text
that came from data is escaped."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 1040, 250
RIGHT, TOP, BOTTOM = 16, 14, 46  # the bottom holds the x ticks and the x axis title
TICK_CHAR = 6.8  # px per character of an 11px tick label (tests/browser measures the real boxes)
X_TICKS = 8
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
          "#bcbd22", "#7f7f7f", "#d62728"]
ALERT = "#d62728"
X_TITLE = "window start (UTC)"


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    alerts: Sequence[bool] = field(default_factory=list)
    dashed: bool = False
    color: str | None = None
    judged: Sequence[bool] = field(default_factory=list)  # False: measured, not judged (hollow)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def compute_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering [low, high]; `whole`:
    steps of at least 1 (counts)."""
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if whole else step
    first = math.floor(low / step + 1e-9) * step
    return [first + k * step for k in range(int(math.ceil((high - first) / step - 1e-9)) + 1)]


def compute_tick_text(value: float, step: float) -> str:
    """A tick's label: as many decimals as the step needs, thousands separated, never 1e+03."""
    decimals = 0
    while decimals < 12 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class _Frame:
    """Where values and windows land on a line chart."""

    n: int
    ticks: tuple[float, ...]
    left: float

    @property
    def low(self) -> float:
        return self.ticks[0]

    @property
    def high(self) -> float:
        return self.ticks[-1]

    @property
    def plot_w(self) -> float:
        return WIDTH - self.left - RIGHT

    @property
    def plot_h(self) -> float:
        return HEIGHT - TOP - BOTTOM

    @property
    def step(self) -> float:
        return self.plot_w / max(self.n - 1, 1)

    def x(self, i: int) -> float:
        return self.left + (i * self.step if self.n > 1 else self.plot_w / 2)

    def y(self, v: float) -> float:
        return TOP + self.plot_h * (1 - (v - self.low) / (self.high - self.low))


def _frame(n: int, numbers: list[float], counts: bool) -> tuple[_Frame, list[str]]:
    low, high = min(numbers), max(numbers)
    if counts:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-12 and counts:  # all zero: counts never go below it
        high = low + 1.0
    elif high - low < 1e-12:
        low, high = low - (abs(low) * 0.1 or 0.5), high + (abs(high) * 0.1 or 0.5)
    ticks = compute_ticks(low, high, whole=counts)
    texts = [compute_tick_text(t, ticks[1] - ticks[0]) for t in ticks]
    left = 30 + TICK_CHAR * max(map(len, texts))
    return _Frame(n, tuple(ticks), left), texts


def _axes(frame: _Frame, tick_texts: list[str], x_labels: Sequence[str], alert_windows: Sequence[bool],
          y_title: str) -> list[str]:
    """Alert windows as shaded bands, grid lines at the y ticks, the axes and their titles, and
    up to X_TICKS dated windows."""
    parts = []
    band = max(frame.step, 2.0)
    for i, flagged in enumerate(alert_windows):
        if flagged:
            parts.append(f'<rect class="alert-window" x="{frame.x(i) - band / 2:.1f}" y="{TOP}" '
                         f'width="{band:.1f}" height="{frame.plot_h}" fill="{ALERT}" opacity="0.08"/>')
    bottom = TOP + frame.plot_h
    for value, text in zip(frame.ticks, tick_texts, strict=True):
        y = frame.y(value)
        parts.append(f'<line x1="{frame.left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text class="y-tick" x="{frame.left - 5:.1f}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{text}</text>')
    parts.append(f'<line x1="{frame.left}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#999"/>'
                 f'<line x1="{frame.left}" y1="{TOP}" x2="{frame.left}" y2="{bottom}" stroke="#999"/>')
    shown = sorted({round(k * (frame.n - 1) / (X_TICKS - 1)) for k in range(X_TICKS)}) if frame.n > 1 else [0]
    ends = {0: "start", frame.n - 1: "end"} if frame.n > 1 else {}
    for i in shown:
        anchor = ends.get(i, "middle")
        parts.append(f'<line x1="{frame.x(i):.1f}" y1="{bottom}" x2="{frame.x(i):.1f}" y2="{bottom + 4}" '
                     f'stroke="#999"/><text class="x-tick" x="{frame.x(i):.1f}" y="{bottom + 16}" '
                     f'text-anchor="{anchor}" font-size="11">{html.escape(x_labels[i])}</text>')
    middle = TOP + frame.plot_h / 2
    parts.append(f'<text class="y-title" x="12" y="{middle:.1f}" transform="rotate(-90 12 {middle:.1f})" '
                 f'text-anchor="middle" font-size="11" fill="#555">{html.escape(y_title)}</text>'
                 f'<text class="x-title" x="{frame.left + frame.plot_w / 2:.1f}" y="{HEIGHT - 6}" '
                 f'text-anchor="middle" font-size="11" fill="#555">{X_TITLE}</text>')
    return parts


def _series(frame: _Frame, s: Series, color: str, x_labels: Sequence[str]) -> list[str]:
    """One series: polylines between missing values (a lone value as a point), alert points,
    hollow points where the value was not judged."""
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
    for i, v in enumerate(s.values):
        if v is None or not math.isfinite(v):
            continue
        where = f'cx="{frame.x(i):.1f}" cy="{frame.y(v):.1f}"'
        if i < len(s.alerts) and s.alerts[i]:
            parts.append(f'<circle class="alert-point" {where} r="3.5" fill="{ALERT}"><title>'
                         f'{html.escape(x_labels[i])}: {html.escape(s.name)} = {_fmt(v)}</title></circle>')
        elif i < len(s.judged) and not s.judged[i]:
            parts.append(f'<circle class="pending-point" {where} r="3" fill="#fff" stroke="{color}" '
                         'stroke-width="1.4"/>')
    return parts


def _hover_data(x_labels: Sequence[str], series: Sequence[Series], frame: _Frame) -> str:
    """What the hover script shows per window, as JSON safe inside a <script> element."""
    data = {"first": frame.x(0), "step": frame.step, "top": TOP, "bottom": TOP + frame.plot_h,
            "labels": list(x_labels),
            "series": [{"name": s.name, "values": [None if v is None or not math.isfinite(v) else
                                                   float(f"{v:.4g}") for v in s.values]}
                       for s in series]}
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def compute_line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series],
                       alert_windows: Sequence[bool] = (), y_title: str = "", counts: bool = False) -> str:
    """A line chart over windows: one polyline per series (dashed for baselines and bounds),
    alert points as red circles, alert windows as shaded bands, values not judged hollow;
    `y_title` names the axis and its unit; `counts` starts it at 0 with whole-number ticks."""
    n = len(x_labels)
    numbers = [v for s in series for v in _finite(s.values)]
    esc_title = html.escape(title)
    if n == 0 or not numbers:
        return (f'<figure class="chart empty"><figcaption>{esc_title}</figcaption>'
                "<p>No values stored yet.</p></figure>")
    frame, tick_texts = _frame(n, numbers, counts)
    parts = [f'<figure class="chart" data-points="{n}"><figcaption>{esc_title}</figcaption>',
             f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{esc_title}" '
             'xmlns="http://www.w3.org/2000/svg">',
             *_axes(frame, tick_texts, x_labels, alert_windows, y_title)]
    legend = []
    for k, s in enumerate(series):
        color = s.color or COLORS[k % len(COLORS)]
        parts += _series(frame, s, color, x_labels)
        legend.append(f'<span class="legend-item"><span style="color:{color}">&#9632;</span> '
                      f'{html.escape(s.name)}{" (dashed)" if s.dashed else ""}</span>')
    if any(len(s.judged) and not all(s.judged) for s in series):
        legend.append('<span class="legend-item">&#9675; not judged yet (labels arriving, or too few)</span>')
    if any(alert_windows):
        legend.append(f'<span class="legend-item"><span style="color:{ALERT}">&#9679;</span> broke its '
                      "bound; shaded: a window that broke a rule</span>")
    parts.append('<line class="hover-line" x1="0" x2="0" y1="0" y2="0" stroke="#888" visibility="hidden"/>'
                 "</svg>")
    parts.append(f'<div class="legend">{" ".join(legend)}</div><div class="hover"></div>'
                 f'<script type="application/json" class="chart-data">{_hover_data(x_labels, series, frame)}'
                 "</script></figure>")
    return "".join(parts)


HOVER_SCRIPT = """document.querySelectorAll('figure.chart').forEach(function (fig) {
  var svg = fig.querySelector('svg'), box = fig.querySelector('.hover'),
      line = fig.querySelector('.hover-line'),
      data = JSON.parse(fig.querySelector('.chart-data').textContent);
  if (!svg) return;
  svg.addEventListener('mousemove', function (e) {
    var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;
    var x = p.matrixTransform(svg.getScreenCTM().inverse()).x;
    var i = Math.max(0, Math.min(data.labels.length - 1, Math.round((x - data.first) / data.step)));
    var gx = data.first + i * data.step;
    line.setAttribute('x1', gx); line.setAttribute('x2', gx); line.setAttribute('y1', data.top);
    line.setAttribute('y2', data.bottom); line.setAttribute('visibility', 'visible');
    box.textContent = data.labels[i] + ': ' + data.series
      .filter(function (s) { return s.values[i] !== null; })
      .map(function (s) { return s.name + ' ' + s.values[i]; }).join(' · ');
  });
});"""


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
