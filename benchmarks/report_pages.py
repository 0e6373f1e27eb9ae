"""How long writing one window's pages takes as stored windows grow (10, 100, 1000).

    .venv/bin/python benchmarks/report_pages.py

Prints, per size: storing one window (Parquet file + trend file) and writing its page, the
model page and the home page, and the pages' sizes. Pages read the store's one trend file, not
every window's file.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.window_page import write_window_page
from monitors.run.pages import write_model_pages
from monitors.storage.results import replace_window
from monitors.testing import make_config

FEATURES = [f"f{i}" for i in range(25)]


def rows(k: int) -> list[Measurement]:
    out = [Measurement("data_quality", "row_count", 1000.0)]
    out += [Measurement("drift", "wasserstein", 0.02 + (k % 7) / 100, 0.1, "ok", f) for f in FEATURES]
    out += [Measurement("performance", m, 0.8, 0.75, "ok") for m in ("roc_auc", "f1", "accuracy")]
    out += [Measurement("drift", "wasserstein", 0.03, None, "ok", f, f"region={r}") for f in FEATURES
            for r in range(4)]
    return out


def main() -> None:
    for size in (10, 100, 1000):
        home = Path(tempfile.mkdtemp())
        config = make_config(home, "duckdb:///unused.duckdb", **{"checks": None})
        start = datetime(2023, 1, 1, tzinfo=UTC)
        for k in range(size):
            w = Window(start + timedelta(days=k), start + timedelta(days=k + 1))
            replace_window(config.store_path, config.model, w, rows(k), "bench")
        last = Window(start + timedelta(days=size), start + timedelta(days=size + 1))
        t0 = time.perf_counter()
        replace_window(config.store_path, config.model, last, rows(size), "bench")
        t1 = time.perf_counter()
        write_window_page(config, last, rows(size), "benchmark", None, {})
        write_model_pages(config)
        t2 = time.perf_counter()
        pages = sum(1 for _ in (config.reports_path / config.model).glob("*/index.html"))
        sizes = {name: path.stat().st_size / 1024 for name, path in (
            ("model page", config.reports_path / config.model / "index.html"),
            ("window page", config.reports_path / config.model / last.page_key / "index.html"),
            ("home page", config.reports_path / "index.html"))}
        print(f"{size + 1:>5} windows stored: store one window {t1 - t0:.3f} s, its pages "
              f"{t2 - t1:.3f} s (window pages rewritten: {pages}); "
              + ", ".join(f"{name} {kb:,.0f} KB" for name, kb in sizes.items()))


if __name__ == "__main__":
    main()
