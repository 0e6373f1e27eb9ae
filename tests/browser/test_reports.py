"""The reports in headless Chromium (Debian's, driven by Playwright): opened from disk, no
console errors, charts drawn, alert windows marked, links working, data values escaped.
Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitors.cli import main
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>']


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four daily windows, drift in the last two, category values that are HTML."""
    home = tmp_path_factory.mktemp("reports-project")
    tables = make_tables(seed=12, days=4, rows_per_day=1500, drift_from_day=2)
    for name in ("training_data", "predictions"):
        frame = tables[name]
        frame.loc[frame.index[::5], "region"] = XSS[0]
        frame.loc[frame.index[1::5], "region"] = XSS[1]
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = write_config(home, url, checks=None, **{"report.evidently": "always"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MONITORS_HOME", str(home))
        mp.chdir(home)
        assert main(["run", str(config), "--start", "2026-01-01", "--end", "2026-01-05",
                     "--as-of", "2026-03-01"]) == 1
    return home / "reports"


class Page:
    def __init__(self, browser: Any, path: Path, shot: str) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)


def _links_resolve(page: Any, path: Path) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs
    return [h for h in hrefs if not (path.parent / h).resolve().exists()]


def test_home_page(browser: Any, reports: Path) -> None:
    view = Page(browser, reports / "index.html", "home")
    assert view.errors == [] and view.dialogs == []
    row = view.page.locator("tr.model")
    assert row.count() == 1
    text = row.inner_text()
    assert "credit_risk" in text and "alert" in text and "2026-01-04" in text
    # what is wrong, since when, and the last windows, without scrolling
    rules = row.locator("li.rule")
    assert rules.count() >= 2 and "since 2026-01-03" in rules.first.inner_text()
    assert "drift wasserstein of income" in row.locator("ul.rules").inner_text()
    cells = row.locator(".strip a.cell")
    assert cells.count() == 4 and row.locator(".strip a.cell.alert").count() == 2
    assert cells.nth(3).get_attribute("title").startswith("2026-01-04: alert, ")
    for locator in (rules.first, cells.nth(3)):
        box = locator.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900 and box["width"] > 5
    assert _links_resolve(view.page, reports / "index.html") == []
    view.page.locator("tr.model a", has_text="credit_risk").click()
    view.page.wait_for_load_state("load")
    assert view.page.title() == "credit_risk: monitoring"


def test_model_page_draws_trends_and_marks_alert_windows(browser: Any, reports: Path) -> None:
    path = reports / "credit_risk" / "index.html"
    view = Page(browser, path, "model")
    assert view.errors == [] and view.dialogs == []
    charts = view.page.locator("figure.chart")
    titles = charts.locator("figcaption").all_inner_texts()
    assert "Drift per feature: wasserstein" in titles and "Performance: roc_auc" in titles
    assert {"Label coverage", "Rows per window", "Failed checks (schema and data quality)"} <= set(titles)
    drift = view.page.locator("figure.chart", has_text="Drift per feature: wasserstein")
    income = drift.locator("polyline[data-series='income']")
    assert len(income.get_attribute("points").split()) == 4  # one point per window, drawn
    box = drift.locator("svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert drift.locator("rect.alert-window").count() == 2  # the two drifted windows
    # every tick label inside the chart, none clipped; axis titles with units
    for figure in charts.all():
        svg_box = figure.locator("svg").bounding_box()
        assert svg_box is not None and svg_box["width"] >= 1000  # the page's width, not half
        for tick in figure.locator("text.y-tick, text.x-tick, text.y-title").all():
            box = tick.bounding_box()
            assert box is not None and box["x"] >= svg_box["x"] - 0.5, tick.text_content()
            assert box["x"] + box["width"] <= svg_box["x"] + svg_box["width"] + 0.5, tick.text_content()
    rows_chart = view.page.locator("figure.chart", has_text="Rows per window")
    assert rows_chart.locator("text.y-tick").first.text_content() == "0"
    assert rows_chart.locator("text.y-title").text_content() == "rows"
    assert "e+" not in rows_chart.inner_text()
    # hovering a window shows its values
    svg_box = drift.locator("svg").bounding_box()
    assert svg_box is not None
    view.page.mouse.move(svg_box["x"] + svg_box["width"] - 20, svg_box["y"] + svg_box["height"] / 2)
    assert re.match(r"2026-01-04: .*income 0\.\d+", drift.locator(".hover").inner_text())
    assert drift.locator("circle.alert-point").count() >= 4  # income and debt_ratio, twice
    rows = view.page.locator("tr.window")
    assert rows.count() == 4 and view.page.locator("tr.window.alert").count() == 2
    assert _links_resolve(view.page, path) == []
    view.page.locator("tr.window a", has_text="2026-01-04").click()
    view.page.wait_for_load_state("load")
    assert "2026-01-04 00:00" in view.page.title()


def test_window_page_broken_rules_first_and_histograms(browser: Any, reports: Path) -> None:
    path = reports / "credit_risk" / "2026-01-04T0000Z" / "index.html"
    view = Page(browser, path, "window")
    assert view.errors == [] and view.dialogs == []
    verdict = view.page.locator("p.verdict")
    assert re.match(r"alert: \d+ rules broken: .*drift wasserstein of (income|debt_ratio) = ",
                    verdict.inner_text())
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900  # read without scrolling
    headings = view.page.locator("h2").all_inner_texts()
    assert headings[0].startswith("Broken rules") and headings[1] == "Checks"
    rules = view.page.locator("ul.broken li").all_inner_texts()
    assert any(re.match(r"drift wasserstein of (income|debt_ratio) = [\d.]+ \(bound: < 0\.\d+\)", r) for r in rules)
    first_drift = view.page.locator("#drift + table tr").nth(1).inner_text()
    assert first_drift.split()[0] in {"income", "debt_ratio"}  # sorted by score: drifted first
    assert view.page.locator("svg.histogram rect").count() > 40
    assert _links_resolve(view.page, path) == []


def _wait_for_evidently(view: Page) -> None:
    """Evidently's page draws its widgets with its bundle after the load event: wait until it
    has (what an injected script would have run by)."""
    view.page.wait_for_function("document.querySelectorAll('svg').length > 5", timeout=60_000)


def test_evidently_report_loads_its_shared_bundle(browser: Any, reports: Path) -> None:
    view = Page(browser, reports / "credit_risk" / "2026-01-04T0000Z" / "evidently.html", "evidently")
    _wait_for_evidently(view)
    assert view.errors == [] and view.dialogs == []
    assert view.page.locator("svg").count() > 5  # the report's widgets rendered


def test_html_in_category_values_renders_as_text(browser: Any, reports: Path) -> None:
    pages = [reports / "index.html", reports / "credit_risk" / "index.html",
             reports / "credit_risk" / "2026-01-01T0000Z" / "evidently.html",
             reports / "credit_risk" / "2026-01-01T0000Z" / "index.html"]
    for path in pages:
        view = Page(browser, path, f"xss-{path.parent.name}-{path.stem}")
        if path.name == "evidently.html":  # rendered by its scripts after load: wait until it is
            _wait_for_evidently(view)
        assert view.dialogs == [], path  # no script ran
        assert view.page.locator("img[src=x]").count() == 0
    text = view.page.locator("body").inner_text()
    assert f"region={XSS[0]}" in text and f"region={XSS[1]}" in text  # shown, as text


def test_counts_on_the_pages_equal_the_clis(browser: Any, reports: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pages count is what `monitors results` and `monitors alerts --open` print: broken
    rules per window (segments included) and the model's open alerts."""
    import csv
    import io

    config = reports.parent / "model.yaml"
    monkeypatch.setenv("MONITORS_HOME", str(reports.parent))
    monkeypatch.chdir(reports.parent)
    capsys.readouterr()
    assert main(["results", str(config), "--status", "alert", "--format", "csv"]) == 0
    per_window: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(capsys.readouterr().out)):
        day = row["window_start"][:10]
        per_window[day] = per_window.get(day, 0) + 1
    assert main(["alerts", str(config), "--open"]) == 0
    open_alerts = int(capsys.readouterr().out.strip().splitlines()[-1].split()[0])

    view = Page(browser, reports / "credit_risk" / "index.html", "model-counts")
    shown = {}
    for row in view.page.locator("tr.window").all():
        cells = row.locator("td").all_inner_texts()
        shown[cells[0][:10]] = int(cells[2].split()[0])
    assert shown == {**{day: 0 for day in shown}, **per_window} and sum(per_window.values()) > 0
    home = Page(browser, reports / "index.html", "home-counts")
    assert int(home.page.locator("tr.model td").nth(2).inner_text()) == open_alerts > 0
