"""`monitors init`: the tables summarised in the warehouse, a config guessed from them."""

from __future__ import annotations

from pathlib import Path

from monitors.compute.scaffold import compute_guess, compute_scaffold_text
from monitors.core.errors import ConfigError
from monitors.warehouse.summary import load_warehouse_summaries


def run_init(model: str, warehouse: str, predictions: str, ground_truth: str | None, baseline: str | None,
             home: Path) -> str:
    """The commented config text; a ConfigError naming the model and the table when a key cannot
    be guessed."""
    found = load_warehouse_summaries(warehouse, home, model, [predictions, ground_truth, baseline])
    tables, labels, reference = found
    assert tables is not None
    try:
        guess = compute_guess(tables, labels, reference)
    except ValueError as exc:
        raise ConfigError(f"model {model}: {exc}") from None
    return compute_scaffold_text(model, warehouse, tables, labels, reference, guess)
