"""Performance tracing: when a realized performance rule breaks, which slice is it?

Slices are the values of the segment and categorical columns and quintile bins of the numerical
features (edges from the baseline), one column at a time. Each slice's drop is its metric in the
baseline minus its metric in the window (reversed for error metrics); its contribution is the
drop times the slice's share of the window's labelled rows. The top slices are stored as rows of
kind `tracing` (one row each for contribution, slice_value, slice_baseline, slice_share,
slice_rows; segment names the slice), and lead the window page and the alert message.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from monitors.config import ModelConfig
from monitors.measurement import Measurement, clean_value
from monitors.performance import ERROR_METRICS, compute_labelled, compute_metrics
from monitors.warehouse import LABEL

TOP_SLICES = 5
MIN_SLICE_LABELS = 30
BINS = 5
FIELDS = ("contribution", "slice_value", "slice_baseline", "slice_share", "slice_rows")


def _slices(config: ModelConfig, current: pd.DataFrame, reference: pd.DataFrame
            ) -> Iterator[tuple[str, str, pd.Series, pd.Series]]:
    """(column, label, window mask, baseline mask) for every slice."""
    p = config.predictions
    for column in dict.fromkeys([*config.segments, *p.features.categorical]):
        if column not in current.columns or column not in reference.columns:
            continue
        cur, ref = current[column].astype(str), reference[column].astype(str)
        for value in sorted(set(cur.unique()) & set(ref.unique())):
            yield column, f"{column}={value}", cur == value, ref == value
    for column in p.features.numerical:
        if column not in current.columns or column not in reference.columns:
            continue
        ref_values = pd.to_numeric(reference[column], errors="coerce")
        cur_values = pd.to_numeric(current[column], errors="coerce")
        edges = np.unique(np.nanquantile(ref_values.to_numpy(float), np.linspace(0, 1, BINS + 1)))
        if len(edges) < 3:
            continue
        inner = edges[1:-1]
        cur_bin = np.searchsorted(inner, cur_values.to_numpy(float), side="right")
        ref_bin = np.searchsorted(inner, ref_values.to_numpy(float), side="right")
        bounds = [-np.inf, *inner, np.inf]
        for k in range(len(bounds) - 1):
            label = f"{column} in [{bounds[k]:.4g}, {bounds[k + 1]:.4g})"
            yield (column, label, pd.Series(cur_bin == k, index=current.index) & cur_values.notna(),
                   pd.Series(ref_bin == k, index=reference.index) & ref_values.notna())


def compute_tracing_rows(config: ModelConfig, current: pd.DataFrame, reference: pd.DataFrame,
                         metric: str) -> list[Measurement]:
    """The top slices by contribution to the drop of `metric`."""
    if LABEL not in current.columns or LABEL not in reference.columns:
        return []
    labelled_rows = int(current[LABEL].notna().sum())
    if labelled_rows == 0:
        return []
    found = []
    for column, label, cur_mask, ref_mask in _slices(config, current, reference):
        cur = compute_labelled(current[cur_mask], config)
        ref = compute_labelled(reference[ref_mask], config)
        if len(cur.y_true) < MIN_SLICE_LABELS or len(ref.y_true) < MIN_SLICE_LABELS:
            continue
        value = compute_metrics(config.task, cur).get(metric)
        base = compute_metrics(config.task, ref).get(metric)
        if value is None or base is None:
            continue
        drop = (value - base) if metric in ERROR_METRICS else (base - value)
        share = len(cur.y_true) / labelled_rows
        found.append((drop * share, column, label, value, base, share, len(cur.y_true)))
    found.sort(key=lambda item: -item[0])
    rows = []
    for contribution, column, label, value, base, share, n in found[:TOP_SLICES]:
        for name, number in zip(FIELDS, (contribution, value, base, share, float(n)), strict=True):
            rows.append(Measurement("tracing", f"{metric}_{name}", clean_value(number), None, "ok",
                                    column, label))
    return rows


def compute_tracing_text(rows: list[Measurement]) -> list[str]:
    """One line per traced slice, largest contribution first."""
    slices: dict[str, dict[str, float | None]] = {}
    metric = ""
    for r in rows:
        if r.kind != "tracing" or r.segment is None:
            continue
        base, _, field = r.metric.partition("_slice_") if "_slice_" in r.metric else \
            (r.metric.removesuffix("_contribution"), "", "contribution")
        metric = base
        slices.setdefault(r.segment, {})[field] = r.value
    ordered = sorted(slices.items(), key=lambda kv: -(kv[1].get("contribution") or 0.0))
    lines = []
    for label, f in ordered:
        lines.append(f"{label}: {metric} {f.get('value') or 0:.3g} vs {f.get('baseline') or 0:.3g} in the "
                     f"baseline, {f.get('share') or 0:.0%} of labelled rows (n={int(f.get('rows') or 0)}), "
                     f"contribution {f.get('contribution') or 0:.3g}")
    return lines
