"""Work typed into findings.xlsx is never lost: a rerun reads it back first and keeps a backup."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from findings_support import fid, make_run_db

from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.triage import TriageStore, apply_triage

# minutes of GX/property/rerun work: part of make test, not of the fast tier
pytestmark = pytest.mark.slow

U1, U2 = "市交通运输局", "市林业局"
P01_KEEP = fid("P01", U1, [f"contracts:HT-2024-00{i}" for i in (1, 2, 3)])
P01_GONE = fid("P01", U1, ["contracts:HT-2024-011", "contracts:HT-2024-012"])
V02 = fid("V02", U2, ["vehicles:湘A12345"])
H02 = fid("H02", U2, ["staff:S-003"])
R01 = fid("R01", U1, ["travel_claims:CL-0042"])
R05 = fid("R05", U2, ["hospitality:JD-7"])


def _run(db, out):
    """What `xuncha-audit run` does after the checks: apply triage, export."""
    con = duckdb.connect(str(db))
    try:
        apply_triage(con, out / "triage.json")
        return export_all(con, out, store=out / "triage.json")
    finally:
        con.close()


def _edit(ws, fid_, **cells):
    header = [c.value for c in ws[1]]
    hit = 0
    for row in ws.iter_rows(min_row=2):
        kind = row[header.index("行类型")].value if "行类型" in header else "疑点"
        if row[header.index("疑点编号")].value == fid_ and kind == "疑点":
            for h, v in cells.items():
                row[header.index(h)].value = v
            hit += 1
    assert hit == 1, (ws.title, fid_)


def _triage_in_workbook(path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["全部疑点"].iter_rows(values_only=True))
    h = list(rows[0])
    return {r[h.index("疑点编号")]: (r[h.index("核实状态")], r[h.index("移送去向")], r[h.index("核实情况备注")])
            for r in rows[1:]}


def test_rerun_keeps_every_edit_typed_in_the_workbook(tmp_path):
    out = tmp_path / "out"
    _run(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    # In the flat sheet, in a check sheet, and for a finding the rerun will no longer find.
    _edit(wb["全部疑点"], V02, 核实状态="已移交", 核实情况备注="车辆已移交机关事务局")
    _edit(wb["全部疑点"], H02, 移送去向="反馈被巡察党组织")
    _edit(wb["R01 差旅住宿超标准"], R01, 核实状态="已排除", 核实情况备注="经核实为会议统一安排住宿")
    _edit(wb["P01 拆分规避招标"], P01_GONE, 核实状态="已核实", 核实情况备注="已约谈经办人")
    _edit(wb["全部疑点"], R05, 核实情况备注="公函后补")
    wb.save(out / "findings.xlsx")

    res = _run(make_run_db(tmp_path / "r2.duckdb", 2), out)  # rerun, no `triage import`

    store = TriageStore(out / "triage.json").frame().set_index("finding_id")
    assert tuple(store.loc[V02, ["status", "note"]]) == ("已移交", "车辆已移交机关事务局")
    assert store.loc[H02, "route"] == "反馈"
    assert tuple(store.loc[R01, ["status", "note"]]) == ("已排除", "经核实为会议统一安排住宿")
    assert tuple(store.loc[P01_GONE, ["status", "note", "presence"]]) == ("已核实", "已约谈经办人", "gone")
    assert store.loc[R05, "note"] == "公函后补"
    # ... and the new workbook shows them.
    now = _triage_in_workbook(out / "findings.xlsx")
    assert now[V02] == ("已移交", "移送纪检监察机关", "车辆已移交机关事务局")
    assert now[H02][1] == "反馈被巡察党组织"
    assert now[R01][:1] == ("已排除",) and now[R05][2] == "公函后补"
    gone = list(openpyxl.load_workbook(out / "findings.xlsx", read_only=True)["已消失"].iter_rows(values_only=True))
    assert any(P01_GONE in r and "已约谈经办人" in r for r in gone[1:])
    # The previous workbook is kept as a dated backup holding the edits.
    backups = sorted((out / "备份").glob("findings-*.xlsx"))
    assert len(backups) == 1 and res["carried"]["backup"] == backups[0]
    assert _triage_in_workbook(backups[0])[V02][0] == "已移交"
    # A third run with nothing edited: nothing changes, one more backup.
    _run(make_run_db(tmp_path / "r2.duckdb", 2), out)
    assert TriageStore(out / "triage.json").frame().set_index("finding_id").loc[V02, "note"] == "车辆已移交机关事务局"
    assert len(list((out / "备份").glob("findings-*.xlsx"))) == 2


def test_unreadable_edit_stops_the_export_and_names_the_workbook(tmp_path):
    out = tmp_path / "out"
    _run(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    _edit(wb["全部疑点"], V02, 核实状态="查完了")
    wb.save(out / "findings.xlsx")
    before = (out / "findings.xlsx").read_bytes()
    with pytest.raises(XunchaError) as ei:
        _run(make_run_db(tmp_path / "r2.duckdb", 2), out)
    err = ei.value
    assert err.sheet == "全部疑点" and err.column == "核实状态"
    assert "triage import" in err.zh and "未覆盖" in err.zh
    assert (out / "findings.xlsx").read_bytes() == before  # not overwritten


def test_conflicting_edits_on_two_sheets_are_an_error(tmp_path):
    out = tmp_path / "out"
    _run(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    _edit(wb["全部疑点"], V02, 核实状态="已移交")
    _edit(wb["V02 超标准配车"], V02, 核实状态="已排除")
    wb.save(out / "findings.xlsx")
    with pytest.raises(XunchaError, match="不一致"):
        _run(make_run_db(tmp_path / "r2.duckdb", 2), out)


def test_edits_without_a_store_stop_the_export(tmp_path):
    out = tmp_path / "out"
    _run(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    _edit(wb["全部疑点"], V02, 核实状态="已移交")
    wb.save(out / "findings.xlsx")
    (out / "triage.json").unlink()
    con = duckdb.connect(str(make_run_db(tmp_path / "r2.duckdb", 2)))
    with pytest.raises(XunchaError, match="没有核实记录文件"):
        export_all(con, out, store=None)
    con.close()
