"""`monitors ...`: for people, and for runs without a scheduler.

Exit codes: 0 all windows fine, 1 a window broke a rule, 2 bad input or environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from monitors.cli_args import compute_parser
from monitors.cli_scaffold import run_expectations_init, run_scaffold_command
from monitors.config import ModelConfig, load_config, load_monitors_home
from monitors.core.errors import MonitorsError
from monitors.core.window import (
    Window,
    compute_local,
    compute_utc,
    compute_windows,
    compute_zone,
    iter_windows,
)

if TYPE_CHECKING:
    from monitors.run.labels import Refreshed

EXIT_BROKEN = 1
EXIT_ERROR = 2
WindowResult = tuple[str, int, int, str | None]  # status, rows, broken rules, report error


_WORKER: dict[str, object] = {}


def _start_worker(config: ModelConfig, as_of: datetime) -> None:
    from monitors.run.reference import load_reference
    from monitors.warehouse.engine import create_warehouse_engine

    engine = create_warehouse_engine(config)
    try:
        baseline = load_reference(engine, config, as_of)
    except BaseException:
        engine.dispose()
        raise
    _WORKER.update(config=config, engine=engine, as_of=as_of, baseline=baseline)


def _stop_worker() -> None:
    engine = _WORKER.pop("engine", None)
    if engine is not None:
        engine.dispose()  # type: ignore[attr-defined]
    beside = _WORKER.pop("beside", None)
    if beside is not None:
        beside.close()  # type: ignore[attr-defined]
    _WORKER.clear()


def _run_in_worker(window: Window, run_id: str, reports: bool) -> WindowResult:
    from monitors.run.window import run_window

    summary = run_window(
        _WORKER["config"], window, engine=_WORKER["engine"],  # type: ignore[arg-type]
        baseline=_WORKER["baseline"], run_id=run_id,  # type: ignore[arg-type]
        as_of=_WORKER["as_of"], write_reports=reports,  # type: ignore[arg-type]
        beside=_WORKER.get("beside"))  # type: ignore[arg-type]
    return summary.status, summary.row_count, len(summary.broken), summary.report_error


def _run_all(config: ModelConfig, windows: list[Window], as_of: datetime, run_id: str, reports: bool,
             jobs: int, show: Callable[[int, Window, WindowResult], None]) -> list[Refreshed]:
    """Each window (in `jobs` processes), then the late-label refresh of earlier windows."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from monitors.run import labels
    from monitors.run.beside import ChecksBeside

    try:
        if jobs == 1 and ChecksBeside.available(config):  # the suite on the second core,
            _WORKER["beside"] = ChecksBeside()  # forked before any warehouse connection opens
        _start_worker(config, as_of)  # this process: the windows when jobs == 1, then the refresh
        if jobs == 1:
            for i, window in enumerate(windows, 1):
                show(i, window, _run_in_worker(window, run_id, reports))
        else:
            with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"),
                                     initializer=_start_worker, initargs=(config, as_of)) as pool:
                futures = [pool.submit(_run_in_worker, w, run_id, reports) for w in windows]
                for i, (window, future) in enumerate(zip(windows, futures, strict=True), 1):
                    show(i, window, future.result())
        return labels.run_refresh_maturing(
            config, _WORKER["engine"], _WORKER["baseline"], as_of,  # type: ignore[arg-type]
            run_id, skip=set(windows))
    finally:
        _stop_worker()


