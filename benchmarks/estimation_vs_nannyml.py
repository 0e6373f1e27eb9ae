"""Performance estimated without labels, ours against NannyML's, on the same seeded windows.

    .venv/bin/python benchmarks/estimation_vs_nannyml.py [--days 30] [--rows 3500]
        [--nannyml-python PATH]

Two warehouses from monitors.testing: a 3-class model with class probabilities
(make_multiclass_tables; income and debt_ratio shift from the middle day, which moves the
accuracy) and a regression (make_regression_tables; from the middle day more rows where the
errors are larger). `monitors run` measures every daily window with the labels in, storing the
realized metrics and the estimates it makes as if the labels were pending (multiclass CBPE,
regression direct loss estimation). NannyML (CBPE, DLE, defaults) estimates the same windows
from the same baseline through benchmarks/nannyml_estimates.py, run by another interpreter:
NannyML is never a dependency (see that script for its environment; --nannyml-python, default
$NANNYML_PYTHON). It prints, per metric, the mean absolute error of each against the realized
metric and how many windows each band holds it. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitors.cli import main
from monitors.config import load_config
from monitors.storage.results import load_results
from monitors.testing import (
    CLASSES,
    make_multiclass_overrides,
    make_multiclass_tables,
    make_regression_overrides,
    make_regression_tables,
    write_config,
    write_duckdb_warehouse,
)

HERE = Path(__file__).parent
FEATURES, CATEGORICAL = ["income", "debt_ratio", "age", "region", "product"], ["region", "product"]


def run_ours(home: Path, tables: dict[str, pd.DataFrame], overrides: dict[str, Any], days: int
             ) -> pd.DataFrame:
    """Stored realized and estimated metrics per window (whole window)."""
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    path = write_config(home, url, checks=None, segments=[], **overrides,
                        **{"drift.multivariate": False})
    end = (pd.Timestamp("2026-01-01") + pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the alert messages
        main(["run", str(path), "--start", "2026-01-01", "--end", end, "--no-report",
              "--as-of", "2027-01-01"])
    print(f"  monitors run: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    config = load_config(path)
    rows = load_results(config.store_path, config.model)
    rows = rows[rows["segment"].isna() & rows["kind"].isin(["performance", "estimated_performance"])]
    rows = rows.assign(window=rows["window_start"].dt.strftime("%Y-%m-%d"))
    return rows.pivot_table(index="window", columns=["kind", "metric"], values="value")


def run_nannyml(home: Path, python: str, tables: dict[str, pd.DataFrame], spec: dict[str, Any]
                ) -> dict[str, Any]:
    labels = tables["outcomes"][["prediction_id", "defaulted"]]
    predictions = tables["predictions"].merge(labels, on="prediction_id")
    analysis = predictions.assign(window=predictions["predicted_at"].dt.strftime("%Y-%m-%d"))
    reference = tables["training_data"]
    if spec["task"] == "multiclass":  # the predicted class, as ours: argmax, the first listed on a tie
        for frame in (reference, analysis):
            best = frame[[f"p_{c}" for c in CLASSES]].to_numpy().argmax(axis=1)
            frame["predicted_class"] = np.array(CLASSES, dtype=object)[best]
    reference.to_parquet(home / "reference.parquet")
    analysis.to_parquet(home / "analysis.parquet")
    spec = {**spec, "reference": str(home / "reference.parquet"), "analysis": str(home / "analysis.parquet"),
            "features": FEATURES, "categorical": CATEGORICAL, "y_true": "defaulted", "window": "window"}
    (home / "spec.json").write_text(json.dumps(spec))
    script = HERE / "nannyml_estimates.py"
    subprocess.run([python, str(script), str(home / "spec.json"), str(home / "out.json")], check=True)
    return json.loads((home / "out.json").read_text())["windows"]


def compare(name: str, ours: pd.DataFrame, theirs: dict[str, Any], metrics: list[str]) -> None:
    print(f"\n{name}: {len(ours)} windows")
    print(f"  {'metric':<10}{'ours: mean abs error':>22}{'in band':>9}"
          f"{'NannyML: mean abs error':>26}{'in band':>9}{'realized range':>20}")
    for metric in metrics:
        realized = ours[("performance", metric)]
        mine = ours[("estimated_performance", metric)]
        band = ours[("estimated_performance", f"{metric}_band")]
        nml = pd.Series({w: theirs[w][metric]["estimate"] for w in ours.index})
        low = pd.Series({w: theirs[w][metric]["lower"] for w in ours.index})
        high = pd.Series({w: theirs[w][metric]["upper"] for w in ours.index})
        inside_mine = int(((mine - realized).abs() <= band).sum())
        inside_nml = int(((realized >= low) & (realized <= high)).sum())
        print(f"  {metric:<10}{(mine - realized).abs().mean():>22.4f}{inside_mine:>9}"
              f"{(nml - realized).abs().mean():>26.4f}{inside_nml:>9}"
              f"{realized.min():>10.3f}-{realized.max():.3f}")


def main_() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rows", type=int, default=3500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--nannyml-python", default=os.environ.get("NANNYML_PYTHON", ""))
    args = parser.parse_args()
    if not args.nannyml_python:
        parser.error("give --nannyml-python (or NANNYML_PYTHON): the interpreter of NannyML's environment")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "multiclass"
        home.mkdir()
        tables = make_multiclass_tables(seed=args.seed, days=args.days, rows_per_day=args.rows,
                                        drift_from_day=args.days // 2, training_rows=20_000)
        ours = run_ours(home, tables, {**make_multiclass_overrides(), "predictions.predicted_label": None},
                        args.days)
        theirs = run_nannyml(home, args.nannyml_python, tables, {
            "task": "multiclass", "y_pred": "predicted_class",
            "class_scores": {c: f"p_{c}" for c in CLASSES}})
        compare("multiclass (CBPE)", ours, theirs, ["roc_auc", "f1", "accuracy"])
        home = Path(tmp) / "regression"
        home.mkdir()
        tables = make_regression_tables(seed=args.seed, days=args.days, rows_per_day=args.rows,
                                        shift_from_day=args.days // 2, training_rows=20_000)
        ours = run_ours(home, tables, make_regression_overrides(), args.days)
        theirs = run_nannyml(home, args.nannyml_python, tables, {"task": "regression", "y_pred": "score"})
        compare("regression (DLE)", ours, theirs, ["mae", "rmse"])


if __name__ == "__main__":
    main_()
