"""The benchmark's large ledgers are ledgers the loader reads whole, and the wide one is as
varied as it claims (benchmarks/bench_load.py: GEN_SQL, GEN_SQL_WIDE)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_load

from xuncha_audit.db.duck import DuckDBBackend
from xuncha_audit.ingest.loader import load_folder


def test_the_wide_ledger_is_varied_and_balanced():
    con = duckdb.connect()
    con.execute(f"CREATE TABLE g AS {bench_load.GEN_SQL_WIDE}", {"n": 200_000})
    people, parties, accounts, summaries = con.execute(
        'SELECT count(DISTINCT "经办人"), count(DISTINCT nullif("往来单位", \'\')), '
        'count(DISTINCT "科目编码"), count(DISTINCT "摘要") FROM g').fetchone()
    assert people == 400 and parties == 3000 and accounts > 300 and summaries > 90_000
    unbalanced = con.execute("""
        SELECT count(*) FROM (
            SELECT "凭证日期", "凭证号",
                   sum(CAST(nullif(replace("借方金额", ',', ''), '') AS DECIMAL(18, 2))) AS d,
                   sum(CAST(nullif(replace("贷方金额", ',', ''), '') AS DECIMAL(18, 2))) AS c
            FROM g GROUP BY ALL) WHERE d IS DISTINCT FROM c""").fetchone()[0]
    assert unbalanced == 0
    rounded = con.execute("""SELECT avg(CASE WHEN CAST(replace("借方金额", ',', '') AS DECIMAL(18, 2)) % 1000 = 0
                             THEN 1 ELSE 0 END) FROM g WHERE "借方金额" <> ''""").fetchone()[0]
    assert 0.07 < rounded < 0.14  # one in ten rounded to thousands, a few by chance


@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
def test_the_loader_reads_every_line(tmp_path, wide):
    utf8, _gbk = bench_load.generate_csv(8_000, tmp_path / "data", wide=wide)
    utf8.unlink()
    res = load_folder(tmp_path / "data", tmp_path / "x.duckdb", unit="基准单位")
    assert res.rows_loaded == 8_000
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM _quarantine").fetchone()[0] == 0
    # vouchers of four lines, numbered per month (the same number in two months is two vouchers)
    assert con.execute("SELECT count(DISTINCT voucher_id) FROM ledger").fetchone()[0] == 2_000


def test_columns_parsed_inline_or_through_maps_load_alike(tmp_path, monkeypatch):
    """A long sheet's columns go through a map of their distinct values or are parsed inline,
    by how many values repeat (loader._MAP_SHARE): the wide ledger's summaries inline, its
    departments through a map. Forced all one way and all the other, the tables are the same."""
    import xuncha_audit.ingest.loader as loader

    utf8, _gbk = bench_load.generate_csv(120_000, tmp_path / "data", wide=True)
    utf8.unlink()
    tables, typed = {}, {}
    real = DuckDBBackend.execute

    def execute(self, sql, params=None):
        if "_xa_typed AS" in sql:
            typed[name] = sql
        return real(self, sql, params)

    monkeypatch.setattr(DuckDBBackend, "execute", execute)
    for name, share in (("inline", 10**9), ("mapped", 0), ("chosen", loader._MAP_SHARE)):
        monkeypatch.setattr(loader, "_MAP_SHARE", share)
        db = tmp_path / f"{name}.duckdb"
        load_folder(tmp_path / "data", db, unit="基准单位")
        con = duckdb.connect(str(db), read_only=True)
        tables[name] = con.execute("SELECT * EXCLUDE (_source_row) FROM ledger ORDER BY _key").fetchall()
        con.close()
    assert len(tables["inline"]) == 120_000
    assert tables["inline"] == tables["mapped"] == tables["chosen"]
    # a text column parsed inline reads its cleaned cell k_m<n>; through a map, m<n>.p0
    assert "xa_text_c(k_m" in typed["chosen"] and "xa_text_c(k_m" not in typed["mapped"]
