"""`xuncha-audit triage set/import/show` and `xuncha-audit export`."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from findings_support import fid
from typer.testing import CliRunner

from xuncha_audit.cli import app
from xuncha_audit.findings.triage import TriageStore

R01 = fid("R01", "市交通运输局", ["travel_claims:CL-0042"])


@pytest.mark.slow
def test_cli_export_set_import(tmp_path, run_db):
    runner = CliRunner()
    out = tmp_path / "out"
    res = runner.invoke(app, ["export", "--db", str(run_db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "已导出 7 个疑点" in res.output
    store = out / "triage.json"
    res = runner.invoke(app, ["triage", "set", R01, "--status", "已核实", "--note", "超标属实",
                              "--route", "组织人事", "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "已核实" in res.output
    res = runner.invoke(app, ["triage", "set", R01, "--status", "办完了", "--store", str(store)])
    assert res.exit_code == 2 and "核实状态「办完了」无效" in res.output
    res = runner.invoke(app, ["triage", "show", "--store", str(store)])
    assert res.exit_code == 0 and R01 in res.output

    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["R01 差旅住宿超标准"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("核实状态") + 1, value="已整改")
    wb.save(out / "findings.xlsx")
    res = runner.invoke(app, ["triage", "import", str(out / "findings.xlsx")])
    assert res.exit_code == 0, res.output
    row = TriageStore(store).frame().set_index("finding_id").loc[R01]
    assert (row["status"], row["note"], row["route"]) == ("已整改", "超标属实", "组织人事")

    # re-export shows the triage (route override groups it under 组织人事)
    con = duckdb.connect(str(run_db))
    con.execute("DELETE FROM _finding_marks")
    con.close()
    res = runner.invoke(app, ["export", "--db", str(run_db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = (out / "findings.csv").read_bytes().decode("utf-8-sig")
    line = next(x for x in text.splitlines() if x.startswith(R01))
    assert "移交组织人事部门" in line and "已整改" in line and "超标属实" in line


def test_cli_export_missing_findings_table(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    res = CliRunner().invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "没有疑点表" in res.output
