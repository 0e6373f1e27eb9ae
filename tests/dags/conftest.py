"""Airflow for tests: a temp AIRFLOW_HOME set before airflow is imported, a fresh SQLite
metadata DB, and a project folder with the DAG files, a model YAML and a small warehouse."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitors.run.suite import write_profiled_suite

REPO = Path(__file__).resolve().parents[2]
if "airflow" not in sys.modules:
    _AIRFLOW_HOME = tempfile.mkdtemp(prefix="monitors-airflow-")
    os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
sys.path.insert(0, str(REPO / "dags"))


@pytest.fixture(scope="session")
def airflow_db() -> None:
    from airflow.utils import db

    db.resetdb()


def make_project(root: Path, days: int = 3, drift_from_day: int | None = None,
                 tables: dict[str, Any] | None = None, **overrides: Any) -> Path:
    """root/dags/{monitor_credit_risk.py, monitors_airflow/, models/credit_risk.yaml},
    root/warehouse.duckdb (`tables`, or the factory's) and root/expectations/credit_risk.json."""
    from monitors.config import compute_config
    from monitors.testing import make_config_data, make_tables, write_duckdb_warehouse

    dags = root / "dags"
    (dags / "models").mkdir(parents=True)
    shutil.copy(REPO / "dags" / "monitor_credit_risk.py", dags)
    shutil.copy(REPO / "dags" / ".airflowignore", dags)
    shutil.copytree(REPO / "dags" / "monitors_airflow", dags / "monitors_airflow",
                    ignore=shutil.ignore_patterns("__pycache__"))
    tables = tables or make_tables(seed=4, days=days, rows_per_day=1500, drift_from_day=drift_from_day)
    write_duckdb_warehouse(root / "warehouse.duckdb", tables)
    data = make_config_data("duckdb:///warehouse.duckdb", **overrides)
    (dags / "models" / "credit_risk.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    config = compute_config(data, dags / "models" / "credit_risk.yaml", root)
    if config.suite_path is not None:
        write_profiled_suite(config)
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    yield make_project(tmp_path / "project")
