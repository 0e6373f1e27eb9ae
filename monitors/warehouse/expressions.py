"""The SQL a config may hold (custom metrics, their filters), parsed with sqlglot and checked
before anything reaches the warehouse: one expression (no `;`, no comment), built only of
columns of the window, literals, operators and the functions allowed below; a metric aggregates
every column it reads at its outermost level (no aggregate in an aggregate, no window, no
subquery, no join, no statement). A derived metric is arithmetic on other metrics' names.
What passes is written back out by sqlglot in the warehouse's dialect, with every column quoted
as the config spells it: the user's text never reaches the warehouse as it was written.

Pure: no I/O, no SQLAlchemy (config.py checks expressions here when the config is loaded).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

if TYPE_CHECKING:
    from monitors.core.custom import CustomMetric, Slice

AGGREGATES: tuple[type[exp.Expr], ...] = (
    exp.Count, exp.CountIf, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Stddev, exp.StddevPop,
    exp.StddevSamp, exp.Variance, exp.VariancePop)
DOUBLED: tuple[type[exp.Expr], ...] = (  # aggregates computed in doubles (_as_double)
    exp.Sum, exp.Avg, exp.Stddev, exp.StddevPop, exp.StddevSamp, exp.Variance, exp.VariancePop)
SCALARS: tuple[type[exp.Expr], ...] = (
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Abs, exp.Ln, exp.Log, exp.Exp, exp.Sqrt, exp.Pow,
    exp.Round, exp.Floor, exp.Ceil, exp.Greatest, exp.Least, exp.Sign, exp.Lower, exp.Upper,
    exp.Length, exp.Cast)
OPERATORS: tuple[type[exp.Expr], ...] = (
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.Paren, exp.EQ, exp.NEQ, exp.GT, exp.GTE,
    exp.LT, exp.LTE, exp.Is, exp.Not, exp.And, exp.Or, exp.Between, exp.In, exp.Like, exp.ILike)
LEAVES: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.DataType)
ARITHMETIC: tuple[type[exp.Expr], ...] = (
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg, exp.Paren, exp.Column, exp.Identifier, exp.Literal)


@dataclass(frozen=True)
class Checked:
    """An expression that passed: its tree (columns quoted as the config spells them, the label
    renamed to the window query's label column) and whether it reads the label."""

    tree: exp.Expr
    reads_label: bool

    def to_sql(self, dialect: str | None) -> str:
        """The expression in a sqlglot dialect's SQL, without comments."""
        return self.tree.sql(dialect=dialect, comments=False)


def _parse(text: str, dialect: str | None) -> exp.Expr:
    """One expression of `text`; ValueError for a statement separator, a comment, or anything
    that is not one expression."""
    try:
        tokens = sqlglot.tokenize(text, read=dialect)
        if any(t.token_type == TokenType.SEMICOLON for t in tokens):
            raise ValueError("';' is not allowed: write one expression")
        if any(t.comments for t in tokens):
            raise ValueError("comments are not allowed")
        parsed = [e for e in sqlglot.parse(text, read=dialect) if e is not None]
    except SqlglotError as exc:
        raise ValueError(f"not a SQL expression: {str(exc).splitlines()[0]}") from None
    if len(parsed) != 1:
        raise ValueError("write one expression")
    return parsed[0]


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return f"function {node.name.lower()}"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}"
    if isinstance(node, exp.Select | exp.Subquery | exp.Query) or node.args.get("query"):
        return "a subquery"
    return f"{type(node).__name__.lower()}"


def _check_nodes(tree: exp.Expr, allowed: tuple[type[exp.Expr], ...]) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Star) and isinstance(node.parent, exp.Count):
            continue
        if isinstance(node, exp.Distinct) and isinstance(node.parent, exp.Count):
            continue
        if not isinstance(node, allowed) or (isinstance(node, exp.In) and (
                node.args.get("query") or node.args.get("unnest") or node.args.get("field"))):
            raise ValueError(f"{_name(node)} is not allowed (allowed functions: "
                             f"{', '.join(sorted(_function_names(allowed)))})")


def _function_names(allowed: tuple[type[exp.Expr], ...]) -> set[str]:
    return {c.sql_names()[0].lower() if c.sql_names() else c.__name__.lower()
            for c in allowed if issubclass(c, exp.Func) and c not in (exp.If, exp.And, exp.Or)}


