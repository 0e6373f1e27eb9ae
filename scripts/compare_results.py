"""Compare what two stores hold: every monitor_results row by (model, window, kind, metric,
column, segment), its value (relative tolerance), threshold and status; run_id and computed_at
are not compared. Exit 0 when they agree, 1 with the differing rows printed.

    .venv/bin/python scripts/compare_results.py BEFORE/monitoring.duckdb AFTER/monitoring.duckdb [--rtol 1e-9]

Used to show that a change stores the same rows as before (run `monitors demo` at both commits).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitors.storage.results import load_results
from monitors.testing import compute_results_difference


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-9)
    args = parser.parse_args()
    before, after = load_results(args.before), load_results(args.after)
    diff = compute_results_difference(before, after, args.rtol)
    print(f"{len(before)} rows before, {len(after)} after; {len(diff)} differ (rtol {args.rtol:g})")
    if not diff.empty:
        print(diff.to_string(max_rows=50))
    return 1 if len(diff) else 0


if __name__ == "__main__":
    sys.exit(main())
