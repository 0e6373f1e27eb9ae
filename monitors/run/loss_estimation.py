"""A regression's performance without labels, wired: the loss models fitted on a seeded sample of
the labelled baseline (once per run, as the baseline is summarised), and a window's estimates,
whole and per segment, from a seeded sample of its rows (compute.loss_estimation)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from monitors.compute.estimation import Estimate
from monitors.compute.loss_estimation import (
    SAMPLE_ROWS,
    compute_loss_estimates,
    compute_segment_loss_estimates,
)
from monitors.compute.loss_models import FIT_ROWS, LossModel, compute_loss_model
from monitors.config import ModelConfig
from monitors.core.fields import LABEL
from monitors.core.tasks import DLE, compute_task_type
from monitors.warehouse.counts import present_columns
from monitors.warehouse.frames import load_sample
from monitors.warehouse.queries import Query

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def load_loss_model(engine: Engine, config: ModelConfig, query: Query) -> LossModel | None:
    """The baseline's loss models, for a regression whose baseline has labels and a prediction
    column; None otherwise, or when too few rows are labelled."""
    score = config.predictions.score
    if compute_task_type(config.task).estimator != DLE or not query.has_labels or not score \
            or score not in query.columns:
        return None
    present = present_columns(query)
    features = config.predictions.features
    frame = load_sample(engine, config, query, FIT_ROWS)
    return compute_loss_model(frame, LABEL, score, [c for c in features.numerical if c in present],
                              [c for c in features.categorical if c in present])


def load_loss_estimates(engine: Engine, config: ModelConfig, query: Query, model: LossModel | None,
                        window_rows: dict[str | None, int]) -> dict[str | None, list[Estimate]] | None:
    """A regression window's estimates from a seeded sample of its rows, whole (key None) and
    per segment value (keyed as its outcome tallies; `window_rows`: their row counts); None for
    other tasks. A column the models need that the window lacks leaves them unestimated."""
    if compute_task_type(config.task).estimator != DLE:
        return None
    needed = {*model.numerical, *model.categories} if model is not None else set()
    if model is None or not window_rows.get(None) or not needed <= present_columns(query):
        return {None: compute_loss_estimates(None, None, 0)}
    sample = load_sample(engine, config, dataclasses.replace(query, select=query.features), SAMPLE_ROWS)
    return compute_segment_loss_estimates(model, sample, window_rows, config.segment_columns)
