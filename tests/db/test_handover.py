"""The Parquet hand-over to another engine: file names Spark does not skip as hidden."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.db.handover import hand_over, parquet_file_name
from xuncha_audit.db.spark import _hidden_file, hadoop_literal


class _Recorder:
    """A stand-in backend that records what it is asked to register."""

    def __init__(self):
        self.registered: dict[str, tuple[str, bool]] = {}

    def register_parquet(self, name, path, schema=None, *, empty=False):
        self.registered[name] = (str(path), empty)


@pytest.mark.parametrize(("table", "file"), [
    ("offices", "offices.parquet"), ("_units", "t_units.parquet"), (".x", "t.x.parquet"),
    ("std_office_area", "std_office_area.parquet"),
])
def test_parquet_file_name_is_never_hidden(table, file):
    assert parquet_file_name(table) == file
    assert not file.startswith(("_", "."))


def test_hand_over_writes_underscore_tables_to_visible_files(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE _units AS SELECT '甲单位' AS unit, '市级' AS level")
    con.execute("CREATE TABLE offices AS SELECT '甲单位' AS unit, '101' AS room_no WHERE false")
    be = _Recorder()
    done = hand_over(con, be, {"_units", "offices", "absent"}, tmp_path)
    assert done == ["_units", "offices"]
    path, empty = be.registered["_units"]
    assert Path(path).name == "t_units.parquet" and not empty
    assert con.execute(f"SELECT unit, level FROM '{path}'").fetchall() == [("甲单位", "市级")]
    assert be.registered["offices"][1] is True  # empty table


@pytest.mark.parametrize(("path", "hidden"), [
    ("/data/_units.parquet", "_units.parquet"),
    ("s3a://bucket/x/.units.parquet", ".units.parquet"),
    ("/data/units.parquet", None),
    ("hdfs:///audit/_parquet", None),  # a folder: its files are read
    ("/data/_parquet/units.parquet", None),  # only the file's own name counts
])
def test_hidden_file_names(path, hidden):
    assert _hidden_file(path) == hidden


def test_hidden_local_folder_is_not_refused(tmp_path):
    folder = tmp_path / "_parquet"
    folder.mkdir()
    assert _hidden_file(folder) is None
    assert _hidden_file(tmp_path / "_file.parquet") == "_file.parquet"


@pytest.mark.parametrize(("path", "literal"), [
    ("/out/巡察[1]/_parquet/ledger.parquet", r"/out/巡察\[1\]/_parquet/ledger.parquet"),
    ("/out/a{b,c}/x*?.parquet", r"/out/a\{b,c\}/x\*\?.parquet"),
    ("/out/plain/ledger.parquet", "/out/plain/ledger.parquet"),
    ("s3a://bucket/巡察[2]/t.parquet", r"s3a://bucket/巡察\[2\]/t.parquet"),
])
def test_hadoop_literal_escapes_glob_characters(path, literal):
    assert hadoop_literal(path) == literal


@pytest.mark.parametrize(("folder", "refused"), [
    ("/out/巡察:2024/_parquet", True),  # Hadoop: "Relative path in absolute URI"
    ("/out/巡察[1]/_parquet", False),  # escaped when read (hadoop_literal)
    # a Windows drive letter is no colon of the path; elsewhere "C:" is a folder's name
    ("C:/巡察/_parquet", sys.platform != "win32"),
    ("hdfs://namenode:8020/audit/_parquet", False),  # a URL's own colons
])
def test_handover_folder_with_a_colon_is_refused(folder, refused):
    from xuncha_audit.db.engines import EngineOptions, handover_folder
    from xuncha_audit.errors import ConfigError

    options = EngineOptions("spark", data=folder)
    if refused:
        with pytest.raises(ConfigError, match="冒号") as err:
            handover_folder(options, Path("/out"))
        assert folder in str(err.value) and "--spark-data" in str(err.value)
    else:
        assert handover_folder(options, Path("/out")) == folder
    # without --spark-data: OUT/_parquet, the output folder named in the message
    with pytest.raises(ConfigError, match="输出目录"):
        handover_folder(EngineOptions("spark"), Path("/tmp/巡察:2024"))
    assert handover_folder(EngineOptions("spark"), Path("/tmp/巡察")) == str(Path("/tmp/巡察") / "_parquet")


def test_run_on_spark_into_a_folder_with_a_colon_stops_before_loading(tmp_path):
    from typer.testing import CliRunner

    from xuncha_audit.cli import app

    out = tmp_path / "巡察:2024"
    res = CliRunner().invoke(app, ["run", str(Path(__file__).parents[2] / "data_samples"), "--out", str(out),
                                   "--engine", "spark"])
    assert res.exit_code != 0 and "冒号" in res.output
    assert not (out / "xuncha.duckdb").exists()  # nothing was loaded
