"""`monitors schema`: the config's JSON Schema, committed as docs/model-config.schema.json (which
the example YAML names for editors), validates the example configs and refuses misspelt keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from monitors.cli import main
from monitors.config_schema import compute_config_schema, compute_config_schema_text

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "model-config.schema.json"


def _as_json(path: Path) -> Any:
    """A YAML file as an editor's YAML server sees it: dates are text."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def test_the_committed_schema_is_what_monitors_schema_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == compute_config_schema_text() == COMMITTED.read_text(), \
        "regenerate it: monitors schema > docs/model-config.schema.json"


def test_the_example_configs_validate_and_name_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(compute_config_schema())
    for path in sorted((REPO / "dags" / "models").glob("*.yaml")):
        assert list(validator.iter_errors(_as_json(path))) == [], path
        assert path.read_text().startswith("# yaml-language-server: $schema=../../docs/model-config.schema.json")


@pytest.mark.parametrize(("section", "key"), [("drift", "max_dirfted_share"), ("performance", "max_dorp"),
                                              (None, "schedul")])
def test_a_misspelt_key_fails_the_schema(section: str | None, key: str) -> None:
    data = _as_json(REPO / "dags" / "models" / "credit_risk.yaml")
    (data[section] if section else data)[key] = 1
    errors = list(jsonschema.Draft202012Validator(compute_config_schema()).iter_errors(data))
    assert len(errors) == 1 and f"'{key}' was unexpected" in errors[0].message
