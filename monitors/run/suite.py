"""`monitors expectations init`: the baseline profiled (and the predictions table's schema
snapshotted) into the model's GX suite."""

from __future__ import annotations

from pathlib import Path

from monitors.checks.suites import suite_from_baseline, suite_text
from monitors.config import ModelConfig
from monitors.core.errors import ChecksError
from monitors.storage.files import write_text
from monitors.warehouse import frames
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import load_table_columns


def write_profiled_suite(config: ModelConfig, path: Path | None = None) -> dict:
    """Profile the baseline (and snapshot the predictions table's schema) into the GX suite."""
    path = path or config.suite_path
    if path is None:
        raise ChecksError(f"model {config.model}: the config has no checks.suite to write")
    engine = create_warehouse_engine(config)
    try:
        suite = suite_from_baseline(config, frames.load_baseline(engine, config).data,
                              load_table_columns(engine, config))
    finally:
        engine.dispose()
    write_text(path, suite_text(suite))
    return suite
