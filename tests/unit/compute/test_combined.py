"""The window-level drift test (compute.combined): calibrated when nothing drifted (false alerts
at a fixed seed set within bounds, each feature's p-value about uniform), powerful on a
moderate shift at 500 and 1,000 rows where the per-feature bounds are not, silent at sizes where
the floors decide, and its alert names the features behind it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from monitors.compute.combined import compute_groups, compute_normal_scores
from monitors.compute.drift import compute_drift_rows
from monitors.compute.frame_counts import compute_frame_counts
from monitors.core.measurement import Measurement
from monitors.core.window import Window
from monitors.reports.text import compute_failure_message
from monitors.testing import make_config
from monitors.testing_families import FAMILIES, make_family_baseline, make_family_rows


@pytest.fixture(scope="module")
def baselines() -> dict[str, tuple[Any, dict[str, Any]]]:
    return {family: make_family_baseline(family) for family in FAMILIES}


def _rows(tmp_path: Path, baseline: tuple[Any, dict[str, Any]], family: str, rng: Any, n: int,
          **shift: float) -> list[Measurement]:
    config = make_config(tmp_path, "duckdb:///unused.duckdb", segments=[])
    counts = compute_frame_counts(make_family_rows(family, rng, n, **shift), baseline[1],
                                  list(FAMILIES[family][1]), [])
    rows, _ = compute_drift_rows(config.drift, counts, baseline[0], config.predictions.outputs,
                                 config.min_segment_rows)
    return rows


def _window(rows: list[Measurement]) -> Measurement:
    return next(r for r in rows if r.metric == "combined" and r.column_name is None)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_undrifted_windows_rarely_break_the_combined_test(
        tmp_path: Path, baselines: dict[str, Any], family: str) -> None:
    rng = np.random.default_rng(31)
    windows = [_rows(tmp_path, baselines[family], family, rng, 500) for _ in range(150)]
    combined = [_window(w) for w in windows]
    assert all(r.status in ("ok", "alert") and r.threshold == 0.005 for r in combined)
    assert sum(r.is_alert for r in combined) <= 2  # 1.3%: the test's 0.5% and some slack
    features = [r.value for w in windows for r in w
                if r.metric == "combined" and r.column_name is not None]
    assert len(features) >= 150  # most features take part at 500 rows
    # about uniform, on the conservative side (features under their floor count as p = 1)
    assert np.mean(np.array(features) < 0.05) <= 0.06
    assert np.median(features) >= 0.4


@pytest.mark.parametrize(("family", "n", "least"), [
    ("normal", 500, 40), ("skewed", 500, 40), ("many_levels", 500, 40), ("mixed", 1000, 46)])
def test_a_moderate_shift_is_caught_where_the_features_alone_miss_it(
        tmp_path: Path, baselines: dict[str, Any], family: str, n: int, least: int) -> None:
    """Every spread 9% narrower, every categorical's first value 4 points to its second."""
    rng = np.random.default_rng(7)
    windows = [_rows(tmp_path, baselines[family], family, rng, n, narrow=0.09, move=0.04)
               for _ in range(50)]
    assert sum(_window(w).is_alert for w in windows) >= least
    by_feature = sum(any(r.is_alert for r in w if r.metric != "combined") for w in windows)
    assert by_feature <= 25  # the per-feature bounds catch at most half of these windows


def test_large_windows_leave_it_to_the_floors(tmp_path: Path, baselines: dict[str, Any]) -> None:
    """At 100k rows every bound is its floor: no combined test, a 0.01 shift does not alert."""
    rng = np.random.default_rng(3)
    rows = _rows(tmp_path, baselines["normal"], "normal", rng, 100_000, mean=0.01, move=0.01)
    assert _window(rows).status == "skipped"
    assert [r for r in rows if r.metric == "combined" and r.column_name] == []
    assert not any(r.is_alert for r in rows)


def test_many_levels_are_grouped_for_the_window_size() -> None:
    shares = 1.0 / np.arange(1, 201) ** 1.1
    reference = np.round(shares / shares.sum() * 50_000)
    small, large = compute_groups(reference, 500), compute_groups(reference, 100_000)
    assert 3 <= len(small) <= 8 < len(large)  # 200 values: a handful of groups at 500 rows
    assert sorted(np.concatenate(small)) == list(range(200))  # every value in one group
    expected = [reference[g].sum() / reference.sum() * 500 for g in small]
    assert min(expected) >= 5


def test_normal_scores_of_a_baseline_are_standard() -> None:
    reference = np.random.default_rng(0).multinomial(50_000, np.full(4098, 1 / 4098)).astype(float)
    z = compute_normal_scores(reference)
    p = reference / reference.sum()
    assert abs(float(z @ p)) < 0.01
    assert float((z * z) @ p) == pytest.approx(1.0, abs=0.02)


def test_the_alert_names_the_features_behind_it() -> None:
    rows = [Measurement("drift", "combined", 0.2, None, "ok", "region"),
            Measurement("drift", "combined", 0.004, None, "ok", "income"),
            Measurement("drift", "combined", 0.0008, 0.005, "alert")]
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    message = compute_failure_message("m", window, rows) or ""
    assert "drift combined = 0.0008 (bound: >= 0.005)" in message
    assert "features behind drift combined (each one's p-value): income (p 0.004), region (p 0.2)" \
        in message
