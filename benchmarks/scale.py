"""One window of our pipeline against Evidently's DataDriftPreset on the same data, as N grows.

    nice .venv/bin/python benchmarks/scale.py --sizes 100k,1M,10M [--workdir DIR] [--evidently-max 1M]
                                              [--seed 7] [--keep] [--drop] [--unshifted]

Per size N: a DuckDB warehouse in the workdir (training_data: min(N, 1M) rows; predictions: N rows on
2026-03-01, 15 numerical and 10 categorical features, some shifted, or none with --unshifted: a
window that breaks no rule; outcomes), reused when it exists for the same N, seed and options; a
config and its GX suite (`monitors expectations init`). Each measurement runs in a fresh child
process; peak RSS is the child's (os.wait4: the largest of the process and its children). Linux
starts a child's peak at its parent's RSS, so this driver imports nothing heavy and generates
data in a child too; it prints its own peak, the floor of every figure. Prints figures, asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors.compute.drift import compute_drift_rows
from monitors.run.reference import load_reference
from monitors.run.window import run_window
from monitors.warehouse.counts import load_window_counts
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import load_window_query

if TYPE_CHECKING:
    import duckdb
    import numpy as np
    import pandas as pd
    from sqlalchemy.engine import Engine

    from monitors.config import ModelConfig
    from monitors.core.measurement import Measurement
    from monitors.core.window import Window
    from monitors.run.reference import Baseline

DAY, NEXT_DAY = "2026-03-01", "2026-03-02"
WHERE = f"predicted_at >= '{DAY}' AND predicted_at < '{NEXT_DAY}'"  # the window, in DuckDB SQL
CHUNK, MAX_BASELINE = 1_000_000, 1_000_000
NUMERICAL = [f"num_{i:02d}" for i in range(15)]
CARDINALITIES = [3, 4, 5, 8, 10, 12, 20, 30, 40, 50]
CATEGORICAL = [f"cat_{i:02d}" for i in range(len(CARDINALITIES))]
SHIFTED_CATEGORICAL = {1, 7}  # plus num_00 (mean), num_05 (spread), num_09 (rate)
RESULT = "BENCH-RESULT "
Figures = dict[str, tuple[float, float | None]]  # measurement letter: (seconds, peak RSS MB or None)
ROWS = {"a": "(a) ours, measurement only (warm child)", "f": "(f) drift only (in the child of a)",
        "s": "(s) ours, start -> results stored (CLI)", "b": "(b) ours, whole process (CLI)",
        "c": "(c) Evidently, run only",
        "d": "(d) Evidently, whole process", "e": "(e) DuckDB full scan"}


def measure_drift(config: ModelConfig, engine: Engine, window: Window, reference: Baseline
                  ) -> list[Measurement]:
    """Drift alone: the window's bins counted in the warehouse, scores and bounds from them."""

    query = load_window_query(engine, config, window)
    window_counts = load_window_counts(engine, config, query, reference.reference.profile)
    return compute_drift_rows(config.drift, window_counts, reference.reference.profile,
                              config.predictions.outputs, config.min_segment_rows)[0]


