"""The workbook to hand around, read back with openpyxl: flat sheet, links, short numbers,
styled finding rows, evidence cap, widths, print setup, Beijing time."""

from __future__ import annotations

import json
import re

import duckdb
import openpyxl
import pytest
from findings_support import fid, make_run_db

from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.triage import apply_triage
from xuncha_audit.findings.workbook import EVIDENCE_ROWS_SHOWN, beijing_text, text_width

U1, U2 = "市交通运输局", "市林业局"
V02 = fid("V02", U2, ["vehicles:湘A12345"])
P01_KEEP = fid("P01", U1, [f"contracts:HT-2024-00{i}" for i in (1, 2, 3)])
R03_NEW = fid("R03", U1, ["ledger:PZ-88|1"])


def _export(db, out):
    con = duckdb.connect(str(db))
    try:
        apply_triage(con, out / "triage.json")
        return export_all(con, out, store=out / "triage.json")
    finally:
        con.close()


def _rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_flat_sheet_one_row_per_finding(tmp_path):
    out = tmp_path / "out"
    _export(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    assert wb.sheetnames[:2] == ["汇总", "全部疑点"]
    ws = wb["全部疑点"]
    head, rows = _rows(ws)
    for h in ("序号", "疑点编号", "被巡察单位", "领域", "检查代码", "风险等级", "涉及金额（元）", "涉及人员",
              "核实状态", "移送去向", "核实情况备注", "证据条数"):
        assert h in head, h
    assert len(rows) == 7 and len({r[head.index("疑点编号")] for r in rows}) == 7
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")
    v02 = next(r for r in rows if r[head.index("疑点编号")] == V02)
    assert v02[head.index("检查代码")] == "V02" and v02[head.index("领域")] == "公务用车"
    assert v02[head.index("涉及金额（元）")] == 268000 and v02[head.index("证据条数")] == 1
    # Most severe and largest first.
    sev = [r[head.index("风险等级")] for r in rows]
    assert sev == sorted(sev, key=["高", "中", "低"].index)
    # Short numbers: per check, readable, next to the stable id.
    nos = [r[head.index("序号")] for r in rows]
    assert all(re.fullmatch(r"[A-Z]\d{2}-\d{4}", n) for n in nos) and len(set(nos)) == 7
    assert head.index("序号") + 1 == head.index("疑点编号")


@pytest.mark.slow
def test_short_numbers_stable_across_reruns(tmp_path):
    out = tmp_path / "out"
    _export(make_run_db(tmp_path / "r1.duckdb", 1), out)
    first = {r[1]: r[0] for r in _rows(openpyxl.load_workbook(out / "findings.xlsx")["全部疑点"])[1]}
    _export(make_run_db(tmp_path / "r2.duckdb", 2), out)  # one gone, one new, one changed
    second = {r[1]: r[0] for r in _rows(openpyxl.load_workbook(out / "findings.xlsx")["全部疑点"])[1]}
    for f, no in second.items():
        if f in first:
            assert first[f] == no
    assert second[R03_NEW] == "R03-0001"
    assert second[P01_KEEP] == first[P01_KEEP]
    # The gone P01 keeps its number; a later new P01 would get P01-0003, never a reused one.
    head, gone = _rows(openpyxl.load_workbook(out / "findings.xlsx")["已消失"])
    assert gone[0][head.index("序号")] in set(first.values()) - set(second.values())


def test_summary_links_every_sheet_and_beijing_time(tmp_path):
    out = tmp_path / "out"
    _export(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["汇总"]
    targets = {c.hyperlink.location.split("!")[0].strip("'")
               for row in ws.iter_rows() for c in row if c.hyperlink}
    assert targets == set(wb.sheetnames) - {"汇总"}
    cells = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）", cells["生成时间"])
    assert "T" not in cells["生成时间"] and "+00:00" not in cells["生成时间"]
    assert beijing_text("2026-12-02T01:00:00+00:00") == "2026-12-02 09:00:00"


def test_finding_rows_styled_and_evidence_grouped_and_capped(tmp_path):
    db = make_run_db(tmp_path / "r1.duckdb", 1)
    con = duckdb.connect(str(db))  # one H03 finding citing 120 payroll lines
    big = "f" * 16
    con.execute("""INSERT INTO findings VALUES (?, 'run-1', 'H03', '未经批准的津贴补贴', 'low', 'payroll',
        '市林业局', '反馈', NULL, '发放未列入标准的补贴', 12000, 'unit', '市林业局',
        DATE '2024-01-01', DATE '2024-12-01', '规定', NULL, NULL, '待核实', NULL)""", [big])
    for i in range(120):
        con.execute("INSERT INTO evidence VALUES (?, 'H03', '市林业局', 'payroll', ?, ?)",
                    [big, f"PR-{i:03d}", json.dumps({"name": f"职工{i}", "item": "加班补贴", "amount": 100.0})])
    con.close()
    out = tmp_path / "out"
    _export(db, out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = next(wb[n] for n in wb.sheetnames if n.startswith("H03"))
    head = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    kinds = [r[0].value for r in rows]
    assert kinds == ["疑点"] + ["证据"] * EVIDENCE_ROWS_SHOWN + ["说明"]
    assert rows[0][head.index("证据条数")].value == 120
    more = rows[-1][head.index("疑点描述")].value
    assert "另有 70 条证据未列出（共 120 条）" in more and "evidence.parquet" in more and big in more
    assert all(ws.row_dimensions[i].outline_level == 1 for i in range(3, 3 + EVIDENCE_ROWS_SHOWN + 1))
    # Finding rows look different from evidence rows.
    f_cell, e_cell = rows[0][head.index("疑点描述")], rows[1][head.index("来源表")]
    assert f_cell.font.b and f_cell.fill.fgColor.rgb.endswith("DDEBF7")
    assert not e_cell.font.b and e_cell.fill.fgColor.rgb in (None, "00000000")
    # Evidence is complete in the Parquet export.
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM '{out / 'evidence.parquet'}' WHERE finding_id = ?",
                       [big]).fetchone()[0] == 120


def test_print_setup_and_widths(tmp_path):
    out = tmp_path / "out"
    _export(make_run_db(tmp_path / "r1.duckdb", 1), out)
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize in (9, "9"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
        assert ws.page_setup.fitToHeight in (0, "0"), ws.title
        if ws.title not in ("汇总", "数据质量"):
            assert ws.print_title_rows == "$1:$1", ws.title
    # 画像: amounts fit their column (no ###): width >= the formatted number's width.
    ws = wb["画像"]
    head = [c.value for c in ws[1]]
    col = openpyxl.utils.get_column_letter(head.index("涉及金额（元）") + 1)
    longest = max(len(f"{c.value:,.2f}") for (c,) in ws[f"{col}2:{col}{ws.max_row}"] if c.value is not None)
    assert ws.column_dimensions[col].width >= longest + 1
    # Widths follow the content: the unit column is wide enough for the unit names.
    ws = wb["全部疑点"]
    head = [c.value for c in ws[1]]
    col = openpyxl.utils.get_column_letter(head.index("被巡察单位") + 1)
    assert ws.column_dimensions[col].width >= text_width("市交通运输局")


@pytest.mark.parametrize(("text", "width"), [
    ("", 0), ("abc 12", 6), ("市交通运输局", 12), ("A1张三", 6), ("\u2e7f", 1), ("\u2e80", 2),
    ("１２", 4), ("\u3000", 2), ("😀", 2), ("é", 1), ("−5", 2),
])
def test_text_width_counts_wide_characters_double(text, width):
    assert text_width(text) == width
