"""`monitors ...`: for people, and for runs without a scheduler.

Exit codes: 0 all windows fine, 1 a window broke a rule, 2 bad input or environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from monitors.cli_args import compute_parser
from monitors.cli_scaffold import run_expectations_init, run_scaffold_command
from monitors.config import ModelConfig, load_config, load_monitors_home
from monitors.config_series import compute_series_configs
from monitors.core.errors import MonitorsError
from monitors.core.window import (
    Window,
    compute_local,
    compute_utc,
    compute_windows,
    compute_zone,
    iter_windows,
)

EXIT_BROKEN = 1
EXIT_ERROR = 2


def run_windows(config: ModelConfig, start: datetime, end: datetime, as_of: datetime | None,
                reports: bool = True, jobs: int = 1, out: TextIO | None = None) -> int:
    """Monitor each window (oldest first; `jobs` processes at once), printing a line per window,
    then refresh earlier windows whose labels are still arriving; prints the alerts once every
    window is stored, before the Evidently reports are waited for; returns how many windows
    broke a rule (in this run, or through labels that arrived since they ran). A report that
    failed is a warning on stderr: its window is stored."""
    from monitors.run.batch import Batch, WindowResult, run_batch

    stream = out or sys.stdout
    windows = compute_windows(config.schedule, start, end, config.timezone)
    if not windows:  # a range that measures nothing is a mistake to point at, not a success
        first = next(iter_windows(config.schedule, start, start + timedelta(days=800), config.timezone), None)
        hint = (f"; the first one from --start is {first.start:%Y-%m-%d %H:%M} to "
                f"{first.end:%Y-%m-%d %H:%M} UTC") if first else ""
        raise MonitorsError(f"model {config.model}: no complete {config.schedule} window in "
                            f"[{start}, {end}){hint}")

    def show(i: int, window: Window, result: WindowResult) -> None:
        print(f"[{i}/{len(windows)}] {config.model} {window}: {result.status}, {result.rows} rows, "
              f"{result.broken} broken rule(s)", file=stream, flush=True)

    def alert(batch: Batch) -> None:
        if batch.refreshed:
            print(f"refreshed the realized performance of {len(batch.refreshed)} earlier window(s) whose "
                  "labels are still arriving", file=stream)
        for message in batch.messages:
            print("\n" + message, file=stream, flush=True)

    batch = run_batch(config, windows, as_of or datetime.now(UTC),  # one moment for every window
                      reports, max(1, min(jobs, len(windows))), show, alert)
    if reports:
        print(f"\nreports: {config.reports_path / 'index.html'}", file=stream)
    for warning in batch.warnings:  # the results are stored; a page or report is not
        print(f"warning: {warning}", file=sys.stderr)
    return len(batch.messages)


def run_every_series(configs: list[ModelConfig], start: datetime, end: datetime,
                     as_of: datetime | None, reports: bool = True, jobs: int = 1) -> int:
    """run_windows for each series of a config (the primary schedule's, then each granularity's),
    at one moment; a series with no complete window in the range is left out (said so), unless
    none has one. Returns how many windows broke a rule."""
    moment = as_of or datetime.now(UTC)
    measured = [c for c in configs if compute_windows(c.schedule, start, end, c.timezone)] or configs[:1]
    for config in configs:
        if config not in measured:
            print(f"model {config.model}: no complete {config.schedule} window in [{start}, {end}); "
                  "skipped", flush=True)
    return sum(run_windows(c, start, end, moment, reports, jobs) for c in measured)


def _demo(home: Path | None, jobs: int) -> int:
    from monitors import demo
    from monitors.run.suite import write_profiled_suite
    from monitors.warehouse.engine import resolved_warehouse_url

    home = (home or load_monitors_home()).resolve()
    config_path = home / "dags" / "models" / "credit_risk.yaml"
    if not config_path.exists():
        demo.write_demo_config(config_path)
    config = load_config(config_path, home=home)
    database = resolved_warehouse_url(config.warehouse, home).database
    if not database:
        raise MonitorsError(f"{config_path}: warehouse: the demo needs a DuckDB file URL")
    sizes = demo.write_demo_warehouse(Path(database))
    print(f"demo warehouse: {sizes['predictions']:,} predictions, {sizes['outcomes']:,} labels, "
          f"{sizes['training_data']:,} training rows", flush=True)
    suite = config.suite_path
    if suite is not None and not suite.exists():
        write_profiled_suite(config)
        print(f"wrote expectation suite {suite}")
    end = demo.START + timedelta(days=demo.DAYS)
    broken = run_windows(config, demo.START, end, demo.AS_OF, jobs=jobs)
    print(f"{broken} of {demo.DAYS} windows broke a rule (the demo injects drift and a "
          f"performance drop)")
    print(f"report: {config.reports_path / 'index.html'}")
    return 0


def _results(config: ModelConfig, args: argparse.Namespace) -> int:
    """The stored rows as CSV or JSON; naive --start/--end are wall time in the schedule's
    timezone, as for `monitors run`. A reader that stops early (`| head`) ends it quietly."""
    from monitors.storage.catalog import ResultFilter
    from monitors.storage.results import load_results

    zone = compute_zone(config.timezone)
    start, end = (None if t is None else compute_utc(compute_local(t, zone)).replace(tzinfo=None)
                  for t in (args.start, args.end))
    chosen = compute_series_configs(config, args.granularity)[0].model if args.granularity else config.model
    frame = load_results(config.store_path, chosen,
                         ResultFilter(start, end, tuple(args.kind), tuple(args.status)),
                         every_series=args.granularity is None)
    try:
        if args.format == "json":
            sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
        else:
            frame.to_csv(sys.stdout, index=False)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader is gone: point stdout at devnull so the interpreter's final flush is silent
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _alerts(config: ModelConfig, open_only: bool, granularity: str | None) -> int:
    """One line per alert episode, open ones first; each series of the config in turn."""
    from monitors.reports.text import compute_episode_text
    from monitors.storage.results import load_alerts

    for series in compute_series_configs(config, granularity):
        episodes = load_alerts(series.store_path, series.model, open_only)
        for episode in episodes.to_dict("records"):
            print(compute_episode_text(episode))
        which = "open " if open_only else ""
        print(f"{len(episodes)} {which}alert episode(s) of model {series.model}")
    return 0


def _report(config: ModelConfig, args: argparse.Namespace) -> int:
    """Every window page, the model page and the home page, from the store alone; or one
    window's (--window), with its Evidently report rendered from the warehouse (--evidently)."""
    from monitors.run.pages import write_model_pages, write_stored_window_pages
    from monitors.storage import results

    if args.evidently and args.window is None:
        raise MonitorsError("--evidently renders one window's report: give --window")
    if args.window is not None:  # the primary schedule's window, or --granularity's
        return _report_window(compute_series_configs(config, args.granularity)[0], args.window,
                              args.evidently, args.as_of)
    for series in compute_series_configs(config, args.granularity):
        results.rebuild_model(series.store_path, series.model)
        windows = results.load_windows(series.store_path, series.model)
        write_stored_window_pages(series, windows, "Rebuilt from the store.")
        write_model_pages(series)  # also when the store holds no window yet
        print(f"rebuilt {len(windows)} window pages; {series.reports_path / series.model / 'index.html'}")
    return 0


