"""A multiclass model's class probabilities counted in the warehouse (predictions.class_scores):
for each class, the labelled rows by (whether the label is that class, the class's probability
slot on 4096 bins of [0, 1]), and the summed log loss of the true class's probability, in one
GROUPING SETS scan. Macro one-vs-rest ROC AUC and log loss come from these counts
(compute.performance), ROC AUC within 1e-3 of scikit-learn's (scores in one bin count as tied)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sqlalchemy as sa

from monitors.compute.measure import DEFAULT_SCORE_BINS
from monitors.config import ModelConfig
from monitors.core.counts import CLIP, LABEL, MISSING, NON_FINITE, Tally, compute_stable_sum
from monitors.warehouse.sql import compute_bin_expression, compute_grouped, compute_grouping


def _true_class_probability(config: ModelConfig, source: sa.Subquery, label: Any) -> Any:
    """The probability the model gave the row's label (NULL for a label it has no column for)."""
    scores = config.predictions.class_scores or {}
    cases: list[Any] = [(label == name, sa.cast(source.c[column], sa.Double()))
                        for name, column in scores.items()]
    return sa.case(*cases, else_=None)


def load_class_probabilities(conn: sa.Connection, source: sa.Subquery, config: ModelConfig,
                             tally: Tally) -> None:
    """Fill `tally` (the whole window's) with its per-class probability counts and log loss."""
    scores = config.predictions.class_scores or {}
    if not scores or LABEL not in source.c:
        return
    names = list(scores)
    label: Any = sa.cast(source.c[LABEL], sa.String())
    slots = [compute_bin_expression(source.c[scores[name]], DEFAULT_SCORE_BINS) for name in names]
    true_p = _true_class_probability(config, source, label)
    clip: Any = sa.literal(CLIP, sa.Double())
    loss = sa.case((true_p.is_not(None), -sa.func.ln(sa.func.greatest(sa.func.least(true_p, 1.0), clip))),
                   else_=None)
    sets = [sa.tuple_(label, slot) for slot in slots] + [sa.tuple_()]
    query = (sa.select(label.label("label"), *(s.label(f"s{i}") for i, s in enumerate(slots)),
                       compute_grouping(slots).label("gid"), sa.func.count().label("n"),
                       sa.func.sum(loss).label("loss"), sa.func.count(loss).label("loss_n"))
             .select_from(source).where(source.c[LABEL].is_not(None))
             .group_by(sa.func.grouping_sets(*sets)))
    found: dict[str, list[tuple[int, int, int]]] = {name: [] for name in names}
    losses, loss_rows = [], 0
    for row in conn.execute(query):
        grouped = compute_grouped(int(row.gid), len(names))
        if not grouped:  # the () set: every labelled row
            losses.append(compute_stable_sum(row.loss))
            loss_rows += int(row.loss_n)
            continue
        k = grouped[0]
        slot = int(row[1 + k])
        if slot not in (MISSING, NON_FINITE):
            found[names[k]].append((int(str(row.label) == names[k]), slot, int(row.n)))
    tally.probabilities = {name: np.array(rows, dtype=np.int64).reshape(-1, 3)
                           for name, rows in found.items()}
    tally.log_loss_sum, tally.log_loss_rows = math.fsum(losses), loss_rows
