"""Drift recall and false windows of the drift rules, Evidently's 0.1 floors against the
registry's floors (the defaults), on seeded data at 150, 3,500, 100k and 1M rows a window.

    .venv/bin/python benchmarks/drift_recall.py [--scale 1.0]

Three numerical and three categorical features (monitors.testing.make_shift_rows), a 50k-row
baseline. Per window size it prints, for each floor setting:
  undrifted  the share of undrifted windows that break a drift rule (target <= 2%);
  minimum    the share of shifted feature-windows caught when every spread narrows by 9% (normed
             Wasserstein ~0.07) and every categorical's share moves 4 points (target >= 95% at
             >= 3,000 rows);
  range      the same with narrowing drawn from 9-20% and moves from 4-15 points per window;
  negligible the share of windows alerting on a 0.01 shift (means by 0.01 sd, 1-point moves:
             target 0 at 1M rows).
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
from monitors.core.profile import Profile
from monitors.testing import (
    SHIFT_CATEGORICAL,
    SHIFT_NUMERICAL,
    make_config,
    make_shift_baseline,
    make_shift_rows,
)

SIZES = {150: 300, 3500: 100, 100_000: 30, 1_000_000: 6}  # rows a window: windows
FLOORS = {"0.1 (before)": {"drift.numerical_threshold": 0.1, "drift.categorical_threshold": 0.1},
          "registry (default)": {}}


def measure(baseline: tuple[Profile, dict[str, Any]], n: int, windows: int, shift: str,
            overrides: dict[str, float], home: Path) -> tuple[float, float]:
    """(share of feature-windows caught, share of windows with any drift alert)."""
    config = make_config(home, "duckdb:///unused.duckdb", segments=[], **overrides)
    rng = np.random.default_rng(n)
    profile, caught, alerting = baseline[0], 0, 0
    for _ in range(windows):
        kwargs = {"undrifted": {}, "minimum": {"narrow": 0.09, "move": 0.04},
                  "range": {"narrow": rng.uniform(0.09, 0.2), "move": rng.uniform(0.04, 0.15)},
                  "negligible": {"mean": 0.01, "move": 0.01}}[shift]
        counts = compute_frame_counts(make_shift_rows(rng, n, **kwargs), baseline[1],
                                      list(SHIFT_CATEGORICAL), [])
        found, added = compute_drift_rows(config.drift, counts, profile, config.predictions.outputs,
                                          config.min_segment_rows)
        profile = profile.with_calibration(added)  # kept for the next windows, as run/ does
        broken = {r.column_name for r in found if r.is_alert and r.column_name}
        caught += len(broken)
        alerting += bool(broken)
    return caught / (windows * (len(SHIFT_NUMERICAL) + len(SHIFT_CATEGORICAL))), alerting / windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    baseline, home = make_shift_baseline(), Path(tempfile.mkdtemp(prefix="monitors-drift-"))
    print(f"{'rows':>9} {'floors':<20} {'undrifted':>10} {'minimum':>8} {'range':>8} {'negligible':>10}")
    for n, windows in SIZES.items():
        windows = max(2, round(windows * args.scale))
        for label, overrides in FLOORS.items():
            started = time.monotonic()
            false = measure(baseline, n, windows, "undrifted", overrides, home)[1]
            minimum = measure(baseline, n, windows, "minimum", overrides, home)[0]
            spread = measure(baseline, n, windows, "range", overrides, home)[0]
            negligible = measure(baseline, n, windows, "negligible", overrides, home)[1]
            print(f"{n:>9,} {label:<20} {false:>10.1%} {minimum:>8.1%} {spread:>8.1%} {negligible:>10.1%}"
                  f"   ({windows} windows each, {time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
