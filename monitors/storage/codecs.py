"""Outcome tallies as JSON text and back: the baseline cache keeps the baseline's tallies."""

from __future__ import annotations

import json

import numpy as np

from monitors.core.counts import Tally


def tallies_json(tallies: dict[str | None, Tally]) -> str:
    return json.dumps([[key, t.task, t.total, t.groups.tolist(), t.log_loss_sum,
                        [[a, b, n] for (a, b), n in t.confusion.items()], t.sums,
                        {k: v.tolist() for k, v in t.probabilities.items()}, t.log_loss_rows]
                       for key, t in tallies.items()])


def tallies_from_json(text: str) -> dict[str | None, Tally]:
    out = {}
    for key, task, total, groups, loss, confusion, sums, *rest in json.loads(text):
        probabilities, loss_rows = rest if rest else ({}, 0)  # tallies cached before they had them
        out[key] = Tally(task, total, np.array(groups, dtype=np.int64).reshape(-1, 4), loss,
                         {(a, b): n for a, b, n in confusion}, sums,
                         {k: _class_rows(v) for k, v in probabilities.items()}, loss_rows)
    return out


def _class_rows(rows: list[list[int]]) -> np.ndarray:
    """A class's probability counts (is the class, predicted it, slot, count); cached before
    they had the prediction: (is the class, slot, count) of labelled rows, predicted unknown."""
    found = np.array(rows, dtype=np.int64).reshape(len(rows), -1) if rows else np.zeros((0, 4), np.int64)
    if found.shape[1] == 3:
        found = np.insert(found, 1, -1, axis=1)
    return found
