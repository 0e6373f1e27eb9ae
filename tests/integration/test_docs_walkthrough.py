"""docs/first-model.md, "your first model in ten minutes", works as written: its commands, read
from the page in order, run on tables like the demo's (features drifting from 2026-02-01) and do
what the page says they do; README's "your own model" commands are among them."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_duckdb_warehouse

from .helpers import stored

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "first-model.md"
EXIT = {"run": 1}  # the page: "the run exits 1 (a rule broke)"; every other command 0


def _commands(page: Path) -> list[str]:
    """The command lines of the page's shell blocks, in order."""
    blocks = re.findall(r"^```\n(.*?)^```", page.read_text(), re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_walkthrough_runs_as_written(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=7, days=35, rows_per_day=300,
                                                                  drift_from_day=31))
    (home / "dags" / "models").mkdir(parents=True)
    commands = _commands(PAGE)
    assert [c.split()[:2] for c in commands] == [
        ["monitors", "init"], ["monitors", "expectations"], ["monitors", "run"], ["monitors", "alerts"],
        ["monitors", "results"], ["monitors", "report"], ["cp", "dags/monitor_credit_risk.py"]]
    outputs = {}
    for command in commands:
        words = shlex.split(command)
        if words[0] == "cp":  # the DAG file: the repository's, the same for every model
            shutil.copy(REPO / words[1], home / words[2])
            continue
        target = None
        if ">" in words:
            words, target = words[:words.index(">")], words[words.index(">") + 1]
        capsys.readouterr()
        assert main(words[1:]) == EXIT.get(words[1], 0), command
        outputs[words[1]] = out = capsys.readouterr().out
        if target:
            (home / target).write_text(out)

    config = load_config(home / "dags" / "models" / "my_model.yaml")
    assert config.model == "my_model" and config.suite_path == home / "expectations" / "my_model.json"
    assert config.suite_path.exists()
    rows = stored(config)
    assert sorted(rows["window_start"].dt.day.unique()) == [1, 2, 30, 31]
    drifted = rows[(rows["kind"] == "drift") & (rows["status"] == "alert")]
    assert set(drifted["window_start"].dt.strftime("%m-%d")) == {"02-01", "02-02"}
    assert "OPEN" in outputs["alerts"] and "drift" in outputs["results"]
    assert (home / "reports" / "index.html").exists()
    assert (home / "reports" / "my_model" / "2026-02-01T0000Z" / "index.html").exists()
    assert "build_dag(__file__)" in (home / "dags" / "monitor_my_model.py").read_text()


def test_the_readme_commands_are_the_walkthrough_s() -> None:
    readme = REPO / "README.md"
    own = readme.read_text().split("## Your own model", 1)[1].split("## ", 1)[0]
    block = re.findall(r"^```\n(.*?)^```", own, re.S | re.M)[0]
    assert [line for line in block.splitlines() if line] == _commands(PAGE)[:3]
