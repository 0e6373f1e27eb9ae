"""The model's DAG under dag.test(): windows stored like `monitors run` stores them, and a broken
rule fails the run and emails the broken rules through a real SMTP server."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from tests.integration.helpers import stored

from .conftest import make_project


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str, str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        parts = [p.get_payload(decode=True).decode() for p in message.walk()
                 if p.get_content_type() == "text/html"]
        self.messages.append((list(envelope.rcpt_tos), str(message["Subject"]), "".join(parts)))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "monitors@example.com"}}))
    yield inbox
    controller.stop()


class Hooks:
    """A local HTTP server that records JSON posts (Slack's webhook and a generic one)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.posts: list[tuple[str, dict]] = []
        self.received: list[datetime] = []  # when each post arrived
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hooks.posts.append((self.path, json.loads(body)))
                hooks.received.append(datetime.now(UTC))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    server = Hooks()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _dag(project: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(project / "dags"))
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([{
        "name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
        "kwargs": {"path": str(project / "dags")}}]))
    sys.modules.pop("monitor_credit_risk", None)
    bag = DagBag(dag_folder=str(project / "dags"))
    assert bag.import_errors == {}
    return bag.dags["monitor_credit_risk"]


def _day(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_dag_runs_windows_and_alerts_by_email(tmp_path: Path, airflow_db: None, smtp: Inbox, hooks: Hooks,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=3, drift_from_day=2, **{
        "airflow.notify.email": ["ml-team@example.com"],
        "airflow.notify.slack_webhook": f"{hooks.url}/slack",
        "airflow.notify.webhook": f"{hooks.url}/hook"})
    dag = _dag(project, monkeypatch)
    states, tasks = {}, {}
    for day in (2, 3, 4):  # dag.test(D) covers [D-1, D)
        run = dag.test(logical_date=_day(day))
        states[day - 1] = run.state
        tasks[day - 1] = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {1: "success", 2: "success", 3: "failed"}
    # one process for a window where nothing broke; the grid names the part that broke
    assert tasks[1] == {"measure": "success", "checks": "skipped", "drift": "skipped",
                        "performance": "skipped", "report": "skipped", "refresh_labels": "skipped"}
    assert tasks[3]["measure"] == "success" and tasks[3]["drift"] == "failed"
    assert tasks[3]["report"] == "success" and tasks[3]["refresh_labels"] == "skipped"  # its Evidently report

    config = load_config(project / "dags" / "models" / "credit_risk.yaml", home=project)
    rows = stored(config)
    assert rows["window_start"].nunique() == 3
    alerts = rows[rows["status"] == "alert"]
    assert set(alerts["window_start"]) == {pd.Timestamp("2026-01-03")}
    assert (project / "reports" / "credit_risk" / "2026-01-03T0000Z" / "index.html").exists()
    assert not (project / "monitoring" / "staging").exists()  # nothing passes between tasks as files

    assert len(smtp.messages) == 1
    to, subject, body = smtp.messages[0]
    assert to == ["ml-team@example.com"]
    assert "monitor_credit_risk failed: drift" in subject
    assert "model credit_risk, window [2026-01-03 00:00, 2026-01-04 00:00) UTC" in body
    assert re.search(r"drift wasserstein of income = 0\.\d+ \(bound: &lt; 0\.1\d*\)", body), body
    assert "credit_risk/2026-01-03T0000Z/index.html" in body
    posts = dict(hooks.posts)
    assert set(posts) == {"/slack", "/hook"}
    assert "monitor_credit_risk.drift failed for window 2026-01-03" in posts["/slack"]["text"]
    assert "drift wasserstein of income = " in posts["/slack"]["text"]
    assert posts["/hook"]["dag_id"] == "monitor_credit_risk" and posts["/hook"]["task_id"] == "drift"
    assert posts["/hook"]["window_start"].startswith("2026-01-03")
    assert "model credit_risk, window [2026-01-03 00:00, 2026-01-04 00:00) UTC" in posts["/hook"]["message"]

    # the same windows through the CLI store the same rows
    cli_store = tmp_path / "cli.duckdb"
    cli_config = project / "dags" / "models" / "cli.yaml"
    cli_config.write_text((project / "dags" / "models" / "credit_risk.yaml").read_text()
                          + f"\nstore: {cli_store}\n".replace("store: ", "store: ", 1))
    text = cli_config.read_text().replace("store: monitoring.duckdb\n", "")
    cli_config.write_text(text)
    monkeypatch.setenv("MONITORS_HOME", str(project))
    assert main(["run", str(cli_config), "--start", "2026-01-01", "--end", "2026-01-04",
                 "--no-report"]) == 1
    pd.testing.assert_frame_equal(rows, stored(load_config(cli_config)))

    # a rerun of a window replaces it: no duplicates, same values
    dag.test(logical_date=_day(2))
    pd.testing.assert_frame_equal(rows, stored(config))


def test_a_refresh_that_finds_a_drop_fails_and_notifies(tmp_path: Path, airflow_db: None, hooks: Hooks,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from monitors.testing import make_tables, write_duckdb_warehouse

    monkeypatch.delenv("MONITORS_HOME", raising=False)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - timedelta(days=3)  # windows [today-3, today-2) and [today-2, today-1)
    tables = make_tables(seed=5, days=2, rows_per_day=1500, start=first, drop_from_day=0,
                         label_delay_days=30.0)  # no label has arrived yet
    project = make_project(tmp_path / "project", tables=tables, segments=[], checks=None, **{
        "ground_truth.timestamp": "labelled_at", "ground_truth.max_delay": "5d",
        "airflow.notify.webhook": f"{hooks.url}/hook"})
    dag = _dag(project, monkeypatch)
    assert dag.test(logical_date=first + timedelta(days=1)).state == "success"  # pending, not judged
    # the first window's labels arrive (an hour after each prediction)
    outcomes = tables["outcomes"]
    first_day = outcomes["prediction_id"].isin(tables["predictions"]["prediction_id"][:1500])
    outcomes.loc[first_day, "labelled_at"] = tables["predictions"]["predicted_at"][:1500] + pd.Timedelta(hours=1)
    write_duckdb_warehouse(project / "warehouse.duckdb", tables)
    run = dag.test(logical_date=first + timedelta(days=2))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"measure": "success", "checks": "skipped", "drift": "skipped",
                      "performance": "skipped", "report": "skipped", "refresh_labels": "failed"}
    assert run.state == "failed"
    posts = dict(hooks.posts)
    assert posts["/hook"]["task_id"] == "refresh_labels"
    message = posts["/hook"]["message"]
    assert message.startswith(f"late labels: model credit_risk, window [{first:%Y-%m-%d} 00:00, "), message
    assert re.search(r"performance roc_auc = 0\.\d+ \(bound: >= 0\.\d+\)", message), message


def test_people_hear_of_a_change_not_of_every_window(tmp_path: Path, airflow_db: None, smtp: Inbox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from monitors.testing import make_tables

    monkeypatch.delenv("MONITORS_HOME", raising=False)
    tables = make_tables(seed=7, days=4, rows_per_day=1500, drift_from_day=1)  # drift on days 2-4
    clean = make_tables(seed=8, days=4, rows_per_day=1500)
    last = tables["predictions"].index >= 4500  # day 4 undrifted again
    features = ["income", "debt_ratio", "age", "region", "product", "score", "predicted_label"]
    tables["predictions"].loc[last, features] = clean["predictions"].loc[last, features].to_numpy()
    project = make_project(tmp_path / "project", tables=tables, segments=[], checks=None, ground_truth=None,
                           **{"performance.metrics": [], "airflow.notify.email": ["ml-team@example.com"]})
    dag = _dag(project, monkeypatch)
    states = [dag.test(logical_date=_day(day)).state for day in (2, 3, 4, 5)]  # windows Jan 1-4
    assert states == ["success", "failed", "failed", "success"]  # the grid stays true
    subjects = [subject for _, subject, _ in smtp.messages]
    assert len(subjects) == 2, subjects  # the new alerts, then their resolution; not the repeat
    assert "failed: drift, window 2026-01-02" in subjects[0]
    assert "alerts resolved, window 2026-01-04" in subjects[1]
    assert "NEW drift wasserstein of income" in smtp.messages[0][2]
    resolved = smtp.messages[1][2]
    assert "model credit_risk: RESOLVED, no open alerts: " in resolved and "drift wasserstein of income" in resolved


def test_the_alert_fails_and_notifies_before_the_report_renders(tmp_path: Path, airflow_db: None, hooks: Hooks,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The alerting window's part task fails and its notification is sent before the `report`
    task starts; the report still renders (the window's Evidently page, linked from its page),
    and a report that fails leaves the window stored and the run's state to its rules."""
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=2, drift_from_day=1, checks=None, **{
        "performance.metrics": [], "airflow.notify.webhook": f"{hooks.url}/hook",
        "report.evidently": "always", "airflow.retries": 0})
    dag = _dag(project, monkeypatch)
    run = dag.test(logical_date=_day(3))  # window Jan 2, drifted
    tis = {ti.task_id: ti for ti in run.get_task_instances()}
    assert {t: ti.state for t, ti in tis.items()} == {
        "measure": "success", "checks": "skipped", "drift": "failed", "performance": "skipped",
        "report": "success", "refresh_labels": "skipped"}
    assert run.state == "failed"  # the window's alert, not the report's success
    assert [body["task_id"] for _, body in hooks.posts] == ["drift"]
    assert tis["measure"].end_date <= tis["drift"].start_date
    assert tis["drift"].end_date <= tis["report"].start_date
    assert hooks.received[0] <= tis["report"].start_date  # notified before the report began
    window = project / "reports" / "credit_risk" / "2026-01-02T0000Z"
    assert (window / "evidently.html").stat().st_size > 1000
    page = (window / "index.html").read_text()
    assert 'href="evidently.html"' in page and "The Evidently report uses seeded samples: 1,500 window rows" in page

    # a clean window whose report fails: its run succeeds (the window's state), the report task
    # fails and notifies, the window is stored
    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("monitors.run.report.write_evidently_report", fail)
    clean = dag.test(logical_date=_day(2))  # window Jan 1
    assert {ti.task_id: ti.state for ti in clean.get_task_instances()} == {
        "measure": "success", "checks": "skipped", "drift": "skipped", "performance": "skipped",
        "report": "failed", "refresh_labels": "skipped"}
    assert clean.state == "success"
    assert [body["task_id"] for _, body in hooks.posts] == ["drift", "report"]
    config = load_config(project / "dags" / "models" / "credit_risk.yaml", home=project)
    assert stored(config)["window_start"].nunique() == 2
