"""The documentation cannot drift from the code: the MkDocs site builds strictly (no broken link,
anchor or page left out of the nav), every YAML block of README.md and docs/ is a config the
loader takes (a section alone is checked inside the demo's config), and every `monitors ...`
command in a shell block parses with the command line's own parser (a synopsis's placeholders
and optional parts are filled in)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from monitors.cli_args import compute_parser
from monitors.config import compute_config
from monitors.config_schema import compute_config_schema

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
DEMO = REPO / "dags" / "models" / "credit_risk.yaml"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
PLACEHOLDERS = {"CONFIG": "dags/models/credit_risk.yaml", "D": "2026-01-01", "T": "2026-01-01T00:00",
                "N": "2", "K": "drift", "S": "alert", "W": "2026-01-03", "NAME": "m",
                "URL": "duckdb:///warehouse.duckdb", "TABLE": "predictions"}


def _blocks(language: set[str]) -> list[tuple[str, str]]:
    """(page:line, text) of each fenced block in one of these languages ('' = unlabelled)."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            if match.group(1) in language:
                line = text[:match.start()].count("\n") + 1
                found.append((f"{page.relative_to(REPO)}:{line}", match.group(2)))
    return found


def _merged(base: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in part.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else value
    return out


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "config" / "index.html").exists()


YAML_BLOCKS = _blocks({"yaml"})


@pytest.mark.parametrize(("where", "text"), YAML_BLOCKS, ids=[w for w, _ in YAML_BLOCKS])
def test_every_yaml_block_is_a_config_the_loader_takes(where: str, text: str) -> None:
    demo = yaml.safe_load(DEMO.read_text())
    part = yaml.safe_load(text)
    assert isinstance(part, dict), where
    data = part if "model" in part else _merged(demo, part)
    as_json = json.loads(json.dumps(data, default=str))  # what an editor's YAML server sees
    errors = [e.message for e in jsonschema.Draft202012Validator(compute_config_schema()).iter_errors(as_json)]
    assert errors == [], where
    compute_config(data, where, REPO)  # the loader's own checks (columns in custom SQL, seasons, ...)


def _commands() -> list[tuple[str, list[str]]]:
    """Each `monitors ...` line of a shell block as arguments; a synopsis twice: with its optional
    [parts] left out and with each included (the first of a|b)."""
    found = []
    for where, text in _blocks({"", "sh", "bash", "console", "shell"}):
        lines: list[str] = []
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip().removeprefix("$ ")
            if line.startswith("monitors "):
                lines.append(line)
            elif lines and line.startswith("[") and raw.startswith(" "):  # a synopsis continued
                lines[-1] += " " + line
        for line in lines:
            line = line.split(" > ", 1)[0]
            variants = {re.sub(r"\s*\[[^]]*\](\.\.\.)?", "", line), re.sub(r"\[([^]]*)\](\.\.\.)?", r"\1", line)}
            for variant in variants:
                words = [w.split("|")[0] if w.startswith("--") is False and "|" in w else w for w in variant.split()]
                found.append((where, [PLACEHOLDERS.get(w, w) for w in words[1:]]))
    return found


COMMANDS = _commands()


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[f"{w} {' '.join(a[:2])}" for w, a in COMMANDS])
def test_every_monitors_command_in_the_docs_parses(where: str, argv: list[str]) -> None:
    try:
        compute_parser(None).parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: monitors {' '.join(argv)} does not parse")


def test_the_docs_hold_the_commands_and_configs_they_are_checked_by() -> None:
    assert len(YAML_BLOCKS) >= 6 and len(COMMANDS) >= 20
    assert {argv[0] for _, argv in COMMANDS} >= {"demo", "init", "schema", "run", "expectations", "results",
                                                "alerts", "report"}


def test_the_readme_is_a_front_page_whose_links_resolve() -> None:
    """README stays short, names the test command CI runs (.ci/run: `make test`), and each of its
    relative links names a file of the repository (MkDocs checks the links inside docs/)."""
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert "make test" in (REPO / ".ci" / "run").read_text().splitlines()[-1]
    assert re.search(r"^make test +# ", text, re.M)
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert len(links) >= 10
    assert [link for link in links if "://" not in link and not (REPO / link).exists()] == []
