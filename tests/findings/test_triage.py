"""Triage across reruns: notes survive, marks new/unchanged/changed/gone are right."""

from __future__ import annotations

import json

import duckdb
import openpyxl
import pytest
from findings_support import fid, make_run_db

from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.triage import (
    TriageStore,
    apply_triage,
    import_workbook,
    read_workbook_triage,
    set_triage,
)

U1, U2 = "市交通运输局", "市林业局"
P01_GONE = fid("P01", U1, ["contracts:HT-2024-011", "contracts:HT-2024-012"])
P01_KEEP = fid("P01", U1, [f"contracts:HT-2024-00{i}" for i in (1, 2, 3)])
V02 = fid("V02", U2, ["vehicles:湘A12345"])
H02 = fid("H02", U2, ["staff:S-003"])
R03_NEW = fid("R03", U1, ["ledger:PZ-88|1"])
R01 = fid("R01", U1, ["travel_claims:CL-0042"])


def _marks(con) -> dict[str, str]:
    return dict(con.execute(
        "SELECT finding_id, mark FROM findings JOIN _finding_marks USING (finding_id)").fetchall())


@pytest.mark.slow
def test_two_runs_with_triage_in_between_keep_every_note(tmp_path):
    out = tmp_path / "out"
    store = out / "triage.json"
    con = duckdb.connect(str(make_run_db(tmp_path / "r1.duckdb", 1)))
    res = apply_triage(con, store)
    assert res["marks"] == {"新增": 7}
    assert set(_marks(con).values()) == {"新增"}
    export_all(con, out, store=store)
    con.close()

    # Auditors triage: with the CLI function, and in the workbook.
    set_triage(store, P01_GONE, status="已核实", note="已约谈经办人，电话13812345678")
    set_triage(store, H02, route="反馈", note="转反馈")
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["V02 超标准配车"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("疑点编号")].value == V02 and row[0].value == "疑点":
            row[header.index("核实状态")].value = "已移交"
            row[header.index("核实情况备注")].value = "车辆已移交机关事务局"
    wb.save(out / "findings.xlsx")
    res = import_workbook(out / "findings.xlsx", store)
    assert res["changed"] == 1

    # Rerun on corrected data: P01_GONE disappears, R03 appears, V02's amount changed.
    con = duckdb.connect(str(make_run_db(tmp_path / "r2.duckdb", 2)))
    res = apply_triage(con, store)
    assert res["marks"] == {"未变": 5, "内容变化": 1, "新增": 1, "已消失": 1}
    marks = _marks(con)
    assert marks[R03_NEW] == "新增"
    assert marks[V02] == "内容变化"
    assert marks[P01_KEEP] == marks[R01] == marks[H02] == "未变"
    assert P01_GONE not in marks
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT finding_id, status, note, route FROM findings").fetchall()}
    assert rows[V02] == ("已移交", "车辆已移交机关事务局", "纪检监察")
    assert rows[H02] == ("待核实", "转反馈", "反馈")  # route override carried forward
    assert rows[R03_NEW] == ("待核实", None, "反馈")
    gone = con.execute("SELECT finding_id, status, note, mark FROM findings_gone").fetchall()
    assert gone == [(P01_GONE, "已核实", "已约谈经办人，电话138****5678", "已消失")]  # stored masked

    # Gone findings are listed in the workbook and the report of the rerun.
    export_all(con, out, store=store)
    wb = openpyxl.load_workbook(out / "findings.xlsx", read_only=True)
    rows_ = list(wb["已消失"].iter_rows(values_only=True))
    head, gone_rows = list(rows_[0]), rows_[1:]
    assert [r[head.index("疑点编号")] for r in gone_rows] == [P01_GONE]
    assert gone_rows[0][head.index("本次变化")] == "已消失"
    assert gone_rows[0][head.index("核实状态")] == "已核实"
    assert P01_GONE in (out / "report.html").read_text(encoding="utf-8")

    # Third run: the gone finding comes back with its note intact; nothing lost in the store.
    con.close()
    con = duckdb.connect(str(make_run_db(tmp_path / "r3.duckdb", 1)))
    apply_triage(con, store)
    assert _marks(con)[P01_GONE] == "重现"
    assert con.execute("SELECT note FROM findings WHERE finding_id = ?", [P01_GONE]).fetchone()[0] \
        == "已约谈经办人，电话138****5678"
    df = TriageStore(store).frame()
    notes = dict(zip(df["finding_id"], df["note"], strict=True))
    assert notes[V02] == "车辆已移交机关事务局" and notes[H02] == "转反馈"
    assert df.set_index("finding_id").loc[R03_NEW, "presence"] == "gone"
    hist = df.set_index("finding_id").loc[P01_GONE, "history"]
    assert [h["new"] for h in hist if h["field"] == "mark"] == ["新增", "已消失", "重现"]


