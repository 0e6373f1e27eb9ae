"""A multiclass model's class probabilities counted in the warehouse (predictions.class_scores):
for the whole window and per segment value, for each class, every row by (whether the label is
that class: 1, 0, or -1 while unlabelled; whether the model predicted that class; the class's
probability slot on 4096 bins of [0, 1]), and the summed log loss of the true class's
probability, in one GROUPING SETS scan. Macro one-vs-rest ROC AUC and log loss come from the
labelled counts (compute.performance), ROC AUC within 1e-3 of scikit-learn's (scores in one bin
count as tied); CBPE's estimates from every row's (compute.estimation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import (
    CLIP,
    DEFAULT_SCORE_BINS,
    MISSING,
    NON_FINITE,
    compute_stable_sum,
)
from monitors.core.fields import LABEL
from monitors.core.tallies import MulticlassTally, Tally
from monitors.warehouse.sql import bin_expression, grouped_positions, grouping_bitmask


def _true_class_probability(config: ModelConfig, source: sa.Subquery, label: Any) -> Any:
    """The probability the model gave the row's label (NULL for a label it has no column for)."""
    scores = config.predictions.class_scores or {}
    cases: list[Any] = [(label == name, sa.cast(source.c[column], sa.Double()))
                        for name, column in scores.items()]
    return sa.case(*cases, else_=None)


def argmax_class(source: sa.Subquery, scores: dict[str, str]) -> Any:
    """The class with the highest probability (the first listed on a tie): the predicted label
    of a multiclass model that logs only its probabilities."""
    names = list(scores)
    cases = []
    for i, name in enumerate(names[:-1]):
        mine: Any = sa.cast(source.c[scores[name]], sa.Double())
        beats = [mine >= sa.cast(source.c[scores[other]], sa.Double()) for other in names[i + 1:]]
        cases.append((sa.and_(*beats), sa.literal(name)))
    return sa.case(*cases, else_=sa.literal(names[-1]))


def predicted_class_expression(config: ModelConfig, source: sa.Subquery) -> Any:
    """A multiclass model's predicted class as text: its predicted_label column, else its score
    column (the class), else the argmax of its class probabilities."""
    p = config.predictions
    if p.predicted_label and p.predicted_label in source.c:
        shown: Any = source.c[p.predicted_label]
    else:
        shown = source.c[p.score] if p.score else argmax_class(source, p.class_scores or {})
    return sa.cast(shown, sa.String())


def load_class_probabilities(conn: sa.Connection, source: sa.Subquery, config: ModelConfig,
                             tallies: dict[str | None, Tally], slices: dict[str, Any]) -> None:
    """Fill the tallies (the whole window's, key None, and each slice value's, "name=value") with
    their per-class probability counts and log loss, in one GROUPING SETS scan."""
    scores = config.predictions.class_scores or {}
    if not scores or LABEL not in source.c:
        return
    names, cuts = list(scores), list(slices)
    label: Any = sa.cast(source.c[LABEL], sa.String())
    predicted = predicted_class_expression(config, source)
    slots = [bin_expression(source.c[scores[name]], DEFAULT_SCORE_BINS) for name in names]
    is_class = [sa.case((label.is_(None), -1), (label == name, 1), else_=0) for name in names]
    chosen = [sa.case((predicted == name, 1), else_=0) for name in names]
    cut_exprs = [slices[c] for c in cuts]
    loss = _log_loss(config, source, label)
    per_class = [list(parts) for parts in zip(is_class, chosen, slots, strict=True)]
    sets = [sa.tuple_(*cut, *parts) for cut in [[], *([e] for e in cut_exprs)] for parts in [*per_class, []]]
    columns = [e.label(f"{kind}{i}") for kind, exprs in (("g", cut_exprs), ("l", is_class), ("p", chosen),
                                                         ("s", slots)) for i, e in enumerate(exprs)]
    query = (sa.select(*columns, grouping_bitmask([*cut_exprs, *slots]).label("gid"),
                       sa.func.count().label("n"), sa.func.sum(loss).label("loss"),
                       sa.func.count(loss).label("loss_n"))
             .select_from(source).group_by(sa.func.grouping_sets(*sets)))
    found: dict[str | None, dict[str, list[tuple[int, int, int, int]]]] = {}
    losses: dict[str | None, list[float]] = {}
    loss_rows: dict[str | None, int] = {}
    for row in conn.execute(query):
        grouped = grouped_positions(int(row.gid), len(cuts) + len(names))
        cut = [i for i in grouped if i < len(cuts)]
        value = row._mapping[f"g{cut[0]}"] if cut else None
        if cut and value is None:  # a NULL slice value is no slice
            continue
        key = f"{cuts[cut[0]]}={value}" if cut else None
        classes = [i - len(cuts) for i in grouped if i >= len(cuts)]
        if not classes:  # every row of the slice
            losses.setdefault(key, []).append(compute_stable_sum(row.loss))
            loss_rows[key] = loss_rows.get(key, 0) + int(row.loss_n)
            continue
        k = classes[0]
        slot = int(row._mapping[f"s{k}"])
        if slot not in (MISSING, NON_FINITE):
            found.setdefault(key, {}).setdefault(names[k], []).append(
                (int(row._mapping[f"l{k}"]), int(row._mapping[f"p{k}"]), slot, int(row.n)))
    for key, tally in tallies.items():
        assert isinstance(tally, MulticlassTally), tally  # class_scores: multiclass only (config)
        counted = found.get(key, {})
        tally.probabilities = {name: np.array(counted.get(name, []), dtype=np.int64).reshape(-1, 4)
                               for name in names}
        tally.log_loss_sum, tally.log_loss_rows = math.fsum(losses.get(key, [])), loss_rows.get(key, 0)


def _log_loss(config: ModelConfig, source: sa.Subquery, label: Any) -> Any:
    """A labelled row's log loss: -ln of the probability of its label, clipped (NULL unlabelled)."""
    true_p = _true_class_probability(config, source, label)
    clip: Any = sa.literal(CLIP, sa.Double())
    return sa.case((true_p.is_not(None), -sa.func.ln(sa.func.greatest(sa.func.least(true_p, 1.0), clip))),
                   else_=None)
