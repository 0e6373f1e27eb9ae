"""Multiclass classification's realized performance (macro averages; ROC AUC one-vs-rest from
the class probabilities), its metrics' standard errors, and the tally of rows held in pandas
(as warehouse.outcomes.multiclass and warehouse.probabilities count them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitors.compute.performance.confusion import compute_auc, compute_share_error
from monitors.config import ModelConfig
from monitors.core.counts import (
    CLIP,
    DEFAULT_SCORE_BINS,
    MISSING,
    NON_FINITE,
    NumericBins,
    compute_bin_codes,
    compute_slot_order,
)
from monitors.core.fields import LABEL
from monitors.core.metrics import MULTICLASS, compute_task_metrics
from monitors.core.tallies import MulticlassTally, Tally


def _own(tally: Tally) -> MulticlassTally:
    assert isinstance(tally, MulticlassTally), tally
    return tally


def compute_metrics(tally: Tally) -> dict[str, float | None]:
    t = _own(tally)
    confusion = t.confusion
    total = sum(confusion.values())
    if not total:
        return dict.fromkeys(compute_task_metrics(MULTICLASS))
    labels = sorted({a for a, _ in confusion} | {b for _, b in confusion})
    precision, recall, f1 = [], [], []
    for k in labels:
        tp = confusion.get((k, k), 0)
        predicted = sum(n for (_, b), n in confusion.items() if b == k)
        actual = sum(n for (a, _), n in confusion.items() if a == k)
        precision.append(tp / predicted if predicted else 0.0)
        recall.append(tp / actual if actual else 0.0)
        f1.append(2 * tp / (predicted + actual) if predicted + actual else 0.0)
    correct = sum(n for (a, b), n in confusion.items() if a == b)
    return {"accuracy": correct / total, "precision": float(np.mean(precision)),
            "recall": float(np.mean(recall)), "f1": float(np.mean(f1)),
            "roc_auc": compute_one_vs_rest_auc(t),
            "log_loss": t.log_loss_sum / t.log_loss_rows if t.log_loss_rows else None}


def compute_one_vs_rest_auc(tally: MulticlassTally) -> float | None:
    """Macro one-vs-rest ROC AUC from the per-class probability counts (as scikit-learn's
    roc_auc_score(multi_class="ovr", average="macro")); a class without positives or without
    negatives in the rows is left out; None without class probabilities."""
    aucs = []
    for rows in tally.probabilities.values():
        if not len(rows):
            continue
        slots, index = np.unique(compute_slot_order(rows[:, 2]), return_inverse=True)
        n = rows[:, 3].astype(float)
        positive = np.bincount(index, weights=n * (rows[:, 0] == 1), minlength=len(slots))
        negative = np.bincount(index, weights=n * (rows[:, 0] == 0), minlength=len(slots))
        if positive.sum() and negative.sum():
            aucs.append(float(compute_auc(positive, negative)))
    return float(np.mean(aucs)) if aucs else None


def compute_standard_error(tally: Tally, metric: str, value: float) -> float | None:
    """Binomial over the labelled rows."""
    return compute_share_error(value, _own(tally).labelled)


def compute_frame_tally(frame: Any, config: ModelConfig, score_bins: NumericBins) -> Tally:
    """The tally of rows in pandas: labelled rows by (label, predicted class); with class
    probabilities, each class's counts and the log loss."""
    p = config.predictions
    label = frame[LABEL] if LABEL in frame.columns else pd.Series([None] * len(frame), dtype=object)
    tally = MulticlassTally(total=len(frame))
    if p.predicted_label in frame.columns or p.score:
        pred = frame[p.predicted_label] if p.predicted_label in frame.columns else frame[str(p.score)]
    else:  # the argmax of the class probabilities, the first listed on a tie
        names = list(p.class_scores or {})
        best = frame[[(p.class_scores or {})[n] for n in names]].to_numpy(float).argmax(axis=1)
        pred = pd.Series(np.array(names, dtype=object)[best], index=frame.index)
    pairs = pd.DataFrame({"y": label.astype("string"), "p": pred.astype("string")}).dropna()
    tally.confusion = {(str(a), str(b)): int(n) for (a, b), n in pairs.value_counts().items()}
    if p.class_scores:
        _count_class_probabilities(tally, frame, p.class_scores, label, pred)
    return tally


def _count_class_probabilities(tally: MulticlassTally, frame: Any, scores: dict[str, str],
                               label: Any, pred: Any) -> None:
    """warehouse.probabilities' counts of rows in pandas."""
    text, chosen = label.astype("string"), pred.astype("string")
    for name, column in scores.items():
        slots = compute_bin_codes(pd.to_numeric(frame[column], errors="coerce").to_numpy(float),
                                  DEFAULT_SCORE_BINS)
        is_class = np.where(text.isna(), -1, (text == name).fillna(False).astype(int))
        keys = np.stack([is_class, (chosen == name).fillna(False).astype(int), slots], axis=1)
        keys = keys[(slots != MISSING) & (slots != NON_FINITE)]
        unique, counts = np.unique(keys.astype(np.int64), axis=0, return_counts=True)
        tally.probabilities[name] = np.column_stack([unique, counts]).astype(np.int64).reshape(-1, 4)
    true_p = pd.Series(np.nan, index=frame.index)
    for name, column in scores.items():
        true_p = true_p.where(text != name, pd.to_numeric(frame[column], errors="coerce"))
    known = true_p[text.notna()].dropna().to_numpy(float)
    tally.log_loss_sum = float(-np.log(np.clip(known, CLIP, 1.0)).sum())
    tally.log_loss_rows = len(known)
