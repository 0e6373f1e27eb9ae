"""A regression's direct loss estimation, ours against NannyML's, without `monitors run`: the
loss models fitted on each regression family's baseline (compute.loss_estimation, as a run fits
them: the baseline and windows are smaller than FIT_ROWS and SAMPLE_ROWS, so every row is used)
and each daily window estimated from all its rows, NannyML's figures read from the cache
benchmarks/estimation_vs_nannyml.py fills (--nannyml-cache). A minute per family and seed where
estimation_vs_nannyml.py takes several; on seeds 11-13 of the regression families it printed
the same figures to every digit.

    .venv/bin/python benchmarks/loss_estimates_direct.py [--nannyml-cache DIR] [--seeds 6]
        [--seed-start 11] [--families additive,multiplicative,heavy] [--csv PREFIX]

Prints, per family and metric, the mean absolute error of ours and NannyML's against the
realized metric (averaged over the seeds) and the share of windows each band holds it; without
--nannyml-cache, ours only (every metric, msle and rmsle on the heavy family too).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from estimation_families import REGRESSION  # type: ignore[import-not-found]

from monitors.compute.loss_estimation import compute_loss_estimates
from monitors.compute.loss_models import compute_loss_model, compute_losses

DAYS, ROWS = 30, 3500
METRICS = ["mae", "mse", "rmse", "mape", "msle", "rmsle"]


def realized(window: pd.DataFrame) -> dict[str, float]:
    losses = compute_losses(window["defaulted"].to_numpy(float), window["score"].to_numpy(float))
    found = {"mae": np.nanmean(losses["absolute"]), "mse": np.nanmean(losses["squared"]),
             "mape": np.nanmean(losses["percentage"]), "msle": np.nanmean(losses["log"])}
    return {**found, "rmse": np.sqrt(found["mse"]), "rmsle": np.sqrt(found["msle"])}


def measure(family: str, seed: int, cache: Path | None) -> list[dict[str, object]]:
    """One row per window and metric: realized, ours (and band), NannyML's (and bounds; NaN
    without a cache)."""
    tables = REGRESSION[family](seed, DAYS, ROWS)
    model = compute_loss_model(tables["training_data"], "defaulted", "score", ["income", "debt_ratio", "age"],
                               ["region", "product"])
    labels = tables["outcomes"][["prediction_id", "defaulted"]]
    windows = tables["predictions"].merge(labels, on="prediction_id")
    windows = windows.sort_values("prediction_id")
    theirs = json.loads((cache / f"{family}-{seed}-{DAYS}-{ROWS}.json").read_text()) if cache else None
    rows = []
    for day, window in windows.groupby(windows["predicted_at"].dt.strftime("%Y-%m-%d")):
        truth = realized(window)
        for estimate in compute_loss_estimates(model, window, len(window)):
            if theirs is not None and estimate.metric not in theirs[day]:  # msle, rmsle where NannyML cannot
                continue
            if theirs is None and (estimate.value is None or not np.isfinite(truth[estimate.metric])):
                continue
            nml = theirs[day][estimate.metric] if theirs is not None else dict.fromkeys(
                ["estimate", "lower", "upper"], np.nan)
            rows.append({"family": family, "seed": seed, "window": day, "metric": estimate.metric,
                         "realized": truth[estimate.metric], "ours": estimate.value, "band": estimate.band,
                         "nannyml": nml["estimate"], "lower": nml["lower"], "upper": nml["upper"]})
    return rows


def report(family: str, frame: pd.DataFrame, seeds: list[int]) -> None:
    frame = frame.assign(error=(frame["ours"] - frame["realized"]).abs(),
                         nml_error=(frame["nannyml"] - frame["realized"]).abs())
    held = (frame["realized"] >= frame["lower"]) & (frame["realized"] <= frame["upper"])
    frame = frame.assign(inside=frame["error"] <= frame["band"], nml_inside=held)
    per = frame.groupby(["metric", "seed"])[["error", "inside", "nml_error", "nml_inside"]].mean()
    per = per.groupby("metric").mean()
    print(f"\n{family}: seeds {seeds[0]}-{seeds[-1]} x {DAYS} windows (seeds averaged)")
    print(f"  {'metric':<8}{'ours: mean abs error':>22}{'in band':>9}{'NannyML: mean abs error':>26}"
          f"{'in band':>9}{'ours/NannyML':>14}")
    for metric in [m for m in METRICS if m in per.index]:
        mine, inside, nml, nml_inside = per.loc[metric]
        if np.isnan(nml):  # no cache: ours only
            print(f"  {metric:<8}{mine:>22.5g}{inside:>9.1%}{'-':>26}{'-':>9}{'-':>14}", flush=True)
            continue
        print(f"  {metric:<8}{mine:>22.5g}{inside:>9.0%}{nml:>26.5g}{nml_inside:>9.0%}{mine / nml:>14.3f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nannyml-cache", default="",
                        help="estimation_vs_nannyml.py's cache (without it: ours only)")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--seed-start", type=int, default=11)
    parser.add_argument("--families", default=",".join(REGRESSION))
    parser.add_argument("--csv", default="", help="write each family's windows to PREFIX-family.csv")
    args = parser.parse_args()
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    for family in args.families.split(","):
        cache = Path(args.nannyml_cache) if args.nannyml_cache else None
        frame = pd.DataFrame([r for seed in seeds for r in measure(family, seed, cache)])
        if args.csv:
            frame.to_csv(f"{args.csv}-{family}.csv", index=False)
        report(family, frame, seeds)


if __name__ == "__main__":
    main()
