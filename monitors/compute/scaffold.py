"""`monitors init`: a commented model config guessed from the tables' summaries (warehouse.summary):
the id, the timestamp, the score, the predicted label, the label, the task and the features, each
guess with the reason beside it, so a person reads what to check. The text loads as written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from monitors.core.metrics import BINARY, MULTICLASS, REGRESSION
from monitors.core.summary import ColumnSummary, TableSummary

ID_NAME = re.compile(r"(^|_)(id|key|uuid)$", re.I)
TIME_NAME = re.compile(r"(predicted|scored|created|event|logged|inference|request)|(_at|time|date)$", re.I)
SCORE_NAME = re.compile(r"(score|proba|probability|prob|prediction|pred|output|yhat|y_hat)", re.I)
LABEL_NAME = re.compile(r"(label|target|outcome|actual|truth|^y$|class|default|churn|fraud)", re.I)
PREDICTED_NAME = re.compile(r"(predicted|pred|y_pred|decision|class)", re.I)
VERSION_NAME = re.compile(r"version", re.I)
MAX_CLASSES = 20  # a label with more distinct numbers is a regression target


@dataclass
class Guess:
    """The config's keys guessed so far and, per key, why."""

    values: dict[str, Any] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: Any, why: str) -> None:
        self.values[key], self.why[key] = value, why


def _first(columns: list[ColumnSummary], pattern: re.Pattern[str], families: tuple[str, ...]
           ) -> ColumnSummary | None:
    found = [c for c in columns if c.family in families]
    return next((c for c in found if pattern.search(c.name)), None)


def compute_id(predictions: TableSummary, labels: TableSummary | None) -> tuple[ColumnSummary, str]:
    shared = {c.name for c in labels.columns} if labels else set()
    unique = [c for c in predictions.columns
              if c.distinct == predictions.rows and c.family in ("text", "numeric")]
    for pool, why in (([c for c in unique if c.name in shared], "unique here and also in the labels table"),
                      ([c for c in unique if ID_NAME.search(c.name)], "unique, named like an id"),
                      (unique, "unique in every row")):
        if pool:
            best = next((c for c in pool if ID_NAME.search(c.name)), pool[0])
            return best, why
    raise ValueError(f"table {predictions.name!r} has no column unique in every row: name the id yourself")


def compute_time(table: TableSummary) -> tuple[ColumnSummary | None, str]:
    times = [c for c in table.columns if c.family == "time"]
    named = next((c for c in times if TIME_NAME.search(c.name)), None)
    if named:
        return named, "a time, named like one"
    return (times[0], "the only time column") if times else (None, "")


def compute_task(label: ColumnSummary) -> tuple[str, str]:
    if label.distinct <= 2:
        return BINARY, f"the label has {label.distinct} values"
    if label.family == "numeric" and label.distinct > MAX_CLASSES:
        return REGRESSION, f"the label is a number with {label.distinct} values"
    return MULTICLASS, f"the label has {label.distinct} values"


def compute_label(labels: TableSummary, skip: set[str]) -> tuple[ColumnSummary, str]:
    free = [c for c in labels.columns if c.name not in skip and c.family != "time"]
    named = next((c for c in free if LABEL_NAME.search(c.name)), None)
    if named:
        return named, "named like a label"
    if len(free) == 1:
        return free[0], "the labels table's only other column"
    raise ValueError(f"table {labels.name!r}: which column is the label? none is named like one "
                     f"({', '.join(c.name for c in free)})")


def _outputs(guess: Guess, predictions: TableSummary, taken: set[str], task: str) -> None:
    """score and predicted_label of the task, from the predictions table's other columns."""
    numbers = [c for c in predictions.columns if c.name not in taken and c.family == "numeric"]
    predicted = _first([c for c in predictions.columns if c.name not in taken], PREDICTED_NAME,
                       ("numeric", "text", "boolean"))
    OUTPUT_GUESSES[task](guess, predictions.name, numbers, predicted)


def _binary_outputs(guess: Guess, table: str, numbers: list[ColumnSummary],
                    predicted: ColumnSummary | None) -> None:
    unit = [c for c in numbers if SCORE_NAME.search(c.name) and c.low is not None and 0 <= float(c.low)
            and float(c.high) <= 1 and c.distinct > 2]
    if not unit:
        raise ValueError(f"table {table!r}: no column named like a score holds values in [0, 1]")
    guess.set("predictions.score", unit[0].name, "named like a score, values in [0, 1]")
    if predicted and predicted.name != unit[0].name and predicted.distinct <= 2:
        guess.set("predictions.predicted_label", predicted.name, "named like a prediction, two values")


def _regression_outputs(guess: Guess, table: str, numbers: list[ColumnSummary],
                        predicted: ColumnSummary | None) -> None:
    score = _first(numbers, SCORE_NAME, ("numeric",)) or (numbers[0] if numbers else None)
    if score is None:
        raise ValueError(f"table {table!r}: no numeric column for the prediction")
    guess.set("predictions.score", score.name, "a number named like a prediction")


