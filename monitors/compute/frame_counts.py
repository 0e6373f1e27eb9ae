"""Counts and tallies of rows held in pandas, the same as the warehouse counts them: for columns
whose type changed (read and coerced), for tests, and for tallies of staged frames."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitors.config import ModelConfig
from monitors.core.counts import (
    CLIP,
    DEFAULT_SCORE_BINS,
    MISSING,
    NON_FINITE,
    NUMERIC_SLOTS,
    Counts,
    NumericBins,
    Tally,
    compute_bin_codes,
)
from monitors.core.fields import LABEL
from monitors.core.metrics import BINARY, MULTICLASS


def compute_frame_counts(frame: pd.DataFrame, numerical: dict[str, NumericBins],
                         categorical: list[str], segments: list[str]) -> Counts:
    """The counts load_counts computes in the warehouse, from rows in pandas (numbers coerced):
    for columns whose type changed, for tests, and for profiles of frames."""
    out = Counts()
    parts: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(frame), bool))]
    for s in segments:
        values = frame[s].astype("string")
        parts += [(f"{s}={v}", (values == v).fillna(False).to_numpy(bool))
                  for v in values.dropna().unique()]
    for segment, mask in parts:
        out.rows[segment] = int(mask.sum())
    for column, bins in numerical.items():
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        codes = compute_bin_codes(values, bins)
        for segment, mask in parts:
            out.slots[(segment, column)] = np.bincount(codes[mask], minlength=NUMERIC_SLOTS)
            part = values[mask]
            finite = part[np.isfinite(part)]
            out.outside_sums[(segment, column)] = (float(finite[finite < bins.low].sum()),
                                                   float(finite[finite > bins.high].sum()))
    for column in categorical:
        text = frame[column].astype("string")
        for segment, mask in parts:
            if segment is not None and segment.split("=", 1)[0] == column:
                continue
            found = text[mask].value_counts(dropna=False)
            out.categories[(segment, column)] = {
                (None if pd.isna(v) else str(v)): int(n) for v, n in found.items()}
    return out


def compute_frame_tally(task: str, frame: Any, config: ModelConfig, score_bins: NumericBins
                        ) -> Tally:
    """The tally of rows in pandas (tests, and the Airflow stages' staged frames)."""
    p = config.predictions
    score = pd.to_numeric(frame[p.score], errors="coerce").to_numpy(float) if p.score \
        else np.full(len(frame), np.nan)
    label = frame[LABEL] if LABEL in frame.columns else pd.Series([None] * len(frame), dtype=object)
    tally = Tally(task, total=len(frame))
    if task == BINARY:
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
    elif task == MULTICLASS:
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
    else:
        y = pd.to_numeric(label, errors="coerce").to_numpy(float)
        ok = ~np.isnan(y) & np.isfinite(score)
        e, yy = y[ok] - score[ok], y[ok]
        nz = yy != 0
        logged = (yy > -1) & (score[ok] > -1)
        sle = (np.log1p(yy[logged]) - np.log1p(score[ok][logged])) ** 2
        tally.sums = {"n": float(ok.sum()), "abs": float(np.abs(e).sum()), "sq": float((e * e).sum()),
                      "quad": float((e ** 4).sum()), "y": float(yy.sum()), "yy": float((yy * yy).sum()),
                      "ape": float(np.abs(e[nz] / yy[nz]).sum()), "ape_n": float(nz.sum()),
                      "sle": float(sle.sum()), "sle_sq": float((sle * sle).sum()),
                      "sle_n": float(logged.sum())}
    return tally


def _count_class_probabilities(tally: Tally, frame: Any, scores: dict[str, str], label: Any,
                               pred: Any) -> None:
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
