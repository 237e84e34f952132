"""Sheets read the same way are loaded as one group (a province: the same exports from many
units; a 明细账: one sheet per account; a 统发 payroll: one file per month). Loading them
together must give exactly what loading them one by one gives: every canonical row, every
quarantine record with its row number and reason, every ``_load_log`` count and message,
every ``_load_issues`` line, whichever unit's file is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from ingest_support import LEDGER_HEADER, LEDGER_ROWS, assert_accounting, write_csv, write_xlsx

from xuncha_audit.ingest import loader

UNITS = ("甲局", "乙局", "丙局", "丁局")
CONTRACT_HEADER = ["合同编号", "供应商", "合同金额", "签订日期"]
PAY_HEADER = ["工号", "姓名", "身份证号", "基本工资", "津贴补贴", "应发合计"]


def _province(root: Path) -> Path:
    """Four units with the same exports; damage in some of them only."""
    d = root / "province"
    for n, unit in enumerate(UNITS):
        u = d / unit
        ledger = [LEDGER_HEADER, *LEDGER_ROWS, ["合计", "", "", "", "2034.5", "2034.5", "", ""]]
        if unit == "乙局":  # a garbled amount, a header repeated at a page break, a wrong 合计
            ledger[2:2] = [["2024-01-07", "记-5", "坏金额", "x", "12,3a", "", "", ""], LEDGER_HEADER]
            ledger[-1] = ["合计", "", "", "", "9999", "2034.5", "", ""]
        write_csv(u / "序时账.csv", ledger, "gbk" if n % 2 else "utf-8")
        # a second file of the same ledger: the same voucher continues (line numbers go on)
        write_csv(u / "序时账_续.csv", [LEDGER_HEADER,
                                     ["2024-01-05", "记-1", "购办公用品", "邮电费", "10", "", "", ""],
                                     ["2024-01-05", "记-1", "购办公用品", "银行存款", "", "10", "", ""]])
        contracts = [CONTRACT_HEADER, ["HT-1", "甲公司", "100", "2024-01-01"],
                     ["HT-2", "乙公司", "200", "2024-01-02"]]
        if unit == "丙局":  # a key repeated in the same file
            contracts.append(["HT-1", "丙公司", "300", "2024-01-03"])
        write_csv(u / "合同台账.csv", contracts)
        if unit == "丁局":  # a key that repeats a row of the first contracts file
            write_csv(u / "合同台账_补充.csv", [CONTRACT_HEADER, ["HT-2", "丁公司", "4", "2024-01-04"]])
        for month in (3, 4):
            pay = [[f"2024年{month}月工资发放表"], PAY_HEADER,
                   ["P1", "张三", "11010519491231002X", 5000, 800, 5800],
                   ["P2", "李四", "110105194912310021", 4000, 500, 4500]]
            if unit == "乙局" and month == 4:  # a garbled item
                pay[3][4] = "abc"
            write_xlsx(u / f"2024年{month}月工资表.xlsx", {"工资": pay}, merge_title=True)
    return d


def _load(data: Path, db: Path, batch: bool):
    report = loader.load_folder(data, db, batch=batch)
    return report


def _tables(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        for t in names:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [t]).fetchall() if r[0] != "loaded_at"]
            sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
            out[t] = sorted(con.execute(f'SELECT {sel} FROM "{t}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def _statements(monkeypatch) -> list[str]:
    """The statements the load runs from now on (DuckDBBackend.execute), in order."""
    from xuncha_audit.db.duck import DuckDBBackend

    statements: list[str] = []
    real = DuckDBBackend.execute

    def spy(self, sql, params=None):
        statements.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(DuckDBBackend, "execute", spy)
    return statements


def _entries(report) -> list[tuple]:
    return [(e.file, e.sheet, e.table_name, e.unit, e.layout, e.rows_read, e.rows_loaded,
             e.rows_quarantined, e.rows_summary, e.rows_deleted, e.rows_skipped, e.status,
             e.message_zh, e.message_en, tuple(e.mapped), tuple(e.unmapped)) for e in report.entries]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    return _province(tmp_path_factory.mktemp("batch"))


def test_groups_give_what_sheets_one_by_one_give(province, tmp_path, monkeypatch):
    sizes = []
    together = loader._Run._load_together

    def counted(self, members):
        sizes.append(len(members))
        return together(self, members)

    monkeypatch.setattr(loader._Run, "_load_together", counted)
    grouped = _load(province, tmp_path / "g.duckdb", batch=True)
    n_grouped = list(sizes)
    sizes.clear()
    single = _load(province, tmp_path / "s.duckdb", batch=False)
    assert set(sizes) == {1}
    # the groups are real: far fewer loads than sheets, the ledger of all units in one
    assert len(n_grouped) < len(sizes) / 3 and max(n_grouped) >= 8

    assert sorted(_entries(grouped)) == sorted(_entries(single))
    a, b = _tables(tmp_path / "g.duckdb"), _tables(tmp_path / "s.duckdb")
    assert a.keys() == b.keys()
    for t in a:
        assert a[t] == b[t], t
    # the damage stayed where it was: row numbers and files of the unit that has it
    con = duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True)
    try:
        q = con.execute("SELECT unit, file, row_no, reason_zh FROM _quarantine ORDER BY 1, 2, 3").fetchall()
        assert [(u, f, r) for u, f, r, _ in q] == [
            ("丁局", "丁局/合同台账_补充.csv", 2),
            ("丙局", "丙局/合同台账.csv", 4),
            ("乙局", "乙局/2024年4月工资表.xlsx", 4),
            ("乙局", "乙局/序时账.csv", 3),
        ]
        assert "先前导入" in q[0][3] and "第 2 行" in q[1][3]
        issues = con.execute("SELECT unit, file, kind, row_no FROM _load_issues ORDER BY 1, 2").fetchall()
        assert issues == [("乙局", "乙局/序时账.csv", "total_mismatch", 8)]
        # the continued voucher's lines are numbered on in every unit
        assert con.execute("SELECT DISTINCT list(line_no ORDER BY line_no) FROM ledger "
                           "WHERE voucher_no = '记-1' GROUP BY unit").fetchall() == [([1, 2, 3, 4],)]
        months = con.execute("SELECT DISTINCT CAST(month AS VARCHAR) FROM payroll ORDER BY 1").fetchall()
        assert months == [("2024-03-01",), ("2024-04-01",)]
        assert_accounting(con)
    finally:
        con.close()


def test_a_group_that_cannot_load_together_falls_back_to_one_by_one(province, tmp_path, monkeypatch):
    """A payroll month taken from the title in some files only: those sheets are loaded one by
    one, with the same result."""
    data = tmp_path / "d"
    for unit in UNITS[:3]:
        name = "工资表.xlsx" if unit == "乙局" else "2024年3月工资表.xlsx"
        pay = [PAY_HEADER, ["P1", "张三", "11010519491231002X", 5000, 800, 5800]]
        write_xlsx(data / unit / name, {"工资": pay})
    grouped = _load(data, tmp_path / "g.duckdb", batch=True)
    single = _load(data, tmp_path / "s.duckdb", batch=False)
    assert sorted(_entries(grouped)) == sorted(_entries(single))
    assert _tables(tmp_path / "g.duckdb") == _tables(tmp_path / "s.duckdb")
    by_unit = {e.unit: e for e in grouped.entries}
    assert by_unit["乙局"].status == "error" and by_unit["甲局"].rows_loaded == 1


@pytest.mark.slow
def test_a_failing_group_is_loaded_sheet_by_sheet(province, tmp_path, monkeypatch):
    """Any error inside a group: rolled back and loaded one by one, so one unit's broken sheet
    cannot take the others with it."""
    calls = []
    together = loader._Run._load_together

    def flaky(self, members):
        calls.append(len(members))
        if len(members) > 1:
            raise RuntimeError("simulated failure of a whole group")
        return together(self, members)

    monkeypatch.setattr(loader._Run, "_load_together", flaky)
    grouped = _load(province, tmp_path / "g.duckdb", batch=True)
    monkeypatch.setattr(loader._Run, "_load_together", together)
    single = _load(province, tmp_path / "s.duckdb", batch=False)
    assert max(calls) > 1
    assert sorted(_entries(grouped)) == sorted(_entries(single))
    assert _tables(tmp_path / "g.duckdb") == _tables(tmp_path / "s.duckdb")


@pytest.mark.parametrize("which", ["province", "sample"])
def test_large_staging_tables_are_rewritten_with_the_same_result(which, province, tmp_path, monkeypatch):
    """A staging table too large to UPDATE within DuckDB's memory (a 50M-line ledger) is
    rewritten instead (derive.set_columns), and staged before the group's transaction (which
    would keep every rewritten copy until it ends): the same rows, keys, line numbers, books,
    voucher ids, quarantine and log as the in-place updates of a small one."""
    from xuncha_audit.ingest import derive

    data = province if which == "province" else Path(__file__).resolve().parents[2] / "data_samples"
    updated = _load(data, tmp_path / "u.duckdb", batch=True)
    calls = []
    real = derive.set_columns

    def spy(*a, **k):
        calls.append((a[2].strip('"'), k.get("rewrite")))
        return real(*a, **k)

    staged_first = []
    stages = loader._Run._stages

    def stages_spy(self, st):
        staged_first.append(st.staged is not None)
        return stages(self, st)

    monkeypatch.setattr(derive, "UPDATE_BYTES_PER_ROW", 2**40)  # every staging table is "large"
    monkeypatch.setattr(derive, "set_columns", spy)
    monkeypatch.setattr(loader._Run, "_stages", stages_spy)
    rewritten = _load(data, tmp_path / "r.duckdb", batch=True)
    staging = [rw for t, rw in calls if t.startswith("_xa_")]
    assert staging and all(staging)  # the rewrite path did run, on every staging table
    # ... and its staging ran before each group's transaction
    assert staged_first and all(staged_first)
    assert sorted(_entries(updated)) == sorted(_entries(rewritten))
    a, b = _tables(tmp_path / "u.duckdb"), _tables(tmp_path / "r.duckdb")
    assert a.keys() == b.keys()
    for t in a:
        assert a[t] == b[t], t
    assert sum(len(v) for v in a.values()) > 50


def _varied(root: Path) -> Path:
    """Four units exporting the same registers from different systems: the same columns in
    other places under other headers, damage in some."""
    d = root / "varied"
    contracts = {
        # an unmapped column with a header and one without
        "甲局": (["合同编号", "供应商", "合同金额", "签订日期", "备注", ""],
                 [["HT-1", "甲公司", "100", "2024-01-01", "框架", "手写"],
                  ["HT-2", "乙公司", "200", "2024-01-02", "", ""]]),
        # another order, other headers, two unmapped columns; a page-break header row; a key repeated
        "乙局": (["序号", "签订日期", "合同号", "成交金额（元）", "中标单位", "附注"],
                 [["1", "2024-02-01", "HT-1", "50", "丙公司", ""],
                  ["序号", "签订日期", "合同号", "成交金额（元）", "中标单位", "附注"],
                  ["2", "2024-02-02", "HT-1", "60", "丁公司", "重复"]]),
        # a garbled amount; a 合计 row that does not add up (named by this file's own header)
        "丙局": (["中标金额", "签约日期", "合同编号", "乙方", "说明"],
                 [["12,3a", "2024-03-01", "HT-7", "戊公司", ""], ["300", "2024-03-02", "HT-8", "己公司", ""],
                  # two summary words: the first in this file's own column order (小计) counts
                  ["0", "小计", "", "合计", ""], ["999", "", "", "", "合计"]]),
        "丁局": (["合同编号", "供应商", "合同金额", "签订日期"],  # no unmapped column at all
                 [["HT-9", "庚公司", "40", "2024-04-01"]]),
    }
    ledgers = {
        "甲局": ["凭证日期", "凭证号", "摘要", "科目名称", "方向", "金额"],
        "乙局": ["金额", "借贷方向", "科目名称", "摘要", "凭证号", "日期"],
        "丙局": ["日期", "凭证号", "科目名称", "摘要", "借贷方向", "金额"],
        "丁局": ["凭证日期", "凭证号", "摘要", "科目名称", "方向", "金额"],
    }
    # 统发 wide payroll: the person's columns in other places under other headers, the same
    # pay items in the same order (a garbled item in 丙局)
    pay_people = {
        "甲局": ["工号", "姓名", "身份证号"], "乙局": ["姓名", "人员编号", "身份证号码"],
        "丙局": ["身份证号", "工号", "姓名"], "丁局": ["工号", "姓名", "身份证号"],
    }
    person = {"工号": "P1", "人员编号": "P1", "姓名": "张三", "身份证号": "11010519491231002X",
              "身份证号码": "11010519491231002X"}
    for unit in UNITS:
        head = pay_people[unit]
        row = [*(person[h] for h in head), "5000", "abc" if unit == "丙局" else "800", "5800"]
        write_csv(d / unit / "2024年3月工资表.csv", [[*head, "基本工资", "津贴补贴", "应发合计"], row])
    for unit in UNITS:
        header, rows = contracts[unit]
        write_csv(d / unit / "合同台账.csv", [header, *rows], "gbk" if unit == "乙局" else "utf-8")
        lh = ledgers[unit]
        lines = [{"凭证日期": "2024-01-05", "日期": "2024-01-05", "凭证号": "记-1", "摘要": "购办公用品",
                  "科目名称": "办公费", "方向": "借", "借贷方向": "借", "金额": "10"},
                 {"凭证日期": "2024-01-05", "日期": "2024-01-05", "凭证号": "记-1", "摘要": "购办公用品",
                  "科目名称": "银行存款", "方向": "贷", "借贷方向": "贷", "金额": "10"}]
        if unit == "丙局":  # a direction nobody can read
            lines.append({"日期": "2024-01-06", "凭证号": "记-2", "摘要": "x", "科目名称": "办公费",
                          "借贷方向": "X", "金额": "5"})
        write_csv(d / unit / "序时账.csv", [lh, *[[ln.get(h, "") for h in lh] for ln in lines]])
    return d


def test_sheets_with_columns_in_other_places_and_other_headers_load_together(tmp_path, monkeypatch):
    """Contracts and ledgers of four units, each system with its own column order and
    headers: loaded as one group per table, with exactly what loading them one by one gives —
    quarantine reasons, raw records, _extra and messages under each file's own headers."""
    data = _varied(tmp_path)
    sizes, failed = [], []
    together = loader._Run._load_together

    def counted(self, members):
        sizes.append((members[0].plan.table, len(members)))
        try:
            return together(self, members)
        except Exception as exc:  # a group that fails is loaded one by one: not what we test
            failed.append(exc)
            raise

    monkeypatch.setattr(loader._Run, "_load_together", counted)
    grouped = _load(data, tmp_path / "g.duckdb", batch=True)
    assert ("contracts", 4) in sizes and ("ledger", 4) in sizes and ("payroll", 4) in sizes \
        and not failed, (sizes, failed)
    single = _load(data, tmp_path / "s.duckdb", batch=False)
    assert sorted(_entries(grouped)) == sorted(_entries(single))
    a, b = _tables(tmp_path / "g.duckdb"), _tables(tmp_path / "s.duckdb")
    assert a.keys() == b.keys()
    for t in a:
        assert a[t] == b[t], t
    for e in grouped.entries:  # no marker of the group's plan reaches a user
        assert loader._MARK not in (e.message_zh or "") + "".join(e.mapped) + "".join(e.unmapped)
    con = duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True)
    try:
        q = con.execute("SELECT unit, column_name, raw_row FROM _quarantine ORDER BY 1, 2").fetchall()
        cols = {(u, c) for u, c, _ in q}
        assert ("丙局", "中标金额") in cols  # the garbled amount under 丙局's own header
        assert ("丙局", "借贷方向") in cols  # the unreadable direction under 丙局's own header
        raw = next(r for u, c, r in q if (u, c) == ("丙局", "中标金额"))
        assert list(json.loads(raw)) == ["中标金额", "签约日期", "合同编号", "乙方", "说明"]
        extra = con.execute("SELECT unit, _extra FROM contracts WHERE _extra IS NOT NULL "
                            "ORDER BY 1").fetchall()
        keys = {}
        for u, x in extra:
            keys.setdefault(u, set()).add(tuple(json.loads(x)))
        assert keys["乙局"] == {("序号", "附注")} and "丁局" not in keys
        assert len(keys["甲局"]) == 1 and next(iter(keys["甲局"]))[0] == "备注"
        issues = con.execute("SELECT unit, message_zh FROM _load_issues WHERE kind = 'total_mismatch'"
                             ).fetchall()
        assert any(u == "丙局" and "中标金额" in m for u, m in issues), issues
        skipped = {e.unit: e.rows_skipped for e in grouped.entries if e.table_name == "contracts"}
        assert skipped["乙局"] == 1  # the page-break header row, by 乙局's own headers
        summaries = {e.unit: e.rows_summary for e in grouped.entries if e.table_name == "contracts"}
        assert summaries["丙局"] == 2 and sum(u == "丙局" for u, _ in issues) == 1
    finally:
        con.close()


