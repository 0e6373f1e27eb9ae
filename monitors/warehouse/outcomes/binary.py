"""Binary classification's outcome counts: rows by (label: 1, 0 or -1 when missing; predicted
label; score slot on the baseline's score bins), with the sum of the log loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import CLIP, MISSING, NON_FINITE, NumericBins, compute_stable_sum
from monitors.core.fields import LABEL
from monitors.core.tallies import BinaryTally, Tally
from monitors.warehouse.sql import bin_expression


def expressions(config: ModelConfig, source: sa.Subquery, score_bins: NumericBins
                ) -> tuple[list[Any], list[Any]]:
    """(group expressions, aggregate expressions)."""
    p = config.predictions
    score: Any = sa.cast(source.c[str(p.score)], sa.Double())
    label: Any = source.c[LABEL]
    predicted: Any = source.c[p.predicted_label] if p.predicted_label and p.predicted_label in source.c \
        else None
    pred = (sa.func.coalesce(sa.cast(predicted, sa.Integer()), -1) if predicted is not None
            else sa.case((score >= 0.5, 1), else_=0))
    label_e = sa.case((label.is_(None), -1), else_=sa.cast(label, sa.Integer()))
    clip: Any = sa.literal(CLIP, sa.Double())
    p1 = sa.func.greatest(sa.func.least(score, 1 - clip), clip)
    loss = sa.case((label_e == 1, -sa.func.ln(p1)), (label_e == 0, -sa.func.ln(1 - p1)), else_=0.0)
    return [label_e, pred, bin_expression(source.c[str(p.score)], score_bins)], \
        [sa.func.count(), sa.func.sum(loss)]


def tally(rows: list[Any], width: int) -> Tally:
    """The tally of the result rows (groups, then the count and the log loss at `width`)."""
    out = BinaryTally()
    kept, losses = [], []
    for r in rows:
        label, pred, slot, n, loss = int(r[0]), int(r[1]), int(r[2]), int(r[width]), r[width + 1]
        out.total += n
        if slot in (MISSING, NON_FINITE):
            continue
        kept.append((label, pred, slot, n))
        if label >= 0 and pred >= 0:
            losses.append(compute_stable_sum(loss))
    out.groups = np.array(kept, dtype=np.int64).reshape(-1, 4)
    # the groups arrive in any order (a parallel aggregate): an exact sum is the same in each
    out.log_loss_sum = math.fsum(losses)
    return out
