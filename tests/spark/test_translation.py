"""The translation rules of ``xuncha_audit.db.dialect`` run on Spark: same rows as DuckDB.

Each statement is written once in DuckDB SQL, as the checks are; small tables are registered
on both engines from the same Arrow data.
"""

from __future__ import annotations

import decimal

import duckdb
import pyarrow as pa
import pytest

from xuncha_audit.db.duck import DuckDBBackend

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

D = decimal.Decimal
TABLES = {
    "tr_base": pa.table({
        "unit": ["甲", "甲", "甲", "乙"],
        "_key": ["c1", "c2", "c3", "c4"],
        "amount": pa.array([D("985000.00"), D("300000.00"), D("120000.00"), D("50.00")], pa.decimal128(18, 2)),
        "kind_hint": ["x", "y", None, "z"],
    }),
    "tr_thresholds": pa.table({
        "unit": ["甲", "甲", "甲", "乙"],
        "kind": ["open_tender", "open_tender", "procurement_limit", "open_tender"],
        "threshold": pa.array([D("1000000.00"), D("2000000.00"), D("300000.00"), D("400000.00")],
                              pa.decimal128(18, 2)),
        "specificity": [0, 4, 0, 1],
    }),
}

STATEMENTS = {
    # P02/P03: a star, named columns and a division, QUALIFY on a window; then QUALIFY over that
    "qualify_star_twice": """
        WITH thr AS (
            SELECT b.*, t.kind, t.threshold, b.amount / t.threshold AS ratio
            FROM tr_base b JOIN tr_thresholds t ON t.unit = b.unit
            QUALIFY row_number() OVER (PARTITION BY b.unit, b._key, t.kind ORDER BY t.specificity, t.threshold) = 1
        )
        SELECT * FROM thr WHERE amount > 100
        QUALIFY row_number() OVER (PARTITION BY unit, _key ORDER BY threshold, kind) = 1
    """,
    "qualify_star_alias_distinct": """
        SELECT DISTINCT *, rank() OVER (PARTITION BY unit ORDER BY amount DESC) AS rk
        FROM tr_base QUALIFY rk <= 2
    """,
    # P01: a recursive CTE that starts on row_number() and steps on count(*) + 1
    "recursive_row_number_and_count": """
        WITH RECURSIVE ordered AS (
            SELECT unit, _key, row_number() OVER (PARTITION BY unit ORDER BY _key) AS rn,
                   count(*) OVER (PARTITION BY unit ORDER BY _key
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) + 1 AS next_rn
            FROM tr_base
        ),
        seg(unit, start_rn) AS (
            SELECT unit, rn FROM ordered WHERE rn = 1
            UNION ALL
            SELECT o.unit, o.next_rn FROM seg s JOIN ordered o ON o.unit = s.unit AND o.rn = s.start_rn
        )
        SELECT unit, start_rn FROM seg
    """,
    # L03: the lines to cite per entity as a top-N kept while grouping, ordered by a struct
    # (most first, then key): sqlglot alone drops the count and returns one value per group
    "top_n_by_struct_key": """
        SELECT unit, unnest(keys) AS k
        FROM (SELECT unit, arg_min(_key, {'amt': -amount, 'key': _key}, 2) AS keys FROM tr_base GROUP BY unit) g
    """,
    "nested_decimal_division": """
        SELECT unit, _key, (amount / 3) / 7 AS q, avg(amount / 3) OVER (PARTITION BY unit) AS m FROM tr_base
    """,
}


@pytest.fixture(scope="module")
def engines(spark_backend):
    con = duckdb.connect()
    for name, table in TABLES.items():
        con.register(name, table)
        spark_backend.register_arrow(name, table)
    yield DuckDBBackend(con), spark_backend
    con.close()


def _rows(backend, sql):
    table = backend.fetch_arrow(sql)
    return table.column_names, sorted(map(repr, table.to_pylist()))


@pytest.mark.parametrize("name", STATEMENTS)
def test_translated_statement_gives_duckdb_rows(engines, name):
    duck, spark = engines
    want = _rows(duck, STATEMENTS[name])
    assert want[1], "the statement must return rows to compare"
    assert _rows(spark, STATEMENTS[name]) == want
