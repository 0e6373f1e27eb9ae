"""The command line's arguments (monitors.cli runs them)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path


def compute_time_argument(text: str) -> datetime:
    """A date or ISO time; naive values stay naive (wall time in the schedule's timezone)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or ISO time: {text!r}") from None


GRANULARITY_HELP = ("only this granularity's series (a name under granularities:, or the "
                    "schedule's preset name)")


def compute_parser(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitors", description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the demo warehouse and monitor its history")
    demo.add_argument("--jobs", type=int, default=2, help="windows measured at once (processes)")
    demo.add_argument("--home", type=Path, default=None,
                      help="project folder (default: MONITORS_HOME or the current directory)")
    run = sub.add_parser("run", help="monitor every schedule window in [start, end)")
    run.add_argument("config", type=Path)
    run.add_argument("--granularity", default=None, help=GRANULARITY_HELP)
    run.add_argument("--start", type=compute_time_argument, required=True)
    run.add_argument("--end", type=compute_time_argument, required=True)
    run.add_argument("--as-of", type=compute_time_argument, default=None,
                     help="judge label maturity as of this time (default: now)")
    run.add_argument("--no-report", action="store_true", help="store results only")
    run.add_argument("--jobs", type=int, default=1, help="windows measured at once (processes)")
    results = sub.add_parser("results", help="what the store holds for the model")
    results.add_argument("config", type=Path)
    results.add_argument("--granularity", default=None, help=GRANULARITY_HELP)
    results.add_argument("--format", choices=["csv", "json"], default="csv")
    results.add_argument("--start", type=compute_time_argument, help="windows starting at or after this time")
    results.add_argument("--end", type=compute_time_argument, help="windows starting before this time")
    results.add_argument("--kind", action="append", default=[],
                         help="only this kind (drift, performance, ...); repeat for more")
    results.add_argument("--status", action="append", default=[], choices=["ok", "alert", "skipped"],
                         help="only this status; repeat for more")
    alerts = sub.add_parser("alerts", help="the model's alert episodes: open, then resolved")
    alerts.add_argument("config", type=Path)
    alerts.add_argument("--granularity", default=None, help=GRANULARITY_HELP)
    alerts.add_argument("--open", action="store_true", help="only the open ones")
    rep = sub.add_parser("report", help="rebuild the model's pages from the store")
    rep.add_argument("config", type=Path)
    rep.add_argument("--granularity", default=None, help=GRANULARITY_HELP)
    rep.add_argument("--window", type=compute_time_argument, default=None,
                     help="only the window starting at this time (naive: the schedule's wall time)")
    rep.add_argument("--evidently", action="store_true",
                     help="with --window: render its Evidently drift report now (reads the warehouse)")
    rep.add_argument("--as-of", type=compute_time_argument, default=None,
                     help="with --evidently: labels as of this time (default: now)")
    schema = sub.add_parser("schema", help="print the config's JSON Schema (editors check YAML with it)")
    schema.add_argument("--markdown", action="store_true",
                        help="print the config reference instead: every key, type, default and description")
    init = sub.add_parser("init", help="print a commented config guessed from the model's tables")
    init.add_argument("--model", required=True, help="the model's name (letters, digits and _)")
    init.add_argument("--warehouse", required=True, help="a SQLAlchemy URL")
    init.add_argument("--predictions", required=True, help="the predictions table")
    init.add_argument("--ground-truth", default=None, help="the labels table (joined by the id)")
    init.add_argument("--baseline", default=None,
                      help="the training data (default: the first two weeks of predictions)")
    exp = sub.add_parser("expectations", help="Great Expectations suites")
    exp_sub = exp.add_subparsers(dest="action", required=True)
    suite = exp_sub.add_parser("init", help="write the suite at checks.suite from the baseline")
    suite.add_argument("config", type=Path)
    suite.add_argument("--force", action="store_true", help="overwrite an existing suite")
    add_store_commands(sub)
    return parser


def add_store_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`monitors store compact|rebuild`."""
    store = sub.add_parser("store", help="maintain the results store: compact, rebuild")
    store_sub = store.add_subparsers(dest="action", required=True)
    compact = store_sub.add_parser("compact", help="fold each past month's window files into one file")
    compact.add_argument("config", type=Path)
    compact.add_argument("--before", type=compute_month_argument, default=None,
                         help="compact the months before this one, YYYY-MM (default: the previous "
                              "month, UTC: the last complete month stays as window files)")
    rebuild = store_sub.add_parser("rebuild",
                                   help="rebuild the trend, digest and alert state from the results")
    rebuild.add_argument("config", type=Path)


def compute_month_argument(text: str) -> str:
    """A month, YYYY-MM."""
    try:
        return datetime.strptime(text, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}") from None
