"""Performance estimated without labels, ours against NannyML's, on the same seeded windows, per
data family.

    .venv/bin/python benchmarks/estimation_vs_nannyml.py [--days 30] [--rows 3500] [--seeds 3]
        [--seed-start 11] [--families additive,softmax,...] [--nannyml-python PATH]
        [--nannyml-cache DIR]

Ten families (benchmarks/estimation_families.py): three regressions (additive, multiplicative,
heavy) and three 3-class models with class probabilities (softmax, overconfident, interaction),
and four binary models with a score and a predicted label (binary_calibrated,
binary_overconfident, binary_interaction, binary_rare), whose later windows shift where their
errors grow. For each family and seed, `monitors run` measures every daily window with the
labels in, storing the realized metrics and the estimates it makes as if the labels were pending
(binary and multiclass CBPE, regression direct loss estimation). NannyML (CBPE, DLE, defaults)
estimates the same windows from the same baseline through benchmarks/nannyml_estimates.py, run
by another interpreter: NannyML is never a dependency (see that script for its environment;
--nannyml-python, default $NANNYML_PYTHON). It prints, per family and metric, the mean absolute
error of each against the realized metric averaged over the seeds (--seeds of them from
--seed-start on), and the share of windows each band holds it. Asserts nothing. With
--nannyml-cache, NannyML's figures for a (family, seed, days, rows) are kept in DIR and read
back on the next run (the families are seeded, so the windows are the same): only ours is
measured again.
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
from estimation_families import BINARY, MULTICLASS, REGRESSION  # type: ignore[import-not-found]

from monitors.cli import main
from monitors.config import load_config
from monitors.storage.results import load_results
from monitors.testing import (
    CLASSES,
    make_multiclass_overrides,
    make_regression_overrides,
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


def run_nannyml(home: Path, python: str, tables: dict[str, pd.DataFrame], spec: dict[str, Any],
                cached: Path | None = None) -> dict[str, Any]:
    if cached is not None and cached.exists():
        return json.loads(cached.read_text())
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
    windows = json.loads((home / "out.json").read_text())["windows"]
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(windows))
    return windows


def measure(ours: pd.DataFrame, theirs: dict[str, Any], metrics: list[str]) -> dict[str, list[float]]:
    """Per metric: [ours: mean abs error, share in band; NannyML's: the same]."""
    found = {}
    for metric in metrics:
        realized = ours[("performance", metric)]
        mine = ours[("estimated_performance", metric)]
        band = ours[("estimated_performance", f"{metric}_band")]
        nml = pd.Series({w: theirs[w][metric]["estimate"] for w in ours.index}, dtype=float)
        low = pd.Series({w: theirs[w][metric]["lower"] for w in ours.index}, dtype=float)
        high = pd.Series({w: theirs[w][metric]["upper"] for w in ours.index}, dtype=float)
        error = (mine - realized).abs()
        found[metric] = [float(error.mean()), float((error <= band).mean()),
                         float((nml - realized).abs().mean()),
                         float(((realized >= low) & (realized <= high)).mean())]
    return found


def report(family: str, runs: list[dict[str, list[float]]], windows: int, first: int) -> None:
    print(f"\n{family}: seeds {first}-{first + len(runs) - 1} x {windows} windows (seeds averaged)")
    print(f"  {'metric':<8}{'ours: mean abs error':>22}{'in band':>9}{'NannyML: mean abs error':>26}"
          f"{'in band':>9}")
    for metric in runs[0]:
        mine, inside, nml, nml_inside = np.mean([r[metric] for r in runs], axis=0)
        print(f"  {metric:<8}{mine:>22.5g}{inside:>9.0%}{nml:>26.5g}{nml_inside:>9.0%}", flush=True)


def run_family(tmp: Path, family: str, seed: int, args: argparse.Namespace) -> dict[str, list[float]]:
    home = tmp / f"{family}-{seed}"
    home.mkdir()
    if family in REGRESSION:
        tables = REGRESSION[family](seed, args.days, args.rows)
        ours = run_ours(home, tables, make_regression_overrides(), args.days)
        positive = all((tables[n][c] > 0).all() for n, c in
                       [("training_data", "defaulted"), ("training_data", "score"), ("predictions", "score"),
                        ("outcomes", "defaulted")])
        metrics = ["mae", "mse", "rmse", "mape", *(["msle", "rmsle"] if positive else [])]
        spec = {"task": "regression", "y_pred": "score", "metrics": metrics}
    elif family in BINARY:
        tables = BINARY[family](seed, args.days, args.rows)
        metrics = ["roc_auc", "f1", "accuracy", "precision", "recall"]
        ours = run_ours(home, tables, {"performance.metrics": metrics}, args.days)
        spec = {"task": "binary", "y_pred": "predicted_label", "y_pred_proba": "score", "metrics": metrics}
    else:
        tables = MULTICLASS[family](seed, args.days, args.rows)
        ours = run_ours(home, tables, {**make_multiclass_overrides(), "predictions.predicted_label": None},
                        args.days)
        metrics = ["roc_auc", "f1", "accuracy"]
        spec = {"task": "multiclass", "y_pred": "predicted_class",
                "class_scores": {c: f"p_{c}" for c in CLASSES}}
    cached = Path(args.nannyml_cache) / f"{family}-{seed}-{args.days}-{args.rows}.json" \
        if args.nannyml_cache else None
    theirs = run_nannyml(home, args.nannyml_python, tables, spec, cached)
    return measure(ours, theirs, metrics)


def main_() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rows", type=int, default=3500)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seed-start", type=int, default=11, help="the first seed (then the next ones)")
    parser.add_argument("--families", default=",".join([*REGRESSION, *MULTICLASS, *BINARY]))
    parser.add_argument("--nannyml-python", default=os.environ.get("NANNYML_PYTHON", ""))
    parser.add_argument("--nannyml-cache", default="", help="a directory keeping NannyML's figures")
    args = parser.parse_args()
    if not args.nannyml_python and not args.nannyml_cache:
        parser.error("give --nannyml-python (or NANNYML_PYTHON): the interpreter of NannyML's environment"
                     " (or --nannyml-cache holding its figures)")
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.families.split(","):
            runs = [run_family(Path(tmp), family, args.seed_start + seed, args)
                    for seed in range(args.seeds)]
            report(family, runs, args.days, args.seed_start)


if __name__ == "__main__":
    main_()
