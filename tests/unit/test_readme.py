"""The Guarantees table (docs/guarantees.md) cites tests that exist: each `file.py::test_name` it names (a bare
`::test_name` or an abbreviated `..._part_...` continues the row's last file) is a test function
in that file."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_test_a_guarantee_cites_exists() -> None:
    text = (REPO / "docs" / "guarantees.md").read_text()
    rows = text.split("# Guarantees", 1)[1].split("\n## ", 1)[0].splitlines()
    cited = 0
    for row in (r for r in rows if r.startswith("| ") and "`" in r.rsplit("|", 2)[-2]):
        last: Path | None = None
        for ref in re.findall(r"`([^`]+)`", row.rsplit("|", 2)[-2]):
            if ref.startswith("..."):  # an abbreviated name in the row's last file: ..._on_postgres_...
                assert last is not None and re.search(rf"def test\w*{re.escape(ref.strip('.'))}\w*\(",
                                                      last.read_text()), f"{last}: no test like {ref}"
                cited += 1
                continue
            name, _, test = ref.partition("::")
            if name.endswith(".py"):
                candidates = [REPO / name, *REPO.glob(f"tests/**/{Path(name).name}")]
                last = next((c for c in candidates if c.exists()), None)
                assert last is not None, f"{name} does not exist"
            if test:
                assert last is not None, ref
                function = test.split("[")[0].removesuffix("...")
                body = last.read_text()
                assert re.search(rf"def {re.escape(function)}\w*\(", body), f"{last.name} has no {function}"
                cited += 1
    assert cited > 20