def _store(config: ModelConfig, action: str, before: str | None) -> int:
    """`store rebuild`: each series' derived state from its results (what `report` does before
    the pages); `store compact`: months before `before` folded into month files."""
    from monitors.storage import results

    now = datetime.now(UTC)
    month = before or f"{now.year - (now.month == 1)}-{(now.month - 2) % 12 + 1:02d}"
    for series in compute_series_configs(config):
        if action == "rebuild":
            results.rebuild_model(series.store_path, series.model)
            print(f"rebuilt the trend, digest and alert state of model {series.model} from its results")
            continue
        done = results.write_compacted(series.store_path, series.model, month)
        print(f"model {series.model}: {done.folded} window files folded into {done.months} month files "
              f"(months before {month})" + (f"; {done.left} left: rewritten meanwhile" if done.left else ""))
    return 0


def _report_window(config: ModelConfig, start: datetime, evidently: bool, as_of: datetime | None) -> int:
    from monitors.reports.pages import compute_window_dir
    from monitors.run.pages import write_model_pages, write_stored_window_pages
    from monitors.run.report import run_evidently_report
    from monitors.storage import results

    zone = compute_zone(config.timezone)
    begin = compute_utc(compute_local(start, zone))
    stored = results.load_windows(config.store_path, config.model)
    window = next((w for w in stored if w.start == begin), None)
    if window is None:
        raise MonitorsError(f"model {config.model}: no stored window starts at {begin:%Y-%m-%d %H:%M} UTC; "
                            f"run it first (monitors run)")
    if evidently and not run_evidently_report(config, None, window, compute_utc(as_of) if as_of else
                                              datetime.now(UTC)):
        raise MonitorsError(f"model {config.model}, window {window}: no rows to report on")
    if evidently:  # its page rewritten with the report's link
        write_model_pages(config)
    else:
        write_stored_window_pages(config, [window], "Rebuilt from the store.")
    print(compute_window_dir(config, window) / "index.html")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = compute_parser(__doc__).parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args.home, args.jobs)
        if args.command in ("init", "schema"):
            return run_scaffold_command(args)
        config = load_config(args.config)
        if args.command == "run":
            if compute_utc(args.end) <= compute_utc(args.start):
                raise MonitorsError(f"--end {args.end} must be after --start {args.start}")
            as_of = compute_utc(args.as_of) if args.as_of else None
            broken = run_every_series(compute_series_configs(config, args.granularity), args.start,
                                      args.end, as_of, not args.no_report, args.jobs)
            return EXIT_BROKEN if broken else 0
        if args.command == "results":
            return _results(config, args)
        if args.command == "alerts":
            return _alerts(config, args.open, args.granularity)
        if args.command == "report":
            return _report(config, args)
        if args.command == "store":
            return _store(config, args.action, getattr(args, "before", None))
        return run_expectations_init(config, args.force)
    except MonitorsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
