"""Outcome tallies through the baseline cache's JSON and back: each task's tally type keeps
every field, whole and per slice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from monitors.compute.frame_counts import compute_frame_tally
from monitors.compute.measure import DEFAULT_SCORE_BINS
from monitors.core.fields import LABEL
from monitors.core.tallies import BinaryTally, MulticlassTally, RegressionTally
from monitors.storage.codecs import tallies_from_json, tallies_json
from monitors.testing import CLASSES, make_config, make_multiclass_overrides, make_regression_overrides


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    p = rng.dirichlet([1, 1, 1], n)
    y = rng.integers(0, 2, n).astype(float)
    y[: n // 5] = np.nan
    return pd.DataFrame({"score": rng.random(n), "predicted_label": rng.integers(0, 2, n), LABEL: y,
                         **{f"p_{c}": p[:, k] for k, c in enumerate(CLASSES)}})


def test_every_task_s_tally_reads_back_equal() -> None:
    rng = np.random.default_rng(5)
    frame = _frame(rng, 400)
    binary = compute_frame_tally("binary_classification", frame, make_config(Path("."), "duckdb:///x"),
                                 DEFAULT_SCORE_BINS)
    regression = compute_frame_tally("regression", frame.assign(**{LABEL: frame[LABEL] * 3.5}),
                                     make_config(Path("."), "duckdb:///x", **make_regression_overrides()),
                                     DEFAULT_SCORE_BINS)
    config = make_config(Path("."), "duckdb:///x", **make_multiclass_overrides())
    classes = frame.assign(**{LABEL: rng.choice(CLASSES, len(frame))})
    multiclass = compute_frame_tally("multiclass_classification", classes, config, DEFAULT_SCORE_BINS)
    tallies = {None: binary, "region=EU": regression, "region=US": multiclass}
    back = tallies_from_json(tallies_json(tallies))
    assert isinstance(back[None], BinaryTally) and isinstance(back["region=EU"], RegressionTally)
    assert isinstance(back["region=US"], MulticlassTally)
    assert np.array_equal(back[None].groups, binary.groups) and back[None].total == 400
    assert back[None].log_loss_sum == binary.log_loss_sum and back[None].labelled == binary.labelled == 320
    assert back["region=EU"].sums == regression.sums and back["region=EU"].labelled == 320
    got = back["region=US"]
    assert got.confusion == multiclass.confusion and got.log_loss_rows == multiclass.log_loss_rows
    assert set(got.probabilities) == set(CLASSES) and got.labelled == 400
    assert all(np.array_equal(got.probabilities[k], v) for k, v in multiclass.probabilities.items())


def test_an_entry_names_its_task_and_its_fields() -> None:
    entry = json.loads(tallies_json({"s=1": BinaryTally(7)}))[0]
    assert entry == {"key": "s=1", "task": "binary_classification", "total": 7, "groups": [],
                     "log_loss_sum": 0.0}
