"""Drift rows of a window from its counts: every score of every column stored, the judged one
with its bound; a shifted column alerts while the rest do not; segments below min_segment_rows
are measured, not judged; drifted_share is the share of drifted features; an empty window is
skipped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitors.compute.drift import compute_drift_rows
from monitors.compute.frame_counts import compute_frame_counts
from monitors.core.counts import Counts
from monitors.core.measurement import Measurement
from monitors.core.profile import Calibration, Profile, compute_bins, compute_profile
from monitors.core.settings import Drift

NUMERICAL = ["income", "age", "score"]
CATEGORICAL = ["region"]


def _rows(seed: int, n: int, income_shift: float = 0.0, small_region: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["EU", "NA"], n)
    region[:small_region] = "XS"
    return pd.DataFrame({"income": rng.normal(100 + income_shift, 10, n), "age": rng.integers(18, 80, n),
                         "score": rng.uniform(0, 1, n), "region": region})


@pytest.fixture(scope="module")
def baseline() -> Profile:
    rows = _rows(0, 20_000, small_region=100)
    bins = {c: compute_bins(float(rows[c].min()), float(rows[c].max())) for c in NUMERICAL}
    counts = compute_frame_counts(rows, bins, CATEGORICAL, ["region"])
    return compute_profile("p", counts, bins, {c: float(rows[c].std(ddof=0)) for c in NUMERICAL},
                           CATEGORICAL)


def _drift_and_calibration(baseline: Profile, rows: pd.DataFrame) -> tuple[list[Measurement], Calibration]:
    bins = {c: baseline.shapes[c].bins for c in NUMERICAL}
    counts = compute_frame_counts(rows, bins, CATEGORICAL, ["region"])
    return compute_drift_rows(Drift(), counts, baseline, ["score"], 200)  # score: the model's output


def _drift(baseline: Profile, rows: pd.DataFrame) -> list[Measurement]:
    return _drift_and_calibration(baseline, rows)[0]


def _find(rows: list[Measurement], metric: str, column: str | None, segment: str | None = None
          ) -> Measurement:
    found = [r for r in rows if (r.metric, r.column_name, r.segment) == (metric, column, segment)]
    assert len(found) == 1, (metric, column, segment)
    return found[0]


def test_a_shifted_column_alerts_and_the_others_do_not(baseline: Profile) -> None:
    rows = _drift(baseline, _rows(1, 5_000, income_shift=5.0, small_region=25))
    income = _find(rows, "wasserstein", "income")
    assert income.status == "alert" and income.value is not None and income.threshold is not None
    assert income.value == pytest.approx(0.5, abs=0.05)  # a half-sigma shift, normed by the spread
    assert income.value >= income.threshold >= 0.05  # never below wasserstein's floor
    assert _find(rows, "wasserstein", "age").status == "ok"
    assert _find(rows, "jensenshannon", "region").status == "ok"
    # the other scores are stored, unjudged
    ks = _find(rows, "ks", "income")
    assert ks.threshold is None and ks.status == "ok" and ks.value is not None and ks.value > 0.15
    # one of three features drifted (the score column is not a feature), below max_drifted_share
    share = _find(rows, "drifted_share", None)
    assert share.value == pytest.approx(1 / 3) and share.threshold == 0.5 and share.status == "ok"


def test_segments_are_judged_and_small_ones_only_measured(baseline: Profile) -> None:
    rows = _drift(baseline, _rows(2, 5_000, small_region=60))
    eu = _find(rows, "wasserstein", "income", "region=EU")
    assert eu.status == "ok" and eu.threshold is not None
    small = _find(rows, "wasserstein", "income", "region=XS")
    assert small.status == "skipped" and small.value is not None  # 60 rows < min_segment_rows 200
    assert not [r for r in rows if r.column_name == "region" and r.segment is not None]  # not by itself


def test_an_undrifted_window_breaks_no_rule(baseline: Profile) -> None:
    rows = _drift(baseline, _rows(3, 5_000, small_region=25))
    assert [r for r in rows if r.is_alert] == []
    assert _find(rows, "drifted_share", None).value == 0.0


def test_an_empty_window_is_skipped(baseline: Profile) -> None:
    rows, added = compute_drift_rows(Drift(), Counts(rows={None: 0}), baseline, ["score"], 200)
    assert [(r.metric, r.status) for r in rows] == [("drifted_share", "skipped")] and added == {}


def test_the_calibration_is_returned_and_the_profile_left_as_it_was(baseline: Profile) -> None:
    before = dict(baseline.null)
    rows, added = _drift_and_calibration(baseline, _rows(4, 5_000))
    assert baseline.null == before  # the profile is not changed: the caller keeps `added`
    judged = {(segment, column, metric, size) for (segment, column, metric, size) in added}
    # 5,000 rows: the largest 2^(k/4) at or below it, 2^(49/4)
    assert {(None, "income", "wasserstein", 4870), (None, "region", "jensenshannon", 4870)} <= judged
    kept = baseline.with_calibration(added)
    again, none_added = compute_drift_rows(Drift(), compute_frame_counts(
        _rows(4, 5_000), {c: baseline.shapes[c].bins for c in NUMERICAL}, CATEGORICAL, ["region"]),
        kept, ["score"], 200)
    assert none_added == {} and again == rows  # the kept moments give the same bounds
