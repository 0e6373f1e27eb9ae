"""Counts, tallies and measurements as JSON text and back: the Airflow stages stage them between
tasks, the baseline cache keeps the baseline's tallies."""

from __future__ import annotations

import json

import numpy as np

from monitors.core.counts import NUMERIC_SLOTS, Counts, Key, Tally
from monitors.core.measurement import Measurement


def _key(k: Key) -> list[str | None]:
    return [k[0], k[1]]


def compute_counts_json(counts: Counts) -> str:
    """Counts as JSON (non-zero slots only)."""
    return json.dumps({
        "rows": [[s, n] for s, n in counts.rows.items()],
        "slots": [[_key(k), {str(i): int(v[i]) for i in np.flatnonzero(v)}]
                  for k, v in counts.slots.items()],
        "categories": [[_key(k), [[value, n] for value, n in found.items()]]
                       for k, found in counts.categories.items()],
        "outside_sums": [[_key(k), list(v)] for k, v in counts.outside_sums.items()],
    })


def compute_counts_from_json(text: str) -> Counts:
    payload = json.loads(text)
    out = Counts(rows={s: int(n) for s, n in payload["rows"]})
    for (segment, column), nonzero in payload["slots"]:
        vector = np.zeros(NUMERIC_SLOTS, np.int64)
        for i, n in nonzero.items():
            vector[int(i)] = n
        out.slots[(segment, column)] = vector
    for (segment, column), pairs in payload["categories"]:
        out.categories[(segment, column)] = {value: int(n) for value, n in pairs}
    for (segment, column), sums in payload["outside_sums"]:
        out.outside_sums[(segment, column)] = (float(sums[0]), float(sums[1]))
    return out


def compute_tallies_json(tallies: dict[str | None, Tally]) -> str:
    return json.dumps([[key, t.task, t.total, t.groups.tolist(), t.log_loss_sum,
                        [[a, b, n] for (a, b), n in t.confusion.items()], t.sums]
                       for key, t in tallies.items()])


def compute_tallies_from_json(text: str) -> dict[str | None, Tally]:
    out = {}
    for key, task, total, groups, loss, confusion, sums in json.loads(text):
        out[key] = Tally(task, total, np.array(groups, dtype=np.int64).reshape(-1, 4), loss,
                         {(a, b): n for a, b, n in confusion}, sums)
    return out


def compute_rows_json(rows: list[Measurement]) -> str:
    return json.dumps([r.__dict__ for r in rows])


def compute_rows_from_json(text: str) -> list[Measurement]:
    return [Measurement(**item) for item in json.loads(text)]
