"""The config checked against the warehouse's tables before any window is measured or anything
written: every configured column exists (or, for features, existed: in the baseline or in the
schema snapshot `expectations init` took; one the source lost since is schema drift, an alert,
not a config error) and has a type the task can use. A problem is a ConfigError (exit 2) naming
the model, table, column, key and, for a likely typo, the column meant."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from monitors.config import ModelConfig
from monitors.core.errors import ConfigError
from monitors.core.tasks import compute_task_type
from monitors.warehouse.engine import load_table
from monitors.warehouse.queries import column_families

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def missing_column_text(model: str, column: str, table: str, key: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(column, columns, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(columns)}"
    return f"model {model}: no column {column!r} in table {table!r} ({key}){hint}"


def wrong_type_text(model: str, column: str, table: str, key: str, found: str, wanted: str) -> str:
    return f"model {model}: column {column!r} of table {table!r} ({key}) is {found}, not {wanted}"


def _check(model: str, table: str, columns: dict[str, str], wanted: dict[str, tuple[str, set[str]]],
           known: set[str] | None = None) -> list[str]:
    """wanted: column -> (config key, type families it may have; empty: any). A column in
    `known` but not in the table is left to the schema-drift check."""
    problems = []
    for column, (key, families) in wanted.items():
        if column not in columns:
            if known is None or column not in known:
                problems.append(missing_column_text(model, column, table, key, list(columns)))
        elif families and columns[column] not in families:
            problems.append(wrong_type_text(model, column, table, key, columns[column],
                                              " or ".join(sorted(families))))
    return problems


def output_columns(config: ModelConfig, score_types: set[str]) -> dict[str, tuple[str, set[str]]]:
    """The model's output columns and the key naming each: the score, each class's probability."""
    p = config.predictions
    found = {c: (f"predictions.class_scores.{k}", {"numeric"}) for k, c in (p.class_scores or {}).items()}
    if p.score:
        found[p.score] = ("predictions.score", score_types)
    return found


def _prediction_columns(config: ModelConfig) -> tuple[dict[str, tuple[str, set[str]]],
                                                      dict[str, tuple[str, set[str]]]]:
    """(required columns, feature columns) of the predictions table."""
    p = config.predictions
    score_types = set(compute_task_type(config.task).score_types)
    required = {p.id: ("predictions.id", set()), p.timestamp: ("predictions.timestamp", {"time"}),
                **output_columns(config, score_types)}
    features: dict[str, tuple[str, set[str]]] = {
        c: ("predictions.features.numerical", set()) for c in p.features.numerical}
    features.update({c: ("predictions.features.categorical", set()) for c in p.features.categorical})
    for key, column in (("predictions.predicted_label", p.predicted_label),
                        ("predictions.model_version", p.model_version)):
        if column:
            features[column] = (key, set())
    return required, features


def load_schema_problems(engine: Engine, config: ModelConfig, snapshot: dict[str, str] | None
                         ) -> list[str]:
    """What is wrong with the config for these tables (empty when nothing is). `snapshot`: the
    predictions table's columns when the suite was written."""
    model, p, gt = config.model, config.predictions, config.ground_truth
    predictions = column_families(load_table(engine, p.table, model))
    baseline = column_families(load_table(engine, config.baseline.table, model)) \
        if config.baseline.table else {}
    required, features = _prediction_columns(config)
    known = {*baseline, *(snapshot or {})}
    problems = _check(model, p.table, predictions, required)
    problems += _check(model, p.table, predictions, features, known)
    segments: dict[str, tuple[str, set[str]]] = {s: ("segments", set()) for s in config.segments}
    problems += _check(model, p.table, predictions, segments, known)
    if config.baseline.table:
        problems += _check(model, config.baseline.table, baseline, output_columns(config, set()))
    if gt is not None:
        labels = column_families(load_table(engine, gt.table, model))
        label_types = set(compute_task_type(config.task).label_types)
        wanted = {gt.id: ("ground_truth.id", set()), gt.label: ("ground_truth.label", label_types)}
        if gt.timestamp:
            wanted[gt.timestamp] = ("ground_truth.timestamp", {"time"})
        problems += _check(model, gt.table, labels, wanted)
    return problems


def check_schema(engine: Engine, config: ModelConfig, snapshot: dict[str, str] | None) -> None:
    """Raise a ConfigError naming every problem load_schema_problems finds."""
    problems = load_schema_problems(engine, config, snapshot)
    if problems:
        raise ConfigError("\n".join(problems))
