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
        trees = [_qualify_with_star(t.transform(_duckdb_semantics)) if t is not None else None for t in trees]
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


def _again(node: exp.Expression) -> exp.Expression:
    """``node`` (just built by :func:`_duckdb_semantics`) with the rules applied inside it too:
    sqlglot's transform does not descend into a node that a rule replaced (``(a / b) / c``)."""
    return node.transform(_duckdb_semantics, copy=False)


_RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile)


def _duckdb_semantics(node: exp.Expression) -> exp.Expression:
    """Keep DuckDB's meaning where the target engine types an operation differently.

    * ``a / b``: DuckDB divides in DOUBLE whatever the operand types (DECIMAL included);
      Spark divides decimals in DECIMAL rounded to 6 places. Make the left operand DOUBLE.
    * ``avg(x)``: DOUBLE in DuckDB, DECIMAL(p+4, s+4) on Spark for a decimal x.
    * ``array_to_string(<list aggregate>, sep)``: DuckDB's ``list()`` keeps NULLs and joining
      a list of NULLs gives NULL; Spark's ``collect_list`` drops them and joins an empty array
      to ''. Wrapped in ``nullif(…, '')`` so that "no value" is NULL on both (L01 persons,
      L02 keyword lists: an empty string there made Spark report a rule DuckDB did not).
    * ``row_number()``, ``rank()``, ``dense_rank()``, ``ntile()`` over a window: BIGINT in DuckDB,
      INT on Spark. Spark refuses to merge INT with BIGINT in a recursive CTE (P01 starts its
      chains at ``row_number()`` and steps on ``count(*) + 1``): made BIGINT.
    * ``WITH x AS [NOT] MATERIALIZED (…)``: a hint to DuckDB's planner (H02 keeps a CTE read
      six times from being written out whole); Spark has no such syntax and plans CTEs itself.
    * ``arg_min(x, key, n)`` / ``arg_max(x, key, n)`` (the ``n`` smallest / largest, a top-N
      kept per group without sorting it: L03's cited lines): sqlglot drops ``n`` for Spark
      (with a warning only), leaving one value instead of a list; Spark 4 has ``min_by(x, key,
      n)`` / ``max_by`` with the same meaning, written out as such.
    """
    if isinstance(node, (exp.ArgMin, exp.ArgMax)) and node.args.get("count") is not None:
        name = "MIN_BY" if isinstance(node, exp.ArgMin) else "MAX_BY"
        return _again(exp.Anonymous(this=name, expressions=[
            node.this.copy(), node.expression.copy(), node.args["count"].copy()]))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node = node.copy()
        node.set("materialized", None)
        return _again(node)
    if (isinstance(node, exp.ArrayToString) and node.find(exp.ArrayAgg) is not None
            and not isinstance(node.parent, exp.Nullif)):
        return _again(exp.Nullif(this=node.copy(), expression=exp.Literal.string("")))
    if isinstance(node, exp.Div) and not isinstance(node, exp.IntDiv):
        left = node.left
        if not (isinstance(left, exp.Cast) and left.to.is_type("double")):
            return _again(exp.Div(this=_double(left), expression=node.right.copy()))
    if isinstance(node, exp.Avg):
        inner = node.this
        if not isinstance(inner, exp.Distinct) and not (isinstance(inner, exp.Cast) and inner.to.is_type("double")):
            return _again(exp.Avg(this=_double(inner)))
    if (isinstance(node, exp.Window) and isinstance(node.this, _RANKING)
            and not (isinstance(node.parent, exp.Cast) and node.parent.to.is_type("bigint"))):
        return _again(exp.Cast(this=node.copy(), to=exp.DataType.build("bigint")))
    return node


def _is_star(projection: exp.Expression) -> bool:
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star))


def _replace_aliases(node: exp.Expression, aliases: dict[str, exp.Expression]) -> exp.Expression:
    if isinstance(node, exp.Column) and not node.table and node.name in aliases:
        return aliases[node.name].copy()
    return node


def _qualify_with_star(tree: exp.Expression) -> exp.Expression:
    """``SELECT b.*, … QUALIFY cond`` -> a QUALIFY-free query that returns exactly the same columns.

    Spark before 4.2 has no QUALIFY, and sqlglot rewrites it as ``SELECT *, <the named
    projections again> FROM (SELECT …, <window> AS _w …) WHERE _w = 1``: with a star in the
    projection the helper ``_w`` and the named columns come out twice, so a second QUALIFY over
    that result is an ambiguous ``_w`` (P02), and a ``SELECT *`` reader gets an extra column (P03).
    Here the projection travels as one struct and is unpacked outside::

        SELECT [DISTINCT] _qualify_row.*
        FROM (SELECT STRUCT(b.*, …) AS _qualify_row, (cond) AS _qualify_keep FROM … ) AS _qualified
        WHERE _qualify_keep

    Select aliases used in ``cond`` are replaced by their expressions (DuckDB lets QUALIFY name
    them). A QUALIFY without a star is left to sqlglot, which lists the columns correctly; one
    with ORDER BY or LIMIT as well is refused by the portability lint.
    """
    for sel in reversed(list(tree.find_all(exp.Select))):  # innermost first
        if not (sel.args.get("qualify") and any(_is_star(e) for e in sel.expressions)):
            continue
        if any(sel.args.get(k) for k in ("order", "limit", "offset")):
            continue
        inner = sel.copy()
        cond = inner.args["qualify"].this
        inner.set("qualify", None)
        with_key = "with_" if "with_" in inner.args else "with"
        ctes = inner.args.get(with_key)
        inner.set(with_key, None)
        distinct = inner.args.get("distinct")
        inner.set("distinct", None)
        aliases = {e.alias: e.this for e in inner.expressions if isinstance(e, exp.Alias)}
        cond = cond.transform(_replace_aliases, aliases)
        inner.set("expressions", [
            exp.alias_(exp.Struct(expressions=[e.copy() for e in inner.expressions]), "_qualify_row"),
            exp.alias_(exp.Paren(this=cond), "_qualify_keep"),
        ])
        outer = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("_qualify_row")))
        outer = outer.from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_qualified"))))
        outer = outer.where(exp.column("_qualify_keep"))
        if distinct is not None:
            outer.set("distinct", distinct)
        if ctes is not None:
            outer.set(with_key, ctes)
        if sel is tree:
            tree = outer
        else:
            sel.replace(outer)
    return tree


def referenced_tables(sql: str) -> set[str]:
    """Names of the tables a statement reads (CTE names excluded)."""
    tree = sqlglot.parse_one(strip_comments(sql), read=REFERENCE)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
