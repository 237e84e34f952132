"""Translation rules of ``xuncha_audit.db.dialect`` that keep DuckDB's meaning on Spark.

These read the Spark SQL that ``translate`` writes; ``tests/spark/test_translation.py`` runs the
same statements on Spark and DuckDB and compares the rows.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from xuncha_audit.db.dialect import translate


def _spark_tree(sql: str) -> exp.Expression:
    return sqlglot.parse_one(translate(sql, "spark"), read="spark")


def _output_projection(tree: exp.Expression) -> list[str]:
    return [e.sql("spark") for e in tree.expressions]


def test_qualify_with_star_keeps_the_columns_and_leaks_no_helper():
    sql = ("SELECT b.*, t.kind, b.amount / t.threshold AS ratio FROM base b JOIN thresholds t ON t.unit = b.unit "
           "QUALIFY row_number() OVER (PARTITION BY b.unit, b._key ORDER BY t.specificity) = 1")
    tree = _spark_tree(sql)
    assert tree.find(exp.Qualify) is None
    assert _output_projection(tree) == ["_qualify_row.*"]  # exactly the struct's fields, nothing else
    spark = translate(sql, "spark")
    assert "STRUCT(b.*, t.kind, CAST(b.amount AS DOUBLE) / t.threshold AS ratio) AS _qualify_row" in spark
    assert "_w" not in spark


def test_two_qualify_levels_each_unpack_their_own_row():
    """P02: a QUALIFY over a CTE that was itself QUALIFY-ed (sqlglot made both `_w`)."""
    sql = ("WITH thr AS (SELECT b.*, t.kind FROM base b JOIN thresholds t ON t.unit = b.unit "
           "QUALIFY row_number() OVER (PARTITION BY b._key ORDER BY t.threshold) = 1) "
           "SELECT * FROM thr WHERE amount > 0 QUALIFY row_number() OVER (PARTITION BY unit ORDER BY kind) = 1")
    tree = _spark_tree(sql)
    assert tree.find(exp.Qualify) is None
    assert _output_projection(tree) == ["_qualify_row.*"]
    cte = tree.find(exp.CTE)
    assert cte.alias == "thr" and _output_projection(cte.this) == ["_qualify_row.*"]
    assert tree.args["where"].sql("spark") == "WHERE _qualify_keep"
    inner = tree.find(exp.Subquery).this
    assert inner.args["where"].sql("spark") == "WHERE amount > 0"  # WHERE stays before the window


def test_qualify_on_a_select_alias_uses_its_expression():
    tree = _spark_tree("SELECT *, rank() OVER (ORDER BY a) AS rk FROM t QUALIFY rk <= 2")
    keep = next(a for a in tree.find_all(exp.Alias) if a.alias == "_qualify_keep")
    assert keep.find(exp.Window) is not None and "rk" not in keep.sql("spark")


def test_qualify_with_distinct_moves_distinct_outside():
    tree = _spark_tree("SELECT DISTINCT * FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1")
    assert tree.args.get("distinct") is not None
    assert tree.find(exp.Subquery).this.args.get("distinct") is None


def test_qualify_without_star_is_left_to_sqlglot():
    spark = translate("SELECT a, b FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1", "spark")
    assert "_qualify_row" not in spark
    assert spark.startswith("SELECT a, b FROM (")


def test_ranking_windows_are_bigint_as_in_duckdb():
    """P01: Spark refuses INT (row_number) unioned with BIGINT (count + 1) in a recursive CTE."""
    tree = _spark_tree("SELECT row_number() OVER (ORDER BY a) AS rn, rank() OVER (ORDER BY a) AS rk, "
                       "dense_rank() OVER (ORDER BY a) AS dr, ntile(4) OVER (ORDER BY a) AS nt, "
                       "sum(a) OVER (ORDER BY a) AS s FROM t")
    casts = {e.alias: e.this for e in tree.expressions}
    for name in ("rn", "rk", "dr", "nt"):
        assert isinstance(casts[name], exp.Cast) and casts[name].to.is_type("bigint"), name
        assert isinstance(casts[name].this, exp.Window)
    assert isinstance(casts["s"], exp.Window)  # sum keeps its type
    twice = translate(translate("SELECT row_number() OVER (ORDER BY a) FROM t", "spark"), "spark")
    assert twice.count("BIGINT") == 1


def test_nested_divisions_and_averages_all_divide_in_double():
    """sqlglot does not descend into a node a rule replaced: (a / b) / c used to keep a / b decimal."""
    tree = _spark_tree("SELECT (a / b) / c AS q, avg(x / y) AS m FROM t")
    divs = list(tree.find_all(exp.Div))
    assert len(divs) == 3
    for div in divs:
        left = div.left.unnest() if isinstance(div.left, exp.Paren) else div.left
        assert isinstance(left, exp.Cast) and left.to.is_type("double"), div.sql("spark")


def test_materialization_hints_are_kept_for_duckdb_and_dropped_for_spark():
    """H02 keeps a CTE read six times from being written out (``AS NOT MATERIALIZED``): a DuckDB
    planner hint, which Spark SQL cannot parse."""
    sql = ("WITH p AS NOT MATERIALIZED (SELECT a FROM t), q AS MATERIALIZED (SELECT a FROM p) "
           "SELECT * FROM p JOIN q USING (a)")
    assert translate(sql, "duckdb") == sql
    spark = translate(sql, "spark")
    assert "MATERIALIZED" not in spark.upper()
    assert [c.alias for c in _spark_tree(sql).find_all(exp.CTE)] == ["p", "q"]


def test_top_n_arg_min_keeps_its_count_on_spark():
    """L03 cites each entity's lines as ``arg_min(key, order, n)``: sqlglot alone writes
    ``MIN_BY(key, order)`` for Spark (one value, not a list of n) with only a warning."""
    sql = "SELECT g, arg_min(k, {'a': -x, 'k': k}, $n) AS ks, arg_max(k, x, 3) AS top, arg_min(k, x) AS one FROM t GROUP BY g"
    spark = translate(sql, "spark")  # read as text: sqlglot parsing it back drops the count again
    assert "MIN_BY(k, STRUCT(-x AS a, k AS k), :n) AS ks" in spark, spark
    assert "MAX_BY(k, x, 3) AS top" in spark, spark
    assert "MIN_BY(k, x) AS one" in spark, spark
    assert translate(sql, "duckdb") == sql
