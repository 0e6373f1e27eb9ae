"""Airflow on many workers with no shared disk: a CeleryExecutor (its own Redis as the broker,
PostgreSQL for the metadata and the warehouse), two Celery workers each with its own
AIRFLOW_HOME, copy of the DAG folder, MONITORS_HOME, HOME and TMPDIR, as two hosts would have,
and the store and the reports in an S3 bucket. A backfill stores what `monitors run` stores,
its tasks ran on both workers with the store's credentials from an Airflow connection (no AWS
environment on any host), and nothing is left on their disks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import s3fs

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import compute_results_difference, make_tables, write_sql_warehouse
from tests.conftest import compute_free_port
from tests.integration.helpers import schema_tables, stored

from .conftest import BIN, find_runs, make_project, run_airflow

pytestmark = [pytest.mark.slow, pytest.mark.cluster]
TIMEOUT = 600
DAYS = 4  # windows 2026-01-01 .. 2026-01-04; drift from the third


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Until `text` is in the process's log (its own readiness line), or it died."""
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, f"{log.name} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in {log.name}:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis of the test's own (a free port, nothing saved), as the Celery broker."""
    port = compute_free_port()
    log = tmp_path / "redis.log"
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path), "--logfile", str(log)])
    log.touch()
    wait_for_line(log, "Ready to accept connections", server, time.monotonic() + 60)  # type: ignore[arg-type]
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=30)


class Cluster:
    """The processes of the cluster, each in its own process group, stopped with SIGINT (SIGKILL
    after a minute)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, env: dict[str, str], *args: str) -> Path:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            self.processes.append((name, subprocess.Popen([str(BIN / "airflow"), *args], env=env, stdout=out,
                                                          stderr=subprocess.STDOUT, start_new_session=True)))
        return log

    def stop(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for _, process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)


def compute_files(folder: Path) -> set[str]:
    """The files below `folder` (relative), bytecode caches aside."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def compute_host_env(base: dict[str, str], host: Path, project: Path) -> dict[str, str]:
    """A host's own disk: its AIRFLOW_HOME, DAG folder, MONITORS_HOME, HOME and TMPDIR."""
    for folder in ("airflow", "home", "tmp"):
        (host / folder).mkdir(parents=True, exist_ok=True)
    return {**base, "AIRFLOW_HOME": str(host / "airflow"), "HOME": str(host / "home"), "TMPDIR": str(host / "tmp"),
            "MONITORS_HOME": str(project), "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([{
                "name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": str(project / "dags"), "refresh_interval": 5}}])}


