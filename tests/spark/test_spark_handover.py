"""The hand-over on Spark itself: a table named ``_units`` arrives with its rows."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit.db.handover import hand_over
from xuncha_audit.errors import XunchaError

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def test_underscore_table_keeps_its_rows_on_spark(spark_backend, tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE _units AS SELECT * FROM (VALUES ('甲单位', '市级'), ('乙单位', '县级')) t(unit, level)")
    hand_over(con, spark_backend, {"_units"}, tmp_path)
    assert sorted(spark_backend.fetch_all("SELECT unit, level FROM _units")) == [("乙单位", "县级"), ("甲单位", "市级")]


def test_registering_a_hidden_file_is_refused(spark_backend, tmp_path):
    con = duckdb.connect()
    path = tmp_path / "_units.parquet"
    con.execute(f"COPY (SELECT 'x' AS unit) TO '{path}' (FORMAT parquet)")
    with pytest.raises(XunchaError, match=r"_units\.parquet"):
        spark_backend.register_parquet("_units", path)


def test_hand_over_under_a_folder_named_like_a_pattern(spark_backend, tmp_path):
    """An output folder 巡察[1]/ is read itself, not 巡察1/ beside it (Hadoop globs the path)."""
    con = duckdb.connect()
    twin = tmp_path / "巡察1"
    twin.mkdir()
    con.execute("CREATE TABLE _units AS SELECT '别的巡察' AS unit, '市级' AS level")
    con.execute(f"COPY _units TO '{twin / 't_units.parquet'}' (FORMAT parquet)")
    con.execute("CREATE OR REPLACE TABLE _units AS SELECT '甲单位' AS unit, '县级' AS level")
    hand_over(con, spark_backend, {"_units"}, tmp_path / "巡察[1]")
    assert spark_backend.fetch_all("SELECT unit, level FROM _units") == [("甲单位", "县级")]
    (twin / "t_units.parquet").unlink()  # and with no twin the file is still found
    hand_over(con, spark_backend, {"_units"}, tmp_path / "巡察[1]")
    assert spark_backend.fetch_all("SELECT unit FROM _units") == [("甲单位",)]
