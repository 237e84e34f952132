"""A listing longer than Excel's rows per sheet continues on further sheets, nothing dropped.

xlsxwriter ignores a write past row 1,048,576 without an error, so a province's check with
hundreds of thousands of findings (each with up to EVIDENCE_ROWS_SHOWN evidence rows) would
lose rows silently. Here the limit is made small and the workbook read back with openpyxl.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import duckdb
import openpyxl
from findings_support import make_run_db

from xuncha_audit.findings import workbook
from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.triage import apply_triage, read_workbook_triage

LIMIT, SHOWN = 12, 3  # rows per sheet (header included), evidence rows shown per finding


def _db(tmp_path):
    db = make_run_db(tmp_path / "r.duckdb", 1)
    con = duckdb.connect(str(db))
    # 30 more P01 findings, 0..6 evidence rows each (blocks of 1 to SHOWN + 2 rows)
    for i in range(30):
        f = f"p01-page-{i:02d}"
        con.execute("""INSERT INTO findings VALUES (?, 'run-1', 'P01', '拆分规避招标', 'high',
            'procurement', '市交通运输局', '纪检监察', NULL, ?, ?, 'vendor', ?, DATE '2024-01-01',
            DATE '2024-02-01', '《政府采购法》第四十一条', NULL, NULL, '待核实', NULL)""",
                    [f, f"测试疑点{i}", 1000 + i, f"供应商{i}"])
        for k in range(i % 7):
            con.execute("INSERT INTO evidence VALUES (?, 'P01', '市交通运输局', 'contracts', ?, ?)",
                        [f, f"HT-{i}-{k}", json.dumps({"contract_no": f"HT-{i}-{k}", "amount": 10.0 + k})])
    for i in range(25):
        con.execute("""INSERT INTO _quarantine VALUES ('大文件.csv', NULL, ?, 'ledger', '市林业局',
            'debit', 'x', '测试隔离', 'test', '{}')""", [100 + i])
    con.close()
    return db


@contextmanager
def _exported(tmp_path, monkeypatch, **limits):
    """The test run exported with workbook limits set small (``MAX_SHEET_ROWS=12`` ...):
    yields (open connection, output folder, sheet names)."""
    for name, value in limits.items():
        monkeypatch.setattr(workbook, name, value)
    out = tmp_path / "out"
    con = duckdb.connect(str(_db(tmp_path)))
    try:
        apply_triage(con, out / "triage.json")
        yield con, out, export_all(con, out, store=out / "triage.json")["sheets"]
    finally:
        con.close()


def test_long_listings_continue_on_further_sheets(tmp_path, monkeypatch):
    with _exported(tmp_path, monkeypatch, MAX_SHEET_ROWS=LIMIT, EVIDENCE_ROWS_SHOWN=SHOWN) as (con, out, sheets):
        all_ids = {r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall()}
        p01 = {r[0]: r[1] for r in con.execute(
            "SELECT f.finding_id, count(e.finding_id) FROM findings f LEFT JOIN evidence e "
            "USING (finding_id) WHERE f.check_id = 'P01' GROUP BY 1").fetchall()}
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    assert sheets == wb.sheetnames
    for ws in wb.worksheets[1:]:  # 汇总 is short by nature (checked against Excel's own limit)
        assert ws.max_row <= LIMIT, ws.title

    # 全部疑点: every finding once, over sheets of LIMIT - 1 findings
    alls = [n for n in wb.sheetnames if n.startswith("全部疑点")]
    assert alls == ["全部疑点"] + [f"全部疑点（续{k}）" for k in range(2, len(alls) + 1)]
    assert len(alls) == -(-len(all_ids) // (LIMIT - 1))
    where, listed = {}, []
    for n in alls:
        rows = list(wb[n].iter_rows(values_only=True))
        head = list(rows[0])
        for r in rows[1:]:
            listed.append(r[head.index("疑点编号")])
            where[r[head.index("疑点编号")]] = r[head.index("明细工作表")]
    assert sorted(listed) == sorted(all_ids)

    # P01: every finding once with all its shown evidence on the same sheet, blocks never split
    p01_sheets = [n for n in wb.sheetnames if n.startswith("P01")]
    assert len(p01_sheets) > 3 and p01_sheets[1] == "P01 拆分规避招标（续2）"
    seen: dict[str, list] = {}
    for n in p01_sheets:
        rows = list(wb[n].iter_rows(values_only=True))
        head = list(rows[0])
        kind, fid_col = head.index("行类型"), head.index("疑点编号")
        assert rows[1][kind] == "疑点", n  # a sheet starts with a finding, not with its evidence
        current = None
        for r in rows[1:]:
            if r[kind] == "疑点":
                current = r[fid_col]
                assert current not in seen
                seen[current] = []
                assert where[current] == n  # 全部疑点 names the sheet the finding is on
            else:
                assert r[fid_col] == current
                seen[current].append(r[kind])
    assert set(seen) == set(p01)
    for f, n_ev in p01.items():
        assert seen[f].count("证据") == min(n_ev, SHOWN)
        assert seen[f].count("说明") == (1 if n_ev > SHOWN else 0)

    # the table of contents links every sheet of a listing
    toc = {c.value for row in wb["汇总"].iter_rows() for c in row if c.hyperlink}
    assert set(p01_sheets) | set(alls) <= toc

    # the data-quality sheet goes on too: all 25 + 2 quarantined rows are there
    dq = [n for n in wb.sheetnames if n.startswith("数据质量")]
    assert len(dq) > 1
    cells = [v for n in dq for row in wb[n].iter_rows(values_only=True) for v in row]
    assert cells.count("测试隔离") == 25

    # triage typed on any sheet is read back: every finding is found
    assert set(read_workbook_triage(out / "findings.xlsx")["疑点编号"]) == all_ids


def test_one_sheet_each_below_the_limit(tmp_path, monkeypatch):
    with _exported(tmp_path, monkeypatch) as (_, out, sheets):
        assert openpyxl.load_workbook(out / "findings.xlsx", read_only=True).sheetnames == sheets
    assert not [n for n in sheets if "（续" in n]


def test_a_check_past_its_sheet_cap_lists_the_riskiest_and_says_so(tmp_path, monkeypatch):
    """A check with more findings than CHECK_SHEET_FINDINGS lists the riskiest on its sheet (with
    their evidence) and says where the rest are; 全部疑点 still has every finding, and triage
    typed there for an unlisted one is read back."""
    cap = 7
    with _exported(tmp_path, monkeypatch, CHECK_SHEET_FINDINGS=cap, EVIDENCE_ROWS_SHOWN=SHOWN) as (con, out, _):
        p01 = [r[0] for r in con.execute(  # one severity: the largest amounts first
            "SELECT finding_id FROM findings WHERE check_id = 'P01' ORDER BY amount DESC NULLS LAST, finding_id"
        ).fetchall()]
        all_ids = {r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall()}
    assert len(p01) > cap
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    rows = list(wb["P01 拆分规避招标"].iter_rows(values_only=True))
    head = list(rows[0])
    kind, fid, title = head.index("行类型"), head.index("疑点编号"), head.index("疑点描述")
    listed = [r[fid] for r in rows[1:] if r[kind] == "疑点"]
    assert listed == p01[:cap]
    assert rows[-1][kind] == "说明" and rows[-1][title] == workbook.unlisted_line(len(p01), cap)
    assert not [n for n in wb.sheetnames if n.startswith("P01") and "（续" in n]

    alls = list(wb["全部疑点"].iter_rows(values_only=True))
    h = list(alls[0])
    sheet_of = {r[h.index("疑点编号")]: r[h.index("明细工作表")] for r in alls[1:]}
    assert set(sheet_of) == all_ids
    assert {sheet_of[f] for f in p01[cap:]} == {workbook.UNLISTED}
    assert {sheet_of[f] for f in p01[:cap]} == {"P01 拆分规避招标"}
    toc = [v for row in wb["汇总"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert f"P01 的疑点及证据；另有 {len(p01) - cap:,} 条仅列于「全部疑点」" in toc

    # an auditor marks an unlisted finding in 全部疑点: it is read back
    ws = wb["全部疑点"]
    target = p01[-1]
    r = next(i for i, row in enumerate(alls[1:], start=2) if row[h.index("疑点编号")] == target)
    ws.cell(r, h.index("核实状态") + 1, "已排除")
    wb.save(out / "findings.xlsx")
    back = read_workbook_triage(out / "findings.xlsx")
    assert back.loc[back["疑点编号"] == target, "核实状态"].tolist() == ["已排除"]


def test_capped_check_over_several_sheets_keeps_the_limit(tmp_path, monkeypatch):
    """Cap and continuation together: the closing line fits on the check's last sheet."""
    with _exported(tmp_path, monkeypatch, MAX_SHEET_ROWS=LIMIT, EVIDENCE_ROWS_SHOWN=SHOWN,
                   CHECK_SHEET_FINDINGS=12) as (con, out, _):
        n_p01 = con.execute("SELECT count(*) FROM findings WHERE check_id = 'P01'").fetchone()[0]
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    for ws in wb.worksheets[1:]:
        assert ws.max_row <= LIMIT, ws.title
    p01_sheets = [n for n in wb.sheetnames if n.startswith("P01")]
    assert len(p01_sheets) > 1
    kinds = [r[0] for n in p01_sheets for r in list(wb[n].iter_rows(values_only=True))[1:]]
    assert kinds.count("疑点") == 12
    last = list(wb[p01_sheets[-1]].iter_rows(values_only=True))
    assert workbook.unlisted_line(n_p01, 12) in last[-1]


def test_the_quarantine_listing_is_capped_and_says_where_the_rest_is(tmp_path, monkeypatch):
    """Tens of millions of quarantined lines (a damaged huge export) must not fill the workbook
    for hours: the first QUARANTINE_ROWS_SHOWN are listed, the title gives the total."""
    with _exported(tmp_path, monkeypatch, QUARANTINE_ROWS_SHOWN=10) as (con, out, _):
        total = con.execute("SELECT count(*) FROM _quarantine").fetchone()[0]
    assert total == 27
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    cells = [v for n in wb.sheetnames if n.startswith("数据质量")
             for row in wb[n].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert cells.count("测试隔离") == 10 - 2  # the two other quarantined rows sort first
    assert any(v.startswith("隔离记录") and "共 27 行" in v and "前 10 行" in v and "_quarantine" in v
               for v in cells)
