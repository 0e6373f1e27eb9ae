"""False and missed alerts of `series:` rules per calendar shape: a custom metric judged against
its own history without a season (seasonality: none) and with one (auto, the default).

    .venv/bin/python benchmarks/series_seasons.py [--seeds 5] [--rows-per-day 3000]

Each series comes from the seeded generator (demo.CALENDARS; rows vary by up to 10% a day),
daily windows over 9 weeks. Two custom metrics of each window, counted in pandas as the
warehouse would: `cards`, the card applications (a count: it follows the weekly cycle), and
`card_share`, their share of the window's rows (no cycle). After the learning period, 60% of a
Wednesday's (2026-02-18) and of a Saturday's (2026-02-21) cards are logged as loans instead (the
volume unchanged: only the metric drops). Every window is judged against the windows before it,
as the store gives them to windows run in order (compute.series_rules.compute_series_replay;
tests/integration/test_series_rules.py shows run_window agrees). Printed per shape, metric and
rule, summed over seeds:
  windows   judged windows after the learning period (4 weeks)
  false     alerts on windows after learning without a drop (the holiday aside)
  holiday   alerts on the holiday (a Monday at weekend level: a real drop of the count)
  missed    drops not alerted, of those made
  skipped   windows skipped while learning (first 4 weeks)
Asserts nothing.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

import numpy as np
import pandas as pd

from monitors import demo
from monitors.compute.series_rules import compute_series_replay
from monitors.core.series import SeriesRule
from monitors.core.window import compute_windows
from monitors.testing import make_tables

START = demo.START  # a Thursday
DAYS, LEARNED, DROPS, HOLIDAY = 63, 28, (48, 51), 46
SHAPES = ("flat", "weekly", "both", "holiday", "trend")


def _values(calendar: str, seed: int, rows: int) -> dict[str, list[float]]:
    tables = make_tables(seed=seed, days=DAYS, rows_per_day=rows, training_rows=100, calendar=calendar,
                         row_jitter=0.1)
    frame = tables["predictions"]
    since = frame["predicted_at"] - pd.Timestamp(START).tz_localize(None)
    day = (since.dt.total_seconds() // 86400).astype(int)
    moved = day.isin(DROPS) & (frame["product"] == "card") & \
        (np.random.default_rng(seed).uniform(size=len(frame)) < 0.6)
    frame.loc[moved, "product"] = "loan"
    cards = [float(((day == d) & (frame["product"] == "card")).sum()) for d in range(DAYS)]
    totals = [float((day == d).sum()) for d in range(DAYS)]
    return {"cards": cards, "card_share": [c / n if n else 0.0 for c, n in zip(cards, totals, strict=True)]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows-per-day", type=int, default=3000)
    args = parser.parse_args()
    starts = [w.start for w in compute_windows("@daily", START, START + timedelta(days=DAYS))]
    print(f"{'shape':8} {'metric':10} {'rule':5} {'windows':>7} {'false':>5} {'holiday':>7} {'missed':>9} "
          f"{'skipped':>7}")
    for calendar in SHAPES:
        found: dict[tuple[str, str], list[int]] = {}
        for seed in range(args.seeds):
            for metric, values in _values(calendar, seed, args.rows_per_day).items():
                for season in ("none", "auto"):
                    rule = SeriesRule(metric=metric, kind="custom", seasonality=season, direction="down")
                    verdicts = compute_series_replay(rule, starts, list(values), 24.0)
                    alerts = {d for d, v in enumerate(verdicts) if v.status == "alert"}
                    tally = found.setdefault((metric, season), [0, 0, 0, 0, 0])
                    tally[0] += DAYS - LEARNED
                    tally[1] += len({d for d in alerts if d >= LEARNED} - set(DROPS) - {HOLIDAY})
                    tally[2] += int(HOLIDAY in alerts and calendar == "holiday")
                    tally[3] += len(set(DROPS) - alerts)
                    tally[4] += sum(v.status == "skipped" for v in verdicts[:LEARNED])
        for (metric, season), (windows, false, holiday, missed, skipped) in found.items():
            print(f"{calendar:8} {metric:10} {season:5} {windows:7} {false:5} {holiday:7} "
                  f"{missed:4}/{len(DROPS) * args.seeds:<4} {skipped:7}")


if __name__ == "__main__":
    main()
