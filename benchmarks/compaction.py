"""What compaction buys: a local store filled with N hourly windows holding a real demo window's
rows (benchmarks/history.py's fill), then, before and after `monitors store compact` folds every
month before the last into month files: the result files, a full scan of the view
(`SELECT count(*), avg(value) FROM monitor_results`), one model's month (`... WHERE model = ?
AND window_start in a month`), and the rebuild of the derived state (`monitors store rebuild`,
what `monitors report` does before the pages); and the compaction itself. Asserts nothing.

    nice .venv/bin/python benchmarks/compaction.py --windows 43800 [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from history import MEASURED, compute_seed_rows, fill, write_project  # type: ignore[import-not-found]

SCAN = "SELECT count(*), avg(value) FROM monitor_results"
MONTH = ("SELECT count(*), avg(value) FROM monitor_results WHERE model = 'credit_risk' "
         "AND window_start >= ? AND window_start < ?")


def time_reads(store: Path, model: str, month: tuple[Any, Any]) -> dict[str, float]:
    import duckdb

    from monitors.storage import results

    figures: dict[str, float] = {}
    files = list((store.parent / store.stem / "results").rglob("*.parquet"))
    figures["files"] = len(files)
    with duckdb.connect(str(store), read_only=True) as con:
        started = time.perf_counter()
        rows, _ = con.execute(SCAN).fetchone()  # type: ignore[misc]
        figures["scan"] = time.perf_counter() - started
        figures["rows"] = rows
        started = time.perf_counter()
        con.execute(MONTH, list(month)).fetchone()
        figures["month"] = time.perf_counter() - started
    started = time.perf_counter()
    results.rebuild_model(store, model)
    figures["rebuild"] = time.perf_counter() - started
    return figures


def show(label: str, figures: dict[str, float]) -> None:
    print(f"{label}: {figures['files']:,.0f} result files, {figures['rows']:,.0f} rows; full scan "
          f"{figures['scan']:.2f} s, one model's month {figures['month']:.2f} s, rebuild "
          f"{figures['rebuild']:.1f} s; load average {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    from monitors.config import load_config
    from monitors.storage import catalog, results

    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=43_800)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="monitors-compaction-"))
    root.mkdir(parents=True, exist_ok=True)
    seed = compute_seed_rows(root)
    name = f"n{args.windows}"
    config_path = write_project(root, f"{name}/monitoring.duckdb", f"{name}/reports", name)
    config = load_config(config_path, home=root)
    folder = root / name / "monitoring" / "results"

    def write(batch: dict[str, bytes]) -> None:
        for path, data in batch.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(data)

    fill(seed, str(folder), args.windows, write)
    catalog.replace_catalog(config.store_path, folder)
    first = MEASURED - timedelta(hours=args.windows)
    month_start = (first.replace(day=1) + timedelta(days=40)).replace(day=1)  # the first complete month
    month = (month_start, (month_start + timedelta(days=40)).replace(day=1))
    print(f"workdir {root}; {args.windows:,} hourly windows of {seed.num_rows} rows; the month "
          f"queried starts {month_start:%Y-%m}", flush=True)
    show("before compaction", time_reads(config.store_path, config.model, month))
    started = time.perf_counter()
    done = results.write_compacted(config.store_path, config.model, f"{MEASURED:%Y-%m}")
    took = time.perf_counter() - started
    print(f"compaction: {done.folded:,} window files into {done.months} month files in {took:.1f} s; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    show("after compaction", time_reads(config.store_path, config.model, month))


if __name__ == "__main__":
    main()
