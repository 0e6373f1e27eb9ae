"""SQL expressions every query builds on: DOUBLE literals (NaN and infinities included), the
finite test, a value's slot on a column's bins, and the decoding of GROUPING SETS rows."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from monitors.core.counts import FINE_BINS, MISSING, NON_FINITE, OVER, UNDER, NumericBins
from monitors.warehouse.dialects import DIALECTS, Dialect

# dot products at least this long are one vector call where the dialect has them; shorter ones a
# sum of products (on DuckDB the call is faster from 8 values on: docs/performance.md)
ARRAY_DOT_MIN = 8


class _ByRecord(ColumnElement[Any]):
    """An expression compiled per dialect from its capability record, over one argument `arg`
    (a clause, a list of clauses, or a plain value): in the statement's cache key and traversal."""

    inherit_cache = True
    _traverse_internals = [("arg", InternalTraversal.dp_clauseelement)]

    def __init__(self, arg: Any) -> None:
        self.arg = arg

    @property
    def _from_objects(self) -> list[Any]:  # the tables under arg: a SELECT of it alone has a FROM
        args = self.arg if isinstance(self.arg, list) else [self.arg]
        return [f for a in args if isinstance(a, sa.ClauseElement) for f in a._from_objects]


class _SpecialDouble(_ByRecord):
    """NaN, +inf or -inf (arg 0, 1, 2), written as the dialect's record says (never a bound
    parameter)."""

    inherit_cache = True
    type = sa.Double()
    _traverse_internals = [("arg", InternalTraversal.dp_plain_obj)]


@compiles(_SpecialDouble)
def _compile_special_double(element: _SpecialDouble, compiler: Any, **kw: Any) -> str:
    double = compiler.dialect.type_compiler_instance.process(sa.Double())
    return _record(compiler).special_doubles[element.arg].format(double=double)


class _IsNan(_ByRecord):
    """arg is NaN: the dialect's test function, else arg = NaN (true in DuckDB, PostgreSQL, Spark)."""

    inherit_cache = True
    type = sa.Boolean()


@compiles(_IsNan)
def _compile_is_nan(element: _IsNan, compiler: Any, **kw: Any) -> str:
    function = _record(compiler).nan_function
    if function:
        return compiler.process(getattr(sa.func, function)(element.arg), **kw)
    return compiler.process(element.arg == _SpecialDouble(0), **kw)


class _Verbatim(_ByRecord):
    """SQL text already written out for the statement's dialect (a checked custom expression):
    pasted as it is, `%` doubled where the driver formats parameters with it. Not a column:
    PyHive's compiler cuts a column's text at its dots (schema.table.column)."""

    inherit_cache = True
    _traverse_internals = [("arg", InternalTraversal.dp_plain_obj)]


@compiles(_Verbatim)
def _compile_verbatim(element: _Verbatim, compiler: Any, **kw: Any) -> str:
    return str(compiler.post_process_text(element.arg))


def verbatim_sql(sql: str, type_: Any = None) -> Any:
    """A checked expression's SQL (sqlglot wrote it in the engine's dialect) as an expression."""
    element = _Verbatim(sql)
    if type_ is not None:
        element.type = type_
    return element


class _Grouping(_ByRecord):
    """GROUPING(e1, ..., en) of arg = [e1, ..., en]: one bitmask, e1 the highest bit; where
    GROUPING takes one argument, the sum of GROUPING(ei) * 2^(n-i), the same number."""

    inherit_cache = True
    type = sa.Integer()
    _traverse_internals = [("arg", InternalTraversal.dp_clauseelement_list)]


@compiles(_Grouping)
def _compile_grouping(element: _Grouping, compiler: Any, **kw: Any) -> str:
    if _record(compiler).multi_argument_grouping:
        return compiler.process(sa.func.grouping(*element.arg), **kw)
    return compiler.process(grouping_sum(element.arg), **kw)


def grouping_sum(exprs: list[Any]) -> Any:
    """GROUPING(e1, ..., en) from one-argument GROUPINGs: the sum of GROUPING(ei) * 2^(n-i)."""
    n = len(exprs)
    terms = [sa.func.grouping(e) * (1 << (n - 1 - i)) for i, e in enumerate(exprs)]
    return sum(terms[1:], terms[0]).self_group() if n > 1 else terms[0]


def _record(compiler: Any) -> Dialect:
    """The dialect's record; a dialect without one (e.g. str() of a statement) gets DuckDB's."""
    return DIALECTS.get(compiler.dialect.name, DIALECTS["duckdb"])


def double_literal(value: float) -> Any:
    """A float as a DOUBLE: bound as a parameter when finite, else NaN or an infinity as SQL."""
    if math.isnan(value):
        return _SpecialDouble(0)
    if math.isinf(value):
        return _SpecialDouble(1 if value > 0 else 2)
    return sa.literal(value, sa.Double())


def is_finite(x: Any) -> Any:
    """x is neither NaN nor an infinity (NULL stays NULL: false in WHERE and CASE)."""
    return sa.and_(sa.not_(_IsNan(x)), x != _SpecialDouble(1), x != _SpecialDouble(2))


