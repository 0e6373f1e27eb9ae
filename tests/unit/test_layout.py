"""The layout's promises: the seams bite (each layer's ruff.toml refuses what it may not import),
modules stay under 300 lines and functions under 60, unit tests mirror the subpackages, and
names say what a function does by layer (`compute_` is pure: core, compute, reports)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "monitors"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 60
SUBPACKAGES = ("core", "compute", "warehouse", "checks", "storage", "reports", "run")


def _ruff(path: str, source: str) -> str:
    """What ruff says of `source` as if it were the file at `path` (nothing is written)."""
    ruff = Path(sys.executable).with_name("ruff")
    found = subprocess.run([str(ruff), "check", "--no-cache", "--output-format", "concise", "--select",
                            "TID251", "--stdin-filename", path, "-"], input=source, text=True,
                           capture_output=True, cwd=REPO)
    return found.stdout


@pytest.mark.parametrize(("layer", "source", "banned"), [
    ("core", "import sqlalchemy\n", True),
    ("core", "from monitors.storage import results\n", True),
    ("compute", "import duckdb\n", True),
    ("compute", "import pyarrow.parquet as pq\n", True),
    ("compute", "from monitors.warehouse import queries\n", True),
    ("run", "import sqlalchemy as sa\n", True),
    ("run", "from os import replace\n", True),
    ("warehouse", "import os\nos.rename('a', 'b')\n", True),
    ("", "import shutil\nshutil.move('a', 'b')\n", True),
    ("reports", "import fcntl\n", True),
    ("reports", "from monitors.warehouse.engine import create_warehouse_engine\n", True),
    ("storage", "import great_expectations\n", True),
    ("storage", "from monitors.reports import charts\n", True),
    ("warehouse", "import evidently\n", True),
    ("run", "import jinja2\n", True),
    ("checks", "import pyarrow\n", True),
    ("reports", "import s3fs\n", True),
    ("run", "import fsspec\n", True),
    ("", "import sqlalchemy\n", True),  # top-level modules (cli, config, demo, testing)
    ("", "import airflow\n", True),
    ("warehouse", "import sqlalchemy\n", False),
    ("checks", "import great_expectations\n", False),
    ("storage", "import pyarrow.parquet\nimport fcntl\nimport duckdb\nimport s3fs\n", False),
    ("reports", "import evidently\nimport jinja2\n", False),
    ("compute", "import numpy\nfrom monitors.core import counts\n", False),
])
def test_each_layer_refuses_what_it_may_not_import(layer: str, source: str, banned: bool) -> None:
    path = f"monitors/{layer}/probe.py" if layer else "monitors/probe.py"
    said = _ruff(path, source)
    assert ("TID251" in said) == banned, said


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_modules_are_short() -> None:
    long = {str(p.relative_to(REPO)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) >= MAX_MODULE_LINES}
    assert long == {}


def test_functions_are_short() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines >= MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(REPO)}:{node.name}"] = lines
    assert long == {}


def test_the_tree_has_its_layers_and_unit_tests_mirror_them() -> None:
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == set(SUBPACKAGES)
    unit = REPO / "tests" / "unit"
    for folder in (p for p in unit.iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert folder.name in SUBPACKAGES, folder
        layer = PACKAGE / folder.name
        modules = [p.stem for p in layer.glob("*.py")] + [p.name for p in layer.iterdir()
                                                           if (p / "__init__.py").exists()]
        for test in folder.glob("test_*.py"):  # test_<module>.py or test_<module>_<aspect>.py
            name = test.stem.removeprefix("test_")
            assert any(name == m or name.startswith(f"{m}_") for m in modules), \
                f"{test} tests no module of {folder.name}/"


# The task type is looked up (core.tasks, or a layer's per-task module), never compared: a
# comparison with a task name or the task outside core/ and the per-task modules is refused.
TASK_NAMES = {"BINARY", "MULTICLASS", "REGRESSION", "CLASSIFICATION", "TASKS"}
TASK_VALUES = {"binary_classification", "multiclass_classification", "regression"}
TASK_MODULES = {"binary", "multiclass", "regression"}


def _is_task(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in TASK_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in TASK_NAMES or node.attr == "task"
    if isinstance(node, ast.Constant):
        return node.value in TASK_VALUES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_task(e) for e in node.elts)
    return False


def compute_task_comparisons(source: str) -> list[int]:
    """The lines of `source` that compare (==, !=, in, is, match) with a task or a task name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(_is_task(e) for e in [node.left, *node.comparators]):
            found.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_task(node.subject):
            found.append(node.lineno)
    return found


def test_the_task_check_finds_comparisons_and_lets_lookups_pass() -> None:
    assert compute_task_comparisons("if config.task == BINARY:\n    pass\n") == [1]
    assert compute_task_comparisons("x = task != 'regression'\n") == [1]
    assert compute_task_comparisons("x = a.task != b.kind\n") == [1]
    assert compute_task_comparisons("y = t.task in (MULTICLASS, BINARY)\n") == [1]
    assert compute_task_comparisons("ok = 'multiclass_classification' == name\n") == [1]
    assert compute_task_comparisons("match config.task:\n    case _:\n        pass\n") == [1]
    assert compute_task_comparisons("m = MODULES[config.task]\nt = compute_task_type(config.task)\n"
                                    "if t.estimator != DLE:\n    pass\n") == []


def test_the_task_is_compared_only_in_core_and_the_per_task_modules() -> None:
    compared = {}
    for folder in ("monitors", "dags", "plugins"):
        for path in sorted((REPO / folder).rglob("*.py")):
            inside = path.relative_to(REPO)
            if inside.parts[:2] == ("monitors", "core") or path.stem in TASK_MODULES:
                continue
            if lines := compute_task_comparisons(path.read_text()):
                compared[str(inside)] = lines
    assert compared == {}


IMPURE_LAYERS = (PACKAGE / "run", PACKAGE / "storage", PACKAGE / "warehouse", PACKAGE / "checks",
                 REPO / "dags", REPO / "plugins")


def _functions(folders: tuple[Path, ...], prefixes: tuple[str, ...]) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                        and node.name.lstrip("_").startswith(prefixes):
                    found.append(f"{path.relative_to(REPO)}:{node.name}")
    return found


def test_no_compute_names_where_code_does_io() -> None:
    """`compute_` promises a pure function; these layers read, write or wire: `load_`, `write_`,
    `run_`, `create_`, or a plain noun for a small pure helper (a SQL builder is named for the
    statement or expression it builds: `custom_select`, `alerts_sql`, `is_finite`)."""
    assert _functions(IMPURE_LAYERS, ("compute_",)) == []


def test_pure_layers_neither_read_write_nor_wire() -> None:
    assert _functions((PACKAGE / "core", PACKAGE / "compute"), ("load_", "write_", "run_")) == []


def test_files_are_renamed_only_by_storage_files() -> None:
    """A file renamed over another is storage/files.py's (replace_file: written whole, synced,
    never half seen); ruff bans os.replace and os.rename elsewhere, and this Path.replace and
    Path.rename (a call `.replace(x)` or `.rename(x)`: str.replace takes two arguments)."""
    sanctioned = PACKAGE / "storage" / "files.py"
    found = []
    for path in (p for p in _modules() if p != sanctioned):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("replace", "rename") and len(node.args) == 1 and not node.keywords:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []
