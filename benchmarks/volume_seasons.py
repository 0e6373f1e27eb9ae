"""False and missed volume alerts per calendar shape, the plain rule (volume.seasonality: none,
half the trailing median) against the seasonal one (auto, the default).

    .venv/bin/python benchmarks/volume_seasons.py [--seeds 5] [--rows-per-day 3000]
    .venv/bin/python benchmarks/volume_seasons.py --warehouse-cost [POSTGRES_URL]

Each series comes from the seeded generator (demo.CALENDARS; rows vary by up to 10% a day) with
outages dropped in (demo.compute_outage) after the learning period: daily windows over 9 weeks,
a Wednesday at 15% and a Saturday at 10% of its rows; hourly windows over 5 weeks, three peak
hours of a Tuesday at 10%. Every window is judged against the windows before it, as a new model
backfilled from its first day (compute.series.compute_series_verdicts; the warehouse counts the
same, tests/integration/test_volume_seasons.py). Printed per shape and rule, summed over seeds:
  windows   judged windows
  false     alerts on windows without an outage (learning: within the first 4 weeks)
  holiday   alerts on the holiday (a Monday at weekend level: a real drop, rightly flagged)
  missed    outages not alerted, of those dropped in
  skipped   windows skipped while their season was learned
With --warehouse-cost [POSTGRES_URL], it times instead what the history costs a window in the
warehouse (load_volume_facts: the counts and newest predictions of the training period's windows)
on DuckDB, and on PostgreSQL when a URL is given: 5 weeks of the weekly and nightly shape.
Asserts nothing.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from monitors import demo
from monitors.compute.series import compute_series_verdicts
from monitors.core.settings import Volume
from monitors.core.window import compute_windows
from monitors.testing import make_tables

START = demo.START  # a Thursday
LEARNING = timedelta(days=28)
DAILY = ("flat", "weekly", "both", "holiday", "trend")
HOURLY = ("flat", "daily", "both")


def _outages(schedule: str) -> list[tuple[datetime, datetime, float]]:
    if schedule == "@daily":  # 2026-02-18 (Wednesday) at 15%, 2026-02-21 (Saturday) at 10%
        return [(START + timedelta(days=d), START + timedelta(days=d + 1), keep)
                for d, keep in ((48, 0.15), (51, 0.10))]
    peak = START + timedelta(days=33, hours=10)  # 2026-02-03, a Tuesday, 10:00-13:00
    return [(peak + timedelta(hours=h), peak + timedelta(hours=h + 1), 0.10) for h in range(3)]


def _measure(calendar: str, schedule: str, days: int, seed: int, rows: int) -> dict[str, dict[str, int]]:
    tables = make_tables(seed=seed, days=days, rows_per_day=rows, training_rows=100, calendar=calendar,
                         row_jitter=0.1)
    outages = _outages(schedule)
    for start, end, keep in outages:
        tables = demo.compute_outage(tables, start, end, keep, seed=seed)
    windows = compute_windows(schedule, START, START + timedelta(days=days))
    counts = demo.compute_window_rows(tables, windows)
    hours = (windows[0].end - windows[0].start).total_seconds() / 3600
    dropped = {start for start, _, _ in outages}
    out = {}
    for name in ("none", "auto"):
        starts = [w.start for w in windows]
        verdicts = compute_series_verdicts(Volume(seasonality=name), starts, counts, hours)
        tally = dict.fromkeys(("windows", "false_learning", "false", "holiday", "missed", "skipped"), 0)
        for w, v in zip(windows, verdicts, strict=True):
            holiday = calendar == "holiday" and w.start.weekday() == 0 and \
                (w.start - START).days // 7 == demo.HOLIDAY_WEEK
            tally["windows"] += 1
            tally["skipped"] += v.status == "skipped"
            if w.start in dropped:
                tally["missed"] += v.status != "alert"
            elif v.status == "alert":
                key = "holiday" if holiday else ("false_learning" if w.start < START + LEARNING else "false")
                tally[key] += 1
        out[name] = tally
    return out


def _warehouse_cost(postgres: str | None, rows: int) -> None:
    import tempfile
    import time
    from pathlib import Path

    import sqlalchemy as sa

    from monitors.core.window import Window
    from monitors.testing import make_config, write_duckdb_warehouse, write_sql_warehouse
    from monitors.warehouse.engine import create_warehouse_engine
    from monitors.warehouse.queries import load_window_query
    from monitors.warehouse.volume import load_volume_facts

    home, schema = Path(tempfile.mkdtemp()), "monitors_bench_volume"
    tables = make_tables(seed=1, days=35, rows_per_day=rows, training_rows=100, calendar="both")
    urls = {"duckdb": (write_duckdb_warehouse(home / "w.duckdb", tables), {})}
    if postgres:
        write_sql_warehouse(postgres, tables, schema=schema)
        urls["postgresql"] = (postgres, {f"{t}.table": f"{schema}.{n}" for t, n in (
            ("predictions", "predictions"), ("ground_truth", "outcomes"), ("baseline", "training_data"))})
    print(f"{len(tables['predictions']):,} predictions over 35 days; seconds to count a window's history")
    for name, (url, tables_at) in urls.items():
        for schedule, length in (("@daily", timedelta(days=1)), ("@hourly", timedelta(hours=1))):
            window = Window(START + timedelta(days=34), START + timedelta(days=34) + length)
            for season in ("none", "auto"):
                config = make_config(home, url, schedule=schedule, checks=None,
                                     **{**tables_at, "volume.seasonality": season})
                engine = create_warehouse_engine(config)
                query = load_window_query(engine, config, window)
                began = time.perf_counter()
                facts = load_volume_facts(engine, config, window, query)
                print(f"{name:10} {schedule:8} {season:5} {len(facts.trailing):4} windows "
                      f"{time.perf_counter() - began:6.2f} s")
                engine.dispose()
    if postgres:
        with sa.create_engine(postgres).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows-per-day", type=int, default=3000)
    parser.add_argument("--warehouse-cost", nargs="?", const="", default=None, metavar="POSTGRES_URL")
    args = parser.parse_args()
    if args.warehouse_cost is not None:
        _warehouse_cost(args.warehouse_cost or None, args.rows_per_day)
        return
    print(f"{args.seeds} seeds, {args.rows_per_day:,} rows a day (before the calendar's shape)")
    print(f"{'windows':8} {'shape':8} {'rule':5} {'judged':>7} {'false (learning)':>17} "
          f"{'false (after)':>14} {'holiday':>8} {'missed':>7} {'skipped':>8}")
    for schedule, days, shapes in (("@daily", 63, DAILY), ("@hourly", 35, HOURLY)):
        for calendar in shapes:
            total: dict[str, dict[str, int]] = {}
            for seed in range(args.seeds):
                for rule, tally in _measure(calendar, schedule, days, seed, args.rows_per_day).items():
                    for key, n in tally.items():
                        total.setdefault(rule, {}).setdefault(key, 0)
                        total[rule][key] += n
            outages = len(_outages(schedule)) * args.seeds
            for rule, t in total.items():
                print(f"{schedule:8} {calendar:8} {rule:5} {t['windows']:7} {t['false_learning']:17} "
                      f"{t['false']:14} {t['holiday']:8} {t['missed']:>3} of {outages:<2} {t['skipped']:8}")


if __name__ == "__main__":
    main()
