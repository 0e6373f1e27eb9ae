"""Multivariate drift (NannyML's data reconstruction with PCA), computed from sums the
warehouse returns: the PCA of the baseline's standardised numerical features, and a window's
mean reconstruction error held to a bound calibrated like the univariate ones (the sampling
error of a mean of this many rows at the false-alert rate), never below the floor (the
registry's relative rise over the baseline's mean error)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.stats import norm

from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, compute_status
from monitors.core.metrics import METRICS
from monitors.core.multivariate import EXPLAINED_VARIANCE, PcaModel
from monitors.core.settings import Drift

METRIC = "pca_reconstruction_error"


def compute_pca_components(correlation: np.ndarray, explained: float = EXPLAINED_VARIANCE) -> np.ndarray:
    """The fewest leading eigenvectors (columns) of the correlation matrix explaining at least
    `explained` of its variance, and always at least one fewer than there are features (all of
    them would reconstruct every row exactly)."""
    return compute_pca_basis(correlation, explained)[0]


def compute_pca_basis(correlation: np.ndarray, explained: float = EXPLAINED_VARIANCE
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The kept components (compute_pca_components) and the other eigenvectors, as columns, by
    decreasing eigenvalue. Signs fixed (largest entry positive) so the same baseline gives the
    same vectors."""
    values, vectors = np.linalg.eigh(correlation)
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0.0, None), vectors[:, order]
    share = np.cumsum(values) / values.sum() if values.sum() > 0 else np.ones_like(values)
    keep = min(int(np.searchsorted(share, explained - 1e-12) + 1), len(values) - 1)
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(len(values))])
    vectors = vectors * np.where(signs == 0, 1.0, signs)
    return vectors[:, :keep], vectors[:, keep:]


def compute_row_errors(model: PcaModel, values: np.ndarray) -> np.ndarray:
    """Each row's reconstruction error, as the warehouse computes it (values: rows x inputs in
    model.inputs' order; NaN, missing or infinite values imputed with the mean)."""
    z = (values - np.asarray(model.means)) / np.asarray(model.scales)
    z = np.where(np.isfinite(z), z, 0.0)
    if model.by_rest:
        away = z @ np.asarray(model.rest).T
        return np.sqrt((away * away).sum(axis=1))
    w = np.asarray(model.components)
    residual = z - (z @ w.T) @ w
    return np.sqrt((residual * residual).sum(axis=1))


def compute_pca_fit(fit_values: np.ndarray, held: np.ndarray, columns: tuple[str, ...],
                    categories: tuple[tuple[str, str], ...] = ()) -> PcaModel:
    """The PCA of the rows `fit_values`, its errors measured on the rows `held` (values: the
    numerical columns, then a 1/0 indicator per category)."""
    finite = np.where(np.isfinite(fit_values), fit_values, np.nan)
    means, scales = np.nanmean(finite, axis=0), np.nanstd(finite, axis=0)
    z = np.where(np.isfinite(finite), (finite - means) / scales, 0.0)
    correlation = z.T @ z / len(z)
    components, rest = compute_pca_basis(correlation)
    draft = PcaModel(columns, tuple(map(float, means)), tuple(map(float, scales)),
                     compute_vectors(components), 0.0, 0.0, len(held), categories, compute_vectors(rest))
    errors = compute_row_errors(draft, held)
    return dataclasses.replace(draft, error_mean=float(errors.mean()), error_sd=float(errors.std()))


def compute_vectors(columns: np.ndarray) -> tuple[tuple[float, ...], ...]:
    """A matrix's columns as plain tuples (a PcaModel's vectors)."""
    return tuple(tuple(float(w) for w in c) for c in columns.T)


def compute_correlation(rows: int, products: dict[tuple[int, int], float], width: int) -> np.ndarray:
    """The correlation matrix of standardised values from the sums of their products (i <= j)."""
    matrix = np.zeros((width, width))
    for (i, j), total in products.items():
        matrix[i, j] = matrix[j, i] = total / rows
    return matrix


def compute_bound(model: PcaModel, rows: int, settings: Drift) -> float:
    """The highest mean error an undrifted window of `rows` rows reaches at the false-alert rate
    (one-sided; the sampling error of both the window's mean and the baseline's), never below
    the baseline's mean error raised by the registry's floor."""
    z = float(norm.ppf(1.0 - settings.false_alert_rate))
    floor = METRICS[METRIC].floor or 0.0
    spread = model.error_sd * math.sqrt(1.0 / max(rows, 1) + 1.0 / max(model.rows, 1))
    calibrated = model.error_mean + z * spread
    return max(calibrated, model.error_mean * (1.0 + floor))


def compute_multivariate_row(model: PcaModel | None, window_mean: float | None, rows: int,
                             settings: Drift) -> list[Measurement]:
    """The window's row: its mean reconstruction error against its bound (skipped when the
    window has no rows); none when there is no model (fewer than two numerical features, or
    switched off)."""
    if model is None:
        return []
    if window_mean is None or not rows:
        return [Measurement(Kind.DRIFT, METRIC, None, None, "skipped")]
    bound = compute_bound(model, rows, settings)
    return [Measurement(Kind.DRIFT, METRIC, window_mean, bound, compute_status(METRIC, window_mean, bound))]