@pytest.mark.parametrize("data", ["province", "sample"])
def test_columns_parsed_through_maps_give_what_inline_parsing_gives(data, province, tmp_path, monkeypatch):
    """On a long sheet the loader counts each column's distinct values and parses a column
    that repeats through a map of its values instead of row by row: every table, quarantine
    record and log entry is the same either way (here every probed column is mapped)."""
    from xuncha_audit.db.duck import DuckDBBackend

    src = province if data == "province" else Path(__file__).parents[2] / "data_samples"
    parsed_inline = {"inline": 0, "mapped": 0}  # columns cleaned and parsed row by row
    real = DuckDBBackend.execute

    def spy(self, sql, params=None):
        if sql.startswith("CREATE OR REPLACE TEMP TABLE _xa_typed"):
            # (a wide payroll's item amounts are parsed inline whatever they hold)
            parsed_inline[way] += sql.count(" AS k_m") - sql.count('ELSE "raw_amount" END AS k_m')
        return real(self, sql, params)

    monkeypatch.setattr(DuckDBBackend, "execute", spy)
    way = "inline"
    monkeypatch.setattr(loader, "_DISTINCT_PROBE_ROWS", 10**12)
    inline = _load(src, tmp_path / "inline.duckdb", batch=True)
    way = "mapped"
    monkeypatch.setattr(loader, "_DISTINCT_PROBE_ROWS", 1)
    monkeypatch.setattr(loader, "_MAP_SHARE", 0)  # every probed column mapped
    mapped = _load(src, tmp_path / "mapped.duckdb", batch=True)
    # the amounts, numbers and keys went through maps
    assert parsed_inline["mapped"] == 0 < parsed_inline["inline"]
    assert sorted(_entries(mapped)) == sorted(_entries(inline))
    a, b = _tables(tmp_path / "mapped.duckdb"), _tables(tmp_path / "inline.duckdb")
    assert a.keys() == b.keys()
    for t in a:
        assert a[t] == b[t], t


