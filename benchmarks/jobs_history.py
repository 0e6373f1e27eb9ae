"""Does a window cost more late in a long `monitors run --jobs N` than early? The demo's data
on an hourly schedule (no injected drift or performance drop, every label present, so the
windows are alike), `monitors run --jobs N` over W hourly windows into an empty store, pages
included; each window's completion line is timestamped as it arrives.

    nice .venv/bin/python benchmarks/jobs_history.py [--windows 2000] [--jobs 2] [--sample 100]
                                                     [--lead-days 35]
    .venv/bin/python benchmarks/jobs_history.py --from-files --workdir DIR  # a stopped run's figures

Prints the seconds between completions (the per-window cost at N jobs) averaged over the first
and the last `sample` windows, and their ratio (the target: at most 1.15), measured in one run
(the ratio holds on a shared machine; the absolute seconds do not). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def write_project(root: Path, windows: int, lead_days: int = 0) -> Path:
    """The demo's warehouse over enough days for `windows` hours after `lead_days` days of
    predictions, without drift or drop."""
    from monitors import demo
    from monitors.storage.duckdb_file import write_duckdb_tables

    days = windows // 24 + 2 + lead_days
    scenario = demo.Scenario(days=days, drift_from_day=None, drop_from_day=None, labels_until=None)
    if not (root / "warehouse.duckdb").exists():  # a workdir's warehouse is reused (its store is not)
        write_duckdb_tables(root / "warehouse.duckdb", demo.compute_tables(scenario))
    for stored in ("monitoring", "monitoring.duckdb", "reports"):
        shutil.rmtree(root / stored, ignore_errors=True) if stored != "monitoring.duckdb" else \
            (root / stored).unlink(missing_ok=True)
    shutil.copytree(REPO / "expectations", root / "expectations", dirs_exist_ok=True)
    demo.write_demo_config(root / "demo.yaml")
    config = yaml.safe_load((root / "demo.yaml").read_text())
    config.update(schedule="@hourly")
    path = root / "hourly.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_timed(config: Path, root: Path, windows: int, jobs: int, lead_days: int = 0) -> list[float]:
    """The moment (perf_counter) each window's line arrived."""
    from monitors import demo

    start = demo.START + timedelta(days=lead_days)
    end = start + timedelta(hours=windows)
    as_of = end + timedelta(days=30)  # every label mature: no late-label refresh
    args = [str(BIN / "monitors"), "run", str(config), "--start", start.isoformat(),
            "--end", end.isoformat(), "--as-of", as_of.isoformat(), "--jobs", str(jobs)]
    arrived: list[float] = []
    with subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          env={**os.environ, "MONITORS_HOME": str(root)}) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("["):
                arrived.append(time.perf_counter())
                if len(arrived) % 100 == 0:
                    print(f"  {len(arrived)} windows stored", flush=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"monitors run failed with exit code {proc.returncode}")
    return arrived


def load_file_times(root: Path) -> list[float]:
    """When each window file of a workdir's store was written (its mtime), in order: the
    completions of a run that was stopped before its end."""
    return sorted(path.stat().st_mtime for path in (root / "monitoring" / "results").rglob("*.parquet"))


def show(arrived: list[float], sample: int) -> None:
    gaps = [b - a for a, b in zip(arrived, arrived[1:], strict=False)]
    first, last = gaps[:sample], gaps[-sample:]
    mean_first, mean_last = statistics.mean(first), statistics.mean(last)
    print(f"windows stored: {len(arrived)}; seconds per window (between completions):")
    print(f"  first {len(first)}: mean {mean_first:.3f} s, median {statistics.median(first):.3f} s")
    print(f"  last {len(last)}: mean {mean_last:.3f} s, median {statistics.median(last):.3f} s")
    print(f"  ratio last/first: {mean_last / mean_first:.2f} (mean), "
          f"{statistics.median(last) / statistics.median(first):.2f} (median); "
          f"load average {os.getloadavg()[0]:.2f}")
    blocks = [f"{i}: {statistics.mean(gaps[i:i + sample]):.3f}" for i in range(0, len(gaps), sample)]
    print(f"  mean seconds per window of each {sample} windows, by the first window's index (hours "
          f"since the first window):")
    print("    " + ", ".join(blocks))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--lead-days", type=int, default=0,
                        help="days of predictions before the first window (35: the volume rule's "
                             "training period, 4 weeks of hourly windows, is full from the first window)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--from-files", action="store_true",
                        help="run nothing: the figures of the workdir's window files' write times "
                             "(a run stopped before its end)")
    args = parser.parse_args()
    if args.from_files:
        show(load_file_times(args.workdir), args.sample)
        return
    root = args.workdir or Path(tempfile.mkdtemp(prefix="monitors-jobs-history-"))
    root.mkdir(parents=True, exist_ok=True)
    config = write_project(root, args.windows, args.lead_days)
    print(f"workdir {root}; {args.windows} hourly windows after {args.lead_days} days of predictions, "
          f"--jobs {args.jobs}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    show(run_timed(config, root, args.windows, args.jobs, args.lead_days), args.sample)


if __name__ == "__main__":
    main()
