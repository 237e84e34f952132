"""The database seam: the DuckDB backend, the shared helpers, and finding ids."""

from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pytest

from xuncha_audit.db import DuckDBBackend, literal, quote, sql_path
from xuncha_audit.db.dialect import referenced_tables, translate
from xuncha_audit.engine.runner import finding_id


def test_quote_and_literal_round_trip_through_duckdb():
    con = duckdb.connect()
    name = 'we"ird 表'
    con.execute(f"CREATE TABLE {quote(name)} (a INTEGER)")
    assert DuckDBBackend(con).exists(name)
    values = [None, True, 3, 2.5, decimal.Decimal("12.30"), dt.date(2024, 2, 29),
              dt.datetime(2024, 2, 29, 8, 30), "it's 中文"]
    got = con.execute("SELECT " + ", ".join(literal(v) for v in values)).fetchone()
    assert list(got) == values
    assert con.execute(f"SELECT {sql_path('/tmp/o' + chr(39) + 'k.parquet')}").fetchone()[0] == "/tmp/o'k.parquet"
    with pytest.raises(ValueError):
        literal(float("nan"))


def test_duckdb_backend_create_exists_columns_drop():
    con = duckdb.connect()
    be = DuckDBBackend(con)
    be.create_table_as("t1", "SELECT $x AS a, 'b' AS b", {"x": 7})
    assert be.exists("t1") and be.exists("t1", temporary=True) and not be.exists("t1", temporary=False)
    assert be.columns("t1") == ["a", "b"]
    assert be.scalar("SELECT a FROM t1") == 7
    assert be.fetch_arrow("SELECT * FROM t1").num_rows == 1
    assert be.fetch_df("SELECT * FROM t1").iloc[0]["b"] == "b"
    be.create_table_as("t2", "SELECT 1 AS a", temp=False)
    assert be.exists("t2", temporary=False)
    con.execute("CREATE VIEW v AS SELECT 1 AS a")
    assert be.exists("v")
    for n in ("t1", "t2", "v"):
        be.drop(n)
        assert not be.exists(n)


def test_finding_id_is_todays_sql_id():
    """Ids computed in Python equal the ids earlier releases computed in DuckDB SQL."""
    con = duckdb.connect()
    keys = ["contracts:合同-2", "contracts:合同-10", "payments:a,b", "contracts:Z", "contracts:a", "contracts:Z"]
    con.execute("CREATE TABLE r AS SELECT * FROM (VALUES " +
                ", ".join(f"('甲局', {literal(k.split(':', 1)[0])}, {literal(k.split(':', 1)[1])})" for k in keys)
                + ") t(unit, ev_table, ev_key)")
    old = con.execute(
        "SELECT substr(sha256('P01' || '|' || unit || '|' || string_agg(DISTINCT ev_table || ':' || ev_key, ',' "
        "ORDER BY ev_table || ':' || ev_key)), 1, 16) FROM r GROUP BY unit").fetchone()[0]
    assert finding_id("P01", "甲局", keys) == old
    assert finding_id("P01", "甲局", list(reversed(keys))) == old  # order-free
    assert finding_id("P02", "甲局", keys) != old
    assert finding_id("P01", None, keys) is None


def test_translate_binds_parameters_and_lists_tables():
    sql = "WITH a AS (SELECT * FROM contracts WHERE amount > $limit) SELECT * FROM a JOIN std_params p ON true"
    assert ":limit" in translate(sql, "spark")
    assert translate(sql, "duckdb") == sql
    assert referenced_tables(sql) == {"contracts", "std_params"}


def test_vocabulary_aliases_resolve_renumbered_codes(monkeypatch):
    from xuncha_audit import vocabulary
    from xuncha_audit.engine.registry import default_registry

    reg = default_registry()
    monkeypatch.setitem(vocabulary.CODE_ALIASES, "P99", "P01")
    assert vocabulary.canonical_code("p99") == "P01"
    assert reg.get("P99").code == "P01"
    assert [c.code for c in reg.select(["P99"])] == ["P01"]
    assert vocabulary.area_of("H02") == "payroll" and vocabulary.area_of("X1") is None


