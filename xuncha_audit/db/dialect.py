"""The reference dialect (DuckDB) and its translation to other engines by sqlglot.

Checks, shared relations and the engine's own statements are written once for DuckDB.
:func:`translate` turns them into another engine's dialect; ``$name`` parameters become that
engine's named markers (Spark: ``:name``, done by sqlglot). What sqlglot translates *wrongly* (silently, with a
different meaning) is caught beforehand by the portability lint, ``xuncha_audit.engine.lint``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp

REFERENCE = "duckdb"

_COMMENT_RE = (re.compile(r"/\*.*?\*/", re.S), re.compile(r"--[^\n]*"))


def strip_comments(sql: str) -> str:
    sql = _COMMENT_RE[0].sub(" ", sql)
    return _COMMENT_RE[1].sub(" ", sql)


_UNORDERED_AGG_RE = re.compile(r"\b(string_agg|group_concat|listagg)\s*\(", re.I)


@lru_cache(maxsize=4096)
def translate(sql: str, dialect: str) -> str:
    """``sql`` (reference dialect) in ``dialect``; parameters ``$x`` become ``:x`` on Spark.

    On every engine, DuckDB included, an unordered ``string_agg`` (whose order is undefined:
    it changes with threads and engines, and so would finding titles) is made sorted — see
    :func:`_sorted_string_agg`. A statement without one is returned unchanged for DuckDB.
    """
    if dialect == REFERENCE and not _UNORDERED_AGG_RE.search(strip_comments(sql)):
        return sql
    trees = sqlglot.parse(strip_comments(sql), read=REFERENCE)
    trees = [t.transform(_sorted_string_agg) if t is not None else None for t in trees]
    if dialect in ("spark", "spark2", "databricks", "hive"):
        trees = [t.transform(_duckdb_semantics) if t is not None else None for t in trees]
    return ";\n".join(t.sql(dialect=dialect) for t in trees if t is not None)


def _sorted_string_agg(node: exp.Expression) -> exp.Expression:
    """``string_agg([DISTINCT] x, sep)`` without ORDER BY -> the values sorted, on every engine:
    ``nullif(array_to_string(list_sort([list_distinct](list(x))), sep), '')`` (NULL when no
    value, as string_agg). Windowed and ordered aggregates are left alone (the lint rules them).
    """
    if not isinstance(node, exp.GroupConcat) or isinstance(node.parent, exp.Window):
        return node
    arg = node.this
    if isinstance(arg, exp.Order):
        return node
    sep = node.args.get("separator") or exp.Literal.string(",")
    distinct = isinstance(arg, exp.Distinct)
    value = arg.expressions[0] if distinct else arg
    if distinct and len(arg.expressions) != 1:
        return node
    template = _SORTED_DISTINCT if distinct else _SORTED
    out = template.copy()
    for col in list(out.find_all(exp.Column)):
        if col.name == "__v__":
            col.replace(value.copy())
    for lit in list(out.find_all(exp.Literal)):
        if lit.is_string and lit.this == "__sep__":
            lit.replace(sep.copy())
    return out


# list() keeps NULLs in DuckDB (string_agg and Spark's collect_list drop them): filter them out
_SORTED = sqlglot.parse_one(
    "nullif(array_to_string(list_sort(list_filter(list(__v__), _v -> _v IS NOT NULL)), '__sep__'), '')",
    read=REFERENCE)
_SORTED_DISTINCT = sqlglot.parse_one(
    "nullif(array_to_string(list_sort(list_distinct(list_filter(list(__v__), _v -> _v IS NOT NULL))), "
    "'__sep__'), '')", read=REFERENCE)


def _double(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node.copy(), to=exp.DataType.build("double"))


def _duckdb_semantics(node: exp.Expression) -> exp.Expression:
    """Keep DuckDB's meaning where the target engine types an operation differently.

    * ``a / b``: DuckDB divides in DOUBLE whatever the operand types (DECIMAL included);
      Spark divides decimals in DECIMAL rounded to 6 places. Make the left operand DOUBLE.
    * ``avg(x)``: DOUBLE in DuckDB, DECIMAL(p+4, s+4) on Spark for a decimal x.
    * ``array_to_string(<list aggregate>, sep)``: DuckDB's ``list()`` keeps NULLs and joining
      a list of NULLs gives NULL; Spark's ``collect_list`` drops them and joins an empty array
      to ''. Wrapped in ``nullif(…, '')`` so that "no value" is NULL on both (L01 persons,
      L02 keyword lists: an empty string there made Spark report a rule DuckDB did not).
    """
    if (isinstance(node, exp.ArrayToString) and node.find(exp.ArrayAgg) is not None
            and not isinstance(node.parent, exp.Nullif)):
        return exp.Nullif(this=node.copy(), expression=exp.Literal.string(""))
    if isinstance(node, exp.Div) and not isinstance(node, exp.IntDiv):
        left = node.left
        if not (isinstance(left, exp.Cast) and left.to.is_type("double")):
            return exp.Div(this=_double(left), expression=node.right.copy())
    if isinstance(node, exp.Avg):
        inner = node.this
        if not isinstance(inner, exp.Distinct) and not (isinstance(inner, exp.Cast) and inner.to.is_type("double")):
            return exp.Avg(this=_double(inner))
    return node


def referenced_tables(sql: str) -> set[str]:
    """Names of the tables a statement reads (CTE names excluded)."""
    tree = sqlglot.parse_one(strip_comments(sql), read=REFERENCE)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