def _resolve(tree: exp.Expr, columns: list[str], label: str | None, label_as: str
             ) -> tuple[exp.Expr, bool]:
    """Each column replaced by the window's column of that name (quoted, as the config spells
    it; the label by `label_as`); ValueError naming a column that is not there."""
    by_lower = {c.lower(): c for c in columns}
    if label:
        by_lower[label.lower()] = label_as
    reads_label = False

    def replace(node: exp.Expr) -> exp.Expr:
        nonlocal reads_label
        if not isinstance(node, exp.Column):
            return node
        if node.table:
            raise ValueError(f"{node.sql()}: name a column of the window, without a table")
        found = by_lower.get(node.name.lower())
        if found is None:
            names = [*columns, *([label] if label else [])]
            close = difflib.get_close_matches(node.name, names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"the window has {', '.join(names)}"
            raise ValueError(f"no column {node.name!r}; {hint}")
        reads_label = reads_label or found == label_as
        return exp.column(found, quoted=True)

    return tree.transform(replace), reads_label


def _check_aggregated(node: exp.Expr, inside: bool = False) -> bool:
    """Whether `node` holds an aggregate; ValueError for a column outside every aggregate or an
    aggregate inside another."""
    if isinstance(node, AGGREGATES):
        if inside:
            raise ValueError(f"{node.sql()}: an aggregate inside an aggregate")
        inside = True
    elif isinstance(node, exp.Column) and not inside:
        raise ValueError(f"column {node.name!r} is outside an aggregate: aggregate it, e.g. avg({node.name})")
    found = isinstance(node, AGGREGATES)
    for child in node.iter_expressions():
        found = _check_aggregated(child, inside) or found
    return found


def _as_double(tree: exp.Expr) -> exp.Expr:
    """Each averaging or summing aggregate over CAST(argument AS DOUBLE): engines keep a DECIMAL
    average at a few decimals (Spark: avg of DECIMAL(2,1) literals is DECIMAL(6,5)), so every
    engine computes in doubles and stores the same value."""
    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, DOUBLED) and not isinstance(node.this, exp.Distinct | exp.Star):
            node = node.copy()
            node.set("this", exp.Cast(this=node.this, to=exp.DataType.build("double")))
        return node

    return tree.transform(replace)


def numeric_booleans(tree: exp.Expr, booleans: set[str]) -> exp.Expr:
    """Each CAST(x AS DOUBLE) of a boolean x (a BOOLEAN column among `booleans`, or a comparison)
    as CAST(CAST(x AS INT) AS DOUBLE): PostgreSQL casts a boolean to an integer only (it has no
    avg(boolean) either), so avg(defaulted) counts true as 1 and false as 0 on every engine."""
    def boolean(node: exp.Expr) -> bool:
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.Column):
            return node.name in booleans
        return isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Boolean)

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Cast) and node.to.is_type("double") and boolean(node.this):
            node = node.copy()
            node.set("this", exp.Cast(this=node.this, to=exp.DataType.build("int")))
        return node

    return tree.transform(replace) if booleans or any(boolean(n) for n in tree.walk()) else tree


def _filtered(tree: exp.Expr, predicate: exp.Expr) -> exp.Expr:
    """Each aggregate of `tree` over the rows where `predicate` holds: its argument x becomes
    CASE WHEN predicate THEN x END (aggregates skip NULLs; count(*) counts the 1s)."""
    def wrap(value: exp.Expr) -> exp.Expr:
        value = exp.Literal.number(1) if isinstance(value, exp.Star) else value
        return exp.Case(ifs=[exp.If(this=exp.Paren(this=predicate.copy()), true=value)])

    def replace(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, AGGREGATES):
            return node
        node = node.copy()
        argument = node.this
        if isinstance(argument, exp.Distinct):
            argument.set("expressions", [wrap(e) for e in argument.expressions])
        elif isinstance(node, exp.CountIf):
            node.set("this", exp.And(this=exp.Paren(this=predicate.copy()),
                                     expression=exp.Paren(this=argument)))
        else:
            node.set("this", wrap(argument))
        return node

    return tree.transform(replace)


