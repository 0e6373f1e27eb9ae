"""Outcomes counted in the warehouse: what realized performance, CBPE and tracing need, for the
whole window and per slice (a segment value, a category, a quintile of a feature), in one
GROUPING SETS scan, so no row is read into Python.

Binary classification: rows counted by (label: 1, 0 or -1 when missing; predicted label; score
slot on the baseline's score bins), with the sum of the log loss. Multiclass: labelled rows by
(label, predicted). Regression: sums of errors. The metrics from these counts are exact, except
ROC AUC, where scores in one of 4096 bins count as tied (within 1e-3; see tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.histogram import (
    FINE_BINS,
    MISSING,
    NON_FINITE,
    OVER,
    UNDER,
    NumericBins,
    compute_bin_codes,
    compute_bin_expression,
    compute_is_finite,
    compute_slice_key,
    compute_stable_sum,
)
from monitors.warehouse import LABEL

SUMS = ("abs", "sq", "quad", "y", "yy", "ape", "ape_n")
CLIP = 1e-15


@dataclass
class Tally:
    """The outcomes of one slice of rows (or of the whole window)."""

    task: str
    total: int = 0  # every row, labelled or not
    groups: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))  # binary:
    # label (-1: none), predicted (-1: none), score slot, count; rows with a finite score
    log_loss_sum: float = 0.0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # multiclass, labelled
    sums: dict[str, float] = field(default_factory=dict)  # regression, labelled: n and SUMS

    @property
    def labelled(self) -> int:
        if self.task == "binary_classification":
            g = self.groups
            return int(g[(g[:, 0] >= 0) & (g[:, 1] >= 0), 3].sum())
        if self.task == "regression":
            return int(self.sums.get("n", 0))
        return sum(self.confusion.values())

    @property
    def coverage(self) -> float:
        return self.labelled / self.total if self.total else 0.0


def compute_slot_order(slots: np.ndarray) -> np.ndarray:
    """Score slots in score order: under, the bins, over."""
    return np.where(slots == UNDER, -1, np.where(slots == OVER, FINE_BINS, slots))


def _expressions(config: ModelConfig, source: sa.Subquery, score_bins: NumericBins
                 ) -> tuple[list[Any], list[Any]]:
    """(group expressions, aggregate expressions) of the task."""
    p = config.predictions
    score: Any = sa.cast(source.c[p.score], sa.Double())
    label: Any = source.c[LABEL]
    predicted: Any = source.c[p.predicted_label] if p.predicted_label and p.predicted_label in source.c \
        else None
    pred: Any
    if config.task == "binary_classification":
        pred = (sa.func.coalesce(sa.cast(predicted, sa.Integer()), -1) if predicted is not None
                else sa.case((score >= 0.5, 1), else_=0))
        label_e = sa.case((label.is_(None), -1), else_=sa.cast(label, sa.Integer()))
        clip: Any = sa.literal(CLIP, sa.Double())
        p1 = sa.func.greatest(sa.func.least(score, 1 - clip), clip)
        loss = sa.case((label_e == 1, -sa.func.ln(p1)), (label_e == 0, -sa.func.ln(1 - p1)), else_=0.0)
        return [label_e, pred, compute_bin_expression(source.c[p.score], score_bins)], \
            [sa.func.count(), sa.func.sum(loss)]
    if config.task == "multiclass_classification":
        pred = sa.cast(predicted if predicted is not None else source.c[p.score], sa.String())
        return [sa.cast(label, sa.String()), pred], [sa.func.count()]
    y: Any = sa.cast(label, sa.Double())
    ok = sa.and_(label.is_not(None), score.is_not(None), compute_is_finite(score))
    err = y - score

    def total(expr: Any, when: Any = ok) -> Any:
        return sa.func.sum(sa.case((when, expr), else_=0.0))

    return [], [sa.func.count(), total(1.0), total(sa.func.abs(err)), total(err * err),
                total(err * err * err * err), total(y), total(y * y),
                total(sa.func.abs(err / sa.func.nullif(y, 0)), sa.and_(ok, y != 0)),
                total(1.0, sa.and_(ok, y != 0))]


def load_outcomes(conn: sa.Connection, source: sa.Subquery, config: ModelConfig,
                  score_bins: NumericBins, slices: dict[str, Any]) -> dict[str | None, Tally]:
    """Tallies of the whole source (key None) and of every value of every slice expression
    (key "<slice name>=<value>"), in one scan."""
    groups, aggregates = _expressions(config, source, score_bins)
    names = list(slices)
    exprs = [slices[n] for n in names]
    sets = [sa.tuple_(*groups)] + [sa.tuple_(e, *groups) for e in exprs]
    selected = [*(e.label(f"s{i}") for i, e in enumerate(exprs)),
                *(g.label(f"g{i}") for i, g in enumerate(groups))]
    grouping = [sa.func.grouping(*exprs).label("gid")] if exprs else []
    query = sa.select(*selected, *grouping, *(a.label(f"a{i}") for i, a in enumerate(aggregates))
                      ).select_from(source)
    if exprs or groups:
        query = query.group_by(sa.func.grouping_sets(*sets) if exprs else sa.tuple_(*groups))
    found: dict[str | None, list[Any]] = {}
    for row in conn.execute(query):
        counted, key = compute_slice_key(int(row.gid), names, row) if exprs else (True, None)
        if not counted:
            continue
        values = list(row)
        start = len(exprs) + len(groups) + (1 if exprs else 0)
        found.setdefault(key, []).append(values[len(exprs):len(exprs) + len(groups)] + values[start:])
    found.setdefault(None, [])
    return {key: compute_tally(config.task, rows, len(groups)) for key, rows in found.items()}


def compute_tally(task: str, rows: list[Any], width: int) -> Tally:
    tally = Tally(task)
    if task == "binary_classification":
        kept = []
        for r in rows:
            label, pred, slot, n, loss = int(r[0]), int(r[1]), int(r[2]), int(r[width]), r[width + 1]
            tally.total += n
            if slot in (MISSING, NON_FINITE):
                continue
            kept.append((label, pred, slot, n))
            if label >= 0 and pred >= 0:
                tally.log_loss_sum += compute_stable_sum(loss)
        tally.groups = np.array(kept, dtype=np.int64).reshape(-1, 4)
    elif task == "multiclass_classification":
        for r in rows:
            n = int(r[width])
            tally.total += n
            if r[0] is not None and r[1] is not None:
                tally.confusion[(str(r[0]), str(r[1]))] = n
    else:
        for r in rows:
            tally.total += int(r[0])
            sums = {k: compute_stable_sum(v) for k, v in zip(SUMS, r[2:], strict=True)}
            tally.sums = {"n": float(r[1] or 0), **sums}
    return tally


def compute_frame_tally(task: str, frame: Any, config: ModelConfig, score_bins: NumericBins
                        ) -> Tally:
    """The tally of rows in pandas (tests, and the Airflow stages' staged frames)."""
    import pandas as pd

    p = config.predictions
    score = pd.to_numeric(frame[p.score], errors="coerce").to_numpy(float)
    label = frame[LABEL] if LABEL in frame.columns else pd.Series([None] * len(frame), dtype=object)
    tally = Tally(task, total=len(frame))
    if task == "binary_classification":
        pred = (pd.to_numeric(frame[p.predicted_label], errors="coerce").fillna(-1).to_numpy()
                if p.predicted_label and p.predicted_label in frame.columns else (score >= 0.5))
        slots = compute_bin_codes(score, score_bins)
        labels = pd.to_numeric(label, errors="coerce").fillna(-1).to_numpy().astype(np.int64)
        keep = (slots != MISSING) & (slots != NON_FINITE)
        keys = np.stack([labels[keep], np.asarray(pred, float)[keep].astype(np.int64), slots[keep]], axis=1)
        unique, counts = np.unique(keys, axis=0, return_counts=True)
        tally.groups = np.column_stack([unique, counts]).astype(np.int64).reshape(-1, 4)
        s = np.clip(score, CLIP, 1 - CLIP)
        ok = keep & (labels >= 0) & (np.asarray(pred, float) >= 0)
        tally.log_loss_sum = float(-np.sum(np.where(labels[ok] == 1, np.log(s[ok]), np.log(1 - s[ok]))))
    elif task == "multiclass_classification":
        pred = frame[p.predicted_label] if p.predicted_label in frame.columns else frame[p.score]
        pairs = pd.DataFrame({"y": label.astype("string"), "p": pred.astype("string")}).dropna()
        tally.confusion = {(str(a), str(b)): int(n) for (a, b), n in pairs.value_counts().items()}
    else:
        y = pd.to_numeric(label, errors="coerce").to_numpy(float)
        ok = ~np.isnan(y) & np.isfinite(score)
        e, yy = y[ok] - score[ok], y[ok]
        nz = yy != 0
        tally.sums = {"n": float(ok.sum()), "abs": float(np.abs(e).sum()), "sq": float((e * e).sum()),
                      "quad": float((e ** 4).sum()), "y": float(yy.sum()), "yy": float((yy * yy).sum()),
                      "ape": float(np.abs(e[nz] / yy[nz]).sum()), "ape_n": float(nz.sum())}
    return tally