@pytest.mark.parametrize("data", ["province", "sample", "damaged"])
def test_files_read_in_the_groups_statement_give_what_files_read_one_by_one_give(
        data, province, tmp_path, monkeypatch):
    """Clean small CSV files are read by the group's own statement (no table per file). The
    same entries, tables and quarantine as reading each into a table of its own — also when
    DuckDB turns one of the group's files away (a line with a field too many, which the fast
    scan does not look for): that file is read on its own and its line quarantined."""
    from xuncha_audit.ingest.sources import CsvSheet

    src = {"province": province, "sample": Path(__file__).parents[2] / "data_samples"}.get(data)
    if data == "damaged":
        src = tmp_path / "damaged"
        for n, unit in enumerate(UNITS):
            rows = [CONTRACT_HEADER, ["HT-1", "甲公司", "100", "2024-01-01"],
                    ["HT-2", "乙公司", "200", "2024-01-02"], ["HT-3", "丙公司", "300", "2024-01-03"]]
            if n == 2:
                rows[2] = ["HT-2", "乙公司", "200", "2024-01-02", "多出的字段"]
            write_csv(src / unit / "合同台账.csv", rows, "gbk" if n % 2 else "utf-8")
    statements = _statements(monkeypatch)
    together = _load(src, tmp_path / "together.duckdb", batch=True)
    # the group's statement reads them, or one read_csv of the group's files read alike
    # (_xa_alike: their lines numbered by rowid), never a table per file
    read_in_union = sum("read_csv(" in s and s.startswith("CREATE OR REPLACE TEMP TABLE _xa_raw") for s in statements)
    read_alike = sum("read_csv(" in s and s.startswith("CREATE OR REPLACE TEMP TABLE _xa_alike") for s in statements)
    assert read_in_union + read_alike > 0
    if data != "sample":  # several units' files of one layout: read alike
        assert read_alike > 0
    monkeypatch.setattr(CsvSheet, "deferred_read", lambda self, header_idx, tag: None)
    apart = _load(src, tmp_path / "apart.duckdb", batch=True)
    assert sorted(_entries(together)) == sorted(_entries(apart))
    a, b = _tables(tmp_path / "together.duckdb"), _tables(tmp_path / "apart.duckdb")
    for t in a:
        assert a[t] == b[t], t
    if data == "damaged":
        con = duckdb.connect(str(tmp_path / "together.duckdb"), read_only=True)
        try:
            assert con.execute("SELECT unit, row_no FROM _quarantine").fetchall() == [("丙局", 3)]
            assert con.execute("SELECT count(*) FROM contracts").fetchone()[0] == 11
            assert_accounting(con)
        finally:
            con.close()


