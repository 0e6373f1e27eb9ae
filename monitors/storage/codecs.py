"""Outcome tallies as JSON text and back: the baseline cache keeps the baseline's tallies. Each
tally type has its own codec (core.tallies); an entry adds its task and its slice key.
TALLY_FORMAT is part of the cache key (run.reference): tallies cached in an older format are
counted again, never read."""

from __future__ import annotations

import json

from monitors.core.tallies import Tally
from monitors.core.tasks import compute_task_type

TALLY_FORMAT = 2  # 2: one typed tally per task, fields by name (1: one positional list)


def tallies_json(tallies: dict[str | None, Tally]) -> str:
    return json.dumps([{"key": key, "task": t.task, **t.fields()} for key, t in tallies.items()])


def tallies_from_json(text: str) -> dict[str | None, Tally]:
    out = {}
    for entry in json.loads(text):
        key, task = entry.pop("key"), entry.pop("task")
        out[key] = compute_task_type(task).tally.from_fields(entry)
    return out