def compute_chunk(rng: np.random.Generator, probs: list[np.ndarray], n: int, shifted: bool,
                  drop: bool = False) -> pd.DataFrame:
    """n rows: features, score, predicted_label and label; `shifted` moves a few features;
    `drop`: in the first category of the first categorical the labels no longer follow the
    score (a real performance drop, so tracing runs)."""
    import numpy as np
    import pandas as pd

    s = 1.0 if shifted else 0.0
    cols: dict[str, np.ndarray] = {}
    for i in range(5):
        cols[f"num_{i:02d}"] = rng.normal(10 * i + 0.5 * (1 + i) * s * (i == 0), 1 + i, n)
    for k in range(3):
        cols[f"num_{5 + k:02d}"] = rng.lognormal(1 + 0.2 * k, (0.5 + 0.2 * k) * (1 + 0.4 * s * (k == 0)), n)
    cols["num_08"] = rng.poisson(3, n)
    cols["num_09"] = rng.poisson(30 + 4 * s, n)
    cols["num_10"] = rng.binomial(4, 0.3, n)  # at most 5 values: Jensen-Shannon
    for i, share in ((11, 0.05), (12, 0.2)):
        cols[f"num_{i}"] = np.where(rng.random(n) < share, np.nan, rng.normal(0, 1, n))
    cols["num_13"] = rng.uniform(0, 100, n)
    cols["num_14"] = np.where(rng.random(n) < 0.02, np.nan, rng.exponential(2, n))
    codes = []
    for j, (k, p) in enumerate(zip(CARDINALITIES, probs, strict=True)):
        codes.append(rng.choice(k, n, p=p[::-1] if shifted and j in SHIFTED_CATEGORICAL else p))
        values = np.array([f"c{j:02d}_v{v:02d}" for v in range(k)], dtype=object)
        cols[CATEGORICAL[j]] = values[codes[-1]]
    logit = (0.6 * cols["num_00"] + 0.5 * np.log(cols["num_05"]) - 0.2 * cols["num_08"]
             + 0.8 * (codes[0] == 0) - 0.5 + rng.normal(0, 0.5, n))
    cols["score"] = (1 / (1 + np.exp(-logit))).round(6)
    cols["predicted_label"] = (cols["score"] >= 0.5).astype("int64")
    truth = np.where(codes[0] == 0, 0.5, cols["score"]) if drop else cols["score"]
    cols["label"] = (rng.random(n) < truth).astype("int64")
    return pd.DataFrame(cols)


def write_warehouse(path: Path, n: int, seed: int, drop: bool = False, shifted: bool = True) -> None:
    """training_data, predictions and outcomes, 1M rows at a time; renamed into place when whole."""
    import duckdb
    import numpy as np

    probs = [np.random.default_rng([seed, 0, k]).dirichlet(np.full(k, 2.0)) for k in CARDINALITIES]
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp), config={"memory_limit": "512MB"}) as con:
        con.execute("SET enable_progress_bar = false")
        for table, rows in (("training_data", min(n, MAX_BASELINE)), ("predictions", n)):
            rng = np.random.default_rng([seed, 1 if table == "predictions" else 2])
            for first in range(0, rows, CHUNK):
                write_chunk(con, rng, probs, table, first, min(CHUNK, rows - first), n, drop, shifted)
    tmp.rename(path)


