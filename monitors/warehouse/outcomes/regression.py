"""Regression's outcome counts: sums of errors (absolute, squared, percentage, squared log) over
the labelled rows with a finite prediction, in the order of core.tallies.SUMS."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import NumericBins, compute_stable_sum
from monitors.core.fields import LABEL
from monitors.core.tallies import SUMS, RegressionTally, Tally
from monitors.warehouse.sql import is_finite


def expressions(config: ModelConfig, source: sa.Subquery, score_bins: NumericBins
                ) -> tuple[list[Any], list[Any]]:
    """(group expressions: none, aggregate expressions)."""
    label: Any = source.c[LABEL]
    score: Any = sa.cast(source.c[str(config.predictions.score)], sa.Double())
    y: Any = sa.cast(label, sa.Double())
    ok = sa.and_(label.is_not(None), score.is_not(None), is_finite(score))
    err = y - score

    def total(expr: Any, when: Any = ok) -> Any:
        return sa.func.sum(sa.case((when, expr), else_=0.0))

    logged = sa.and_(ok, y > -1, score > -1)  # log1p is undefined at or below -1
    one: Any = sa.literal(1.0, sa.Double())
    # ln of 1 where the row is not logged: no engine evaluates ln of a number <= 0
    log_err = sa.func.ln(sa.case((logged, one + y), else_=one)) \
        - sa.func.ln(sa.case((logged, one + score), else_=one))
    return [], [sa.func.count(), total(1.0), total(sa.func.abs(err)), total(err * err),
                total(err * err * err * err), total(y), total(y * y),
                # typed: an untyped denominator is CAST AS DECIMAL (Spark: DECIMAL(10,0), the label rounded)
                total(sa.func.abs(err / sa.func.nullif(y, 0, type_=sa.Double())), sa.and_(ok, y != 0)),
                total(1.0, sa.and_(ok, y != 0)), total(log_err * log_err, logged),
                total(log_err * log_err * log_err * log_err, logged), total(1.0, logged)]


def tally(rows: list[Any], width: int) -> Tally:
    """The tally of the result row (every row, the labelled rows, then SUMS)."""
    out = RegressionTally()
    for r in rows:
        out.total += int(r[0])
        sums = {k: compute_stable_sum(v) for k, v in zip(SUMS, r[2:], strict=True)}
        out.sums = {"n": float(r[1] or 0), **sums}
    return out
