"""`xuncha-audit validate` and `xuncha-audit validate generate-suites`."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from xuncha_audit.cli import app

# Great Expectations is imported once per worker (~8 s): its tests share one worker
pytestmark = pytest.mark.xdist_group("gx")

runner = CliRunner()


def test_validate_broken_db_exits_1_and_lists_failures(broken_db, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copy(broken_db, db)
    result = runner.invoke(app, [
        "validate", "--db", str(db), "--period-start", "2024-01-01",
        "--period-end", "2024-12-31", "--table", "hospitality", "--table", "payments",
    ], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    out = result.output
    assert "未通过的数据质量规则" in out
    assert "严重" in out and "hospitality" in out
    assert "依赖该表的检查已跳过" in out
    con = duckdb.connect(str(db), read_only=True)
    tables = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM _validation").fetchall()}
    con.close()
    assert tables == {"hospitality", "payments"}


def test_validate_good_db_exits_0(good_db, tmp_path):
    db = tmp_path / "good.duckdb"
    shutil.copy(good_db, db)
    result = runner.invoke(app, ["validate", "--db", str(db), "--table", "contracts"])
    assert result.exit_code == 0, result.output
    assert "全部数据质量规则均已通过" in result.output
    assert "未提供巡察期间" in result.output


def test_validate_input_errors_exit_2(tmp_path):
    missing = runner.invoke(app, ["validate", "--db", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 2
    assert "找不到数据库文件" in missing.output
    half = runner.invoke(app, ["validate", "--db", "x", "--period-start", "2024-01-01"])
    assert half.exit_code == 2


def test_bad_period_date_exits_2(good_db):
    result = runner.invoke(app, ["validate", "--db", str(good_db), "--period-start",
                                 "2024-13-01", "--period-end", "2024-12-31"])
    assert result.exit_code == 2
    assert "不是有效日期" in result.output


def test_generate_suites_check_and_write(tmp_path):
    ok = runner.invoke(app, ["validate", "generate-suites", "--check"])
    assert ok.exit_code == 0, ok.output
    stale = runner.invoke(app, ["validate", "generate-suites", "--check", "--out-dir", str(tmp_path)])
    assert stale.exit_code == 1
    wrote = runner.invoke(app, ["validate", "generate-suites", "--out-dir", str(tmp_path)])
    assert wrote.exit_code == 0
    assert (tmp_path / "ledger.json").exists()
    again = runner.invoke(app, ["validate", "generate-suites", "--check", "--out-dir", str(tmp_path)])
    assert again.exit_code == 0
