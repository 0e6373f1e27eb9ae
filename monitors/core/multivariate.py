"""The baseline's PCA for multivariate drift (plain data): how a row is standardised and
projected, and the per-row reconstruction error on the baseline that windows are held to."""

from __future__ import annotations

from dataclasses import dataclass

# share of the standardised features' variance the kept components explain (NannyML's default)
EXPLAINED_VARIANCE = 0.65
MAX_FEATURES = 64  # inputs the PCA is fitted on, numerical features first (p(p+1)/2 sums in SQL)
TOP_CATEGORIES = 5  # a categorical feature's most frequent baseline values, one-hot inputs
MIN_CATEGORY_SHARE = 0.01  # ... each holding at least this share of the baseline's rows

Input = str | tuple[str, str]  # a numerical column, or (categorical column, value): 1 if equal


@dataclass(frozen=True)
class PcaModel:
    """Fitted on the baseline's numerical features and its top categories one-hot (an input per
    value: 1 when the row has it, else 0), standardised (a missing or non-finite number imputed
    with the column's mean, i.e. 0 once standardised). A row's reconstruction error is the
    distance between its standardised vector z and its projection on the kept components W:
    |z - W W^T z|, or, the eigenvectors being orthonormal, the length of z's projection on the
    others R: |R^T z|, which is fewer products when fewer than twice as many are left out as
    kept (`by_rest`). means, scales, components and rest run over `inputs`."""

    columns: tuple[str, ...]  # the numerical inputs
    means: tuple[float, ...]
    scales: tuple[float, ...]  # population standard deviations (> 0)
    components: tuple[tuple[float, ...], ...]  # kept components, each a unit vector over columns
    error_mean: float  # the mean reconstruction error of baseline rows the fit did not see
    error_sd: float  # and its standard deviation (per row)
    rows: int  # how many rows those two were measured on
    categories: tuple[tuple[str, str], ...] = ()  # the one-hot inputs, after the numerical ones
    rest: tuple[tuple[float, ...], ...] = ()  # the other eigenvectors (unit vectors over inputs)

    @property
    def inputs(self) -> tuple[Input, ...]:
        return (*self.columns, *self.categories)

    @property
    def by_rest(self) -> bool:
        """The error as |R^T z| (a dot product per left-out eigenvector), not |z - W W^T z| (one
        per kept component, then one per input over the kept ones)."""
        return bool(self.rest) and len(self.rest) < 2 * len(self.components)

    @property
    def needed(self) -> set[str]:
        """The columns a window needs for its error."""
        return {*self.columns, *(column for column, _ in self.categories)}
