"""Multiclass classification's outcome counts: labelled rows by (label, predicted class); with
class probabilities, warehouse.probabilities adds each class's counts and the log loss."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.counts import NumericBins
from monitors.core.fields import LABEL
from monitors.core.tallies import MulticlassTally, Tally
from monitors.warehouse.probabilities import predicted_class_expression


def expressions(config: ModelConfig, source: sa.Subquery, score_bins: NumericBins
                ) -> tuple[list[Any], list[Any]]:
    """(group expressions, aggregate expressions)."""
    return [sa.cast(source.c[LABEL], sa.String()), predicted_class_expression(config, source)], \
        [sa.func.count()]


def tally(rows: list[Any], width: int) -> Tally:
    """The tally of the result rows (label, predicted, then the count at `width`)."""
    out = MulticlassTally()
    for r in rows:
        n = int(r[width])
        out.total += n
        if r[0] is not None and r[1] is not None:
            out.confusion[(str(r[0]), str(r[1]))] = n
    return out