def run_windows(config: ModelConfig, start: datetime, end: datetime, as_of: datetime | None,
                reports: bool = True, jobs: int = 1, out: TextIO | None = None) -> int:
    """Monitor each window (oldest first; `jobs` processes at once), printing a line per window,
    then refresh earlier windows whose labels are still arriving; returns how many windows
    broke a rule (in this run, or through labels that arrived since they ran)."""
    from monitors.run.labels import REFRESHED_NOTE
    from monitors.run.pages import write_model_pages, write_stored_window_pages
    from monitors.run.window import create_run_id, load_window_message

    stream = out or sys.stdout
    windows = compute_windows(config.schedule, start, end, config.timezone)
    if not windows:  # a range that measures nothing is a mistake to point at, not a success
        first = next(iter_windows(config.schedule, start, start + timedelta(days=800), config.timezone), None)
        hint = (f"; the first one from --start is {first.start:%Y-%m-%d %H:%M} to "
                f"{first.end:%Y-%m-%d %H:%M} UTC") if first else ""
        raise MonitorsError(f"model {config.model}: no complete {config.schedule} window in "
                            f"[{start}, {end}){hint}")
    as_of = as_of or datetime.now(UTC)  # one moment for every window and the refresh
    broke: list[Window] = []
    report_errors: list[str] = []

    def show(i: int, window: Window, result: WindowResult) -> None:
        status, rows, broken, report_error = result
        print(f"[{i}/{len(windows)}] {config.model} {window}: {status}, {rows} rows, "
              f"{broken} broken rule(s)", file=stream, flush=True)
        if broken:
            broke.append(window)
        if report_error:
            report_errors.append(report_error)

    refreshed = _run_all(config, windows, as_of, create_run_id(), reports,
                         max(1, min(jobs, len(windows))), show)
    # once every window is stored, so NEW / ONGOING do not depend on which worker finished first
    messages = [m for w in broke if (m := load_window_message(config, w, with_report=reports))]
    if refreshed and reports:
        write_stored_window_pages(config, [r.window for r in refreshed], REFRESHED_NOTE)
    if refreshed:
        print(f"refreshed the realized performance of {len(refreshed)} earlier window(s) whose "
              "labels are still arriving", file=stream)
        messages += [r.message for r in refreshed if r.message]
    if reports:  # once more at the end: parallel windows may have raced on the pages
        write_model_pages(config)
    for message in messages:
        print("\n" + message, file=stream)
    if reports:
        print(f"\nreports: {config.reports_path / 'index.html'}", file=stream)
    if report_errors:  # the results are stored; the pages are not: an error to fix (exit 2)
        raise MonitorsError("\n".join(report_errors))
    return len(messages)


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
    frame = load_results(config.store_path, config.model,
                         ResultFilter(start, end, tuple(args.kind), tuple(args.status)))
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


def _alerts(config: ModelConfig, open_only: bool) -> int:
    """One line per alert episode, open ones first."""
    from monitors.reports.text import compute_episode_text
    from monitors.storage.results import load_alerts

    episodes = load_alerts(config.store_path, config.model, open_only)
    for episode in episodes.to_dict("records"):
        print(compute_episode_text(episode))
    which = "open " if open_only else ""
    print(f"{len(episodes)} {which}alert episode(s) of model {config.model}")
    return 0


def _report(config: ModelConfig, args: argparse.Namespace) -> int:
    """Every window page, the model page and the home page, from the store alone; or one
    window's (--window), with its Evidently report rendered from the warehouse (--evidently)."""
    from monitors.run.pages import write_model_pages, write_stored_window_pages
    from monitors.storage import results

    if args.evidently and args.window is None:
        raise MonitorsError("--evidently renders one window's report: give --window")
    if args.window is not None:
        return _report_window(config, args.window, args.evidently, args.as_of)
    results.replace_trend_from_results(config.store_path, config.model)
    windows = results.load_windows(config.store_path, config.model)
    write_stored_window_pages(config, windows, "Rebuilt from the store.")
    write_model_pages(config)  # also when the store holds no window yet
    print(f"rebuilt {len(windows)} window pages; {config.reports_path / config.model / 'index.html'}")
    return 0


def _report_window(config: ModelConfig, start: datetime, evidently: bool, as_of: datetime | None) -> int:
    from monitors.reports.pages import compute_window_dir
    from monitors.run.pages import write_stored_window_pages
    from monitors.run.window import write_window_evidently
    from monitors.storage import results

    zone = compute_zone(config.timezone)
    begin = compute_utc(compute_local(start, zone))
    stored = results.load_windows(config.store_path, config.model)
    window = next((w for w in stored if w.start == begin), None)
    if window is None:
        raise MonitorsError(f"model {config.model}: no stored window starts at {begin:%Y-%m-%d %H:%M} UTC; "
                            f"run it first (monitors run)")
    if evidently and not write_window_evidently(config, window, compute_utc(as_of) if as_of else
                                                datetime.now(UTC)):
        raise MonitorsError(f"model {config.model}, window {window}: no rows to report on")
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
            broken = run_windows(config, args.start, args.end, as_of, not args.no_report,
                                 args.jobs)
            return EXIT_BROKEN if broken else 0
        if args.command == "results":
            return _results(config, args)
        if args.command == "alerts":
            return _alerts(config, args.open)
        if args.command == "report":
            return _report(config, args)
        return run_expectations_init(config, args.force)
    except MonitorsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