def test_apply_twice_same_run_is_idempotent(tmp_path, run_db):
    con = duckdb.connect(str(run_db))
    store = tmp_path / "triage.json"
    apply_triage(con, store)
    first = TriageStore(store).frame()
    apply_triage(con, store)
    second = TriageStore(store).frame()
    assert set(_marks(con).values()) == {"新增"}
    assert first["history"].map(len).tolist() == second["history"].map(len).tolist()


def test_set_triage_rejects_unknown_status_route_and_id(tmp_path, run_db):
    con = duckdb.connect(str(run_db))
    store = tmp_path / "triage.json"
    apply_triage(con, store)
    with pytest.raises(XunchaError, match="核实状态「已处理」无效"):
        set_triage(store, V02, status="已处理")
    with pytest.raises(XunchaError, match="移送去向「公安」无效"):
        set_triage(store, V02, route="公安")
    with pytest.raises(XunchaError, match="没有这些疑点编号"):
        set_triage(store, "0000000000000000", status="已核实")
    res = set_triage(store, V02, route="移交组织人事部门")  # display name accepted
    assert res["route"] == "组织人事"
    res = set_triage(store, V02, route="默认")
    assert res["route"] is None


def test_import_unknown_status_names_sheet_row_column(tmp_path, run_db):
    con = duckdb.connect(str(run_db))
    out = tmp_path / "out"
    export_all(con, out, store=out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["R01 差旅住宿超标准"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("核实状态") + 1, value="查实了")
    wb.save(out / "findings.xlsx")
    before = (out / "triage.json").read_bytes()
    with pytest.raises(XunchaError) as ei:
        import_workbook(out / "findings.xlsx", out)
    err = ei.value
    assert (err.sheet, err.row, err.column) == ("R01 差旅住宿超标准", 2, "核实状态")
    assert "工作表 R01 差旅住宿超标准" in str(err) and "第 2 行" in str(err)
    assert (out / "triage.json").read_bytes() == before  # nothing written


def test_import_does_not_overwrite_note_with_its_masked_form(tmp_path, run_db):
    con = duckdb.connect(str(run_db))
    out = tmp_path / "out"
    apply_triage(con, out / "triage.json")
    set_triage(out / "triage.json", R01, note="联系电话13812345678")
    con.execute("DELETE FROM _finding_marks")  # force re-apply on export
    export_all(con, out, store=out)
    rows = read_workbook_triage(out / "findings.xlsx")
    assert rows.set_index("疑点编号").loc[R01, "核实情况备注"] == "联系电话138****5678"
    res = import_workbook(out / "findings.xlsx", out)
    assert res["changed"] == 0
    note = TriageStore(out / "triage.json").frame().set_index("finding_id").loc[R01, "note"]
    assert note == "联系电话138****5678"  # the note is stored masked (issue 16)


def test_engine_schema_unchanged_and_rerun_in_same_db(tmp_path, run_db):
    """The engine inserts positionally into findings: triage must not add columns to it."""
    con = duckdb.connect(str(run_db))
    cols_before = [r[0] for r in con.execute("DESCRIBE findings").fetchall()]
    store = tmp_path / "triage.json"
    apply_triage(con, store)
    assert [r[0] for r in con.execute("DESCRIBE findings").fetchall()] == cols_before
    set_triage(store, H02, route="反馈")
    apply_triage(con, store)
    assert con.execute("SELECT route FROM findings WHERE finding_id = ?", [H02]).fetchone()[0] == "反馈"
    # The engine reruns its checks into the same database (new run id, engine default route).
    con.execute("DELETE FROM findings WHERE check_id = 'H02'")
    con.execute("""INSERT INTO findings SELECT ?, 'run-9', 'H02', '违规提拔', 'medium', 'payroll',
        '市林业局', '组织人事', NULL, '王五任职年限不足即晋升', NULL, 'person', '王五',
        DATE '2022-01-01', DATE '2022-01-01', '条例', '王五', NULL, '待核实', NULL""", [H02])
    con.execute("UPDATE findings SET run_id = 'run-9'")
    apply_triage(con, store)
    row = con.execute("SELECT route, status FROM findings WHERE finding_id = ?", [H02]).fetchone()
    assert row == ("反馈", "待核实")
    df = TriageStore(store).frame().set_index("finding_id")
    assert df.loc[H02, "default_route"] == "组织人事" and df.loc[H02, "route"] == "反馈"
    assert _marks(con)[H02] == "未变"


def test_import_row_numbers_survive_blank_rows(tmp_path, run_db):
    con = duckdb.connect(str(run_db))
    out = tmp_path / "out"
    export_all(con, out, store=out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["P01 拆分规避招标"]
    header = [c.value for c in ws[1]]
    ws.insert_rows(3)  # an auditor inserts an empty row
    kinds = [ws.cell(row=r, column=1).value for r in range(1, 10)]
    second = [i + 1 for i, k in enumerate(kinds) if k == "疑点"][1]
    assert second == 7
    ws.cell(row=second, column=header.index("核实状态") + 1, value="??")
    wb.save(out / "findings.xlsx")
    with pytest.raises(XunchaError) as ei:
        import_workbook(out / "findings.xlsx", out)
    assert (ei.value.sheet, ei.value.row) == ("P01 拆分规避招标", 7)


def test_notes_are_stored_masked_from_the_cli_and_the_workbook(tmp_path):
    """An ID number, card or phone typed into a note never reaches triage.json raw (any form)."""
    out = tmp_path / "out"
    store = out / "triage.json"
    con = duckdb.connect(str(make_run_db(tmp_path / "r1.duckdb", 1)))
    apply_triage(con, store)
    export_all(con, out, store=store)
    con.close()
    set_triage(store, P01_GONE, note="经办人电话 138-0865-2525，身份证430102198503071234")
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["V02 超标准配车"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("疑点编号")].value == V02 and row[0].value == "疑点":
            row[header.index("核实情况备注")].value = "收款卡号 6222 0212 3456 7890 123"
    wb.save(out / "findings.xlsx")
    import_workbook(out / "findings.xlsx", store)
    raw = store.read_text(encoding="utf-8")
    for plain in ("138-0865-2525", "430102198503071234", "6222 0212 3456 7890 123"):
        assert plain not in raw
    assert "经办人电话" in raw and "收款卡号" in raw


def test_a_store_in_a_folder_duckdb_takes_for_a_pattern_is_read_itself(tmp_path):
    """巡察[1]/triage.json beside 巡察1/triage.json: DuckDB reads a path holding [ ] * ? as a
    glob pattern; the store is read from a plain-named copy, not the other folder's store."""
    from xuncha_audit.findings.triage import TriageStore

    mine, other = tmp_path / "巡察[1]" / "triage.json", tmp_path / "巡察1" / "triage.json"
    for path, name in ((mine, "R01-mine"), (other, "R01-other")):
        path.parent.mkdir()
        path.write_text(json.dumps([{"finding_id": name, "check_id": "R01", "note": name}]), encoding="utf-8")
    assert list(TriageStore(mine).frame()["finding_id"]) == ["R01-mine"]
    assert not list(tmp_path.glob("*.json"))
