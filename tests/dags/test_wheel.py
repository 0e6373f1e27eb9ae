"""Installable into a managed Airflow (MWAA, Composer, Astronomer install packages into their
image and sync only a DAG folder): the wheel carries monitors and, beside it, the DAG factory
and notifiers (monitors_airflow), so a fresh environment with the wheel and its locked
dependencies parses a DAG folder that holds only the two-line DAG file and the model's YAML."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

PROBE = """
import json, sys
import monitors, monitors_airflow
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"dags": {d: [t.task_id for t in bag.dags[d].tasks] for d in bag.dags},
                  "errors": dict(bag.import_errors), "monitors": monitors.__file__,
                  "monitors_airflow": monitors_airflow.__file__}))
"""


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv is missing: `make env` installs it"
    return found


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env, cwd=cwd)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_the_wheel_alone_parses_a_two_line_dag_folder(tmp_path: Path) -> None:
    uv = _uv()
    _run(uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(REPO))
    wheel = next((tmp_path / "dist").glob("airflow_model_monitors-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "monitors/cli.py" in names and "monitors_airflow/factory.py" in names
    assert "monitors_airflow/notifiers.py" in names and not any(n.startswith("dags/") for n in names)
    assert "monitors/reports/templates/window/broken.html" in names  # the pages' templates

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "PYTHON", "VIRTUAL_ENV", "MONITORS"))}
    env.update(UV_COMPILE_BYTECODE="0", AIRFLOW_HOME=str(tmp_path / "airflow"))
    requirements = tmp_path / "requirements.txt"
    _run(uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--project", str(REPO),
         "-o", str(requirements), env=env)
    venv = tmp_path / "venv"
    _run(uv, "venv", "--python", sys.executable, str(venv), env=env)
    _run(uv, "pip", "install", "--python", str(venv / "bin" / "python"), "-r", str(requirements),
         str(wheel), env=env)

    dags = tmp_path / "dags"
    (dags / "models").mkdir(parents=True)
    (dags / "monitor_credit_risk.py").write_text(
        "from monitors_airflow.factory import build_dag\n\ndag = build_dag(__file__)\n")
    shutil.copy(REPO / "dags" / "models" / "credit_risk.yaml", dags / "models")
    out = _run(str(venv / "bin" / "python"), "-c", PROBE, str(dags), env=env, cwd=tmp_path)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert result["dags"] == {"monitor_credit_risk": ["measure", "checks", "drift", "performance",
                                                      "report", "refresh_labels"]}
    for package in ("monitors", "monitors_airflow"):  # from the wheel, not from this checkout
        assert result[package].startswith(str(venv)), result[package]
