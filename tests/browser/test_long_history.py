"""The model page of five years of hourly windows (43,800) in headless Chromium: it stays small,
loads without errors, draws the latest windows in full and the whole history per month, and
links every month's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from monitors.core.kinds import reference_of
from monitors.reports.model_page import RECENT_WINDOWS, write_model_page
from monitors.storage.results import SCHEMA
from monitors.storage.trends import WINDOWS_KIND, digest_table

from . import test_reports
from .test_reports import Page

browser = test_reports.browser  # the same Chromium fixture

HOURS = 43_800


def compute_history() -> pa.Table:
    """Seeded hourly rows: volume, drifted share and roc_auc, with a bad stretch in year 3."""
    rng = np.random.default_rng(29)
    starts = pd.date_range("2021-01-01", periods=HOURS, freq="h").to_numpy()
    bad = (np.arange(HOURS) // 24 % 365 > 200) & (np.arange(HOURS) // 8760 == 2)
    series = {("data_quality", "row_count"): (rng.poisson(500, HOURS).astype(float), np.full(HOURS, 100.0)),
              ("drift", "drifted_share"): (rng.uniform(0, 0.4, HOURS) + 0.5 * bad, np.full(HOURS, 0.5)),
              ("performance", "roc_auc"): (0.8 - 0.1 * bad + rng.normal(0, 0.01, HOURS), np.full(HOURS, 0.75))}
    tables = []
    for (kind, metric), (values, bounds) in series.items():
        broken = values < bounds if metric != "drifted_share" else values > bounds
        status = np.where(broken & (metric != "row_count"), "alert", "ok")
        tables.append(pa.table({
            "model": ["m"] * HOURS, "window_start": starts, "window_end": starts + np.timedelta64(1, "h"),
            "kind": [kind] * HOURS, "metric": [metric] * HOURS, "column_name": pa.nulls(HOURS, pa.string()),
            "segment": pa.nulls(HOURS, pa.string()), "value": values, "threshold": bounds, "status": status,
            "run_id": ["r"] * HOURS, "computed_at": starts,
            "reference": pa.array([reference_of(kind)] * HOURS, pa.string()),
            "granularity": pa.nulls(HOURS, pa.string())}).cast(SCHEMA))
    return pa.concat_tables(tables)


def test_a_model_page_over_five_years_of_hourly_windows_stays_small_and_draws(browser: Any, tmp_path: Path
                                                                             ) -> None:
    rows = compute_history()
    recent = rows.to_pandas()
    recent = recent[recent["window_start"] >= sorted(recent["window_start"].unique())[-RECENT_WINDOWS]]
    digest = digest_table(rows).to_pandas()
    assert int(digest[digest["kind"] == WINDOWS_KIND]["windows"].sum()) == HOURS
    path = write_model_page(tmp_path, "m", recent, [], digest)
    assert path.stat().st_size < 1_500_000
    view = Page(browser, path, "model-five-years")
    assert view.errors == [] and view.dialogs == []
    text = view.page.inner_text("body")
    assert f"{HOURS:,}".replace(",", "") in text.replace(",", "") and "The latest 90 windows" in text
    titles = view.page.locator("figure.chart figcaption").all_inner_texts()
    assert "Windows in alert per month" in titles  # 262 weeks: over 200 points, so months
    assert "Performance: roc_auc (per month: lowest and highest)" in titles
    history = view.page.locator("figure.chart", has_text="Share of drifted features (per month")
    points = history.locator("polyline").first.get_attribute("points").split()
    assert pd.to_datetime(digest["day"]).dt.to_period("W").nunique() == 262
    assert len(points) == pd.to_datetime(digest["day"]).dt.to_period("M").nunique() == 60
    assert history.locator("rect.alert-window").count() > 0  # year 3's bad stretch marked
    box = history.locator("svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert view.page.locator("table.windows tr.window").count() == RECENT_WINDOWS
    months = view.page.locator("table.months a")
    assert months.count() == 60 and months.first.get_attribute("href") == "months/2025-12.html"