@pytest.fixture
def celery_cluster(tmp_path: Path, metadata_db: str, redis_url: str, postgres_url: str, postgres_schema: str,
                   s3_bucket: str) -> Iterator[tuple[dict[str, str], list[Path], str]]:
    """The scheduler host (API server, scheduler, DAG processor) and two worker hosts, every
    one ready; yields the scheduler's env, the workers' folders, and the store's bucket."""
    write_sql_warehouse(postgres_url, make_tables(seed=4, days=DAYS, rows_per_day=1500, drift_from_day=3),
                        schema=postgres_schema)
    project = make_project(tmp_path / "main" / "project", warehouse=postgres_url, **schema_tables(postgres_schema),
                           store=f"{s3_bucket}/monitoring", reports=f"{s3_bucket}/reports",
                           **{"airflow.storage_conn_id": "monitors_s3"})
    port = compute_free_port()
    # no AWS environment on any host: the tasks take the store's credentials from the connection
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_")) and k != "MONITORS_HOME"}
    base.update({
        "AIRFLOW_CONN_MONITORS_S3": json.dumps({
            "conn_type": "aws", "login": os.environ["AWS_ACCESS_KEY_ID"],
            "password": os.environ["AWS_SECRET_ACCESS_KEY"],
            "extra": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}}),
        "PATH": f"{BIN}:{base.get('PATH', '')}", "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor", "AIRFLOW__CELERY__BROKER_URL": redis_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2", "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db,
        "AIRFLOW__API__PORT": str(port), "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex, "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5", "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    })
    main_env = compute_host_env(base, tmp_path / "main", project)
    run_airflow(main_env, "db", "migrate", timeout=300)
    run_airflow(main_env, "pools", "set", "monitors_warehouse", "4", "monitors: warehouse queries")
    cluster = Cluster(tmp_path)
    try:
        deadline = time.monotonic() + TIMEOUT
        for component in ("api-server", "scheduler", "dag-processor"):
            cluster.start(component, main_env, component)
        workers = []
        for n in (1, 2):
            host = tmp_path / f"worker{n}"
            shutil.copytree(project / "dags", host / "project" / "dags", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(project / "expectations", host / "project" / "expectations")
            env = compute_host_env(base, host, host / "project")
            log = cluster.start(f"worker{n}", env, "celery", "worker", "--celery-hostname", f"worker{n}@%h",
                                "--skip-serve-logs")
            workers.append((host, log))
        for (_host, log), (_, process) in zip(workers, cluster.processes[3:], strict=True):
            wait_for_line(log, f"worker{log.stem[-1]}@", process, deadline)
            wait_for_line(log, "ready.", process, deadline)
        while "monitor_credit_risk" not in run_airflow(main_env, "dags", "list", "-o", "plain").split():
            assert time.monotonic() < deadline, "the DAG was never parsed"
            time.sleep(3)
        yield main_env, [host for host, _ in workers], s3_bucket
    finally:
        cluster.stop()


def load_task_logs(host: Path) -> set[str]:
    """The tasks (run/task) whose logs the worker host wrote: the ones it ran."""
    logs = host / "airflow" / "logs" / "dag_id=monitor_credit_risk"
    return {f"{p.parts[-3]}/{p.parts[-2]}" for p in logs.rglob("*.log")} if logs.exists() else set()


def test_a_backfill_on_two_workers_with_no_shared_disk_stores_what_monitors_run_stores(
        celery_cluster: tuple[dict[str, str], list[Path], str], tmp_path: Path, s3_bucket: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    env, workers, bucket = celery_cluster
    before = [compute_files(host / "project") for host in workers]
    deadline = time.monotonic() + TIMEOUT
    run_airflow(env, "dags", "unpause", "monitor_credit_risk")
    started = time.monotonic()
    run_airflow(env, "backfill", "create", "--dag-id", "monitor_credit_risk", "--from-date", "2026-01-01",
                "--to-date", f"2026-01-0{DAYS}", "--max-active-runs", "4")
    while True:
        runs = [r for r in find_runs(run_airflow(env, "dags", "list-runs", "monitor_credit_risk", "-o", "json"))
                if r["run_id"].startswith("backfill__")]
        if len(runs) == DAYS and all(r["state"] in ("success", "failed") for r in runs):
            break
        assert time.monotonic() < deadline, f"the backfill did not finish: {runs}"
        time.sleep(3)
    print(f"backfill of {DAYS} windows on two Celery workers: {time.monotonic() - started:.1f} s")

    ran = [load_task_logs(host) for host in workers]
    assert ran[0] and ran[1], f"every task ran on one worker: {ran}"
    assert not ran[0] & ran[1]
    assert {task.split("/")[1] for task in ran[0] | ran[1]} >= {"task_id=measure"}

    main_project = Path(env["MONITORS_HOME"])
    config = load_config(main_project / "dags" / "models" / "credit_risk.yaml", home=main_project)
    in_b = stored(config)
    in_b = in_b[in_b["window_start"] < pd.Timestamp("2026-02-01")].reset_index(drop=True)
    assert in_b["window_start"].nunique() == DAYS
    cli = tmp_path / "cli.yaml"
    cli.write_text((main_project / "dags" / "models" / "credit_risk.yaml").read_text()
                   .replace(f"{bucket}/", f"{s3_bucket}-cli/"))
    s3fs.S3FileSystem().mkdir(f"{s3_bucket}-cli".removeprefix("s3://"))
    monkeypatch.setenv("MONITORS_HOME", str(main_project))
    assert main(["run", str(cli), "--start", "2026-01-01", "--end", f"2026-01-0{DAYS + 1}", "--no-report"]) == 1
    in_a = stored(load_config(cli))
    assert len(in_a) == len(in_b) and compute_results_difference(in_a, in_b).empty

    model_page = s3fs.S3FileSystem().cat_file(f"{bucket.removeprefix('s3://')}/reports/credit_risk/index.html")
    for day in range(1, DAYS + 1):
        assert f'href="2026-01-0{day}T0000Z/index.html"'.encode() in model_page
    for host, files in zip(workers, before, strict=True):
        assert compute_files(host / "project") == files  # no store, page or staging file left
        assert compute_files(host / "tmp") == set()
