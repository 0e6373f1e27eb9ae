"""Pages written after a window is stored: the window's page and Evidently report, the model
page and the home page; and pages rebuilt from the store alone (a late-label refresh,
`monitors report`)."""

from __future__ import annotations

from monitors.config import ModelConfig
from monitors.core.counts import Counts
from monitors.core.location import Location
from monitors.core.measurement import Measurement
from monitors.core.profile import Profile
from monitors.core.window import Window
from monitors.reports.histograms import compute_histograms
from monitors.reports.home_page import write_home
from monitors.reports.model_page import RECENT_WINDOWS, write_model_page, write_month_page
from monitors.reports.pages import compute_window_dir
from monitors.reports.window_page import write_window_page
from monitors.run.report import PENDING
from monitors.storage import results
from monitors.storage.files import load_exists
from monitors.storage.results import naive_utc
from monitors.storage.trends import month_of


def write_window_reports(config: ModelConfig, window: Window, rows: list[Measurement],
                         window_counts: Counts, baseline: Profile, pending: bool = False) -> Location:
    """The window's page (with histograms from the counts), the model page, the home page;
    `pending`: its Evidently report follows (run.report), and the page says so."""
    total, base_total = window_counts.rows.get(None, 0), baseline.rows.get(None, 0)
    note = f"Stored values use all {total:,} window rows and {base_total:,} baseline rows."
    page = write_window_page(config, window, rows, note + (PENDING if pending else ""), None,
                             compute_histograms(baseline, window_counts))
    write_model_pages(config, window)
    return page


def write_stored_window_pages(config: ModelConfig, windows: list[Window], note: str) -> None:
    """Window pages from their stored rows (histograms and Evidently reports kept), then the
    model and home pages."""
    for window in windows:
        evidently = compute_window_dir(config, window) / "evidently.html"
        write_window_page(config, window, results.load_window_rows(config.store_path, config.model, window),
                          note, evidently if load_exists(evidently) else None)
    for month in sorted({month_of(naive_utc(w.start)) for w in windows}):
        write_month_page(config.reports_path, config.model, month,
                         results.load_month_trend(config.store_path, config.model, month))
    if windows:
        write_model_pages(config)


def write_model_pages(config: ModelConfig, window: Window | None = None) -> None:
    """The model page from the store's recent trend files, its digest and open alerts (a bounded
    read whatever the history), the month page of `window`, and the home page over all models."""
    store, model = config.store_path, config.model
    if window is not None:
        month = month_of(naive_utc(window.start))
        write_month_page(config.reports_path, model, month, results.load_month_trend(store, model, month))
    open_alerts = results.load_open_alerts(store, model).to_dict("records")
    write_model_page(config.reports_path, model, results.load_recent_trend(store, model, RECENT_WINDOWS),
                     open_alerts, results.load_digest(store, model))
    write_home(config.reports_path)
