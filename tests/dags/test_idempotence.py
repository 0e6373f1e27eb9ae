"""The same range run three times, by the CLI and by dag.test() in any order, leaves identical
rows; a password in an Airflow connection reaches no log, XCom, report or store file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from tests.integration.helpers import stored

from .conftest import make_project
from .test_dag_run import _dag


def test_cli_and_dag_runs_in_any_order_leave_identical_rows(tmp_path: Path, airflow_db: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=2, drift_from_day=1)
    config_path = project / "dags" / "models" / "credit_risk.yaml"
    config = load_config(config_path, home=project)
    dag = _dag(project, monkeypatch)

    def by_dag() -> None:
        for day in (2, 3):
            dag.test(logical_date=datetime(2026, 1, day, tzinfo=UTC))

    def by_cli() -> None:
        with monkeypatch.context() as m:
            m.setenv("MONITORS_HOME", str(project))
            assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-03"]) == 1

    snapshots = []
    for run in (by_cli, by_dag, by_cli, by_dag, by_dag):
        run()
        snapshots.append(stored(config))
    assert snapshots[0]["window_start"].nunique() == 2 and len(snapshots[0]) > 200
    for other in snapshots[1:]:
        pd.testing.assert_frame_equal(snapshots[0], other)


def test_a_connection_password_reaches_no_output(tmp_path: Path, airflow_db: None, postgres_url: str,
                                                 postgres_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from monitors.testing import make_tables, write_sql_warehouse

    secret = "Airfl0w-Conn-Secret"
    url = sa.make_url(postgres_url)
    write_sql_warehouse(postgres_url, make_tables(seed=3, days=1, rows_per_day=600, drift_from_day=0),
                        schema=postgres_schema)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", json.dumps({
        "conn_type": "postgres", "host": url.host, "port": url.port, "login": url.username,
        "password": secret, "schema": url.database}))
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=1, checks=None)
    yaml_path = project / "dags" / "models" / "credit_risk.yaml"
    text = yaml_path.read_text().replace("warehouse: duckdb:///warehouse.duckdb", "warehouse: airflow://warehouse_pg")
    for table in ("predictions", "outcomes", "training_data"):
        text = text.replace(f"table: {table}\n", f"table: {postgres_schema}.{table}\n")
    yaml_path.write_text(text)
    dag = _dag(project, monkeypatch)
    run = dag.test(logical_date=datetime(2026, 1, 2, tzinfo=UTC))
    assert run.state == "failed"  # the window drifts: the evaluate task fails with the message
    rows = stored(load_config(yaml_path, home=project))
    assert rows.query("metric == 'row_count'")["value"].item() == 600  # it read through the connection
    with create_session() as session:
        values = [str(x.value) for x in session.query(XComModel).filter(XComModel.dag_id == dag.dag_id)]
    assert values and not any(secret in v for v in values)
    airflow_home = Path(__import__("os").environ["AIRFLOW_HOME"])
    for folder in (project, airflow_home):
        leaked = [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
        assert leaked == [], leaked


def test_a_granularity_dag_stores_what_monitors_run_stores_for_it(tmp_path: Path, airflow_db: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """monitor_credit_risk_twice_daily's run covers its own 12-hour data interval and stores the
    granularity's series, as `monitors run --granularity twice_daily` does."""
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.delenv("MONITORS_HOME", raising=False)
    project = make_project(tmp_path / "project", days=2, checks=None,
                           granularities=[{"name": "twice_daily", "schedule": "0 */12 * * *"}])
    config_path = project / "dags" / "models" / "credit_risk.yaml"
    config = load_config(config_path, home=project)
    _dag(project, monkeypatch)  # the bag's settings; the granularity's DAG is beside the model's
    dag = DagBag(dag_folder=str(project / "dags")).dags["monitor_credit_risk_twice_daily"]
    dag.test(logical_date=datetime(2026, 1, 1, 12, tzinfo=UTC))  # the interval [00:00, 12:00)
    series = config.model_copy(update={"model": "credit_risk@twice_daily"})
    by_dag = stored(series)
    assert set(by_dag["granularity"]) == {"twice_daily"} and set(by_dag["model"]) == {"credit_risk"}
    assert list(by_dag[["window_start", "window_end"]].drop_duplicates().itertuples(index=False, name=None)) \
        == [(pd.Timestamp("2026-01-01 00:00"), pd.Timestamp("2026-01-01 12:00"))]
    assert stored(config).empty  # the primary series ran nothing
    with monkeypatch.context() as m:
        m.setenv("MONITORS_HOME", str(project))
        main(["run", str(config_path), "--start", "2026-01-01T00:00", "--end", "2026-01-01T12:00",
              "--granularity", "twice_daily", "--no-report"])
    pd.testing.assert_frame_equal(stored(series), by_dag)
