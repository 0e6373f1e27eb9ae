"""The model's Great Expectations 1.x suite (expectations/<model>.json): read and checked (a typo
must not silence a check), profiled from the baseline (`monitors expectations init`), written."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from monitors.config import ModelConfig
from monitors.core.errors import ChecksError
from monitors.core.fields import LABEL
from monitors.core.tasks import compute_task_type

SCHEMA_EXPECTATIONS = frozenset({
    "expect_column_to_exist",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
})
NUMERIC_TYPES = ["int8", "int16", "int32", "int64", "Int8", "Int16", "Int32", "Int64",
                 "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64",
                 "Float32", "Float64"]
STRING_TYPES = ["object", "str", "string", "category"]
RANGE_MARGIN = 0.1  # of the baseline's range, on each side
MOSTLY = 0.99


def load_suite(config: ModelConfig) -> dict[str, Any] | None:
    path = config.suite_path
    if path is None:
        return None
    if not path.exists():
        raise ChecksError(
            f"model {config.model}: expectation suite {path} does not exist; "
            f"write one with `monitors expectations init CONFIG`"
        )
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ChecksError(f"model {config.model}: cannot read suite {path}: {exc}") from None
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise ChecksError(f"model {config.model}: suite {path} has no 'expectations' list")
    return suite


def load_schema_snapshot(config: ModelConfig) -> dict[str, str] | None:
    """The predictions table's columns when the suite was written (None without a suite file)."""
    path = config.suite_path
    if path is None or not path.exists():
        return None
    snapshot = ((load_suite(config) or {}).get("meta") or {}).get("table_columns")
    return snapshot if isinstance(snapshot, dict) else None


def check_expectations(suite: dict[str, Any], model: str) -> None:
    """GX drops an invalid expectation with only a log line; a typo must not silence a check."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    for i, item in enumerate(suite["expectations"]):
        try:
            ExpectationConfiguration(type=item["type"], kwargs=item.get("kwargs", {})).to_domain_obj()
        except Exception as exc:  # GX raises many types for a malformed expectation
            what = item.get("type") if isinstance(item, dict) else item
            raise ChecksError(f"model {model}: invalid expectation suite: expectation {i} "
                              f"({what}): {str(exc).splitlines()[0]}") from None


def create_expectation_suite(suite: dict[str, Any], model: str) -> Any:
    import great_expectations as gx

    try:
        return gx.ExpectationSuite(**{**suite, "name": suite.get("name", model)})
    except Exception as exc:
        raise ChecksError(f"model {model}: invalid expectation suite: {exc}") from None


def suite_from_baseline(config: ModelConfig, baseline: pd.DataFrame,
                  table_columns: dict[str, str] | None = None) -> dict[str, Any]:
    """A suite profiled from the baseline: columns present with their types, not-null where the
    baseline has no nulls, numeric ranges with a margin, categorical value sets, rows > 0; and a
    snapshot of the predictions table's columns and type families."""
    p = config.predictions
    task = compute_task_type(config.task)
    expectations: list[dict[str, Any]] = [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
    ]

    def add(kind: str, **kwargs: Any) -> None:
        expectations.append({"type": kind, "kwargs": kwargs})

    numerical = [*p.features.numerical, *p.outputs]
    for column in [*numerical, *p.features.categorical]:
        add("expect_column_to_exist", column=column)
        if column not in baseline.columns:
            continue
        series = baseline[column]
        is_num = column in numerical
        add("expect_column_values_to_be_in_type_list", column=column,
            type_list=NUMERIC_TYPES if is_num else STRING_TYPES)
        if series.notna().all():
            add("expect_column_values_to_not_be_null", column=column)
        if is_num:
            values = pd.to_numeric(series, errors="coerce").dropna()
            if values.empty:
                continue
            low, high = padded_range(float(values.min()), float(values.max()),
                                             probability=column in p.outputs and task.probabilities)
            add("expect_column_values_to_be_between", column=column,
                min_value=round(low, 6), max_value=round(high, 6), mostly=MOSTLY)
        else:
            values_set = sorted({str(v) for v in series.dropna().unique()})
            add("expect_column_values_to_be_in_set", column=column, value_set=values_set,
                mostly=MOSTLY)
    labels = label_set(config, baseline)
    if labels is not None and p.predicted_label:
        add("expect_column_values_to_be_in_set", column=p.predicted_label, value_set=labels)
    meta: dict[str, Any] = {"generated_by": "monitors expectations init",
                            "baseline": _baseline_name(config)}
    if table_columns:
        meta["table_columns"] = table_columns
    return {"name": config.model, "expectations": expectations, "meta": meta}


def padded_range(low: float, high: float, probability: bool = False) -> tuple[float, float]:
    """The baseline's range widened by RANGE_MARGIN on each side, but never across zero (a
    feature that is never negative keeps 0 as its lower bound); a classifier's score: [0, 1]."""
    if probability:
        return 0.0, 1.0
    margin = (high - low) * RANGE_MARGIN
    padded_low, padded_high = low - margin, high + margin
    return (max(padded_low, 0.0) if low >= 0 else padded_low,
            min(padded_high, 0.0) if high <= 0 else padded_high)


def label_set(config: ModelConfig, baseline: pd.DataFrame) -> list[Any] | None:
    """A classifier's class labels as the baseline has them (its labels, else its predicted
    labels), as plain values; None for regression or a baseline without either."""
    column = LABEL if LABEL in baseline.columns else config.predictions.predicted_label
    if not compute_task_type(config.task).classes or column is None or column not in baseline.columns:
        return None
    values = baseline[column].dropna().unique()
    return sorted({v.item() if hasattr(v, "item") else v for v in values}, key=str)


def _baseline_name(config: ModelConfig) -> str:
    if config.baseline.table:
        return config.baseline.table
    assert config.baseline.window is not None
    return f"{config.predictions.table} [{config.baseline.window.start}, {config.baseline.window.end})"


def suite_text(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, sort_keys=False) + "\n"