def test_joined_list_aggregate_is_null_when_empty_on_spark():
    """DuckDB joins a list of NULLs to NULL, Spark an empty collect_list to '': the Spark
    translation makes "no value" NULL too (found by the L01/L02 differential cases)."""
    sql = ("SELECT unit, array_to_string(list_sort(list(DISTINCT CASE WHEN a THEN w END)), '、') AS k, "
           "array_to_string(tags, ',') AS t FROM x GROUP BY unit, tags")
    spark = translate(sql, "spark")
    assert "NULLIF(ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(DISTINCT" in spark
    assert spark.count("NULLIF") == 1  # a stored list column is joined as it is
    import duckdb

    with duckdb.connect() as c:
        got = c.execute("SELECT array_to_string(list_sort(list(DISTINCT CASE WHEN false THEN 'w' END)), '、')"
                        ).fetchone()[0]
    assert got is None  # the DuckDB behaviour the translation matches


def test_duckdb_backend_duckdb_only_jobs(tmp_path):
    """copy_to, registered, transaction, attach/detach, execute_many, iter_rows, fetch_records."""
    import pandas as pd

    be = DuckDBBackend(duckdb.connect())
    be.execute("CREATE TABLE t (a INTEGER, d DECIMAL(5, 2))")
    be.execute_many("INSERT INTO t VALUES (?, ?)", [[1, 2.5], [2, 1]])
    assert be.fetch_one("SELECT count(*), sum(a) FROM t") == (2, 3)
    assert be.fetch_records("SELECT a FROM t ORDER BY a") == [{"a": 1}, {"a": 2}]
    assert list(be.iter_rows("SELECT a FROM t ORDER BY a", batch=1)) == [(1,), (2,)]
    assert str(be.fetch_df("SELECT d FROM t").dtypes["d"]) == "float64"  # DuckDB's pandas conversion
    with be.registered("_v", pd.DataFrame({"x": [1, 2, 3]})):
        assert be.scalar("SELECT sum(x) FROM _v") == 6
    assert not be.exists("_v")
    with pytest.raises(RuntimeError), be.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (3, 0)")
        raise RuntimeError("rolled back")
    assert be.scalar("SELECT count(*) FROM t") == 2
    with be.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (3, 0)")
    assert be.scalar("SELECT count(*) FROM t") == 3
    out = tmp_path / "o'k.csv"
    be.copy_to("SELECT a FROM t WHERE a > $n ORDER BY a", out, "FORMAT CSV, HEADER true", {"n": 1})
    assert out.read_text().split() == ["a", "2", "3"]
    be.copy_to(quote("t"), tmp_path / "t.parquet")
    assert be.scalar(f"SELECT count(*) FROM {sql_path(tmp_path / 't.parquet')}") == 3
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE x AS SELECT 42 AS v").close()
    be.attach(other, "o't", read_only=True)
    assert be.scalar('SELECT v FROM "o\'t".x') == 42
    be.detach("o't")


@pytest.mark.parametrize("target", ["t", "t (s, d, n, day, i, b)"])
def test_execute_many_inserts_what_executemany_inserts(target):
    """Many rows go in as one Arrow insert; the table must hold exactly what one insert per row
    (DuckDB's executemany) gives, casts to the column types included (text into DATE/DECIMAL)."""
    rows = [("a", "2024-02-29", "12.30", dt.date(2024, 1, 2), 3, True),
            ("中文", None, decimal.Decimal("0.5"), None, None, False),
            (None, "2023-12-31", None, dt.date(2023, 1, 1), 2**40, None)]
    ddl = "CREATE TABLE t (s VARCHAR, d DATE, n DECIMAL(18,2), day DATE, i BIGINT, b BOOLEAN)"
    sql = f"INSERT INTO {target} VALUES (?, ?, ?, ?, ?, ?)"
    fast, slow = duckdb.connect(), duckdb.connect()
    fast.execute(ddl)
    slow.execute(ddl)
    DuckDBBackend(fast).execute_many(sql, iter(rows))
    slow.executemany(sql, rows)
    want = slow.execute("SELECT * FROM t").fetchall()
    assert fast.execute("SELECT * FROM t").fetchall() == want
    assert want[0] == ("a", dt.date(2024, 2, 29), decimal.Decimal("12.30"), dt.date(2024, 1, 2), 3, True)


def test_execute_many_falls_back_for_mixed_columns_and_other_statements():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (s VARCHAR, i INTEGER)")
    be = DuckDBBackend(con)
    be.execute_many("INSERT INTO t VALUES (?, ?)", [("x", 1), (2, "3")])  # a column of str and int
    be.execute_many("UPDATE t SET i = i + ? WHERE s = ?", [(10, "x"), (20, "2")])
    be.execute_many("INSERT INTO t VALUES (?, ?)", [])
    assert con.execute("SELECT * FROM t ORDER BY s").fetchall() == [("2", 23), ("x", 11)]
