"""Airflow for tests: a temp AIRFLOW_HOME set before airflow is imported, a fresh SQLite
metadata DB, and a project folder with the DAG files, a model YAML and a small warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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


BIN = Path(sys.executable).parent
PASSWORD = "s3cret-test-pw"


def run_airflow(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    done = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def find_runs(output: str) -> list[dict[str, str]]:
    """The JSON list in `airflow dags list-runs -o json` output (which may carry log lines)."""
    start, end = output.find("[{"), output.rfind("}]")
    return json.loads(output[start:end + 2]) if start >= 0 and end > start else []


@pytest.fixture
def metadata_db(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of its own for Airflow's metadata (SQLite locks under a scheduler)."""
    import uuid

    import sqlalchemy as sa

    name = f"monitors_airflow_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    from airflow.utils import db

    db.resetdb()


def make_project(root: Path, days: int = 3, drift_from_day: int | None = None,
                 tables: dict[str, Any] | None = None, warehouse: str | None = None, **overrides: Any) -> Path:
    """root/dags/{monitor_credit_risk.py, monitors_airflow/, models/credit_risk.yaml},
    root/warehouse.duckdb (`tables`, or the factory's; unless another `warehouse` URL is given,
    whose tables are already written) and root/expectations/credit_risk.json."""
    from monitors.config import compute_config
    from monitors.testing import make_config_data, make_tables, write_duckdb_warehouse

    dags = root / "dags"
    (dags / "models").mkdir(parents=True)
    shutil.copy(REPO / "dags" / "monitor_credit_risk.py", dags)
    shutil.copy(REPO / "dags" / ".airflowignore", dags)
    shutil.copytree(REPO / "dags" / "monitors_airflow", dags / "monitors_airflow",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if warehouse is None:
        tables = tables or make_tables(seed=4, days=days, rows_per_day=1500, drift_from_day=drift_from_day)
        write_duckdb_warehouse(root / "warehouse.duckdb", tables)
    # these tests expect a fixed pass/fail pattern per window: multivariate drift (a statistical
    # rule with its own ~1% false-alert rate, tested in tests/*/test_multivariate.py) is left out
    overrides = {"drift.multivariate": False, **overrides}
    data = make_config_data(warehouse or "duckdb:///warehouse.duckdb", **overrides)
    (dags / "models" / "credit_risk.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    config = compute_config(data, dags / "models" / "credit_risk.yaml", root)
    if config.suite_path is not None:
        write_profiled_suite(config)
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("MONITORS_HOME", raising=False)
    yield make_project(tmp_path / "project")
