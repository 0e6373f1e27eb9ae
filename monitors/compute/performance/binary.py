"""Binary classification's realized performance, its metrics' standard errors, and the tally of
rows held in pandas (as warehouse.outcomes.binary counts them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitors.compute.performance.confusion import compute_confusion_metrics, compute_share_error
from monitors.config import ModelConfig
from monitors.core.counts import CLIP, MISSING, NON_FINITE, NumericBins, compute_bin_codes, compute_slot_order
from monitors.core.fields import LABEL
from monitors.core.metrics import BINARY, compute_task_metrics
from monitors.core.tallies import BinaryTally, Tally


def _own(tally: Tally) -> BinaryTally:
    assert isinstance(tally, BinaryTally), tally
    return tally


def compute_metrics(tally: Tally) -> dict[str, float | None]:
    """Realized metrics of the labelled rows; precision, recall and f1 are 0 when undefined, as
    scikit-learn gives them, ROC AUC None when one class is absent."""
    t = _own(tally)
    g = t.labelled_groups
    n = g[:, 3].astype(float)
    if n.sum() == 0:
        return dict.fromkeys(compute_task_metrics(BINARY))
    slots, index = np.unique(compute_slot_order(g[:, 2]), return_inverse=True)
    found = compute_confusion_metrics(n * (g[:, 0] == 1), n, g[:, 1], index, len(slots))
    out: dict[str, float | None] = {m: float(np.nan_to_num(v, nan=0.0)) for m, v in found.items()}
    out["roc_auc"] = None if np.isnan(found["roc_auc"]) else float(found["roc_auc"])
    out["log_loss"] = t.log_loss_sum / float(n.sum())
    return out


def compute_standard_error(tally: Tally, metric: str, value: float) -> float | None:
    """Binomial for accuracy, precision, recall and (approximately) f1, Hanley-McNeil for ROC
    AUC; None otherwise."""
    g = _own(tally).labelled_groups
    y, pred, n = g[:, 0], g[:, 1], g[:, 3]
    tp, fp = int(n[(y == 1) & (pred == 1)].sum()), int(n[(y != 1) & (pred == 1)].sum())
    fn, n1 = int(n[(y == 1) & (pred != 1)].sum()), int(n[y == 1].sum())
    n0 = int(n.sum()) - n1
    if metric == "roc_auc":
        q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
        var = value * (1 - value) + (n1 - 1) * (q1 - value ** 2) + (n0 - 1) * (q2 - value ** 2)
        return float(np.sqrt(max(var, 0.0) / (n1 * n0))) if n1 and n0 else None
    size = {"accuracy": n.sum(), "precision": tp + fp, "recall": tp + fn,
            "f1": tp + (fp + fn) / 2}.get(metric)
    return compute_share_error(value, size)


def compute_frame_tally(frame: Any, config: ModelConfig, score_bins: NumericBins) -> Tally:
    """The tally of rows in pandas: by (label, predicted, score slot), with the log loss."""
    p = config.predictions
    score = pd.to_numeric(frame[p.score], errors="coerce").to_numpy(float)
    label = frame[LABEL] if LABEL in frame.columns else pd.Series([None] * len(frame), dtype=object)
    tally = BinaryTally(total=len(frame))
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
    return tally
