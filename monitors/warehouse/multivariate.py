"""Multivariate drift in SQL: the sums a PCA of the baseline's standardised inputs (numerical
features, top categories one-hot) is fitted from (means and scales, then the products of every
pair), and a rows' mean reconstruction error, a linear projection written as one SQL expression
(no row leaves the warehouse)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitors.core.multivariate import Input, PcaModel
from monitors.warehouse.engine import query_errors
from monitors.warehouse.sql import (
    array_of,
    as_double,
    dot_product,
    double_literal,
    is_finite,
    md5_hex,
)

if TYPE_CHECKING:
    from monitors.warehouse.engine import Engine


def input_expression(source: sa.Subquery, item: Input) -> Any:
    """An input's value as a DOUBLE: the number, or 1.0 when the category is the value (else 0)."""
    if isinstance(item, str):
        return as_double(source.c[item])
    column, value = item  # a DOUBLE, not a literal's type: Spark's DECIMAL arithmetic rounds
    flag = sa.case((sa.cast(source.c[column], sa.String()) == sa.literal(value, sa.String()), 1), else_=0)
    return as_double(flag)


def standardised_inputs(source: sa.Subquery, inputs: tuple[Input, ...], means: tuple[float, ...],
                         scales: tuple[float, ...]) -> list[Any]:
    """Each input as (x - mean) / scale, 0 where it is missing or not finite (mean imputation)."""
    out = []
    for item, mean, scale in zip(inputs, means, scales, strict=True):
        x = input_expression(source, item)
        z = (x - double_literal(mean)) / double_literal(scale)
        out.append(sa.case((is_finite(x), z), else_=double_literal(0.0)))
    return out


def reconstruction_errors(source: sa.Subquery, model: PcaModel) -> sa.Subquery:
    """Each row's reconstruction error (column `error`), summed input by input (not |z|^2 -
    |W^T z|^2, whose cancellation left engines apart in the 7th digit once one-hot inputs made
    |z| large): |R^T z| when model.by_rest, else |z - W W^T z|. z computed once per row (and as
    one array where the dialect has arrays), then its projections, in inner SELECTs."""
    standardised = standardised_inputs(source, model.inputs, model.means, model.scales)
    inner = sa.select(*[v.label(f"z{i}") for i, v in enumerate(standardised)]).subquery("standardised")
    z = [inner.c[f"z{i}"] for i in range(len(standardised))]
    vectors = sa.select(*z, array_of(z).label("zs")).subquery("vectors")
    z = [vectors.c[f"z{i}"] for i in range(len(standardised))]
    onto = model.rest if model.by_rest else model.components
    projections = [dot_product(vectors.c.zs, z, vector).label(f"p{k}") for k, vector in enumerate(onto)]
    middle = sa.select(*z, *projections).subquery("projected")
    p = [middle.c[f"p{k}"] for k in range(len(projections))]
    if model.by_rest:
        squares = [x * x for x in p]
    else:
        squares = []
        for i in range(len(z)):
            back = [double_literal(c[i]) * p[k] for k, c in enumerate(model.components)]
            residual = middle.c[f"z{i}"] - sum(back[1:], back[0])
            squares.append(residual * residual)
    total: Any = sum(squares[1:], squares[0])
    return sa.select(sa.func.sqrt(total).label("error")).subquery("errors")


def fixed_point(column: Any) -> Any:
    """A number in millionths as a BIGINT (NULL when not finite or beyond 9e12): its text is the
    same on every engine, where a DOUBLE's is not (PostgreSQL and DuckDB print different digits;
    a DECIMAL without precision rounds to an integer on Spark)."""
    x = as_double(column)
    inside = sa.and_(is_finite(x), sa.func.abs(x) < double_literal(9e12))
    millionths = sa.cast(sa.func.floor(x * double_literal(1e6)), sa.BigInteger())
    return sa.case((inside, millionths), else_=None)


def baseline_halves(select: sa.Select[Any], columns: list[str], categorical: list[str]
                   ) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The baseline's rows in two halves, the same on every run (by the md5 of the numerical and
    categorical columns' values): the PCA is fitted on the first and its errors measured on the
    second, so the errors a window is held to are those of rows the fit has not seen (fitted
    rows' errors run low: the components chase their noise)."""
    source = select.subquery("baseline_rows")
    text = [sa.func.coalesce(sa.cast(fixed_point(source.c[c]), sa.String()), "") for c in columns]
    text += [sa.func.coalesce(sa.cast(source.c[c], sa.String()), "") for c in categorical]
    first = sa.func.substr(md5_hex(sa.func.concat(*text)), 1, 1).in_(list("01234567"))
    return sa.select(source).where(first), sa.select(source).where(sa.not_(first))


def load_moments(engine: Engine, select: sa.Select[Any], inputs: list[Input], model: str
                 ) -> tuple[int, list[float | None], list[float | None]]:
    """Rows, and per input the mean and the mean square of its finite values."""
    source = select.subquery("rows")
    parts: list[Any] = [sa.func.count()]
    for item in inputs:
        x = input_expression(source, item)
        finite = sa.case((is_finite(x), x), else_=None)
        parts += [sa.func.avg(finite), sa.func.avg(finite * finite)]
    with query_errors(engine, model, "the multivariate drift's baseline moments"), engine.connect() as conn:
        row = conn.execute(sa.select(*parts)).one()
    values = [None if v is None else float(v) for v in row[1:]]
    return int(row[0]), values[0::2], values[1::2]


def load_products(engine: Engine, select: sa.Select[Any], inputs: tuple[Input, ...], means: tuple[float, ...],
                  scales: tuple[float, ...], model: str) -> dict[tuple[int, int], float]:
    """The sums of z_i * z_j (i <= j) over the rows, z standardised and imputed."""
    source = select.subquery("rows")
    z = standardised_inputs(source, inputs, means, scales)
    pairs = [(i, j) for i in range(len(z)) for j in range(i, len(z))]
    what = "the multivariate drift's baseline correlations"
    with query_errors(engine, model, what), engine.connect() as conn:
        row = conn.execute(sa.select(*[sa.func.sum(z[i] * z[j]) for i, j in pairs])).one()
    return {pair: float(value or 0.0) for pair, value in zip(pairs, row, strict=True)}


def load_error_summary(engine: Engine, select: sa.Select[Any], pca: PcaModel, model: str
                       ) -> tuple[int, float | None, float | None]:
    """Rows, their mean reconstruction error and mean squared error."""
    error = reconstruction_errors(select.subquery("rows"), pca).c.error
    with query_errors(engine, model, "the multivariate drift"), engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.count(), sa.func.avg(error), sa.func.avg(error * error))).one()
    return int(row[0]), None if row[1] is None else float(row[1]), None if row[2] is None else float(row[2])
