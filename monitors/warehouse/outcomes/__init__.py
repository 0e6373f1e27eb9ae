"""Outcomes counted in the warehouse: what realized performance, CBPE and tracing need, for the
whole window and per slice (a segment value, a category, a quintile of a feature), in one
GROUPING SETS scan, so no row is read into Python. What is counted differs by task type: one
module each (binary, multiclass, regression) gives the statement's parts and reads the rows
back into its tally (core.tallies). The metrics from these counts are
exact, except ROC AUC, where scores in one of 4096 bins count as tied (within 1e-3; see tests).
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitors.compute.measure import compute_score_bins
from monitors.config import ModelConfig
from monitors.core.counts import NumericBins, compute_coarse_bins, compute_stable_sum
from monitors.core.fields import LABEL
from monitors.core.measurement import compute_number_text
from monitors.core.metrics import BINARY, MULTICLASS, REGRESSION
from monitors.core.profile import Profile
from monitors.core.tallies import Tally
from monitors.warehouse.outcomes import binary, multiclass, regression
from monitors.warehouse.probabilities import load_class_probabilities
from monitors.warehouse.sql import (
    double_literal,
    grouping_bitmask,
    is_missing,
    slice_key,
)


class OutcomeCounts(Protocol):
    """What each task type's module (binary, multiclass, regression) provides: the statement's
    parts and the tally of its result rows."""

    def expressions(self, config: ModelConfig, source: sa.Subquery, score_bins: NumericBins
                    ) -> tuple[list[Any], list[Any]]: ...

    def tally(self, rows: list[Any], width: int) -> Tally: ...


TASK_MODULES: dict[str, OutcomeCounts] = {BINARY: binary, MULTICLASS: multiclass, REGRESSION: regression}


def load_outcomes(conn: sa.Connection, source: sa.Subquery, config: ModelConfig,
                  score_bins: NumericBins, slices: dict[str, Any]) -> dict[str | None, Tally]:
    """Tallies of the whole source (key None) and of every value of every slice expression
    (key "<slice name>=<value>"), in one scan."""
    groups, aggregates = TASK_MODULES[config.task].expressions(config, source, score_bins)
    names = list(slices)
    exprs = [slices[n] for n in names]
    sets = [sa.tuple_(*groups)] + [sa.tuple_(e, *groups) for e in exprs]
    selected = [*(e.label(f"s{i}") for i, e in enumerate(exprs)),
                *(g.label(f"g{i}") for i, g in enumerate(groups))]
    grouping = [grouping_bitmask(exprs).label("gid")] if exprs else []
    query = sa.select(*selected, *grouping, *(a.label(f"a{i}") for i, a in enumerate(aggregates))
                      ).select_from(source)
    if exprs or groups:
        # plain keys, never one parenthesised list: Spark reads `GROUP BY (a, b)` as one struct
        query = query.group_by(sa.func.grouping_sets(*sets)) if exprs else query.group_by(*groups)
    found: dict[str | None, list[Any]] = {}
    for row in conn.execute(query):
        counted, key = slice_key(int(row.gid), names, row) if exprs else (True, None)
        if not counted:
            continue
        values = list(row)
        start = len(exprs) + len(groups) + (1 if exprs else 0)
        found.setdefault(key, []).append(values[len(exprs):len(exprs) + len(groups)] + values[start:])
    found.setdefault(None, [])
    return {key: tally_from_rows(config.task, rows, len(groups)) for key, rows in found.items()}


def tally_from_rows(task: str, rows: list[Any], width: int) -> Tally:
    """The tally of a task's result rows (groups, then aggregates at `width`)."""
    return TASK_MODULES[task].tally(rows, width)


QUINTILE_GROUPS = (2, 4, 6, 8)  # of the baseline's deciles
TRACING_BINS = 64  # score bins of tracing's slices (ROC AUC per slice with ties within 1/64)


def slice_expressions(config: ModelConfig, baseline: Profile, source: Any, tracing: bool
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """Slice expressions over `source` and a readable name per slice value: the segments; for
    tracing also every categorical column and quintiles of each numerical feature."""
    p = config.predictions
    columns = [*config.segment_columns, *(p.features.categorical if tracing else [])]
    exprs: dict[str, Any] = {c: sa.cast(source.c[c], sa.String()) for c in dict.fromkeys(columns)
                             if c in source.c}
    names: dict[str, str] = {}
    for column in p.features.numerical if tracing else []:
        shape = baseline.shapes.get(column)
        if shape is None or shape.bins is None or column not in source.c:
            continue
        b = shape.bins
        inner = sorted({b.low + shape.groups[k] * b.width for k in QUINTILE_GROUPS if k < len(shape.groups)})
        if not inner:
            continue
        x: Any = sa.cast(source.c[column], sa.Double())
        cases: list[Any] = [(is_missing(x), None)]
        cases += [(x < double_literal(edge), k) for k, edge in enumerate(inner)]
        exprs[column] = sa.case(*cases, else_=len(inner))
        bounds = [float("-inf"), *inner, float("inf")]
        names.update({f"{column}={k}": f"{column} in [{compute_number_text(bounds[k])}, "
                                       f"{compute_number_text(bounds[k + 1])})"
                      for k in range(len(bounds) - 1)})
    return exprs, names


def load_label_summary(engine: Engine, config: ModelConfig, query: Any) -> list[str]:
    """Of the label column of `query` (a Query with labels): count, distinct values, min, max
    and, for numbers, the sum (to 12 digits: a parallel sum varies in its last bits)."""
    label = query.select.subquery("labelled").c[LABEL]
    parts: list[Any] = [sa.func.count(label), sa.func.count(sa.distinct(label)),
                        sa.func.min(sa.cast(label, sa.String())), sa.func.max(sa.cast(label, sa.String()))]
    numeric = query.columns.get(config.ground_truth.label if config.ground_truth else "") == "numeric"
    if numeric:
        parts.append(sa.func.sum(sa.cast(label, sa.Double())))
    with engine.connect() as conn:
        found = list(conn.execute(sa.select(*parts)).one())
    if numeric:
        found[-1] = compute_stable_sum(found[-1])
    return [str(v) for v in found]


def load_tallies(engine: Engine, config: ModelConfig, select: Any, baseline: Profile,
                 tracing: bool = False) -> tuple[dict[str | None, Tally], dict[str, str]]:
    """Outcome tallies of the rows of `select`: whole (key None) and per slice value; with the
    readable names of numerical slices. Tracing's slices (every category and feature quintile)
    count scores on TRACING_BINS coarser bins: they only rank slices, and a grouping by slice x
    label x prediction x 4096 bins ran out of memory at a million rows."""
    if config.ground_truth is None:
        return {}, {}
    source = select.subquery("rows")
    slices, names = slice_expressions(config, baseline, source, tracing)
    if LABEL not in source.c:
        return {}, names
    bins = compute_score_bins(config, baseline)
    if tracing:
        bins = compute_coarse_bins(bins, TRACING_BINS)
    with engine.connect() as conn:
        tallies = load_outcomes(conn, source, config, bins, slices)
        if config.predictions.class_scores and not tracing:
            load_class_probabilities(conn, source, config, tallies, slices)
        return tallies, names