@pytest.mark.parametrize("data", ["province", "sample", "mixed"])
def test_sheets_held_in_memory_read_in_the_groups_statement_give_what_a_table_each_gives(
        data, province, tmp_path, monkeypatch):
    """A workbook's sheets are read by the group's statement from their Arrow tables (one
    registration for the group, no table per sheet). The same entries, tables and quarantine
    as reading each sheet into a table of its own: sheets whose columns stand in another
    order, one with an unmapped column the others lack, blank rows (spaces, an ideographic
    space) between records, a CSV in the same group, a garbled amount."""
    src = {"province": province, "sample": Path(__file__).parents[2] / "data_samples"}.get(data)
    if data == "mixed":
        src = tmp_path / "mixed"
        for n, unit in enumerate(UNITS):
            rows = [CONTRACT_HEADER, ["HT-1", "甲公司", "100", "2024-01-01"],
                    [None, " ", None, None], ["HT-2", "乙公司", "2O0", "2024-01-02"],
                    ["\u3000", None, None, None], ["HT-3", "丙公司", "300", "2024-01-03"]]
            if n == 1:  # the same columns in another order
                rows = [[r[k] for k in (2, 0, 3, 1)] for r in rows]
            if n == 2:  # an unmapped column the others lack
                rows = [[*r, "备注" if i == 0 else None if r[0] in (None, "\u3000") else f"备注{i}"]
                        for i, r in enumerate(rows)]
            if n == 3:
                write_csv(src / unit / "合同台账.csv", [r for r in rows if r[0] not in (None, "\u3000")])
            else:
                write_xlsx(src / unit / "合同台账.xlsx", {"合同": [["合同台账"], *rows]}, merge_title=True)
    statements = _statements(monkeypatch)
    together = _load(src, tmp_path / "together.duckdb", batch=True)
    assert any(s.startswith("CREATE OR REPLACE TEMP TABLE _xa_raw") and "FROM _xa_held" in s
               for s in statements)
    statements.clear()
    monkeypatch.setattr(loader, "_covers", lambda m, width: False)  # a table per sheet
    apart = _load(src, tmp_path / "apart.duckdb", batch=True)
    assert not any("_xa_held" in s for s in statements)
    assert sorted(_entries(together)) == sorted(_entries(apart))
    a, b = _tables(tmp_path / "together.duckdb"), _tables(tmp_path / "apart.duckdb")
    assert a.keys() == b.keys()
    for t in a:
        assert a[t] == b[t], t
    if data == "mixed":
        con = duckdb.connect(str(tmp_path / "together.duckdb"), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM contracts").fetchone()[0] == 8  # HT-2 garbled
            assert con.execute("SELECT count(*) FROM _quarantine").fetchone()[0] == 4
            assert_accounting(con)
        finally:
            con.close()


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_file_whose_name_duckdb_takes_for_a_pattern_is_read_itself(tmp_path, encoding):
    """合同台账[1].csv beside 合同台账1.csv: DuckDB reads a path holding [ ] * ? as a glob
    pattern, so a UTF-8 file read where it lies was the other file's rows, silently. Each
    file's own rows are loaded, with their own line numbers."""
    src = tmp_path / "data"
    for unit in UNITS[:2]:
        write_csv(src / unit / "合同台账[1].csv", [CONTRACT_HEADER, [f"HT-{unit}-括号", "甲公司", "100", "2024-01-01"]],
                  encoding)
        write_csv(src / unit / "合同台账1.csv", [CONTRACT_HEADER, [f"HT-{unit}-1", "乙公司", "200", "2024-01-02"],
                                              [f"HT-{unit}-2", "丙公司", "300", "2024-01-03"]], encoding)
    _load(src, tmp_path / "x.duckdb", batch=True)
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    try:
        got = sorted(con.execute("SELECT _source_file, contract_no, _source_row FROM contracts").fetchall())
        assert_accounting(con)
    finally:
        con.close()
    want = sorted([(f"{u}/合同台账[1].csv", f"HT-{u}-括号", 2) for u in UNITS[:2]]
                  + [(f"{u}/合同台账1.csv", f"HT-{u}-{k}", k + 1) for u in UNITS[:2] for k in (1, 2)])
    assert got == want
