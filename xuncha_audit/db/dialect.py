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


@lru_cache(maxsize=4096)
def translate(sql: str, dialect: str) -> str:
    """``sql`` (reference dialect) in ``dialect``; parameters ``$x`` become ``:x`` on Spark."""
    if dialect == REFERENCE:
        return sql
    trees = sqlglot.parse(strip_comments(sql), read=REFERENCE)
    if dialect in ("spark", "spark2", "databricks", "hive"):
        trees = [t.transform(_duckdb_semantics) if t is not None else None for t in trees]
    return ";\n".join(t.sql(dialect=dialect) for t in trees if t is not None)


def _double(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node.copy(), to=exp.DataType.build("double"))


def _duckdb_semantics(node: exp.Expression) -> exp.Expression:
    """Keep DuckDB's meaning where the target engine types an operation differently.

    * ``a / b``: DuckDB divides in DOUBLE whatever the operand types (DECIMAL included);
      Spark divides decimals in DECIMAL rounded to 6 places. Make the left operand DOUBLE.
    * ``avg(x)``: DOUBLE in DuckDB, DECIMAL(p+4, s+4) on Spark for a decimal x.
    """
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
