"""Counts and tallies of rows held in pandas, the same as the warehouse counts them: for columns
whose type changed (read and coerced), for tests, and for tallies of staged frames."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitors.compute.performance import TASK_MODULES
from monitors.config import ModelConfig
from monitors.core.counts import NUMERIC_SLOTS, Counts, NumericBins, compute_bin_codes
from monitors.core.tallies import Tally


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
    """The tally of rows in pandas (tests, and the Airflow stages' staged frames), as the task's
    module counts it (compute.performance)."""
    return TASK_MODULES[task].compute_frame_tally(frame, config, score_bins)