def write_chunk(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, probs: list[np.ndarray],
                table: str, first: int, m: int, n: int, drop: bool = False, shifted: bool = True) -> None:
    """Rows [first, first + m) of the table (and, for predictions, their outcomes); the frames
    are freed on return, before the next chunk is built."""
    import numpy as np
    import pandas as pd

    window = table == "predictions"
    frames = {table: compute_chunk(rng, probs, m, window and shifted, drop and window)}
    if table == "predictions":
        chunk, ids = frames[table], np.arange(first, first + m, dtype="int64")
        labels = chunk.pop("label").to_numpy()
        at = (pd.Timestamp(DAY) + pd.to_timedelta(ids * 86_400_000_000 // n, "us")).as_unit("us")
        chunk.insert(0, "predicted_at", at)
        chunk.insert(0, "prediction_id", ids)
        keep = rng.random(m) < 0.9  # a tenth never gets a label
        delay = pd.to_timedelta(rng.uniform(0.05, 10, int(keep.sum())), "D")
        frames["outcomes"] = pd.DataFrame({"prediction_id": ids[keep], "label": labels[keep],
                                           "labelled_at": (at[keep] + delay).as_unit("us")})
    for name, frame in frames.items():
        con.register("chunk", frame)
        verb = f"CREATE TABLE {name} AS" if first == 0 else f"INSERT INTO {name}"
        con.execute(f"{verb} SELECT * FROM chunk")
        con.unregister("chunk")


def write_model_config(home: Path, warehouse: Path, model: str) -> Path:
    from monitors.testing import write_config

    return write_config(home, f"duckdb:///{warehouse.name}", f"{model}.yaml", **{
        "model": model, "predictions.model_version": None,
        "predictions.features.numerical": NUMERICAL, "predictions.features.categorical": CATEGORICAL,
        "ground_truth.label": "label", "ground_truth.timestamp": "labelled_at", "segments": [],
        "checks.suite": f"expectations/{model}.json", "store": "monitoring.duckdb", "reports": "reports/"})


def measure_ours(config_path: Path) -> dict[str, Any]:
    """(a) and (f): a warm-up window, then the timed window and the timed drift computation."""
    from monitors.config import load_config
    from monitors.core.window import Window

    t0 = time.perf_counter()
    config = load_config(config_path)
    window = Window(datetime.fromisoformat(DAY), datetime.fromisoformat(NEXT_DAY))
    engine = create_warehouse_engine(config)
    reference = load_reference(engine, config)
    t1 = time.perf_counter()
    run_window(config, window, engine=engine, baseline=reference, write_reports=False)
    t2 = time.perf_counter()
    summary = run_window(config, window, engine=engine, baseline=reference, write_reports=False)
    t3 = time.perf_counter()
    measure_drift(config, engine, window, reference)
    t4 = time.perf_counter()
    return {"reference": t1 - t0, "warmup": t2 - t1, "run": t3 - t2, "drift": t4 - t3,
            "rows": summary.row_count, "status": summary.status}


def measure_evidently(warehouse: Path) -> dict[str, Any]:
    """(c): only Report.run over the features; imports, loading and Dataset building untimed."""
    import duckdb
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    t0 = time.perf_counter()
    cols = ", ".join(f'"{c}"' for c in [*NUMERICAL, *CATEGORICAL])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reference = con.sql(f"SELECT {cols} FROM training_data").df()
        current = con.sql(f"SELECT {cols} FROM predictions WHERE {WHERE}").df()
    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)
    ref, cur = (Dataset.from_pandas(f, data_definition=definition) for f in (reference, current))
    t1 = time.perf_counter()
    Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    return {"load": t1 - t0, "run": time.perf_counter() - t1, "rows": len(current)}


def measure_scan(warehouse: Path) -> dict[str, Any]:
    """(e): one aggregate reading every column of the window's rows once."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'predictions'").fetchall()
        numeric = ("BIGINT", "DOUBLE", "INTEGER", "FLOAT")
        aggs = [f'COUNT("{c}"), {"SUM" if t in numeric else "MAX"}("{c}")' for c, t in types]
        query = f"SELECT COUNT(*), {', '.join(aggs)} FROM predictions WHERE {WHERE}"
        t0 = time.perf_counter()
        rows = con.execute(query).fetchone()
        return {"scan": time.perf_counter() - t0, "rows": rows[0] if rows else 0}


def wait_child(pid: int, start: float, watch: Path | None, seen: dict[str, Any]
               ) -> tuple[int, Any]:
    """os.wait4 on pid; with `watch`, polled every 5 ms until it exists, whose time since `start`
    goes to seen["stored"] (the results file is renamed into place whole: its name appearing
    is the moment the window is stored)."""
    while watch is not None:
        if watch.exists():
            seen["stored"] = time.perf_counter() - start
            break
        pid_done, status, usage = os.wait4(pid, os.WNOHANG)
        if pid_done:
            return status, usage
        time.sleep(0.005)
    _, status, usage = os.wait4(pid, 0)
    return status, usage


def run_child(label: str, cmd: list[str], env: dict[str, str], ok_codes: tuple[int, ...] = (0,),
              watch: Path | None = None) -> tuple[float, float, dict[str, Any]] | None:
    """Run cmd as a fresh process: (wall seconds, peak RSS MB from wait4, its BENCH-RESULT, plus
    "stored": seconds until `watch` appeared); on failure print the tail of its stderr and
    return None, so the run carries on."""
    seen: dict[str, Any] = {}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        status, usage = wait_child(proc.pid, start, watch, seen)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code not in ok_codes or "Traceback (most recent call last)" in stderr:
        tail = "\n".join("      " + line for line in stderr.splitlines()[-15:])
        print(f"  {label}: FAILED (exit {code}), stderr tail:\n{tail}", flush=True)
        return None
    results = [json.loads(line[len(RESULT):]) for line in stdout.splitlines() if line.startswith(RESULT)]
    return wall, usage.ru_maxrss / 1024, {**(results[-1] if results else {}), **seen}


def measure_size(n: int, args: argparse.Namespace, env: dict[str, str]) -> Figures:
    """Every measurement of one size: {letter: (seconds, peak RSS MB or None)}."""
    home, name = args.workdir, f"n{n}_s{args.seed}" + ("_drop" if args.drop else "") + (
        "_unshifted" if args.unshifted else "")
    warehouse = home / f"warehouse_{name}.duckdb"
    print(f"\n== N = {n:,} predictions in the window, baseline {min(n, MAX_BASELINE):,} rows ==", flush=True)
    me = [sys.executable, str(Path(__file__).resolve()), "child"]
    if not warehouse.exists():  # in a child: a child's peak RSS starts at its parent's
        generated = run_child("generate", [*me, "generate", str(warehouse), str(n), str(args.seed),
                                           str(int(args.drop)), str(int(not args.unshifted))], env)
        if generated is None:
            return {}
        print(f"  generated {warehouse.name} in {generated[0]:.1f} s", flush=True)
    config = write_model_config(home, warehouse, f"scale_{name}")
    monitors = [str(Path(sys.executable).parent / "monitors")]
    if not (home / "expectations" / f"scale_{name}.json").exists():
        run_child("expectations init", [*monitors, "expectations", "init", str(config)], env)
    out: Figures = {}
    if ours := run_child("(a) ours", [*me, "ours", str(config)], env):
        _, peak, got = ours
        out["a"], out["f"] = (got["run"], peak), (got["drift"], None)
        print(f"  warm child: reference read {got['reference']:.2f} s, warm-up window "
              f"{got['warmup']:.2f} s, {got['rows']:,} rows, status {got['status']}")
    stored = home / "monitoring" / "results" / f"model=scale_{name}" / f"window_start={DAY}T00:00:00Z.parquet"
    stored.unlink(missing_ok=True)  # (a) stored it: (b)'s moment is when it appears again
    if cli := run_child("(b) monitors run", [*monitors, "run", str(config), "--start", DAY, "--end",
                                             NEXT_DAY], env, ok_codes=(0, 1), watch=stored):  # 1: broke
        out["b"] = cli[:2]
        if "stored" in cli[2]:
            out["s"] = (cli[2]["stored"], None)
    if n > args.evidently_max:
        print(f"  Evidently skipped: N > --evidently-max {args.evidently_max:,}")
    elif evidently := run_child("(c) Evidently", [*me, "evidently", str(warehouse)], env):
        out["c"], out["d"] = (evidently[2]["run"], None), evidently[:2]
    if scan := run_child("(e) DuckDB scan", [*me, "scan", str(warehouse)], env):
        out["e"] = (scan[2]["scan"], scan[1])
    print(f"  {'measurement':<42}{'seconds':>10}{'peak RSS MB':>14}")
    for key, label in ROWS.items():
        seconds, peak = out.get(key, (None, None))
        print(f"  {label:<42}{format_number(seconds, '.3f'):>10}{format_number(peak, ',.0f'):>14}")
    return out


def format_number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_targets(figures: dict[int, Figures], unshifted: bool = False) -> None:
    """Issue 4's targets are set for the 1M-row window (and the 10M one's peak RSS); the ratios
    at other sizes are printed for reference, without a verdict. Issue 29's (the alert before
    the report) for an alerting window of 100k and of 1M rows."""
    print("\n== targets (issue 4: at N = 1M; other sizes for reference) ==")
    checks = [("(a)/(c) time", "a", "c", 1 / 20), ("(b)/(d) time", "b", "d", 1 / 5),
              ("(f)/(e) time", "f", "e", 5)]
    print_alert_targets(figures, unshifted)
    for n, out in figures.items():
        for label, top, bottom, bound in checks:
            ratio = out[top][0] / out[bottom][0] if top in out and bottom in out else None
            verdict = ("not measured" if ratio is None else "met" if ratio <= bound else "MISSED"
                       ) if n == 1_000_000 else "reference"
            print(f"  N={n:>12,}  {label}: {format_number(ratio, '.3f'):>8}  "
                  f"(target <= {bound:.3g}: {verdict})")
    print(f"  (this driver's own peak RSS, the floor of every child's: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")
    out = figures.get(100_000, {})
    if unshifted and "b" in out and "d" in out:  # issue 18: the fixed cost of a quiet window
        ratio = out["b"][0] / out["d"][0]
        print(f"  N=     100,000  (b)/(d) time, unshifted: {ratio:8.3f}  (issue 18's target <= 0.5: "
              f"{'met' if ratio <= 0.5 else 'MISSED'})")
    peak = figures.get(10_000_000, {}).get("b", (0.0, None))[1]
    print("  peak RSS of (b) at 10M: " + ("- (not measured)" if peak is None else
          f"{peak:,.0f} MB (target <= 1024 MB: {'met' if peak <= 1024 else 'MISSED'})"))


def print_alert_targets(figures: dict[int, Figures], unshifted: bool) -> None:
    """Issue 29: the alerting window's results stored, and its whole process (Evidently report
    included), against Evidently's DataDriftPreset process on the same rows."""
    bounds = {100_000: (1 / 4, 2 / 3), 1_000_000: (1 / 20, 1 / 10)}
    for n, (stored_bound, whole_bound) in bounds.items():
        out = figures.get(n, {})
        if "d" not in out or unshifted:
            continue
        for label, key, bound in (("(s)/(d)", "s", stored_bound), ("(b)/(d)", "b", whole_bound)):
            ratio = out[key][0] / out["d"][0] if key in out else None
            verdict = "not measured" if ratio is None else "met" if ratio <= bound else "MISSED"
            print(f"  N={n:>12,}  {label} time (issue 29): {format_number(ratio, '.3f'):>8}  "
                  f"(target <= {bound:.3g}: {verdict})")
    peaks = {n: out["b"][1] for n, out in figures.items() if "b" in out and out["b"][1] is not None}
    for n, peak in peaks.items():
        print(f"  N={n:>12,}  peak RSS of (b): {peak:,.0f} MB (issue 29: < 1024 MB: "
              f"{'met' if peak < 1024 else 'MISSED'})")


