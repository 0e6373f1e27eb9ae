"""The DAG files: every model's DAG loads with nothing heavy imported (its time is
benchmarks/dag_parse.py's figure); a broken YAML is an import error of its own DAG file only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import REPO

PROBE = """
import json, sys, time
sys.path.insert(0, {dags!r})
import airflow.sdk  # airflow's own imports are not the DAG file's
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
start = time.perf_counter()
bag = DagBag(dag_folder={dags!r})
seconds = time.perf_counter() - start
heavy = sorted({{m.split('.')[0] for m in set(sys.modules) - before}}
               & {{'pandas', 'great_expectations', 'evidently', 'duckdb', 'numpy', 'scipy', 'pyarrow'}})
dags = {{d: [t.task_id for t in bag.dags[d].tasks] for d in bag.dags}}
print(json.dumps({{"seconds": seconds, "heavy": heavy, "dags": dags,
                   "errors": {{k: v for k, v in bag.import_errors.items()}},
                   "timetable": {{d: repr(bag.dags[d].timetable) for d in bag.dags}},
                   "max_active_runs": {{d: bag.dags[d].max_active_runs for d in bag.dags}},
                   "catchup": {{d: bag.dags[d].catchup for d in bag.dags}}}}))
"""


def _parse(dags: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE.format(dags=str(dags))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_repo_dags_load_with_nothing_heavy() -> None:
    result = _parse(REPO / "dags")
    assert result["errors"] == {}
    assert result["dags"] == {"monitor_credit_risk": ["measure", "checks", "drift", "performance",
                                                      "report", "refresh_labels"]}
    assert result["timetable"]["monitor_credit_risk"] == \
        "CronDataIntervalTimetable(expression='0 0 * * *', timezone='UTC')"
    assert result["max_active_runs"]["monitor_credit_risk"] == 1
    assert result["catchup"]["monitor_credit_risk"] is False
    assert result["heavy"] == []


def test_every_model_yaml_has_its_dag_file() -> None:
    for config in (REPO / "dags" / "models").glob("*.y*ml"):
        assert (REPO / "dags" / f"monitor_{config.stem}.py").exists(), config


def test_broken_yaml_is_an_import_error_of_its_own_file_only(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    shutil.copytree(REPO / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    good = yaml.safe_load((dags / "models" / "credit_risk.yaml").read_text())
    other = {**good, "model": "churn"}
    (dags / "models" / "churn.yaml").write_text(yaml.safe_dump(other))
    shutil.copy(dags / "monitor_credit_risk.py", dags / "monitor_churn.py")
    broken = {**good, "model": "fraud", "drift": {"max_drifted_shares": 0.3}}
    (dags / "models" / "fraud.yaml").write_text(yaml.safe_dump(broken))
    shutil.copy(dags / "monitor_credit_risk.py", dags / "monitor_fraud.py")

    result = _parse(dags)
    assert sorted(result["dags"]) == ["monitor_churn", "monitor_credit_risk"]
    assert list(result["errors"]) == [str(dags / "monitor_fraud.py")]
    error = result["errors"][str(dags / "monitor_fraud.py")]
    assert "fraud.yaml: drift.max_drifted_shares: unknown key" in error


def test_a_granularity_is_its_own_dag_with_its_own_timetable(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    shutil.copytree(REPO / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    config = yaml.safe_load((dags / "models" / "credit_risk.yaml").read_text())
    config["granularities"] = [{"schedule": "@weekly"}, {"name": "six_hourly", "schedule": "0 */6 * * *"}]
    (dags / "models" / "credit_risk.yaml").write_text(yaml.safe_dump(config))

    result = _parse(dags)
    assert result["errors"] == {}
    assert sorted(result["dags"]) == ["monitor_credit_risk", "monitor_credit_risk_six_hourly",
                                      "monitor_credit_risk_weekly"]
    assert result["dags"]["monitor_credit_risk_weekly"] == result["dags"]["monitor_credit_risk"]
    assert result["timetable"] == {
        "monitor_credit_risk": "CronDataIntervalTimetable(expression='0 0 * * *', timezone='UTC')",
        "monitor_credit_risk_weekly": "CronDataIntervalTimetable(expression='0 0 * * 0', timezone='UTC')",
        "monitor_credit_risk_six_hourly": "CronDataIntervalTimetable(expression='0 */6 * * *', timezone='UTC')"}
    assert result["heavy"] == []
