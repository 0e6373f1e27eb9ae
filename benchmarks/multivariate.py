"""What multivariate drift costs at a million rows: the window's PCA reconstruction query
against a plain scan of the same columns, in an embedded DuckDB warehouse (the default).

    .venv/bin/python benchmarks/multivariate.py [--rows 1000000] [--features 3 8 16] [--repeat 3]

For each number of numerical features: a table of that many correlated columns (seeded), the
baseline fit (the three aggregate queries, once per baseline), the window's query (mean
reconstruction error), and a scan that reads every one of those columns once (sum of each).
Prints the best of --repeat times. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa


def make_frame(rows: int, features: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((rows, (features + 1) // 2))
    noise = rng.standard_normal((rows, features))
    values = 0.8 * np.repeat(base, 2, axis=1)[:, :features] + 0.6 * noise
    return pd.DataFrame(values, columns=[f"x{i}" for i in range(features)])


def best(repeat: int, run: Any) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def fit_model(engine: Any, select: Any, columns: list[str]) -> Any:
    """The baseline fit as run.multivariate does it (moments, products, components, errors), on
    the whole table: no halves."""
    from monitors.run.multivariate import load_pca_fit

    return load_pca_fit(engine, select, select, list(columns), "bench")


def measure(path: Path, rows: int, width: int, repeat: int) -> str:
    import duckdb

    from monitors.warehouse.dialects import DIALECTS
    from monitors.warehouse.engine import create_dialect_engine
    from monitors.warehouse.multivariate import load_error_summary

    frame = make_frame(rows, width)
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE rows AS SELECT * FROM frame")
    engine = create_dialect_engine(f"duckdb:///{path}", DIALECTS["duckdb"])
    columns = [f"x{i}" for i in range(width)]
    table = sa.Table("rows", sa.MetaData(), *[sa.Column(c, sa.Double) for c in columns])
    select = sa.select(table)
    started = time.perf_counter()
    model = fit_model(engine, select, columns)
    fit_time = time.perf_counter() - started
    scan = sa.select(*[sa.func.sum(table.c[c]) for c in columns])

    def run_scan() -> None:
        with engine.connect() as conn:
            conn.execute(scan).one()

    scan_time = best(repeat, run_scan)
    window_time = best(repeat, lambda: load_error_summary(engine, select, model, "bench"))
    engine.dispose()
    return (f"{width:>8} {len(model.components):>10} {scan_time:>9.3f} {window_time:>10.3f} "
            f"{window_time / scan_time:>6.1f} {fit_time:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, nargs="+", default=[3, 8, 16])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.rows:,} rows, DuckDB; best of {args.repeat}")
    print(f"{'features':>8} {'components':>10} {'scan (s)':>9} {'window (s)':>10} {'ratio':>6} "
          f"{'fit (s)':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for width in args.features:
            print(measure(Path(scratch) / f"w{width}.duckdb", args.rows, width, args.repeat))


if __name__ == "__main__":
    main()
