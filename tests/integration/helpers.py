"""Helpers shared by integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from monitors.config import ModelConfig
from monitors.core.window import Window
from monitors.run.suite import write_profiled_suite
from monitors.storage.results import load_results
from monitors.warehouse.frames import Frame, load_query
from monitors.warehouse.queries import load_window_query

VOLATILE = ["run_id", "computed_at"]
Build = Callable[..., ModelConfig]  # (tables, **config overrides): the config reading them


def load_window(engine: sa.Engine, config: ModelConfig, window: Window) -> Frame:
    """The window's rows, read into pandas."""
    return load_query(engine, config, load_window_query(engine, config, window))


def stored(config: ModelConfig) -> pd.DataFrame:
    """The model's stored rows without run_id/computed_at, in a stable order."""
    frame = load_results(config.store_path, config.model).drop(columns=VOLATILE)
    keys = ["window_start", "kind", "metric", "column_name", "segment"]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def write_suite_for(config: ModelConfig) -> Path:

    write_profiled_suite(config)
    assert config.suite_path is not None
    return config.suite_path


def schema_tables(schema: str) -> dict[str, str]:
    """Config overrides for the seeded tables in a PostgreSQL schema."""
    return {"predictions.table": f"{schema}.predictions", "ground_truth.table": f"{schema}.outcomes",
            "baseline.table": f"{schema}.training_data"}


@contextmanager
def open_engine(url: str) -> Iterator[sa.Engine]:
    """An engine as the pipeline opens one (DuckDB read-only with its memory limit), disposed."""
    from monitors.warehouse.engine import load_duckdb_connect_args

    kwargs = {"connect_args": load_duckdb_connect_args()} if url.startswith("duckdb") else {}
    engine = sa.create_engine(url, **kwargs)
    try:
        yield engine
    finally:
        engine.dispose()
