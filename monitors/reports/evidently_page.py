"""Evidently's DataDriftPreset report of a window, on the seeded samples of both sides; its ~3.8 MB
JavaScript bundle is kept once per reports folder (reports/assets/)."""

from __future__ import annotations

import hashlib
import html
import re
import tempfile
from pathlib import Path

import pandas as pd

from monitors.config import ModelConfig
from monitors.core.location import Location
from monitors.core.window import Window
from monitors.reports.evidently_links import REPORT, write_report_link
from monitors.reports.pages import compute_window_dir
from monitors.storage.files import load_exists, write_text

ASSETS = "assets"
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _share_bundle(page: str, reports: Location, depth: int) -> str:
    """Move the largest inline script (Evidently's bundle) to reports/assets, once."""
    scripts = list(_SCRIPT.finditer(page))
    if not scripts:
        return page
    biggest = max(scripts, key=lambda m: len(m.group(1)))
    code = biggest.group(1)
    if len(code) < 100_000:
        return page
    name = f"evidently-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    asset = reports / ASSETS / name
    if not load_exists(asset):
        write_text(asset, code)
    src = "../" * depth + f"{ASSETS}/{name}"
    return page[:biggest.start()] + f'<script src="{src}"></script>' + page[biggest.end():]


def load_evidently() -> None:
    """Evidently imported (the report's fixed cost, ~5 s), by a process that renders reports later."""
    import evidently.presets  # noqa: F401


def write_evidently_report(config: ModelConfig, window: Window, reference: pd.DataFrame,
                           current: pd.DataFrame) -> Location:
    """Evidently's DataDriftPreset on the seeded samples (frames.load_sample)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    p = config.predictions
    numerical = [c for c in [*p.features.numerical, *p.outputs]
                 if c in reference.columns and c in current.columns]
    categorical = [c for c in p.features.categorical
                   if c in reference.columns and c in current.columns]
    # Evidently 0.7 puts category values and column names into its page as HTML (a value
    # `<script>alert(1)</script>` runs): hand it escaped text, which it then shows as written.
    names = {c: html.escape(c) for c in numerical + categorical}
    definition = DataDefinition(numerical_columns=[names[c] for c in numerical],
                                categorical_columns=[names[c] for c in categorical])
    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[numerical + categorical].copy()
        for c in numerical:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        for c in categorical:
            out[c] = out[c].astype("string").map(html.escape, na_action="ignore").astype("string")
        return out.rename(columns=names).reset_index(drop=True)

    snapshot = Report([DataDriftPreset(drift_share=config.drift.max_drifted_share)]).run(
        current_data=Dataset.from_pandas(prepare(current), data_definition=definition),
        reference_data=Dataset.from_pandas(prepare(reference), data_definition=definition),
    )
    with tempfile.TemporaryDirectory(prefix="monitors-evidently-") as scratch:  # Evidently saves to a file
        raw = Path(scratch) / "report.html"
        snapshot.save_html(str(raw))
        page = raw.read_text(encoding="utf-8")
    path = compute_window_dir(config, window) / REPORT
    write_text(path, _share_bundle(page, config.reports_path, depth=2))
    write_report_link(config.reports_path, config.model, window.page_key)
    return path
