"""Our SVG model page against the same charts drawn with plotly, at 10, 100 and 1001 windows.

    .venv/bin/python benchmarks/chart_weight.py [--sizes 10,100,1001]

Per size: a store of N windows (25 features' drift, 3 performance metrics, as
benchmarks/report_pages.py), our model page, and a page of the same charts (the same series per
chart) with plotly, its 4.6 MB bundle kept once beside the page as Evidently's is. Prints each
page's bytes (and the bundle's), the time to write it, and the time Chromium takes from
navigation until every chart is drawn. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from report_pages import rows  # type: ignore[import-not-found]

from monitors.core.window import Window, compute_moment_label
from monitors.reports.model_page import compute_trend_index, compute_window_table, write_model_page
from monitors.storage.results import load_trend, replace_window
from monitors.testing import make_config


def write_plotly_page(folder: Path, trend: object) -> Path:
    """The model page's charts as plotly figures: one per drift score and per metric."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    table = compute_window_table(trend)  # type: ignore[arg-type]
    labels = [compute_moment_label(w) for w in table["window_start"]]
    windows = [int(w) for w in table["window_start"].astype("int64")]
    index = compute_trend_index(trend)  # type: ignore[arg-type]
    groups: dict[str, list[tuple[str, list[float | None]]]] = {}
    for (kind, metric, column), found in index.items():
        if kind in ("drift", "performance", "data_quality"):
            values = [found[w][0] if w in found else None for w in windows]
            groups.setdefault(f"{kind}: {metric}", []).append((column or metric, values))
    (folder / "plotly.min.js").write_text(get_plotlyjs())
    divs = []
    for k, (title, series) in enumerate(sorted(groups.items())):
        figure = go.Figure([go.Scatter(x=labels, y=v, name=n, mode="lines") for n, v in series])
        figure.update_layout(title=title, height=260, margin={"l": 60, "r": 20, "t": 40, "b": 40})
        divs.append(figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"c{k}"))
    page = folder / "plotly.html"
    page.write_text("<!doctype html><html><head><meta charset=utf-8><script src=plotly.min.js></script>"
                    f"</head><body>{''.join(divs)}</body></html>")
    return page


def time_in_chromium(page: Path, selector: str, count: int) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        view = browser.new_page(viewport={"width": 1400, "height": 900})
        started = time.perf_counter()
        view.goto(page.as_uri())
        view.wait_for_function(f"document.querySelectorAll({selector!r}).length >= {count}", timeout=120_000)
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1001")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        home = Path(tempfile.mkdtemp())
        config = make_config(home, "duckdb:///unused.duckdb", **{"checks": None})
        start = datetime(2023, 1, 1, tzinfo=UTC)
        for k in range(size):
            replace_window(config.store_path, config.model,
                           Window(start + timedelta(days=k), start + timedelta(days=k + 1)), rows(k), "bench")
        trend = load_trend(config.store_path, config.model)
        t0 = time.perf_counter()
        ours = write_model_page(config.reports_path, config.model, trend)
        t1 = time.perf_counter()
        theirs = write_plotly_page(ours.parent, trend)
        t2 = time.perf_counter()
        charts = ours.read_text().count('<figure class="chart"')
        plotly_charts = theirs.read_text().count('class="plotly-graph-div"')
        print(f"{size:>5} windows: SVG page {ours.stat().st_size / 1024:,.0f} KB, "
              f"written in {t1 - t0:.2f} s, "
              f"drawn in {time_in_chromium(ours, 'figure.chart svg', charts):.2f} s ({charts} charts); "
              f"plotly page {theirs.stat().st_size / 1024:,.0f} KB + bundle "
              f"{(ours.parent / 'plotly.min.js').stat().st_size / 1024:,.0f} KB, written in {t2 - t1:.2f} s, "
              f"drawn in {time_in_chromium(theirs, '.plotly-graph-div .scatterlayer', plotly_charts):.2f} s "
              f"({plotly_charts} charts)", flush=True)


if __name__ == "__main__":
    main()
