"""`xuncha-audit load` and `xuncha-audit tables`."""

from __future__ import annotations

from ingest_support import LEDGER_HEADER, LEDGER_ROWS, write_csv, write_xls
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


def test_inspect_is_a_dry_run_listing_layout_columns_and_counts(tmp_path):
    from test_layouts import u8_journal_rows

    d = tmp_path / "d"
    rows, _total = u8_journal_rows()
    write_xls(d / "序时账.xls", {"序时账": rows})
    write_csv(d / "说明.csv", [["随便写的说明"], ["没有表头"]])
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = runner.invoke(app, ["inspect", str(d)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "u8_journal" in out and "用友 U8 序时账" in out and "ledger" in out and "试读结果" in out
    assert "金额 → amount" in out and "方向 → direction" in out and "数量" in out  # mapped / unmapped
    assert "跳过" in out
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_load_and_run_exit_2_when_nothing_loads(tmp_path):
    d = tmp_path / "d"
    write_csv(d / "杂项.csv", [["甲", "乙"], ["1", "2"]])
    write_csv(d / "序时账.csv", [["凭证日期", "凭证号", "摘要", "借方金额"], ["坏日期", "记-1", "x", "1"]])
    result = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "x.duckdb")], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert "没有任何数据行被导入" in result.output.replace("\n", "")
    result = runner.invoke(app, ["run", str(d), "--out", str(tmp_path / "out")], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert "没有任何数据行被导入" in result.output.replace("\n", "")
    assert "序时账.csv" in result.output.replace("\n", "")
    result = runner.invoke(app, ["inspect", str(d)], env={"COLUMNS": "200"})
    assert result.exit_code == 2


def test_an_unexpected_load_failure_names_its_cause(tmp_path, monkeypatch):
    """A sheet that fails for a reason the loader did not foresee (DuckDB out of memory or out of
    temporary space on a huge file) is reported with the engine's own words, not only 出错."""
    from xuncha_audit.ingest import loader

    def boom(self, st):
        raise RuntimeError("Out of Memory Error: could not allocate block (test)")

    monkeypatch.setattr(loader._Run, "_stage_typed", boom)
    d = tmp_path / "d"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    result = runner.invoke(app, ["run", str(d), "--out", str(tmp_path / "out")], terminal_width=200)
    assert result.exit_code == 2, result.output
    out = result.output.replace("\n", "")
    assert "没有任何数据行被导入" in out and "could not allocate block (test)" in out
    assert "DuckDB 内存不足" in out and "XUNCHA_MEMORY_LIMIT" in out  # what to change, in Chinese


def test_load_warns_of_little_temporary_space(tmp_path, monkeypatch):
    import shutil

    d = tmp_path / "d"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    # files the load does not read (not a data file; a folder starting with _) do not count
    size = (d / "序时账.csv").stat().st_size
    (d / "扫描件.pdf").write_bytes(b"x" * 100 * size)
    (d / "_参考").mkdir()
    (d / "_参考" / "大表.csv").write_bytes(b"x" * 100 * size)
    free = 8 * size
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10 * free, 9 * free, free))
    result = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 0 and "可能不够" not in result.output.replace("\n", ""), result.output
    free = 8 * size - 1
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10 * free, 9 * free, free))
    result = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    text = result.output.replace("\n", "")
    assert "可能不够导入最大的输入文件" in text and "XUNCHA_TEMP_DIR" in text
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**12, 0, 10**12))
    result = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "y.duckdb")])
    assert result.exit_code == 0 and "可能不够" not in result.output.replace("\n", "")