def is_missing(x: Any) -> Any:
    """x is NULL or NaN."""
    return sa.or_(x.is_(None), _IsNan(x))


def grouping_bitmask(exprs: list[Any]) -> Any:
    """GROUPING(e1, ..., en): one bitmask per row of a GROUPING SETS query, e1 the highest bit
    (decoded by grouped_positions)."""
    return _Grouping(exprs)


class _Vector(_ByRecord):
    """The DOUBLE expressions arg as one array where the dialect has array functions (for
    dot_product); elsewhere NULL, never read."""

    inherit_cache = True
    _traverse_internals = [("arg", InternalTraversal.dp_clauseelement_list)]


def _by_array(compiler: Any, width: int) -> bool:
    return bool(_record(compiler).vector_functions) and width >= ARRAY_DOT_MIN


@compiles(_Vector)
def _compile_vector(element: _Vector, compiler: Any, **kw: Any) -> str:
    if _by_array(compiler, len(element.arg)):
        vector = _record(compiler).vector_functions[0]
        return compiler.process(getattr(sa.func, vector)(*element.arg), **kw)
    return "NULL"


class _Dot(_ByRecord):
    """The dot product of values and weights (arg: [vector, *values, *weights], vector the
    values' array_of): the dialect's inner product of the vector and the weights' vector where
    it has vector functions (Dialect.vector_functions), else the sum of the products."""

    inherit_cache = True
    type = sa.Double()
    _traverse_internals = [("arg", InternalTraversal.dp_clauseelement_list)]


@compiles(_Dot)
def _compile_dot(element: _Dot, compiler: Any, **kw: Any) -> str:
    vector, rest = element.arg[0], element.arg[1:]
    values, weights = rest[:len(rest) // 2], rest[len(rest) // 2:]
    if _by_array(compiler, len(values)):
        build, inner = _record(compiler).vector_functions
        return compiler.process(getattr(sa.func, inner)(vector, getattr(sa.func, build)(*weights)), **kw)
    terms = [w * v for w, v in zip(weights, values, strict=True)]
    return compiler.process(sum(terms[1:], terms[0]).self_group(), **kw)


def array_of(values: list[Any]) -> Any:
    """Columns as one array value (where the dialect has arrays), for dot_product."""
    return _Vector(values)


def dot_product(vector: Any, values: list[Any], weights: tuple[float, ...]) -> Any:
    """sum(w_i * v_i): `vector` is array_of(values), selected in an inner query."""
    return _Dot([vector, *values, *(double_literal(w) for w in weights)])


class _Md5(_ByRecord):
    """The lowercase hex md5 of the text arg, by the dialect's functions (Trino's takes
    varbinary, BigQuery's gives BYTES)."""

    inherit_cache = True
    type = sa.String()


@compiles(_Md5)
def _compile_md5(element: _Md5, compiler: Any, **kw: Any) -> str:
    out = element.arg
    for name in reversed(_record(compiler).md5):
        out = getattr(sa.func, name)(out)
    return compiler.process(out, **kw)


def md5_hex(text: Any) -> Any:
    """The lowercase hex md5 of a text expression (seeded samples order by it)."""
    return _Md5(text)


def as_double(column: Any) -> Any:
    return sa.cast(column, sa.Double())


def bin_expression(column: Any, bins: NumericBins) -> Any:
    """The slot of a value, the same arithmetic as core.counts.compute_bin_codes."""
    x = as_double(column)
    fine = sa.func.floor((x - double_literal(bins.low)) / double_literal(bins.width))
    return sa.case(
        (x.is_(None), MISSING), (_IsNan(x), MISSING),
        (x == _SpecialDouble(1), NON_FINITE), (x == _SpecialDouble(2), NON_FINITE),
        (x < double_literal(bins.low), UNDER), (x > double_literal(bins.high), OVER),
        else_=sa.func.least(sa.cast(fine, sa.Integer()), FINE_BINS - 1),
    )

@contextmanager
def pause_gc() -> Iterator[None]:
    """No cyclic garbage collection while a block allocates many acyclic objects (the rows of a
    result): each full collection walks every object the process holds (GX, SQLAlchemy), and
    fetching the counts' rows triggered enough of them to cost a third of the fetch
    (docs/performance.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def grouped_positions(gid: int, width: int) -> list[int]:
    """Positions of the expressions a GROUPING(e1, ..., en) bitmask says the row is grouped by
    (a 0 bit; e1 is the highest bit)."""
    return [i for i in range(width) if not gid >> (width - 1 - i) & 1]


def slice_key(gid: int, names: list[str], row: Any) -> tuple[bool, str | None]:
    """For a row of GROUPING SETS ((), (e1), (e2), ...) whose first columns are e1, e2, ...:
    whether it counts a slice at all (not when its value is NULL), and which: "name=value", or
    None for all rows."""
    grouped = grouped_positions(gid, len(names))
    if not grouped:
        return True, None
    value = row[grouped[0]]
    return value is not None, f"{names[grouped[0]]}={value}"
