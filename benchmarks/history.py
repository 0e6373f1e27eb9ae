"""One window's cost against the history already stored: the demo's model on an hourly schedule,
its store filled with N earlier hourly windows that hold a real window's rows (written directly,
as window files, then the store's derived state rebuilt from them the way `monitors store
rebuild` does), then one more window run as a whole `monitors run` process, pages included.

    .venv/bin/python benchmarks/history.py [--windows 2 1000 8760] [--repeat 2] [--s3]
                                           [--workdir DIR] [--alternate 3]

Prints, per N: the rebuild's time, the run's time (best of --repeat) and its ratio to the
first N's, the model page's and the home page's sizes; with --s3 the same on moto's S3 server
(started here, on loopback), with the requests the measured run sent (from the server's request
log, by method); with --alternate K, then the run timed K more times per store, one store after
another, so the stores' runs share the machine's load alike. Asserts nothing; stops the server
it started. The machine is shared: absolute times are noisy, the ratios are measured in one run.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MEASURED = datetime(2026, 2, 20, 12)  # the window measured: a demo hour with rows
ANSI = re.compile(r"\x1b\[[\d;]*m")
SERVER = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.basicConfig(filename=sys.argv[2], level=logging.INFO, format="%(message)s")
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
"""


def compute_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def compute_request(method: str, target: str) -> str:
    """A request as `METHOD object` (LIST: a GET of the bucket with a prefix), its bucket dropped
    and its dates and model generalized: what a window sends, whatever the window."""
    from urllib.parse import parse_qs, unquote, urlsplit

    url = urlsplit(target)
    key = unquote(url.path).split("/", 2)[2] if unquote(url.path).count("/") >= 2 else ""
    if not key and method == "GET":
        method, key = "LIST", parse_qs(url.query).get("prefix", [""])[0] + "*"
    key = re.sub(r"\d{4}-\d\d-\d\dT\d{4}Z", "<window>", key)
    key = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<window>", key)
    key = re.sub(r"\d{4}-\d\d", "<month>", re.sub(r"year=\d{4}", "year=<year>", key))
    return f"{method} {key}"


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "monitors"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "MONITORS_HOME": str(cwd)})
    if done.returncode not in (0, 1):
        raise SystemExit(f"monitors {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def window_args(config: Path, start: datetime) -> list[str]:
    end = start + timedelta(hours=1)
    return ["run", str(config), "--start", start.isoformat(), "--end", end.isoformat()]


def write_project(root: Path, store: str, reports: str, name: str) -> Path:
    from monitors import demo

    if not (root / "warehouse.duckdb").exists():
        shutil.copytree(REPO / "expectations", root / "expectations", dirs_exist_ok=True)
        demo.write_demo_warehouse(root / "warehouse.duckdb")
        demo.write_demo_config(root / "demo.yaml")
    config = yaml.safe_load((root / "demo.yaml").read_text())
    config.update(schedule="@hourly", store=store, reports=reports)
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def compute_seed_rows(root: Path) -> Any:
    """The rows of a real demo hour (run once, in a store of its own)."""
    import pyarrow.parquet as pq

    config = write_project(root, "seed/monitoring.duckdb", "seed/reports", "seed")
    run(window_args(config, MEASURED - timedelta(hours=1)), root)
    return pq.read_table(next((root / "seed" / "monitoring" / "results").rglob("*.parquet")))


def compute_window_bytes(seed: Any, start: datetime) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = seed.num_rows
    table = seed.set_column(seed.schema.get_field_index("window_start"), "window_start",
                            pa.array([start] * n, pa.timestamp("us")))
    table = table.set_column(table.schema.get_field_index("window_end"), "window_end",
                             pa.array([start + timedelta(hours=1)] * n, pa.timestamp("us")))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def fill(seed: Any, results: str, count: int, write: Any) -> None:
    """`count` hourly windows before MEASURED, holding the seed's rows."""
    batch: dict[str, bytes] = {}
    for i in range(count, 0, -1):
        start = MEASURED - timedelta(hours=i)
        batch[f"{results}/model=credit_risk/window_start={start:%Y-%m-%dT%H:%M:%SZ}.parquet"] = \
            compute_window_bytes(seed, start)
        if len(batch) >= 500:
            write(batch)
            batch = {}
    if batch:
        write(batch)


def rebuild(config: Path) -> float:
    """The derived state from the window files (the store's repair), in this process."""
    from monitors.config import load_config
    from monitors.storage import results

    found = load_config(config, home=config.parent)
    started = time.perf_counter()
    results.rebuild_model(found.store_path, found.model)
    return time.perf_counter() - started


def time_store_steps(config: Path) -> float:
    """The history-dependent steps of the measured window alone, in this process (less noisy than
    the whole process on a shared machine): its rows stored again, its message (NEW / ONGOING),
    the notice's decision, the model and home pages."""
    from monitors.config import load_config
    from monitors.core.window import Window
    from monitors.run.notices import run_failing_notice
    from monitors.run.pages import write_model_pages
    from monitors.run.window import load_window_message
    from monitors.storage import results

    found = load_config(config, home=config.parent)
    window = Window(MEASURED.replace(tzinfo=UTC), (MEASURED + timedelta(hours=1)).replace(tzinfo=UTC))
    rows = results.load_window_rows(found.store_path, found.model, window)
    started = time.perf_counter()
    results.replace_window(found.store_path, found.model, window, rows, "bench")
    load_window_message(found, window, rows)
    run_failing_notice(found, datetime.now(UTC))
    write_model_pages(found)
    return time.perf_counter() - started


def measure(root: Path, seed: Any, count: int, repeat: int, s3: dict[str, Any] | None) -> dict[str, Any]:
    name = f"n{count}"
    if s3 is None:
        config = write_project(root, f"{name}/monitoring.duckdb", f"{name}/reports", name)
        results = str(root / name / "monitoring" / "results")

        def write(batch: dict[str, bytes]) -> None:
            for path, data in batch.items():
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_bytes(data)
    else:
        import s3fs

        fs = s3fs.S3FileSystem()
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        fs.mkdir(bucket)
        config = write_project(root, f"s3://{bucket}/monitoring", f"s3://{bucket}/reports", name)
        results = f"{bucket}/monitoring/results"

        def write(batch: dict[str, bytes]) -> None:
            fs.pipe(batch)
    fill(seed, results, count, write)
    rebuilt = rebuild(config)
    times, requests = [], collections.Counter[str]()
    for _ in range(repeat):
        mark = s3["log"].stat().st_size if s3 else 0
        times.append(run(window_args(config, MEASURED), root))
        if s3:
            with open(s3["log"]) as log:
                log.seek(mark)
                # werkzeug colours the request of a 3xx/4xx/5xx response (ANSI escapes inside
                # the quotes): strip them, or a HEAD answered 404 goes uncounted
                sent = (re.search(r'"(GET|PUT|HEAD|POST|DELETE) (\S+) [^"]*" (\d{3})', ANSI.sub("", line))
                        for line in log)
                requests = collections.Counter(
                    compute_request(m.group(1), m.group(2))
                    + ("" if m.group(3) < "300" else f" ({m.group(3)})") for m in sent if m)
    steps = min(time_store_steps(config) for _ in range(repeat))
    pages: dict[str, int] = {}
    if s3 is None:
        reports = root / name / "reports"
        pages = {"model page": (reports / "credit_risk" / "index.html").stat().st_size,
                 "home page": (reports / "index.html").stat().st_size}
    else:
        pages = {"model page": fs.size(f"{bucket}/reports/credit_risk/index.html"),
                 "home page": fs.size(f"{bucket}/reports/index.html")}
    return {"n": count, "config": config, "rebuild": rebuilt, "run": min(times), "steps": steps,
            "requests": dict(requests),
            **pages}


def time_home(root: Path, models: int) -> tuple[float, int]:
    """The home page over `models` models (each with a real model page's summary): its write time
    and size."""
    import json

    from monitors.reports.home_page import SUMMARY, write_home

    source = next(root.glob(f"*/reports/credit_risk/{SUMMARY}"))
    summary = json.loads(source.read_text())
    reports = root / "home-bench"
    for i in range(models):
        (reports / f"model_{i:03d}").mkdir(parents=True, exist_ok=True)
        (reports / f"model_{i:03d}" / SUMMARY).write_text(json.dumps({**summary, "model": f"model_{i:03d}"}))
    started = time.perf_counter()
    path = write_home(reports)
    return time.perf_counter() - started, Path(str(path)).stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, nargs="+", default=[2, 1000, 8760])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--s3", action="store_true")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--home-models", type=int, default=200)
    parser.add_argument("--alternate", type=int, default=0,
                        help="then time the run this many more times per store, one store after another")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="monitors-history-"))
    root.mkdir(parents=True, exist_ok=True)
    s3: dict[str, Any] | None = None
    server = None
    if args.s3:
        port = compute_free_port()
        log = root / "s3-requests.log"
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(log)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None and server.stdout.readline().strip() == "READY"
        os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
                          AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
        s3 = {"log": log}
    try:
        seed = compute_seed_rows(root)
        where = "S3 (moto)" if s3 else "disk"
        print(f"workdir {root}; a window holds {seed.num_rows} rows; store: {where}")
        first = first_steps = None
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        measured = []
        for count in args.windows:
            found = measure(root, seed, count, args.repeat, s3)
            measured.append(found)
            first = first or found["run"]
            first_steps = first_steps or found["steps"]
            print(f"{count:>7} stored: run {found['run']:6.2f} s ({found['run'] / first:.2f}x), "
                  f"store+pages steps {found['steps']:6.3f} s ({found['steps'] / first_steps:.2f}x), "
                  f"rebuild {found['rebuild']:6.2f} s, model page {found['model page'] / 1e3:,.0f} KB, "
                  f"home page {found['home page'] / 1e3:,.0f} KB"
                  + (f", requests {sum(found['requests'].values())}" if s3 else ""), flush=True)
            if s3:
                sent_by = collections.Counter(found["requests"])
                by_method = collections.Counter(k.split()[0] for k in sent_by.elements())
                print(f"         by method {dict(sorted(by_method.items()))}:")
                for request, n in sorted(found["requests"].items(), key=lambda i: (i[0].split()[1], i[0])):
                    print(f"         {n:>4} {request}")
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        if args.alternate:
            best = {found["n"]: float("inf") for found in measured}
            for _ in range(args.alternate):
                for found in measured:
                    took = run(window_args(found["config"], MEASURED), root)
                    best[found["n"]] = min(best[found["n"]], took)
            for count, took in best.items():
                print(f"{count:>7} stored, runs alternating between the stores (best of {args.alternate}): "
                      f"{took:6.2f} s ({took / best[args.windows[0]]:.2f}x)", flush=True)
            print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        if not s3:
            took, size = time_home(root, args.home_models)
            print(f"home page over {args.home_models} models: written in {took:.3f} s, {size / 1e3:,.0f} KB")
    finally:
        if server is not None:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
