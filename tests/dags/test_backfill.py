"""`airflow backfill create` with a real scheduler (airflow standalone on a temp AIRFLOW_HOME)
stores exactly what `monitors run` stores for the same windows. Every process it starts is
stopped (SIGINT to the process group it created, then SIGKILL if needed)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from tests.conftest import compute_free_port
from tests.integration.helpers import stored

from .conftest import PASSWORD, find_runs, make_project, run_airflow

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 600


@pytest.fixture
def standalone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, metadata_db: str
               ) -> Iterator[tuple[Path, dict[str, str]]]:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=3, drift_from_day=2)
    home = tmp_path / "airflow"
    port = compute_free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.pop("MONITORS_HOME", None)
    env.update({
        "AIRFLOW_HOME": str(home),
        "PATH": f"{BIN}:{env.get('PATH', '')}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([{
            "name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(project / "dags"), "refresh_interval": 5}}]),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(project / "plugins"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "passwords.json"),
    })
    (project / "plugins").mkdir()
    shutil.copy(REPO / "plugins" / "monitors_reports.py", project / "plugins")
    (tmp_path / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
    run_airflow(env, "db", "migrate", timeout=300)
    run_airflow(env, "pools", "set", "monitors_warehouse", "2", "monitors: warehouse queries")
    log = (tmp_path / "standalone.log").open("w")
    proc = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield project, env
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any component left in the group we started
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_backfill_stores_what_monitors_run_stores(standalone: tuple[Path, dict[str, str]],
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, env = standalone
    deadline = time.monotonic() + TIMEOUT
    (project / "dags" / "retrain_credit_risk.py").write_text(_docs_example())
    while not {"monitor_credit_risk", "retrain_credit_risk"} <= set(
            run_airflow(env, "dags", "list", "-o", "plain").split()):
        assert time.monotonic() < deadline, "the DAGs were never parsed"
        time.sleep(3)
    run_airflow(env, "dags", "unpause", "retrain_credit_risk")
    run_airflow(env, "dags", "unpause", "monitor_credit_risk")
    started = time.monotonic()
    run_airflow(env, "backfill", "create", "--dag-id", "monitor_credit_risk",
             "--from-date", "2026-01-01", "--to-date", "2026-01-03")
    runs: list[dict[str, str]] = []
    while True:
        runs = [r for r in find_runs(run_airflow(env, "dags", "list-runs", "monitor_credit_risk", "-o", "json"))
                if r["run_id"].startswith("backfill__")]  # unpausing also schedules today's window
        if len(runs) == 3 and all(r["state"] in ("success", "failed") for r in runs):
            break
        assert time.monotonic() < deadline, f"backfill did not finish: {runs}"
        time.sleep(5)
    print(f"backfill of 3 windows: {time.monotonic() - started:.1f} s")
    states = {r["logical_date"][:10]: r["state"] for r in runs}
    assert states == {"2026-01-01": "success", "2026-01-02": "success", "2026-01-03": "failed"}

    config = load_config(project / "dags" / "models" / "credit_risk.yaml", home=project)
    airflow_rows = stored(config)
    airflow_rows = airflow_rows[airflow_rows["window_start"] < pd.Timestamp("2026-02-01")]
    airflow_rows = airflow_rows.reset_index(drop=True)
    assert airflow_rows["window_start"].nunique() == 3
    cli = project / "cli.yaml"
    cli.write_text((project / "dags" / "models" / "credit_risk.yaml").read_text()
                   .replace("store: monitoring.duckdb", f"store: {tmp_path / 'cli.duckdb'}"))
    monkeypatch.setenv("MONITORS_HOME", str(project))
    assert main(["run", str(cli), "--start", "2026-01-01", "--end", "2026-01-04", "--no-report"]) == 1
    pd.testing.assert_frame_equal(airflow_rows, stored(load_config(cli)))
    # the drifted window's event on monitors://credit_risk/alerts ran the downstream DAG (the ok
    # windows sent none; today's empty window, scheduled on unpausing, may alert too)
    alerted = _downstream_windows(env, deadline)
    assert "2026-01-03T00:00:00+00:00" in alerted
    assert not {"2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"} & set(alerted)
    drifted = alerted["2026-01-03T00:00:00+00:00"]
    assert drifted["status"] == "alert" and drifted["model"] == "credit_risk"
    assert any(line.startswith("drift wasserstein of income") for line in drifted["broken"])
    # the plugin is installed and [api] base_url set: the page inside Airflow
    assert drifted["report"] == f"{env['AIRFLOW__API__BASE_URL']}/monitors/credit_risk/2026-01-03T0000Z/index.html"
    _check_the_report_in_airflow(env, next(r["run_id"] for r in runs if r["logical_date"].startswith("2026-01-03")))


def _check_the_report_in_airflow(env: dict[str, str], run_id: str) -> None:
    """The plugin: the run's "Monitoring report" tab URL gives the window's page to a logged-in
    user and nothing to an anonymous one; the page's links resolve; nothing outside the reports;
    the drift task (that broke) links the same page; the tab and the nav entry are registered."""
    import urllib.parse

    import httpx

    base = env["AIRFLOW__API__BASE_URL"]
    tab = f"{base}/monitors/runs/monitor_credit_risk/{urllib.parse.quote(run_id, safe='')}"
    assert httpx.get(tab).status_code == 401
    assert httpx.get(f"{base}/monitors/credit_risk/index.html").status_code == 401
    token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": PASSWORD}).json()
    client = httpx.Client(headers={"Authorization": f"Bearer {token['access_token']}"}, follow_redirects=True)
    with client:
        page = client.get(tab)
        assert page.status_code == 200, page.text[:500]
        assert str(page.url).endswith("/monitors/credit_risk/2026-01-03T0000Z/index.html")
        assert "credit_risk: [2026-01-03 00:00, 2026-01-04 00:00) UTC" in page.text
        for link in ("../index.html", "../../index.html", "evidently.html"):  # the drifted window has one
            assert client.get(urllib.parse.urljoin(str(page.url), link)).status_code == 200, link
        assert client.get(f"{base}/monitors/..%2F..%2Fdags%2Fmodels%2Fcredit_risk.yaml").status_code == 404
        links = client.get(f"{base}/api/v2/dags/monitor_credit_risk/dagRuns/{urllib.parse.quote(run_id, safe='')}"
                           "/taskInstances/drift/links").json()
        assert urllib.parse.unquote(links["extra_links"]["Monitoring report"]) == urllib.parse.unquote(tab)
        views = [v for p in client.get(f"{base}/api/v2/plugins").json()["plugins"] if p["name"] == "monitors"
                 for v in p["external_views"]]
        assert {(v["name"], v["destination"]) for v in views} == {("Monitoring report", "dag_run"),
                                                                  ("Monitoring", "nav")}


def _docs_example() -> str:
    """The downstream DAG of docs/airflow.md, as written there."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "airflow.md").read_text()
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def _downstream_windows(env: dict[str, str], deadline: float) -> dict[str, dict[str, object]]:
    """What the downstream DAG's successful runs returned (read from XCom in the metadata DB),
    once one of them has seen the drifted window."""
    import sqlalchemy as sa

    engine = sa.create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        while True:
            with engine.connect() as conn:
                values = conn.execute(sa.text(
                    "select x.value from xcom x join dag_run r on r.dag_id = x.dag_id and r.run_id = x.run_id "
                    "where x.dag_id = 'retrain_credit_risk' and x.key = 'return_value' and r.state = 'success'"
                )).scalars().all()
            windows = {w["window_start"]: w for v in values
                       for w in (json.loads(v) if isinstance(v, str) else v)}
            if "2026-01-03T00:00:00+00:00" in windows:
                return windows
            assert time.monotonic() < deadline, f"the downstream DAG saw no drifted window: {windows}"
            time.sleep(3)
    finally:
        engine.dispose()