def checked_metric(sql: str, where: str | None, dialect: str | None, columns: list[str],
                   label: str | None, label_as: str) -> Checked:
    """A custom metric's expression, over the rows where `where` holds; ValueError saying what
    is wrong."""
    tree = _parse(sql, dialect)
    _check_nodes(tree, (*AGGREGATES, *SCALARS, *OPERATORS, *LEAVES))
    tree, reads_label = _resolve(tree, columns, label, label_as)
    if not _check_aggregated(tree):
        raise ValueError("aggregate the window's rows, e.g. avg(income)")
    tree = _as_double(tree)
    if where is not None:
        predicate = checked_predicate(where, dialect, columns, label, label_as)
        tree = _filtered(tree, predicate.tree)
        reads_label = reads_label or predicate.reads_label
    return Checked(tree, reads_label)


def checked_predicate(where: str, dialect: str | None, columns: list[str], label: str | None,
                      label_as: str) -> Checked:
    """A row filter: one expression of columns of the window, no aggregate."""
    try:
        tree = _parse(where, dialect)
        _check_nodes(tree, (*SCALARS, *OPERATORS, *LEAVES))
        tree, reads_label = _resolve(tree, columns, label, label_as)
    except ValueError as exc:
        raise ValueError(f"where: {exc}") from None
    return Checked(tree, reads_label)


def derived_tree(text: str, metrics: list[str]) -> exp.Expr:
    """A derived metric: arithmetic (+ - * / and parentheses) on numbers and the names of
    `metrics`; ValueError otherwise."""
    tree = _parse(text, None)
    for node in tree.walk():
        if not isinstance(node, ARITHMETIC):
            raise ValueError(f"{_name(node)} is not allowed: a derived metric is arithmetic "
                             f"(+ - * /) on other custom metrics")
        if isinstance(node, exp.Column) and (node.table or node.name not in metrics):
            close = difflib.get_close_matches(node.name, metrics, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else \
                f"custom metrics: {', '.join(metrics) or 'none'}"
            raise ValueError(f"no custom metric {node.sql()!r} defined before it; {hint}")
    return tree


def derived_value(tree: exp.Expr, values: dict[str, float | None]) -> float | None:
    """A derived metric's value from its metrics' values (None if one is missing, or on a
    division by zero)."""
    if isinstance(tree, exp.Paren):
        return derived_value(tree.this, values)
    if isinstance(tree, exp.Literal):
        return float(tree.this)
    if isinstance(tree, exp.Column):
        return values.get(tree.name)
    if isinstance(tree, exp.Neg):
        inner = derived_value(tree.this, values)
        return None if inner is None else -inner
    left, right = derived_value(tree.this, values), derived_value(tree.expression, values)
    if left is None or right is None:
        return None
    if isinstance(tree, exp.Add):
        return left + right
    if isinstance(tree, exp.Sub):
        return left - right
    if isinstance(tree, exp.Mul):
        return left * right
    return left / right if right else None


def check_custom_metrics(metrics: list[CustomMetric], dialect: str | None, columns: list[str],
                         label: str | None, label_as: str) -> None:
    """Each custom metric checked (config load): ValueError naming its key and what is wrong."""
    seen: list[str] = []
    for i, m in enumerate(metrics):
        key = f"custom_metrics.{i}.{'sql' if m.sql is not None else 'derived'}: {m.name}"
        try:
            if m.name in seen:
                raise ValueError("a second metric of this name")
            if m.sql is not None:
                checked_metric(m.sql, m.where, dialect, columns, label, label_as)
            else:
                derived_tree(m.derived or "", seen)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        seen.append(m.name)


def check_slices(slices: list[Slice], dialect: str | None, columns: list[str], segments: list[str]) -> None:
    """Each slice's predicate checked (config load; it may not read the label: drift reads the
    rows without it); ValueError naming its key."""
    seen: list[str] = []
    for i, s in enumerate(slices):
        try:
            if s.name in seen or s.name.lower() in {c.lower() for c in [*columns, *segments]}:
                raise ValueError(f"{s.name!r} is already the name of a slice or a column of the window")
            checked_predicate(s.where, dialect, columns, None, "")
        except ValueError as exc:
            raise ValueError(f"slices.{i}.where: {s.name}: {exc}") from None
        seen.append(s.name)
