"""The rows of one window, from its counts and tallies and the baseline's: data quality, drift,
realized and estimated performance (whole and per segment), and tracing's rows through a
callback when a realized rule breaks. Pure: the warehouse work is done by the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitors.compute import estimation, performance
from monitors.config import ModelConfig
from monitors.core.counts import DEFAULT_SCORE_BINS, NumericBins
from monitors.core.measurement import Measurement, compute_status
from monitors.core.profile import Profile
from monitors.core.tallies import Tally
from monitors.core.tasks import compute_task_type
from monitors.core.window import Window

__all__ = ["DEFAULT_SCORE_BINS", "Reference", "compute_performance_rows", "compute_reference"]


@dataclass
class Reference:
    """The baseline, summarised once per run of many windows: its profile (drift, data quality),
    its outcome tallies whole and per segment (performance) and, for CBPE, a calibrator of
    scores to P(label = 1) fitted on its labelled rows (multiclass: one per class)."""

    profile: Profile
    tallies: dict[str | None, Tally]
    calibrator: Any = None

    @property
    def has_labels(self) -> bool:
        whole = self.tallies.get(None)
        return whole is not None and whole.labelled > 0

    @property
    def metrics(self) -> dict[str, float | None]:
        return performance.compute_metrics(self.tallies[None]) if self.has_labels else {}


def compute_score_bins(config: ModelConfig, baseline: Profile) -> NumericBins:
    score = config.predictions.score
    shape = baseline.shapes.get(score) if score else None
    return shape.bins if shape is not None and shape.bins is not None else DEFAULT_SCORE_BINS


def compute_reference(config: ModelConfig, profile: Profile, tallies: dict[str | None, Tally]
                      ) -> Reference:
    reference = Reference(profile, tallies)
    if reference.has_labels:
        reference.calibrator = estimation.compute_reference_calibrator(
            config.task, tallies[None], compute_score_bins(config, profile))
    return reference


def _as_segment_rows(rows: list[Measurement], small: bool) -> list[Measurement]:
    """A segment below min_segment_rows is measured, not judged."""
    return [Measurement(r.kind, r.metric, r.value, r.threshold, "skipped", r.column_name,
                        r.segment) if small else r for r in rows]


def compute_segment_sigmas(config: ModelConfig, segments: int) -> float:
    """How many standard errors a segment's metric must fall: drift.false_alert_rate shared by
    every judged (segment, metric) of the window."""
    from scipy import stats

    family = max(segments * len(config.performance.metrics), 1)
    return float(stats.norm.isf(config.drift.false_alert_rate / family))


def compute_segment_rows(config: ModelConfig, window: Window, tallies: dict[str | None, Tally],
                         reference: Reference, as_of: datetime,
                         loss_estimates: dict[str | None, list[estimation.Estimate]] | None = None
                         ) -> list[Measurement]:
    """Realized performance per segment value, judged with its sampling error; a regression's
    estimates per segment value (`loss_estimates`), judged with their band."""
    rows: list[Measurement] = []
    segments = sorted({k for k in [*tallies, *reference.tallies] if k is not None})
    sigmas = compute_segment_sigmas(config, len(segments))
    for key in segments:
        cur = tallies.get(key) or compute_task_type(config.task).empty_tally()
        ref = reference.tallies.get(key) or compute_task_type(config.task).empty_tally()
        seg_metrics = performance.compute_metrics(ref) if ref.labelled else {}
        seg = performance.compute_segment_judgement(performance.compute_performance_measurements(
            config, window, cur, seg_metrics, as_of, key), cur, ref, seg_metrics, sigmas)
        if loss_estimates is not None and key in loss_estimates:
            pending = performance.compute_labels_pending(config, window, cur.coverage, as_of) \
                or cur.labelled < config.performance.min_labels
            seg += compute_segment_estimate_judgement(estimation.compute_estimated_measurements(
                config, cur, DEFAULT_SCORE_BINS, None, seg_metrics, pending, loss_estimates[key], key),
                seg_metrics, sigmas)
        rows += _as_segment_rows(seg, min(cur.total, ref.total) < config.min_segment_rows)
    return rows


def compute_segment_estimate_judgement(rows: list[Measurement], baseline_metrics: dict[str, float | None],
                                       sigmas: float) -> list[Measurement]:
    """A segment's estimate alerts only when it is also `sigmas` of its band's standard
    deviations (band / BAND_SIGMAS) beyond its baseline: the bound widens to that, as realized
    metrics' do with their standard errors (performance.compute_segment_judgement)."""
    bands = {r.metric.removesuffix("_band"): r.value for r in rows if r.metric.endswith("_band")}
    out = []
    for row in rows:
        base, band = baseline_metrics.get(row.metric), bands.get(row.metric)
        if row.status != "alert" or row.threshold is None or base is None or row.value is None \
                or band is None:
            out.append(row)
            continue
        bound = max(row.threshold, base + sigmas * band / estimation.BAND_SIGMAS)
        out.append(Measurement(row.kind, row.metric, row.value, round(bound, 12),
                               compute_status(row.metric, row.value, bound), row.column_name, row.segment))
    return out


def compute_performance_rows(config: ModelConfig, window: Window, tallies: dict[str | None, Tally],
                             reference: Reference, as_of: datetime,
                             trace: Callable[[str], list[Measurement]] | None = None,
                             loss_estimates: dict[str | None, list[estimation.Estimate]] | None = None
                             ) -> list[Measurement]:
    """Realized performance (whole and per segment), estimates without labels (CBPE's from the
    tallies; a regression's `loss_estimates`, whole (key None) and per segment value,
    compute.loss_estimation), and, when a realized
    rule breaks, the tracing rows `trace(metric)` gives."""
    whole = tallies.get(None)
    if config.ground_truth is None or whole is None or not whole.total:
        return []
    rows = performance.compute_baseline_measurements(reference.metrics)
    rows += performance.compute_performance_measurements(config, window, whole, reference.metrics, as_of)
    pending = performance.compute_labels_pending(config, window, whole.coverage, as_of) \
        or whole.labelled < config.performance.min_labels
    rows += estimation.compute_estimated_measurements(
        config, whole, compute_score_bins(config, reference.profile), reference.calibrator,
        reference.metrics, pending, None if loss_estimates is None else loss_estimates.get(None, []))
    broken = {r.metric for r in rows if r.kind == "performance" and r.is_alert}
    traced = [m for m in config.performance.metrics if m in broken]
    if traced and reference.has_labels and trace is not None:
        rows += trace(traced[0])
    return rows + compute_segment_rows(config, window, tallies, reference, as_of, loss_estimates)
