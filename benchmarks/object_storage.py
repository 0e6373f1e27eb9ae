"""What a run costs on object storage against local disk: the demo's windows stored and
reported by `monitors run` into a local store and into an S3 bucket (moto's S3 server on
loopback, started here: no network latency, so this is the cost of the requests themselves).

    .venv/bin/python benchmarks/object_storage.py [--days 60] [--jobs 1] [--workdir DIR]

Prints, for local disk and S3: the whole `monitors run` over the first D demo windows (pages
written, Evidently only where a rule broke), one window's store + report alone (a rerun of the
last window, which breaks rules: its Evidently page too), `monitors results` and `monitors
report`. Asserts nothing; stops the server it started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def start_s3(port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen([sys.executable, str(REPO / "tests" / "s3_server.py"), str(port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "READY"
    return server


def timed(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    env = {**os.environ, "MONITORS_HOME": str(cwd)}
    done = subprocess.run([str(BIN / "monitors"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"monitors {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="monitors-s3-bench-"))
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start_s3(port)
    os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
                      AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    try:
        import shutil

        from monitors import demo

        shutil.copytree(REPO / "expectations", root / "expectations", dirs_exist_ok=True)
        demo.write_demo_warehouse(root / "warehouse.duckdb")
        demo.write_demo_config(root / "local.yaml")
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        import s3fs

        s3fs.S3FileSystem().mkdir(bucket)
        config = yaml.safe_load((root / "local.yaml").read_text())
        config.update(store=f"s3://{bucket}/monitoring", reports=f"s3://{bucket}/reports")
        (root / "s3.yaml").write_text(yaml.safe_dump(config))
        end = demo.START.date().toordinal() + args.days
        last = f"{demo.START.date().fromordinal(end - 1)}"
        span = ["--start", str(demo.START.date()), "--end", str(demo.START.date().fromordinal(end)),
                "--jobs", str(args.jobs)]
        print(f"demo windows: {args.days}, jobs {args.jobs}, workdir {root}")
        print(f"{'':34} {'local disk':>11} {'S3 (moto)':>11}")
        figures = {}
        for name in ("local", "s3"):
            figures[name] = [
                timed(["run", f"{name}.yaml", *span], root),
                timed(["run", f"{name}.yaml", "--start", last, "--end",
                       str(demo.START.date().fromordinal(end))], root),
                timed(["results", f"{name}.yaml", "--format", "csv"], root),
                timed(["report", f"{name}.yaml"], root),
            ]
        labels = [f"monitors run, {args.days} windows", "one window again (store+report+Evidently)",
                  "monitors results", "monitors report (every page)"]
        for i, label in enumerate(labels):
            print(f"{label:34} {figures['local'][i]:10.1f}s {figures['s3'][i]:10.1f}s")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