def _multiclass_outputs(guess: Guess, table: str, numbers: list[ColumnSummary],
                        predicted: ColumnSummary | None) -> None:
    if predicted is None:
        raise ValueError(f"table {table!r}: no column named like the predicted class")
    guess.set("predictions.score", predicted.name, "the predicted class, named like one")


# per task type: its outputs guessed from the predictions table's columns
OUTPUT_GUESSES = {BINARY: _binary_outputs, MULTICLASS: _multiclass_outputs, REGRESSION: _regression_outputs}


def compute_guess(predictions: TableSummary, labels: TableSummary | None, baseline: TableSummary | None
                  ) -> Guess:
    """Every key the config needs, guessed from the summaries; ValueError naming what could not be."""
    guess = Guess()
    id_, why = compute_id(predictions, labels)
    guess.set("predictions.id", id_.name, why)
    time, why = compute_time(predictions)
    if time is None:
        raise ValueError(f"table {predictions.name!r} has no timestamp or date column")
    guess.set("predictions.timestamp", time.name, why)
    taken = {id_.name, time.name}
    task = REGRESSION
    if labels is not None:
        arrived, why = compute_time(labels)
        label, why_label = compute_label(labels, {id_.name, arrived.name if arrived else ""})
        guess.set("ground_truth.label", label.name, why_label)
        if arrived is not None:
            guess.set("ground_truth.timestamp", arrived.name, why.replace("a time", "when the label arrived"))
        task, why = compute_task(label)
        guess.set("task", task, why)
    _outputs(guess, predictions, taken, task)
    taken |= {guess.values.get("predictions.score", ""), guess.values.get("predictions.predicted_label", "")}
    rest = [c for c in predictions.columns if c.name not in taken]
    version = _first(rest, VERSION_NAME, ("text", "numeric"))
    if version is not None:
        guess.set("predictions.model_version", version.name, "named like a version")
        taken.add(version.name)
    kept = {c.name for c in baseline.columns} if baseline else {c.name for c in predictions.columns}
    features = [c for c in predictions.columns if c.name not in taken and c.name in kept
                and c.family in ("numeric", "text", "boolean")]
    guess.set("predictions.features.numerical", [c.name for c in features if c.family == "numeric"],
              "numbers")
    guess.set("predictions.features.categorical", [c.name for c in features if c.family != "numeric"],
              "text and booleans")
    return guess


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value if isinstance(value, date) else \
        datetime.fromisoformat(str(value)).date()


def _line(key: str, value: Any, why: str, indent: int = 2) -> str:
    text = f"[{', '.join(value)}]" if isinstance(value, list) else str(value)
    line = f"{' ' * indent}{key}: {text}"
    return f"{line:<44}# guessed: {why}" if why else line


def compute_scaffold_text(model: str, warehouse: str, predictions: TableSummary, labels: TableSummary | None,
                          baseline: TableSummary | None, guess: Guess) -> str:
    """The config as YAML with a comment per guess; a baseline table, or else the first two weeks
    of predictions as the baseline window."""
    v, why = guess.values, guess.why
    time = predictions.column(v["predictions.timestamp"])
    start = _day(time.low) if time is not None and time.low is not None else date.today()
    lines = [f"# written by monitors init from {predictions.name}"
             f"{', ' + labels.name if labels else ''}{', ' + baseline.name if baseline else ''}: check each "
             "guess, then `monitors expectations init` and `monitors run`",
             "# editors check this file against `monitors schema` (# yaml-language-server: $schema=FILE)",
             f"model: {model}", _line("task", v.get("task", REGRESSION), why.get("task", ""), 0),
             f"warehouse: {warehouse}", 'schedule: "@daily"', f"start_date: {start.isoformat()}",
             "predictions:", f"  table: {predictions.name}"]
    for key in ("id", "timestamp", "score", "predicted_label", "model_version"):
        if f"predictions.{key}" in v:
            lines.append(_line(key, v[f"predictions.{key}"], why[f"predictions.{key}"]))
    lines += ["  features:", _line("numerical", v["predictions.features.numerical"],
                                   why["predictions.features.numerical"], 4),
              _line("categorical", v["predictions.features.categorical"],
                    why["predictions.features.categorical"], 4)]
    if labels is not None:
        lines += ["ground_truth:", f"  table: {labels.name}", f"  id: {v['predictions.id']}",
                  _line("label", v["ground_truth.label"], why["ground_truth.label"])]
        if "ground_truth.timestamp" in v:
            lines.append(_line("timestamp", v["ground_truth.timestamp"], why["ground_truth.timestamp"]))
        lines.append("  max_delay: 14d                              # labels may arrive this late: adjust")
    if baseline is not None:
        lines += ["baseline:", f"  table: {baseline.name}"]
    else:
        end = start + timedelta(days=14)
        lines += ["baseline:                                   # no baseline table: the first two weeks",
                  f"  window: {{start: {start.isoformat()}, end: {end.isoformat()}}}"]
    lines += ["checks:", _line("suite", f"expectations/{model}.json", "")
              + "  # write it: monitors expectations init",
              "store: monitoring.duckdb", "reports: reports/"]
    return "\n".join(lines) + "\n"
