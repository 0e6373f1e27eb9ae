"""A managed Airflow (MWAA, Composer, Astronomer) syncs only a DAG folder: a model whose suite is
named inside it (`checks.suite: dags/expectations/<model>.json`, relative to the folder above the
DAG folder, as docs/many-workers.md says) runs a window with that suite when nothing else is
beside the DAG folder; and the reports plugin reads a bucket with the credentials of
`airflow.storage_conn_id`, not the API server's environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from monitors.config import load_config
from monitors.testing import make_config_data, make_tables, write_duckdb_warehouse
from tests.integration.helpers import stored

from .conftest import make_project
from .test_dag_run import _dag


def test_a_dag_folder_alone_runs_a_window_with_the_suite_inside_it(
        tmp_path: Path, airflow_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    elsewhere = tmp_path / "warehouse-and-bucket"  # stands for the warehouse and the bucket
    elsewhere.mkdir()
    url = write_duckdb_warehouse(elsewhere / "warehouse.duckdb", make_tables(seed=4, days=2, rows_per_day=1500))
    root = make_project(tmp_path / "airflow", warehouse=url, **{
        "checks.suite": "dags/expectations/credit_risk.json", "store": str(elsewhere / "monitoring.duckdb"),
        "reports": str(elsewhere / "reports")})
    assert sorted(p.name for p in root.iterdir()) == ["dags"]  # the synced folder is all there is
    assert (root / "dags" / "expectations" / "credit_risk.json").exists()

    run = _dag(root, monkeypatch).test(logical_date=datetime(2026, 1, 2, tzinfo=UTC))
    assert run.state == "success"
    rows = stored(load_config(root / "dags" / "models" / "credit_risk.yaml", home=root))
    assert {m for m in rows["metric"] if m.startswith("expect_")}  # the suite in the DAG folder ran
    assert sorted(p.name for p in root.iterdir()) == ["dags"]


def test_the_plugin_reads_the_bucket_with_the_storage_connection(
        tmp_path: Path, s3_bucket: str, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    from monitors_airflow.plugin import load_file, load_reports_roots

    page = b"<html>the window's page</html>"
    s3fs.S3FileSystem().pipe_file(f"{s3_bucket.removeprefix('s3://')}/reports/credit_risk/index.html", page)
    dags = tmp_path / "dags"
    (dags / "models").mkdir(parents=True)
    data = make_config_data("duckdb:///warehouse.duckdb", reports=f"{s3_bucket}/reports",
                            **{"airflow.storage_conn_id": "monitors_s3"})
    (dags / "models" / "credit_risk.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(dags))
    monkeypatch.setenv("AIRFLOW_CONN_MONITORS_S3", json.dumps({
        "conn_type": "aws", "login": "monitors", "password": "monitors-secret",
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # the API server has no credentials
        monkeypatch.delenv(name)
    s3fs.S3FileSystem.clear_instance_cache()
    load_reports_roots.cache_clear()
    try:
        roots = load_reports_roots()
        found = load_file(roots["credit_risk"], "credit_risk/index.html")
    finally:
        load_reports_roots.cache_clear()
        s3fs.S3FileSystem.clear_instance_cache()
    assert found == (page, "text/html")
