"""The config reference (docs/reference/config.md) is what `monitors schema --markdown` prints from
the pydantic models, and every key there has its description (written once, in the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.cli import main
from monitors.config_reference import compute_config_reference_text, compute_undescribed_keys

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "reference" / "config.md"


def test_the_committed_reference_is_what_monitors_schema_markdown_prints(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--markdown"]) == 0
    printed = capsys.readouterr().out
    assert printed == compute_config_reference_text() == COMMITTED.read_text(), \
        "regenerate it: monitors schema --markdown > docs/reference/config.md"


def test_every_key_has_a_description() -> None:
    assert compute_undescribed_keys() == [], "give each new config field a Field(description=...)"


def test_the_reference_lists_nested_keys_with_their_types_and_defaults() -> None:
    text = compute_config_reference_text()
    rows = {line.split(" | ")[0].strip("| `"): line for line in text.splitlines() if line.startswith("| `")}
    assert "| duration | `7d` |" in rows["airflow.notify.repeat_every"]
    assert "| required |" in rows["predictions.table"] and "| none |" in rows["ground_truth"]
    assert "`auto`, `none`, `day_of_week`, `hour_of_day`, `hour_of_week` | `auto` |" in rows["volume.seasonality"]
    assert "| list of section | empty |" in rows["custom_metrics"] and "custom_metrics[].max_change" in rows
    assert "## airflow.notify {#airflow-notify}" in text
