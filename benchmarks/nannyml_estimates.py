r"""NannyML's label-free performance estimates per window, for comparison with ours.

    ../nannyml-env/bin/python benchmarks/nannyml_estimates.py SPEC.json OUT.json

NannyML is never a dependency of monitors: it lives in its own virtual environment outside the repo,
and this script imports nothing from `monitors` (benchmarks/estimation_vs_nannyml.py runs it). To
build that environment:

    .tools/bin/uv venv ../nannyml-env --python 3.11
    .tools/bin/uv pip install --python ../nannyml-env/bin/python \
        nannyml==0.13.1 pyarrow statsmodels "pandas<3"

(`import nannyml` needs statsmodels, which NannyML 0.13.1 does not declare; with pandas 3 its DLE
fails on string columns: "ArrowStringArray does not support reshape".)

SPEC.json: {"task": "binary" | "multiclass" | "regression", "reference": parquet, "analysis": parquet,
"features": [...], "categorical": [...] (a subset of features), "y_pred": col, "y_true": col,
"class_scores": {"label": col} (multiclass only), "y_pred_proba": col (binary only: the score),
"window": col (analysis only)}.
The estimator is fitted once on the reference (as one chunk), then each window's rows are estimated
as exactly one chunk, without the y_true column. Multiclass: CBPE roc_auc (macro one-vs-rest), f1
(macro), accuracy; binary: CBPE roc_auc, f1, accuracy, precision, recall;
regression: DLE mae, mse, rmse, mape, msle, rmsle (or "metrics": [...] of
the spec: msle and rmsle fail on negative values); NannyML defaults otherwise (calibration, LightGBM
hyperparameters, no tuning). OUT.json: {"nannyml_version": ..., "windows": {window: {metric:
{"estimate", "lower", "upper"}}}}, the bounds being NannyML's confidence band (estimate +- 3
sampling errors, clipped to the metric's range). Fit and estimate seconds go to stderr, and so does
LightGBM's chatter (DLE's default LGBMRegressor prints to stdout).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # NannyML sends usage analytics unless told not to

import nannyml as nml  # noqa: E402
import pandas as pd  # noqa: E402

METRICS = {"multiclass": ["roc_auc", "f1", "accuracy"],
           "binary": ["roc_auc", "f1", "accuracy", "precision", "recall"],
           "regression": ["mae", "mse", "rmse", "mape", "msle", "rmsle"]}


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _metrics(spec: dict[str, Any]) -> list[str]:
    return list(spec.get("metrics") or METRICS[spec["task"]])


def _frames(spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = [*spec["features"], spec["y_pred"], *spec.get("class_scores", {}).values(),
               *([spec["y_pred_proba"]] if "y_pred_proba" in spec else [])]
    reference = pd.read_parquet(spec["reference"], columns=[*columns, spec["y_true"]])
    analysis = pd.read_parquet(spec["analysis"], columns=[*columns, spec["window"]])  # no y_true
    for frame in (reference, analysis):
        # DLE treats object/string/category/bool columns as categorical and the rest as numbers.
        for column in spec["categorical"]:
            frame[column] = frame[column].astype("category")
    return reference, analysis


def _estimator(spec: dict[str, Any]) -> nml.CBPE | nml.DLE:
    common = {"y_pred": spec["y_pred"], "y_true": spec["y_true"], "metrics": _metrics(spec)}
    if spec["task"] == "multiclass":
        scores = {str(label): column for label, column in spec["class_scores"].items()}
        return nml.CBPE(
            problem_type="classification_multiclass", y_pred_proba=scores, chunk_number=1, **common
        )
    if spec["task"] == "binary":
        return nml.CBPE(problem_type="classification_binary", y_pred_proba=spec["y_pred_proba"],
                        chunk_number=1, **common)
    if spec["task"] == "regression":
        return nml.DLE(feature_column_names=list(spec["features"]), chunk_number=1, **common)
    raise SystemExit(f"unknown task {spec['task']!r}")


def _chunk_record(result: Any, metrics: list[str]) -> dict[str, dict[str, float | None]]:
    rows = result.filter(period="analysis").to_df()
    if len(rows) != 1:
        raise RuntimeError(f"expected one analysis chunk, NannyML made {len(rows)}")
    row = rows.iloc[0]
    return {
        metric: {
            "estimate": _number(row[(metric, "value")]),
            "lower": _number(row[(metric, "lower_confidence_boundary")]),
            "upper": _number(row[(metric, "upper_confidence_boundary")]),
        }
        for metric in metrics
    }


def main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    metrics = _metrics(spec)
    reference, analysis = _frames(spec)
    estimator = _estimator(spec)
    warnings.filterwarnings("ignore", message="The resulting number of chunks is too low")

    windows: dict[str, dict[str, dict[str, float | None]]] = {}
    with contextlib.redirect_stdout(sys.stderr):
        started = time.perf_counter()
        estimator.fit(reference)
        fit_seconds = time.perf_counter() - started

        started = time.perf_counter()
        by_window = sorted(analysis.groupby(spec["window"], observed=True), key=lambda kv: str(kv[0]))
        for window, rows in by_window:
            chunk = rows.drop(columns=[spec["window"]]).reset_index(drop=True)
            windows[str(window)] = _chunk_record(estimator.estimate(chunk), metrics)
        estimate_seconds = time.perf_counter() - started

    missing = [f"{w}/{m}" for w, got in windows.items() for m, v in got.items() if v["estimate"] is None]
    if missing:  # NannyML logs a metric's failure and reports NaN rather than raising
        print(f"NannyML gave no estimate for: {', '.join(missing)}", file=sys.stderr)
    out = {"nannyml_version": nml.__version__, "windows": windows}
    Path(out_path).write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"nannyml {nml.__version__} {spec['task']}: {len(reference)} reference rows, {len(windows)} windows, "
        f"fit {fit_seconds:.2f}s, estimate {estimate_seconds:.2f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    main(sys.argv[1], sys.argv[2])
