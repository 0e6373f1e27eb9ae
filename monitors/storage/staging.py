"""What the Airflow stages hand each other for one window, in a folder beside the store: the
extract's counts and tallies (JSON), the report's samples (Parquet) and a meta file; each
measuring stage's rows (JSON). A retry or rerun of the extract starts the folder anew; the
report removes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitors.config import ModelConfig
from monitors.core.counts import Counts, Tally
from monitors.core.errors import MonitorsError
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.storage.codecs import (
    compute_counts_from_json,
    compute_counts_json,
    compute_rows_from_json,
    compute_rows_json,
    compute_tallies_from_json,
    compute_tallies_json,
)
from monitors.storage.files import delete_tree, load_frame, load_text, write_frame, write_text
from monitors.storage.results import compute_data_dir

if TYPE_CHECKING:
    import pandas as pd

SAMPLES = ("current_sample.parquet", "reference_sample.parquet")


def compute_staging_dir(config: ModelConfig, window: Window) -> Path:
    return compute_data_dir(config.store_path) / "staging" / config.model / window.key


def replace_staging(config: ModelConfig, window: Window, counts: Counts,
                    tallies: dict[str | None, Tally],
                    samples: tuple[pd.DataFrame, pd.DataFrame] | None, meta: dict[str, Any]) -> Path:
    """The extract's output, in a folder emptied first (a retry or a rerun starts clean)."""
    staging = compute_staging_dir(config, window)
    delete_tree(staging)
    write_text(staging / "counts.json", compute_counts_json(counts))
    write_text(staging / "tallies.json", compute_tallies_json(tallies))
    for name, frame in zip(SAMPLES, samples or (), strict=False):
        write_frame(staging / name, frame)
    write_text(staging / "meta.json", json.dumps(meta))
    return staging


def _load_staged(config: ModelConfig, window: Window, name: str) -> str:
    staging = compute_staging_dir(config, window)
    text = load_text(staging / name)
    if text is None:
        raise MonitorsError(f"staging folder {staging} has no {name}; rerun the extract task")
    return text


def load_meta(config: ModelConfig, window: Window) -> dict[str, Any]:
    return json.loads(_load_staged(config, window, "meta.json"))


def load_staged_counts(config: ModelConfig, window: Window) -> Counts:
    return compute_counts_from_json(_load_staged(config, window, "counts.json"))


def load_staged_tallies(config: ModelConfig, window: Window) -> dict[str | None, Tally]:
    return compute_tallies_from_json(_load_staged(config, window, "tallies.json"))


def load_staged_samples(config: ModelConfig, window: Window
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    staging = compute_staging_dir(config, window)
    current, reference = (load_frame(staging / name) for name in SAMPLES)
    return None if current is None or reference is None else (current, reference)


def write_staged_rows(config: ModelConfig, window: Window, name: str, rows: list[Measurement]) -> None:
    write_text(compute_staging_dir(config, window) / f"{name}.json", compute_rows_json(rows))


def load_staged_rows(config: ModelConfig, window: Window, name: str) -> list[Measurement]:
    return compute_rows_from_json(_load_staged(config, window, f"{name}.json"))


def delete_staging(config: ModelConfig, window: Window) -> None:
    """The window's staging folder removed (after the report)."""
    delete_tree(compute_staging_dir(config, window))
