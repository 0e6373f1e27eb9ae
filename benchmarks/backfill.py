"""A backfill in Airflow against `monitors run` over the same demo windows, same parallelism.

    .venv/bin/python benchmarks/backfill.py [--days 30] [--parallel 2] [--max-active-runs R]
                                            [--executor-slots E] [--workdir DIR]
                                            [--postgres postgresql+psycopg2://postgres@127.0.0.1:5432/test]
                                            [--airflow SECTION__KEY=VALUE ...]

Builds a project in the workdir (the demo's warehouse, config and suite; the DAG folder as in
the repo, with the plugin), then times:
  (a) `monitors run --jobs P` over the first D demo windows (a store of its own);
  (b) `airflow backfill create --max-active-runs R` (default P) over the same windows, on `airflow
      standalone` (the warehouse pool P slots: at most P `measure` tasks at once, as the CLI's P
      jobs; LocalExecutor with parallelism E, default P: E above P lets a task start while the
      ones before it, already done, tear their processes down (3P measured best, with
      --airflow SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=0.2); a PostgreSQL metadata database of
      its own), from the create command until every run has finished.
Prints both, their ratio, and whether both stores hold the same rows (but run_id and
computed_at). Asserts nothing. Stops every process it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def write_project(root: Path) -> Path:
    from monitors import demo

    (root / "dags" / "models").mkdir(parents=True)
    shutil.copy(REPO / "dags" / "monitor_credit_risk.py", root / "dags")
    shutil.copy(REPO / "dags" / ".airflowignore", root / "dags")
    shutil.copytree(REPO / "dags" / "monitors_airflow", root / "dags" / "monitors_airflow",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "plugins", root / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "expectations", root / "expectations")
    demo.write_demo_config(root / "dags" / "models" / "credit_risk.yaml")
    demo.write_demo_warehouse(root / "warehouse.duckdb")
    cli = yaml.safe_load((root / "dags" / "models" / "credit_risk.yaml").read_text())
    cli.update(store="cli/monitoring.duckdb", reports="cli/reports")
    (root / "cli.yaml").write_text(yaml.safe_dump(cli))
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"airflow {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def airflow_env(project: Path, home: Path, database: str, slots: int,
                settings: list[str] | None = None) -> dict[str, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({
        "AIRFLOW_HOME": str(home), "MONITORS_HOME": str(project), "PATH": f"{BIN}:{env.get('PATH', '')}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(project / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": str(slots),
        "AIRFLOW__API__PORT": str(port), "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    })
    for setting in settings or []:  # --airflow SECTION__KEY=VALUE
        key, _, value = setting.partition("=")
        env[f"AIRFLOW__{key.upper()}"] = value
    return env


def load_backfill_states(engine: sa.Engine) -> list[str]:
    """The backfill runs' states, from the metadata database (polling with the `airflow` CLI
    cost a core: every call imports Airflow)."""
    with engine.connect() as conn:
        return [state for (state,) in conn.execute(sa.text(
            "SELECT state FROM dag_run WHERE dag_id = 'monitor_credit_risk' AND run_id LIKE 'backfill__%'"))]


def time_backfill(project: Path, workdir: Path, postgres: str, days: int, parallel: int, active: int,
                  slots: int, settings: list[str]) -> float:
    name = f"monitors_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = sa.make_url(postgres).set(database=name).render_as_string(hide_password=False)
    env = airflow_env(project, workdir / "airflow", database, slots, settings)
    proc = None
    try:
        airflow(env, "db", "migrate")
        airflow(env, "pools", "set", "monitors_warehouse", str(parallel), "monitors")
        log = (workdir / "standalone.log").open("w")
        proc = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        while "monitor_credit_risk" not in airflow(env, "dags", "list", "-o", "plain"):
            time.sleep(2)
        airflow(env, "dags", "unpause", "monitor_credit_risk")
        last = f"2026-01-{days:02d}"  # inclusive: one run per day from 2026-01-01
        started, cpu_before, wall = time.monotonic(), compute_cpu(proc.pid), time.time()
        airflow(env, "backfill", "create", "--dag-id", "monitor_credit_risk", "--from-date", "2026-01-01",
                "--to-date", last, "--max-active-runs", str(active))
        metadata = sa.create_engine(database)
        while True:
            found = load_backfill_states(metadata)
            if len(found) == days and all(state in ("success", "failed") for state in found):
                elapsed = time.monotonic() - started
                print_cpu(cpu_before, compute_cpu(proc.pid), elapsed)
                metadata.dispose()
                print_task_times(database, wall)
                return elapsed
            time.sleep(0.2)  # one small query: the finish is seen within 0.2 s
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def compute_cpu(root: int) -> dict[str, float]:
    """CPU seconds so far of the long-lived processes under `root` (their own, not their
    children's), by process title (the scheduler, its executor's workers, the API server, ...),
    and of the whole machine ("machine")."""
    import psutil

    found: dict[str, float] = {}
    for child in psutil.Process(root).children(recursive=True):
        try:
            words = [w for w in " ".join(child.cmdline()).split() if not w.startswith("/")]
            times = child.cpu_times()
        except psutil.Error:
            continue
        title = " ".join(words)[:40]
        found[title] = found.get(title, 0.0) + times.user + times.system
    machine = psutil.cpu_times()
    found["machine"] = machine.user + machine.system + machine.nice
    return found


def print_cpu(before: dict[str, float], after: dict[str, float], elapsed: float) -> None:
    """Where the cores went during the backfill: each long-lived process's CPU seconds (those
    alive at both ends), and the rest (task processes, the CLI commands, anything else)."""
    spent = {k: after[k] - before[k] for k in after if k in before and k != "machine"}
    top = sorted(spent.items(), key=lambda kv: -kv[1])[:8]
    parts = ", ".join(f"{title!r} {seconds:.1f} s" for title, seconds in top)
    rest = after["machine"] - before["machine"] - sum(spent.values())
    cores = os.cpu_count() or 1
    print(f"    CPU during the backfill ({elapsed:.0f} s wall, {cores * elapsed:.0f} core-s on {cores} "
          f"cores): {parts}; the rest (tasks, ...) {rest:.1f} s")


def print_task_times(database: str, created: float) -> None:
    """Median run time of each task, and the median wait between a task's queueing and its start
    and between its upstream's end and its queueing (the scheduler's latency); when the first
    task was queued and the last ended, from the `backfill create` command's start (`created`,
    epoch seconds), and how many tasks ran at once on average in between."""
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT task_id, run_id, queued_dttm, start_date, end_date FROM task_instance "
            "WHERE run_id LIKE 'backfill__%'")).all()
    engine.dispose()
    by_task: dict[str, list[tuple[float, float]]] = {}
    for task_id, _, queued, start, end in rows:
        if queued and start and end:
            by_task.setdefault(task_id, []).append(((end - start).total_seconds(),
                                                    (start - queued).total_seconds()))
    for task_id, times in sorted(by_task.items()):
        runs_ = sorted(t for t, _ in times)
        waits = sorted(w for _, w in times)
        print(f"    {task_id:<16} median run {runs_[len(runs_) // 2]:5.2f} s, "
              f"queued -> started {waits[len(waits) // 2]:5.2f} s")
    per_run: dict[str, list[Any]] = {}
    for _, run_id, queued, _start, end in rows:
        if queued and end:
            per_run.setdefault(run_id, []).append((queued, end))
    spans = sorted((max(e for _, e in v) - min(q for q, _ in v)).total_seconds() for v in per_run.values())
    if spans:
        print(f"    a run, first queued -> last ended: median {spans[len(spans) // 2]:.1f} s")
    done = [(q.timestamp(), s.timestamp(), e.timestamp()) for _, _, q, s, e in rows if q and s and e]
    if os.environ.get("BACKFILL_TIMELINE"):  # each task: queued, started, ended (s after create)
        for task_id, run_id, q, s, e in sorted(rows, key=lambda r: r[2] or r[3]):
            times = " ".join(f"{t.timestamp() - created:6.2f}" if t else "     -" for t in (q, s, e))
            print(f"      {run_id[10:20]} {task_id:<14} {times}")
    if done:
        first, last = min(q for q, _, _ in done), max(e for _, _, e in done)
        busy = sum(e - s for _, s, e in done)
        print(f"    first task queued {first - created:.1f} s after `backfill create` started, the "
              f"last ended at {last - created:.1f} s; tasks ran {busy:.1f} s in all: over "
              f"{last - first:.1f} s, {busy / (last - first):.2f} of them at once on average")


def same_rows(project: Path) -> bool:
    from monitors.config import load_config
    from monitors.storage.results import load_results
    from monitors.testing import compute_results_difference

    airflow_rows = load_results(load_config(project / "dags" / "models" / "credit_risk.yaml",
                                            home=project).store_path)
    cli_rows = load_results(load_config(project / "cli.yaml", home=project).store_path)
    airflow_rows = airflow_rows[airflow_rows["window_start"].isin(set(cli_rows["window_start"]))]
    return compute_results_difference(cli_rows, airflow_rows).empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30, choices=range(1, 31))
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--max-active-runs", type=int, default=0, help="default: --parallel")
    parser.add_argument("--executor-slots", type=int, default=0, help="default: --parallel")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--postgres", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--airflow", action="append", default=[], metavar="SECTION__KEY=VALUE",
                        help="an Airflow setting, e.g. scheduler__scheduler_idle_sleep_time=0.2")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="monitors-backfill-"))
    project = write_project(workdir / "project")
    env = {**os.environ, "MONITORS_HOME": str(project)}
    end = f"2026-01-{args.days + 1:02d}"
    started = time.monotonic()
    subprocess.run([str(BIN / "monitors"), "run", str(project / "cli.yaml"), "--start", "2026-01-01",
                    "--end", end, "--jobs", str(args.parallel)], env=env, capture_output=True, check=False)
    cli = time.monotonic() - started
    print(f"(a) monitors run --jobs {args.parallel}, {args.days} windows: {cli:.1f} s "
          f"({cli / args.days:.2f} s a window)", flush=True)
    active, slots = args.max_active_runs or args.parallel, args.executor_slots or args.parallel
    backfill = time_backfill(project, workdir, args.postgres, args.days, args.parallel, active, slots,
                             args.airflow)
    extra = "; " + ", ".join(args.airflow) if args.airflow else ""
    print(f"(b) airflow backfill --max-active-runs {active} (pool {args.parallel} slots, LocalExecutor "
          f"parallelism {slots}{extra}), {args.days} windows: {backfill:.1f} s "
          f"({backfill / args.days:.2f} s a window)")
    print(f"(b)/(a) = {backfill / cli:.2f} (target <= 2); same rows stored: {same_rows(project)}")
    print(f"workdir: {workdir}")


if __name__ == "__main__":
    main()
