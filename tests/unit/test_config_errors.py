"""Errors that teach: each bad config a new user wrote gets one line saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.config import load_config
from monitors.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
GOOD = (REPO / "dags" / "models" / "credit_risk.yaml").read_text()

CASES = [
    ("dedented features", ("    numerical: [income, debt_ratio, age]\n    categorical: [region, product]",
                           "  numerical: [income, debt_ratio, age]\n  categorical: [region, product]"),
     "predictions.features: its keys must be indented below features: (numerical, categorical are beside "
     "it, not below it)"),
    ("a key in the wrong section", ("  max_drifted_share: 0.5 ", "  max_drifted_share: 0.5\n  max_drop: 0.1 "),
     "drift.max_drop: unknown key here; max_drop belongs under performance: (performance.max_drop)"),
    ("a misspelt key", ("max_drifted_share", "max_dirfted_share"),
     "drift.max_dirfted_share: unknown key; did you mean 'max_drifted_share'?"),
    ("an unquoted preset", ('schedule: "@daily"', "schedule: @daily"),
     'schedule: quote it: schedule: "@daily" (YAML reads a value starting with @ as syntax; line'),
    ("an unquoted cron expression", ('schedule: "@daily"', "schedule: */30 * * * *"),
     'schedule: quote it: schedule: "*/30 * * * *" (YAML reads a value starting with * as syntax'),
    ("a section given as text", ("baseline:\n  table: training_data", "baseline: training_data"),
     "baseline: expected a mapping of keys indented below baseline:, got text"),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_config_is_one_line_saying_what_to_do(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    assert edit[0] in GOOD
    path = tmp_path / "model.yaml"
    path.write_text(GOOD.replace(edit[0], edit[1], 1))
    with pytest.raises(ConfigError) as raised:
        load_config(path, home=tmp_path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ") and expected in lines[0], lines[0]
