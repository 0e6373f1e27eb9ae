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
from monitors.reports.model_page import write_model_page
from monitors.reports.pages import compute_window_dir
from monitors.reports.window_page import write_window_page
from monitors.run.report import PENDING
from monitors.storage import results
from monitors.storage.files import load_exists


def write_window_reports(config: ModelConfig, window: Window, rows: list[Measurement],
                         window_counts: Counts, baseline: Profile, pending: bool = False) -> Location:
    """The window's page (with histograms from the counts), the model page, the home page;
    `pending`: its Evidently report follows (run.report), and the page says so."""
    total, base_total = window_counts.rows.get(None, 0), baseline.rows.get(None, 0)
    note = f"Stored values use all {total:,} window rows and {base_total:,} baseline rows."
    page = write_window_page(config, window, rows, note + (PENDING if pending else ""), None,
                             compute_histograms(baseline, window_counts))
    write_model_pages(config)
    return page


def write_stored_window_pages(config: ModelConfig, windows: list[Window], note: str) -> None:
    """Window pages from their stored rows (histograms and Evidently reports kept), then the
    model and home pages."""
    for window in windows:
        evidently = compute_window_dir(config, window) / "evidently.html"
        write_window_page(config, window, results.load_window_rows(config.store_path, config.model, window),
                          note, evidently if load_exists(evidently) else None)
    if windows:
        write_model_pages(config)


def write_model_pages(config: ModelConfig) -> None:
    """The model page from the store's trend file, and the home page over all models."""
    open_alerts = results.load_alerts(config.store_path, config.model, open_only=True).to_dict("records")
    write_model_page(config.reports_path, config.model, results.load_trend(config.store_path, config.model),
                     open_alerts)
    write_home(config.reports_path)