def print_machine() -> None:
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("duckdb", "pandas", "evidently"))
    repo = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    print(f"command: {shlex.join(sys.orig_argv)}  (monitors at {commit})")
    print(f"machine: nproc {len(os.sched_getaffinity(0))}, RAM {int(meminfo[1]) / 2**20:.1f} GiB, {cpu}, "
          f"nice {os.nice(0)}; Python {sys.version.split()[0]}, {versions}")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def main() -> None:
    if len(sys.argv) == 8 and sys.argv[1:3] == ["child", "generate"]:
        write_warehouse(Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), bool(int(sys.argv[6])),
                        bool(int(sys.argv[7])))
        return
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        measure = {"ours": measure_ours, "evidently": measure_evidently, "scan": measure_scan}[sys.argv[2]]
        print(RESULT + json.dumps(measure(Path(sys.argv[3]))), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", type=lambda t: [parse_size(s) for s in t.split(",")])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new folder under /tmp")
    parser.add_argument("--evidently-max", type=parse_size, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary workdir")
    parser.add_argument("--drop", action="store_true",
                        help="labels of one category no longer follow the score: performance breaks, "
                             "tracing runs")
    parser.add_argument("--unshifted", action="store_true",
                        help="the window drawn like the baseline: it breaks no rule, so the default "
                             "config renders no Evidently report (issue 18's 100k target)")
    args = parser.parse_args()
    temporary = args.workdir is None
    args.workdir = (Path(tempfile.mkdtemp(prefix="monitors-scale-")) if temporary else args.workdir).resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MONITORS_HOME": str(args.workdir)}
    print_machine()
    print(f"workdir: {args.workdir}")
    try:
        figures = {n: measure_size(n, args, env) for n in args.sizes}
        print_targets(figures, args.unshifted)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
