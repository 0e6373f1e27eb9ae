"""What the classification tasks share: ROC AUC from counts per score slot, the confusion
metrics of counted, expected or drawn positives (realized performance and CBPE), and the
binomial standard error of a share."""

from __future__ import annotations

import numpy as np


def compute_auc(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """ROC AUC from positive and negative counts (or weights) per score slot, slots in score
    order on the last axis; rows in one slot count as tied (half), as roc_auc_score does."""
    below = np.cumsum(negative, axis=-1) - negative
    pairs = positive.sum(axis=-1) * negative.sum(axis=-1)
    wins = np.sum(positive * (below + 0.5 * negative), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, wins / np.where(pairs > 0, pairs, 1), np.nan)


def compute_confusion_metrics(positive: np.ndarray, counts: np.ndarray, predicted: np.ndarray,
                              index: np.ndarray, slots: int) -> dict[str, np.ndarray]:
    """Binary metrics of groups (predicted label, score slot `index` in score order) holding
    `counts` rows of which `positive` are positive: counted (realized) or expected or drawn
    (CBPE; a leading axis holds draws). A zero division gives NaN."""
    negative = counts - positive
    pred = predicted == 1
    tp, fp = positive[..., pred].sum(axis=-1), negative[..., pred].sum(axis=-1)
    fn, tn = positive[..., ~pred].sum(axis=-1), negative[..., ~pred].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"accuracy": (tp + tn) / counts.sum(), "precision": tp / (tp + fp),
               "recall": tp / (tp + fn), "f1": 2 * tp / (2 * tp + fp + fn)}
    out["roc_auc"] = compute_auc(_per_slot(positive, index, slots), _per_slot(negative, index, slots))
    return out


def _per_slot(values: np.ndarray, index: np.ndarray, slots: int) -> np.ndarray:
    if values.ndim == 1:
        return np.bincount(index, weights=values, minlength=slots)
    return np.stack([np.bincount(index, weights=v, minlength=slots) for v in values])


def compute_share_error(value: float, size: float | None) -> float | None:
    """The binomial standard error of a share measured on `size` rows."""
    return float(np.sqrt(value * (1 - value) / size)) if size and 0 <= value <= 1 else None
