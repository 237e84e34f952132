"""`xuncha-audit standards show / check-config`."""

from __future__ import annotations

from typer.testing import CliRunner

from xuncha_audit.cli import app

runner = CliRunner()


def test_show_lists_tables():
    r = runner.invoke(app, ["standards", "show"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "std_lodging_caps" in r.output and "差旅住宿费标准" in r.output


def test_show_table_region_date():
    r = runner.invoke(app, ["standards", "show", "lodging", "--region", "河北", "--date",
                            "2024-08-01"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "秦皇岛" in r.output and "680" in r.output
    assert "上限(元)" in r.output
    assert "湖南" not in r.output


def test_show_bad_table_or_date():
    r = runner.invoke(app, ["standards", "show", "nonsense"])
    assert r.exit_code == 2 and "未知的标准表" in r.output
    r = runner.invoke(app, ["standards", "show", "lodging", "--date", "2024-13-01"])
    assert r.exit_code == 2


def test_check_config(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("params: {travel.meal_daily: 90}\n", encoding="utf-8")
    r = runner.invoke(app, ["standards", "check-config", str(good)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "配置有效" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables: {std_lodging_caps: {rows: [{colour: red}]}}\n", encoding="utf-8")
    r = runner.invoke(app, ["standards", "check-config", str(bad)], env={"COLUMNS": "200"})
    assert r.exit_code == 2
    assert "未知的列" in r.output


def test_show_calendar_month():
    r = runner.invoke(app, ["standards", "show", "calendar", "--date", "2024-02-01"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if "2024-02-04" in ln)
    assert "周日" in line and "是" in line          # a Sunday worked (调休上班)
