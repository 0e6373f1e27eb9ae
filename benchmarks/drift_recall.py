"""Drift recall and false windows of the drift rules on seeded data of several families, at
150, 500, 1,000, 3,500, 100k and 1M rows a window.

    .venv/bin/python benchmarks/drift_recall.py [--scale 1.0] [--sizes 500,1000]
        [--families normal,skewed] [--before]

Families (monitors.testing_families): normal (3 normal numerical, 3 categorical of 2-4 levels:
monitors.testing.make_shift_rows), skewed (log-normal, heavy-tailed, integer numerical; 2
categorical), many_levels (categoricals of 200, 50 and 12 levels; 1 numerical), mixed (5
numerical of every kind, 3 categorical). A 50k-row baseline each; every feature shifted at once.
Per family and window size it prints:
  undrifted  the share of undrifted windows that break a drift rule (target <= 2%; <= 3% at
             500 and 1,000 rows);
  moderate   every spread narrows by 9% (a normal's normed Wasserstein ~0.07) and every
             categorical's first value gives 4 points to its second: the share of shifted
             feature-windows caught (feat) and of windows with any drift alert (win; target
             >= 90% at 1,000 rows, >= 80% at 500, >= 95% of feature-windows at >= 3,000);
  range      the same with narrowing drawn from 9-20% and moves from 4-15 points per window;
  negligible the share of windows alerting on a 0.01 shift (means by 0.01 sd, 1-point moves:
             target 0 at 1M rows).
--before adds rows with Evidently's 0.1 floors (the floors before the registry's).
--scale multiplies the number of windows. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from monitors.compute.drift import compute_drift_rows
from monitors.compute.frame_counts import compute_frame_counts
from monitors.testing import make_config
from monitors.testing_families import FAMILIES, make_family_baseline, make_family_rows

SIZES = {150: 300, 500: 300, 1000: 300, 3500: 100, 100_000: 30, 1_000_000: 6}  # rows: windows
FLOORS = {"0.1 (before)": {"drift.numerical_threshold": 0.1, "drift.categorical_threshold": 0.1},
          "registry": {}}


def measure(family: str, baseline: tuple[Any, dict[str, Any]], n: int, windows: int, shift: str,
            overrides: dict[str, float], home: Path) -> tuple[float, float]:
    """(share of feature-windows caught, share of windows with any drift alert)."""
    config = make_config(home, "duckdb:///unused.duckdb", segments=[], **overrides)
    numerical, categorical = FAMILIES[family]
    rng = np.random.default_rng(n)
    profile, caught, alerting = baseline[0], 0, 0
    for _ in range(windows):
        kwargs = {"undrifted": {}, "moderate": {"narrow": 0.09, "move": 0.04},
                  "range": {"narrow": rng.uniform(0.09, 0.2), "move": rng.uniform(0.04, 0.15)},
                  "negligible": {"mean": 0.01, "move": 0.01}}[shift]
        counts = compute_frame_counts(make_family_rows(family, rng, n, **kwargs), baseline[1],
                                      list(categorical), [])
        found, added = compute_drift_rows(config.drift, counts, profile, config.predictions.outputs,
                                          config.min_segment_rows)
        profile = profile.with_calibration(added)  # kept for the next windows, as run/ does
        alerts = [r for r in found if r.is_alert]
        caught += len({r.column_name for r in alerts if r.column_name})
        alerting += bool(alerts)
    return caught / (windows * (len(numerical) + len(categorical))), alerting / windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--before", action="store_true")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="monitors-drift-"))
    floors = FLOORS if args.before else {"registry": {}}
    print(f"{'family':<12} {'rows':>9} {'floors':<13} {'undrifted':>9} {'moderate feat/win':>17} "
          f"{'range feat/win':>15} {'negligible':>10}")
    for family in args.families.split(","):
        baseline = make_family_baseline(family)
        for n in map(int, args.sizes.split(",")):
            windows = max(2, round(SIZES.get(n, 100) * args.scale))
            for label, overrides in floors.items():
                started = time.monotonic()
                false = measure(family, baseline, n, windows, "undrifted", overrides, home)[1]
                moderate = measure(family, baseline, n, windows, "moderate", overrides, home)
                spread = measure(family, baseline, n, windows, "range", overrides, home)
                negligible = measure(family, baseline, n, windows, "negligible", overrides, home)[1]
                print(f"{family:<12} {n:>9,} {label:<13} {false:>9.1%} "
                      f"{moderate[0]:>8.1%}/{moderate[1]:>7.1%} {spread[0]:>7.1%}/{spread[1]:>6.1%} "
                      f"{negligible:>10.1%}   ({windows} windows each, "
                      f"{time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
