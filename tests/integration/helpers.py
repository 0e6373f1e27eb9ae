"""Helpers shared by integration tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from monitors.config import ModelConfig
from monitors.store import load_results

VOLATILE = ["run_id", "computed_at"]


def stored(config: ModelConfig) -> pd.DataFrame:
    """The model's stored rows without run_id/computed_at, in a stable order."""
    frame = load_results(config.store_path, config.model).drop(columns=VOLATILE)
    keys = ["window_start", "kind", "metric", "column_name", "segment"]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def write_suite_for(config: ModelConfig) -> Path:
    from monitors import pipeline

    pipeline.write_profiled_suite(config)
    assert config.suite_path is not None
    return config.suite_path
