"""load_folder end to end on small files: encodings, file types, headers, quarantine."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from ingest_support import (
    LEDGER_HEADER,
    LEDGER_ROWS,
    assert_accounting,
    write_csv,
    write_xls,
    write_xlsx,
)

from xuncha_audit.errors import ConfigError, XunchaError

TITLE = [["记账凭证明细表"], ["单位：某某局", None, "期间：2024年1月"], []]


def _ledger_checks(con, unit="默认单位"):
    rows = con.execute(
        "SELECT voucher_no, line_no, debit, credit, counterparty_norm, person, unit, _key "
        "FROM ledger ORDER BY _source_row"
    ).fetchall()
    assert rows == [
        ("记-1", 1, Decimal("1234.50"), None, "长沙甲科技", "张三", unit, "2024-01 记-1 #1"),
        ("记-1", 2, None, Decimal("1234.50"), "长沙甲科技", "张三", unit, "2024-01 记-1 #2"),
        ("记-2", 1, Decimal("800.00"), None, None, "李四", unit, "2024-01 记-2 #1"),
        ("记-2", 2, None, Decimal("800.00"), None, "李四", unit, "2024-01 记-2 #2"),
    ]


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8-BOM"), ("gbk", "GBK"), ("gb18030", "GB18030"),
     ("utf-16", "UTF-16")],
)
def test_csv_encodings(tmp_path, load, encoding, label):
    rows = [*TITLE, LEDGER_HEADER, *LEDGER_ROWS]
    if encoding == "gb18030":
        rows[4] = [*rows[4][:2], "购办公用品㐀", *rows[4][3:]]
    write_csv(tmp_path / "data" / "序时账.csv", rows, encoding)
    report, con = load(tmp_path / "data")
    (entry,) = report.entries
    assert (entry.table_name, entry.encoding, entry.status) == ("ledger", label, "ok")
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (4, 4, 0)
    _ledger_checks(con)
    # row numbers as the user sees them: 3 title lines + header -> first data row is line 5
    assert [r[0] for r in con.execute("SELECT _source_row FROM ledger ORDER BY 1").fetchall()] == [5, 6, 7, 8]
    if encoding == "gb18030":
        assert con.execute("SELECT count(*) FROM ledger WHERE summary = '购办公用品㐀'").fetchone()[0] == 1
    assert_accounting(con)


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_csv_delimiters(tmp_path, load, delimiter):
    write_csv(tmp_path / "d" / "ledger.txt", [LEDGER_HEADER, *LEDGER_ROWS], delimiter=delimiter)
    report, con = load(tmp_path / "d")
    assert report.entries[0].rows_loaded == 4
    _ledger_checks(con)


def test_xlsx_title_block_and_merged_cells(tmp_path, load):
    rows = [["记账凭证明细表"], ["单位：某某局"], [], LEDGER_HEADER, *LEDGER_ROWS]
    write_xlsx(tmp_path / "d" / "凭证明细2024.xlsx", {"Sheet1": rows}, merge_title=True)
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.table_name, entry.sheet, entry.rows_loaded) == ("ledger", "Sheet1", 4)
    _ledger_checks(con)
    assert [r[0] for r in con.execute("SELECT _source_row FROM ledger ORDER BY 1").fetchall()] == [5, 6, 7, 8]
    assert_accounting(con)


def test_xlsx_typed_cells(tmp_path, load):
    """Numbers, Excel dates and serials, booleans written as real Excel cell types."""
    import xlsxwriter

    d = tmp_path / "d"
    d.mkdir()
    wb = xlsxwriter.Workbook(str(d / "业务招待费明细.xlsx"))
    ws = wb.add_worksheet("接待")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["接待单号", "接待日期", "来访单位", "来宾人数", "陪餐人数", "金额", "有无公函"])
    ws.write_row(1, 0, ["J1"])
    ws.write_datetime(1, 1, dt.datetime(2024, 3, 5), datefmt)
    ws.write_row(1, 2, ["某市局", 4, 3, 1234.5])
    ws.write_boolean(1, 6, True)
    ws.write_row(2, 0, ["J2", 45356, "某县局", 2, 1, "1.2万", "无"])
    wb.close()
    report, con = load(d)
    assert report.entries[0].rows_loaded == 2
    got = con.execute(
        "SELECT record_no, date, guests, companions, amount, has_official_letter, meals "
        "FROM hospitality ORDER BY 1"
    ).fetchall()
    assert got == [
        ("J1", dt.date(2024, 3, 5), 4, 3, Decimal("1234.50"), True, 1),
        ("J2", dt.date(2024, 3, 5), 2, 1, Decimal("12000.00"), False, 1),
    ]


def test_xls_every_sheet(tmp_path, load):
    write_xls(
        tmp_path / "d" / "采购资料.xls",
        {
            "合同台账": [["合同台账（2024年）"], [], ["合同编号", "供应商", "合同金额", "签订日期", "采购方式"],
                     ["HT-1", "长沙甲科技有限公司", 700000, "2024-01-05", "询价"]],
            "付款明细": [["付款单号", "合同编号", "付款日期", "付款金额"], ["FK-1", "HT-1", "2024/2/1", "350,000"]],
            "说明": [["本工作簿由系统导出"]],
        },
    )
    report, con = load(tmp_path / "d")
    by_sheet = {e.sheet: e for e in report.entries}
    assert by_sheet["合同台账"].table_name == "contracts" and by_sheet["合同台账"].rows_loaded == 1
    assert by_sheet["付款明细"].table_name == "payments" and by_sheet["付款明细"].rows_loaded == 1
    assert by_sheet["说明"].status == "skipped"
    assert con.execute("SELECT _source_row, vendor_norm FROM contracts").fetchone() == (4, "长沙甲科技")
    assert con.execute("SELECT amount FROM payments").fetchone()[0] == Decimal("350000.00")
    assert_accounting(con)


def test_table_by_file_name_substring_and_by_headers(tmp_path, load):
    d = tmp_path / "d"
    write_csv(d / "2024年差旅费报销明细.csv",
              [["报销单号", "报销人", "出差地点", "出发日期", "返回日期", "住宿费"],
               ["C1", "王五", "北京", "2024-03-01", "2024-03-03", "900"]])
    write_csv(d / "export_0001.csv",
              [["车牌号", "品牌型号", "车辆类别", "排气量"], ["湘Ａ·12345", "大众帕萨特", "一般公务用车", "1798ml"]])
    report, con = load(d)
    tables = {e.file: e.table_name for e in report.entries}
    assert tables == {"2024年差旅费报销明细.csv": "travel_claims", "export_0001.csv": "vehicles"}
    assert con.execute("SELECT plate_no, displacement_l FROM vehicles").fetchone() == ("湘A12345", Decimal("1.80"))


def test_quarantine_accounting_on_broken_file(tmp_path, load):
    rows = [
        LEDGER_HEADER,
        *LEDGER_ROWS,
        ["2024-02-30", "记-3", "坏日期", "x", "5", "", "", ""],        # bad date (required)
        ["", "记-4", "缺日期", "x", "5", "", "", ""],                  # required empty
        ["2024-01-07", "记-5", "坏金额", "x", "12,3a", "", "", ""],    # optional amount garbled
        ["2024-01-07", "记-1", "重复", "x", "1", "", "", "", "多"],    # too many fields (CSV)
        ["合计", "", "", "", "2034.5", "2034.5", "", ""],              # total line: a summary row
        ["", "", "", "", "", "", "", ""],                              # blank: not a record
    ]
    write_csv(tmp_path / "d" / "序时账.csv", rows, "gbk")
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (9, 4, 4)
    assert entry.rows_summary == 1  # counted, neither loaded nor quarantined
    # the loaded lines add up to the file's own 合计 row: no mismatch reported
    assert con.execute("SELECT count(*) FROM _load_issues WHERE kind = 'total_mismatch'").fetchone()[0] == 0
    assert entry.status == "partial"
    q = con.execute(
        "SELECT row_no, column_name, raw_value, reason_zh FROM _quarantine ORDER BY row_no"
    ).fetchall()
    assert q == [
        (6, "凭证日期", "2024-02-30", "无法识别的日期"),
        (7, "凭证日期", None, "必填项为空"),
        (8, "借方金额", "12,3a", "无法识别的金额/数值"),
        (9, None, "2024-01-07,记-1,重复,x,1,,,,多", "列数与表头不一致（9 列，表头 8 列）"),
    ]
    raw = json.loads(con.execute("SELECT raw_row FROM _quarantine WHERE row_no = 8").fetchone()[0])
    assert raw["借方金额"] == "12,3a" and raw["凭证号"] == "记-5"
    assert_accounting(con)


def test_clean_csv_read_by_duckdb_damaged_by_the_line_reader(tmp_path, load, monkeypatch):
    """A clean CSV goes through DuckDB's strict read_csv alone; one with a line DuckDB cannot
    read falls back to the line reader, which loads the rest and names the damaged line."""
    from xuncha_audit.ingest import sources

    used = []
    real = sources.CsvSheet._materialise_lines
    monkeypatch.setattr(sources.CsvSheet, "_materialise_lines",
                        lambda self, *a: used.append(self.path.name) or real(self, *a))
    write_csv(tmp_path / "d" / "clean" / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS], "gbk")
    report, con = load(tmp_path / "d" / "clean")
    assert used == [] and report.entries[0].rows_loaded == len(LEDGER_ROWS)
    con.close()

    # an Excel-saved CSV: empty trailing fields on some lines are no damage; a line with
    # a tenth field that holds text is
    write_csv(tmp_path / "d" / "damaged" / "序时账.csv", [
        LEDGER_HEADER, *[[*r, "", ""] if i % 2 else r for i, r in enumerate(LEDGER_ROWS)],
        ["2024-01-08", "记-9", "多一列", "x", "1", "", "", "", "多"],
    ], "gbk")
    report, con = load(tmp_path / "d" / "damaged")
    (entry,) = report.entries
    assert used == ["序时账.csv"]
    assert (entry.rows_loaded, entry.rows_quarantined) == (len(LEDGER_ROWS), 1)
    assert con.execute("SELECT reason_zh FROM _quarantine").fetchall() == [("列数与表头不一致（9 列，表头 8 列）",)]
    assert_accounting(con)


def test_duplicate_keys_quarantined(tmp_path, load):
    d = tmp_path / "d"
    header = ["合同编号", "供应商", "合同金额", "签订日期"]
    write_csv(d / "合同台账.csv", [header, ["HT-1", "甲公司", "1", "2024-01-01"],
                                   ["HT-1", "乙公司", "2", "2024-01-02"], ["HT-2", "丙公司", "3", "2024-01-03"]])
    write_csv(d / "合同台账_补充.csv", [header, ["HT-2", "丁公司", "4", "2024-01-04"]])
    report, con = load(d)
    e1, e2 = sorted(report.entries, key=lambda e: e.file)
    assert (e1.rows_loaded, e1.rows_quarantined) == (2, 1)
    assert (e2.rows_loaded, e2.rows_quarantined) == (0, 1)
    reasons = [r[0] for r in con.execute("SELECT reason_zh FROM _quarantine ORDER BY file").fetchall()]
    assert "第 2 行" in reasons[0] and "先前导入" in reasons[1]
    assert con.execute("SELECT list(vendor ORDER BY contract_no) FROM contracts").fetchone()[0] == ["甲公司", "丙公司"]
    assert_accounting(con)


def test_ledger_keys_repeat_only_where_the_export_numbered_its_lines(tmp_path, load):
    """A ledger without 分录号 is numbered by the loader: its keys cannot repeat and every line
    loads; one whose 分录号 repeats within a voucher has its repeated line quarantined (the
    grouping that finds repeats is skipped only in the first case)."""
    d = tmp_path / "d"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS, LEDGER_ROWS[0]])
    header = ["凭证日期", "凭证号", "分录号", "摘要", "科目名称", "借方金额", "贷方金额"]
    write_csv(d / "b" / "序时账.csv", [header, ["2024-01-05", "记-1", "1", "购办公用品", "办公费", "10", ""],
                                       ["2024-01-05", "记-1", "2", "购办公用品", "银行存款", "", "10"],
                                       ["2024-01-05", "记-1", "2", "购办公用品", "银行存款", "", "10"]])
    report, con = load(d)
    by_dir = {e.file.split("/")[0] if "/" in e.file else "": e for e in report.entries}
    assert (by_dir[""].rows_loaded, by_dir[""].rows_quarantined) == (5, 0)
    assert (by_dir["b"].rows_loaded, by_dir["b"].rows_quarantined) == (2, 1)
    assert con.execute("SELECT count(*), count(DISTINCT (unit, _key)) FROM ledger").fetchone() == (7, 7)
    assert_accounting(con)


def test_missing_required_column_is_error_with_all_rows_quarantined(tmp_path, load):
    write_csv(tmp_path / "d" / "合同台账.csv", [["合同编号", "供应商", "签订日期"], ["HT-1", "甲", "2024-01-01"]])
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert entry.status == "error" and "合同金额" in entry.message_zh
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (1, 0, 1)
    assert_accounting(con)


def test_wide_payroll_unpivoted(tmp_path, load):
    rows = [
        ["2024年3月工资发放表"],
        ["工号", "姓名", "身份证号", "基本工资", "津贴", "奖金", "过节费", "代扣个税", "实发合计"],
        ["P1", "张三", "11010519491231002X", 5000, 800, 0, None, 50, 5750],
        ["P2", "李四", "110105194912310021", 4000, "abc", 100, 500, 10, 4590],
        ["P3", "王五", None, 4500, None, "", 300, 0, 4800],
    ]
    write_xlsx(tmp_path / "d" / "2024年3月工资表.xlsx", {"工资": rows}, merge_title=True)
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.table_name, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("payroll", 3, 2, 1)
    got = con.execute("SELECT _key, amount FROM payroll ORDER BY _key").fetchall()
    assert got == [
        ("2024-03-01|P1|基本工资", Decimal("5000.00")),
        ("2024-03-01|P1|津贴", Decimal("800.00")),
        ("2024-03-01|P3|基本工资", Decimal("4500.00")),
        ("2024-03-01|P3|过节费", Decimal("300.00")),
    ]
    extra = json.loads(con.execute("SELECT _extra FROM payroll WHERE person_id = 'P1' LIMIT 1").fetchone()[0])
    # the deduction is loaded into payroll_deductions, not repeated on each of P1's pay items
    assert extra["实发合计"] == "5750" and "代扣个税" not in extra
    assert con.execute("SELECT person_id, item, amount FROM payroll_deductions ORDER BY ALL").fetchall() == [
        ("P1", "代扣个税", Decimal("50.00"))]
    assert con.execute("SELECT column_name, raw_value FROM _quarantine").fetchall() == [("津贴", "abc")]
    assert_accounting(con)


def test_long_payroll_and_invalid_id_reported(tmp_path, load):
    write_csv(tmp_path / "d" / "工资明细.csv", [
        ["发放月份", "姓名", "身份证号", "工资项目", "金额"],
        ["2024年3月", "张三", "11010519491231002x", "基本工资", "5000"],
        ["202403", "李四", "110105194912310021", "基本工资", "4000"],
        ["202403", "李四", "110105194912310021", "津贴", "300"],  # the same wrong number again: 2 rows
    ])
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert entry.rows_loaded == 3 and "校验位不符 2 条" in entry.message_zh
    assert con.execute("SELECT count(*) FROM payroll WHERE id_number = '11010519491231002X'").fetchone()[0] == 1


def test_units_from_subfolders(tmp_path, load):
    for unit in ("甲局", "乙局"):
        write_csv(tmp_path / "d" / unit / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    report, con = load(tmp_path / "d", level="县级", region="湖南", city="长沙")
    assert sorted(report.units) == ["乙局", "甲局"]
    assert con.execute("SELECT unit, count(*) FROM ledger GROUP BY 1 ORDER BY 1").fetchall() == [("乙局", 4), ("甲局", 4)]
    assert con.execute("SELECT * FROM _units ORDER BY unit").fetchall() == [
        ("乙局", "县级", "湖南", "长沙"), ("甲局", "县级", "湖南", "长沙")]


def test_units_from_unit_column_and_option(tmp_path, load):
    rows = [["被巡察单位", *LEDGER_HEADER]] + [["甲局", *r] for r in LEDGER_ROWS[:2]] + [
        ["乙局", *r] for r in LEDGER_ROWS[:2]] + [["", *LEDGER_ROWS[2]]]
    write_csv(tmp_path / "d" / "序时账.csv", rows)
    report, con = load(tmp_path / "d", unit="丙局")
    got = con.execute("SELECT unit, count(*) FROM ledger GROUP BY 1 ORDER BY 1").fetchall()
    assert got == [("丙局", 1), ("乙局", 2), ("甲局", 2)]
    assert report.entries[0].rows_quarantined == 0  # same keys in different units are fine


def test_reload_replaces_same_unit_and_table(tmp_path, load):
    d = tmp_path / "d"
    db = tmp_path / "x.duckdb"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS, ["2024-01-01", "记-9", "坏", "x", "bad", "", "", ""]])
    _r1, con = load(d, db, unit="甲局")
    con.close()
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS[:2]])
    from xuncha_audit.ingest.loader import load_folder

    load_folder(d, db, unit="乙局")
    _r2, con = load(d, db, unit="甲局")
    assert con.execute("SELECT unit, count(*) FROM ledger GROUP BY 1 ORDER BY 1").fetchall() == [("乙局", 2), ("甲局", 2)]
    assert con.execute("SELECT count(*) FROM _quarantine").fetchone()[0] == 0
    assert con.execute("SELECT unit, rows_loaded FROM _load_log ORDER BY 1").fetchall() == [("乙局", 2), ("甲局", 2)]
    assert_accounting(con)


def test_unreadable_files_do_not_stop_the_run(tmp_path, load):
    d = tmp_path / "d"
    d.mkdir()
    (d / "坏文件.xlsx").write_bytes(b"PK\x03\x04 this is not a zip")
    (d / "空文件.csv").write_bytes(b"")
    (d / "二进制.csv").write_bytes(bytes(range(256)) * 4)
    (d / "杂项.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    report, con = load(d)
    status = {e.file: e.status for e in report.entries}
    assert status == {"坏文件.xlsx": "error", "空文件.csv": "error", "二进制.csv": "error",
                      "杂项.csv": "skipped", "序时账.csv": "ok"}
    msgs = {e.file: e.message_zh for e in report.entries}
    assert "坏文件.xlsx" in msgs["坏文件.xlsx"] and "损坏" in msgs["坏文件.xlsx"]
    assert "空" in msgs["空文件.csv"]
    assert con.execute("SELECT count(*) FROM ledger").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM _load_log WHERE status = 'error'").fetchone()[0] == 3


def test_xls_that_is_really_tab_separated_text(tmp_path, load):
    d = tmp_path / "d"
    write_csv(d / "序时账.xls", [LEDGER_HEADER, *LEDGER_ROWS], "gbk", delimiter="\t")
    report, _con = load(d)
    assert report.entries[0].rows_loaded == 4 and report.entries[0].encoding == "GBK"


def test_mapping_file(tmp_path, load):
    d = tmp_path / "d"
    write_csv(d / "导出1.csv", [["记账日", "凭证字号（新）", "本币借方"], ["2024-01-01", "记-1", "5"]])
    write_xlsx(d / "杂.xlsx", {"说明": [["说明"]], "明细": [["单据", "日期", "金额"], ["X1", "2024-01-01", "9"]]})
    write_csv(d / "备注.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "tables:\n"
        "  ledger:\n"
        "    aliases:\n"
        "      voucher_date: [记账日]\n"
        "      voucher_no: [凭证字号（新）]\n"
        "      debit: 本币借方\n"
        "  hospitality:\n"
        "    aliases: {record_no: [单据]}\n"
        "files:\n"
        "  - {glob: '导出*.csv', table: ledger, unit: 甲局}\n"
        "  - {glob: '*.xlsx', table: hospitality, sheet: 明细}\n"
        "  - {glob: '备注.csv', skip: true}\n",
        encoding="utf-8",
    )
    report, con = load(d, mapping=mapping)
    by_file = {e.file: e for e in report.entries}
    assert by_file["导出1.csv"].table_name == "ledger" and by_file["导出1.csv"].rows_loaded == 1
    assert by_file["杂.xlsx"].sheet == "明细" and by_file["杂.xlsx"].rows_loaded == 1
    assert by_file["备注.csv"].status == "skipped"
    assert con.execute("SELECT unit, debit FROM ledger").fetchall() == [("甲局", Decimal("5.00"))]
    assert con.execute("SELECT record_no, amount FROM hospitality").fetchall() == [("X1", Decimal("9.00"))]


@pytest.mark.parametrize(
    "text",
    [
        "tabels: {}\n",
        "tables: {ledger: {alias: {}}}\n",
        "tables: {nosuch: {aliases: {}}}\n",
        "tables: {ledger: {aliases: {nosuch: [x]}}}\n",
        "files: [{glob: '*', table: ledger, colour: red}]\n",
        "files: [{glob: '*', table: nosuch}]\n",
        "files: [{table: ledger}]\n",
        "- just a list\n",
    ],
)
def test_mapping_unknown_keys_rejected(tmp_path, text):
    from xuncha_audit.ingest.loader import load_folder

    (tmp_path / "d").mkdir()
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_folder(tmp_path / "d", tmp_path / "x.duckdb", mapping=mapping)


def test_bad_arguments(tmp_path):
    from xuncha_audit.ingest.loader import load_folder

    with pytest.raises(XunchaError):
        load_folder(tmp_path / "nope", tmp_path / "x.duckdb")
    (tmp_path / "d").mkdir()
    with pytest.raises(XunchaError):
        load_folder(tmp_path / "d", tmp_path / "x.duckdb", level="省")


def test_underscore_folders_and_lock_files_skipped(tmp_path, load):
    d = tmp_path / "d"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    write_csv(d / "_answer_key" / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    write_csv(d / ".hidden" / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    (d / "~$序时账.xlsx").write_bytes(b"lock")
    report, con = load(d)
    assert [(e.file, e.status) for e in report.entries] == [
        ("序时账.csv", "ok"), (".hidden/", "skipped"), ("_answer_key/", "skipped")]
    assert "1 个数据文件未读取" in report.entries[2].message_zh
    assert con.execute("SELECT count(*) FROM _load_log WHERE status = 'skipped'").fetchone()[0] == 2


def test_blank_lines_and_row_numbers_in_csv(tmp_path, load):
    d = tmp_path / "d"
    write_csv(d / "序时账.csv", [LEDGER_HEADER, *LEDGER_ROWS[:2], [""] * 8, *LEDGER_ROWS[2:]])
    report, con = load(d)
    assert (report.entries[0].rows_read, report.entries[0].rows_loaded) == (4, 4)
    assert [r[0] for r in con.execute("SELECT _source_row FROM ledger ORDER BY 1").fetchall()] == [2, 3, 5, 6]


def test_repeated_header_rows_are_not_records(tmp_path, load):
    rows = [LEDGER_HEADER, *LEDGER_ROWS[:2], LEDGER_HEADER, *LEDGER_ROWS[2:]]
    write_xlsx(tmp_path / "d" / "序时账.xlsx", {"凭证": rows})
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined, entry.rows_skipped) == (5, 4, 0, 1)
    assert "重复出现的表头行 1 行" in entry.message_zh
    assert_accounting(con)


def test_payroll_paid_twice_across_files_is_kept_with_numbered_keys(tmp_path, load):
    header = ["发放月份", "工号", "姓名", "工资项目", "金额"]
    write_csv(tmp_path / "d" / "工资明细.csv", [header, ["2024-03", "E3", "赵六", "绩效工资", "3000"],
                                                 ["2024-03", "E3", "赵六", "绩效工资", "3000"]])
    write_csv(tmp_path / "d" / "补发工资明细.csv", [header, ["2024-03", "E3", "赵六", "绩效工资", "3000"]])
    report, con = load(tmp_path / "d")
    keys = sorted(r[0] for r in con.execute("SELECT _key FROM payroll").fetchall())
    assert keys == ["2024-03-01|E3|绩效工资", "2024-03-01|E3|绩效工资#2", "2024-03-01|E3|绩效工资#3"]
    assert sum(e.rows_quarantined for e in report.entries) == 0
    assert_accounting(con)


def test_payroll_paid_twice_in_files_loaded_apart_is_numbered_after_the_first(tmp_path, load):
    """The supplementary file read another way (万元, its own group): its repeated item is
    numbered after the records of the same key loaded before, not quarantined; an item of
    another month in it keeps its key."""
    header = ["发放月份", "工号", "姓名", "工资项目", "金额"]
    write_csv(tmp_path / "d" / "工资明细.csv", [header, ["2024-03", "E3", "赵六", "绩效工资", "3000"],
                                                 ["2024-03", "E3", "赵六", "绩效工资", "3000"]])
    write_csv(tmp_path / "d" / "补发工资明细.csv", [[*header[:4], "金额（万元）"],
                                                   ["2024-03", "E3", "赵六", "绩效工资", "0.3"],
                                                   ["2024-04", "E3", "赵六", "绩效工资", "0.3"]])
    report, con = load(tmp_path / "d")
    rows = sorted(con.execute("SELECT _key, amount, _source_file FROM payroll").fetchall())
    assert rows == [("2024-03-01|E3|绩效工资", Decimal("3000.00"), "工资明细.csv"),
                    ("2024-03-01|E3|绩效工资#2", Decimal("3000.00"), "工资明细.csv"),
                    ("2024-03-01|E3|绩效工资#3", Decimal("3000.00"), "补发工资明细.csv"),
                    ("2024-04-01|E3|绩效工资", Decimal("3000.00"), "补发工资明细.csv")]
    assert sum(e.rows_quarantined for e in report.entries) == 0
    assert_accounting(con)
