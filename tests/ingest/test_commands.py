"""`xuncha-audit load` and `xuncha-audit tables`."""

from __future__ import annotations

from conftest import LEDGER_HEADER, LEDGER_ROWS, write_csv
from typer.testing import CliRunner

from xuncha_audit.cli import app

runner = CliRunner()


def test_load_and_tables(tmp_path):
    d = tmp_path / "d"
    write_csv(d / "甲局" / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS, ["bad-date", "记-9", "", "", "1", "", "", ""]], "gbk")
    write_csv(d / "乙局" / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["load", str(d), "--db", str(db), "--level", "县级", "--region", "湖南"])
    assert result.exit_code == 0, result.output
    assert "导入结果" in result.output and "隔离" in result.output
    assert "甲局/序时账.csv" in result.output
    result = runner.invoke(app, ["tables", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "ledger" in result.output and "甲局" in result.output and "乙局" in result.output


def test_bad_input_exit_code_2(tmp_path):
    result = runner.invoke(app, ["load", str(tmp_path / "missing"), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert "数据目录不存在" in result.output.replace("\n", "")
    (tmp_path / "d").mkdir()
    bad_map = tmp_path / "m.yaml"
    bad_map.write_text("colour: red\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(tmp_path / "d"), "--db", str(tmp_path / "x.duckdb"),
                                 "--mapping", str(bad_map)])
    assert result.exit_code == 2 and "未知的键" in result.output.replace("\n", "")
    result = runner.invoke(app, ["tables", "--db", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 2
