"""The baseline's PCA for multivariate drift (plain data): how a row is standardised and
projected, and the per-row reconstruction error on the baseline that windows are held to."""

from __future__ import annotations

from dataclasses import dataclass

# share of the standardised features' variance the kept components explain (NannyML's default)
EXPLAINED_VARIANCE = 0.65
MAX_FEATURES = 64  # the first numerical features the PCA is fitted on (p(p+1)/2 sums in SQL)


@dataclass(frozen=True)
class PcaModel:
    """Fitted on the baseline's numerical features, standardised (a missing or non-finite value
    imputed with the column's mean, i.e. 0 once standardised). A row's reconstruction error is
    the distance between its standardised vector z and its projection on the kept components:
    sqrt(|z|^2 - |W^T z|^2)."""

    columns: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]  # population standard deviations (> 0)
    components: tuple[tuple[float, ...], ...]  # kept components, each a unit vector over columns
    error_mean: float  # the mean reconstruction error of baseline rows the fit did not see
    error_sd: float  # and its standard deviation (per row)
    rows: int  # how many rows those two were measured on
