"""Pages written after a window is stored: the window's page and Evidently report, the model
page and the home page; and pages rebuilt from the store alone (a late-label refresh,
`monitors report`)."""

from __future__ import annotations

from collections.abc import Iterable

from monitors.config import ModelConfig
from monitors.core.counts import Counts
from monitors.core.location import Location
from monitors.core.measurement import Measurement
from monitors.core.profile import Profile
from monitors.core.window import Window
from monitors.reports.evidently_links import REPORT, load_report_keys
from monitors.reports.histograms import compute_histograms
from monitors.reports.home_page import write_home
from monitors.reports.model_page import RECENT_WINDOWS, write_model_page, write_month_page
from monitors.reports.pages import compute_window_dir
from monitors.reports.window_page import write_window_page
from monitors.run.report import PENDING
from monitors.storage import results
from monitors.storage.results import naive_utc
from monitors.storage.trends import month_of


def write_window_reports(config: ModelConfig, window: Window, rows: list[Measurement],
                         window_counts: Counts, baseline: Profile, pending: bool = False,
                         model_pages: bool = True) -> Location:
    """The window's page (with histograms from the counts), and unless the caller writes them
    once after its windows (`model_pages` False: run.batch), its month's page, the model page
    and the home page; `pending`: its Evidently report follows (run.report), and the page says so."""
    total, base_total = window_counts.rows.get(None, 0), baseline.rows.get(None, 0)
    note = f"Stored values use all {total:,} window rows and {base_total:,} baseline rows."
    page = write_window_page(config, window, rows, note + (PENDING if pending else ""), None,
                             compute_histograms(baseline, window_counts))
    if model_pages:
        write_model_pages(config, [window])
    return page


def write_stored_window_pages(config: ModelConfig, windows: list[Window], note: str,
                              model_pages: bool = True) -> None:
    """Window pages from their stored rows (histograms and Evidently reports kept), then (unless
    the caller writes them) their month pages and the model and home pages."""
    reported = load_report_keys(config.reports_path, config.model, (w.page_key for w in windows))
    for window in windows:
        evidently = compute_window_dir(config, window) / REPORT
        write_window_page(config, window, results.load_window_rows(config.store_path, config.model, window),
                          note, evidently if window.page_key in reported else None)
    if windows and model_pages:
        write_model_pages(config, windows)


def write_model_pages(config: ModelConfig, windows: Iterable[Window] = ()) -> None:
    """The model page from the store's recent trend files, its digest and open alerts (a bounded
    read whatever the history), the month pages of `windows`, and the home page over all models."""
    store, model = config.store_path, config.model
    for month in sorted({month_of(naive_utc(w.start)) for w in windows}):
        write_month_page(config.reports_path, model, month, results.load_month_trend(store, model, month))
    open_alerts = results.load_open_alerts(store, model).to_dict("records")
    write_model_page(config.reports_path, model, results.load_recent_trend(store, model, RECENT_WINDOWS),
                     open_alerts, results.load_digest(store, model))
    write_home(config.reports_path)
