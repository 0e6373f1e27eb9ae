"""False and missed volume alerts per calendar shape, the plain rule (volume.seasonality: none,
half the trailing median) against the seasonal one (auto, the default).

    .venv/bin/python benchmarks/volume_seasons.py [--seeds 5] [--rows-per-day 3000]

Each series comes from the seeded generator (demo.CALENDARS; rows vary by up to 10% a day) with
outages dropped in (testing.make_outage) after the learning period: daily windows over 9 weeks,
a Wednesday at 15% and a Saturday at 10% of its rows; hourly windows over 5 weeks, three peak
hours of a Tuesday at 10%. Every window is judged against the windows before it, as a new model
backfilled from its first day (compute.series.compute_series_verdicts; the warehouse counts the
same, tests/integration/test_volume_seasons.py). Printed per shape and rule, summed over seeds:
  windows   judged windows
  false     alerts on windows without an outage (learning: within the first 4 weeks)
  holiday   alerts on the holiday (a Monday at weekend level: a real drop, rightly flagged)
  missed    outages not alerted, of those dropped in
  skipped   windows skipped while their season was learned
Asserts nothing.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from monitors import demo
from monitors.compute.series import compute_series_verdicts
from monitors.core.settings import Volume
from monitors.core.window import compute_windows
from monitors.testing import make_outage, make_tables

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
        tables = make_outage(tables, start, end, keep, seed=seed)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows-per-day", type=int, default=3000)
    args = parser.parse_args()
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
