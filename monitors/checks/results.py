"""GX validation results as stored measurements (one per expectation), the pandas path of
validation (the pipeline validates in the warehouse: checks.warehouse), and the schema snapshot
taken by `expectations init` compared with the predictions table."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from monitors.checks.context import frame_batch_definition, quiet_gx
from monitors.checks.suites import SCHEMA_EXPECTATIONS, check_expectations, create_expectation_suite
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, clean_value


def _observed(result: dict[str, Any], success: bool) -> float | None:
    if "unexpected_percent" in result and result["unexpected_percent"] is not None:
        return float(result["unexpected_percent"]) / 100
    observed = result.get("observed_value")
    if isinstance(observed, bool):
        return float(observed)
    if isinstance(observed, int | float) and math.isfinite(observed):
        return float(observed)
    return 0.0 if success else 1.0

def result_measurements(outcome: Any) -> list[Measurement]:
    """One measurement per expectation of a GX validation result."""
    rows = []
    for result in outcome.results:
        cfg = result.expectation_config
        assert cfg is not None
        kind = Kind.SCHEMA if cfg.type in SCHEMA_EXPECTATIONS else Kind.DATA_QUALITY
        mostly = cfg.kwargs.get("mostly")
        threshold = round(1 - float(mostly), 12) if mostly is not None else None
        success = bool(result.success)
        value = _observed(dict(result.result or {}), success)
        rows.append(Measurement(kind, cfg.type, clean_value(value), threshold,
                                "ok" if success else "alert", cfg.kwargs.get("column")))
    return sorted(rows, key=lambda r: (r.kind, r.metric, r.column_name or ""))


def run_frame_checks(suite: dict[str, Any], frame: pd.DataFrame, model: str
                               ) -> list[Measurement]:
    """Validate the suite on rows in pandas; one measurement per expectation (the pipeline
    validates in the warehouse: checks.warehouse)."""
    quiet_gx()
    check_expectations(suite, model)
    expectation_suite = create_expectation_suite(suite, model)
    batch = frame_batch_definition().get_batch(batch_parameters={"dataframe": frame})
    return result_measurements(batch.validate(expectation_suite))


def schema_measurements(suite: dict[str, Any], columns: dict[str, str]) -> list[Measurement]:
    """The predictions table against the schema snapshot taken at `expectations init`
    (suite meta.table_columns): a column added, or a column whose type family changed. (A
    column removed or renamed is a missing column: schema/column_present.)"""
    snapshot = (suite.get("meta") or {}).get("table_columns")
    if not isinstance(snapshot, dict) or not columns:
        return []
    rows = [Measurement(Kind.SCHEMA, "column_added", 1.0, None, "alert", name)
            for name in columns if name not in snapshot]
    rows += [Measurement(Kind.SCHEMA, "column_type_changed", 1.0, None, "alert", name)
             for name, family in columns.items() if name in snapshot and snapshot[name] != family]
    return rows
