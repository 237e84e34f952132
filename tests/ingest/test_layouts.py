"""Real export layouts, one fixture per shipped layout.

Each fixture is built from the public description of the export (shared/reference/
export-layouts.md and the sources named in each layout file); the rows are invented. Each
test asserts: the layout recognised, the lines loaded, debit and credit totals equal to the
file's own 合计 rows (or to the invented rows where the export has none), one audited unit,
no money column left unmapped, and voucher numbers that restart every period kept apart.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from ingest_support import assert_accounting, write_csv, write_xls, write_xlsx

from xuncha_audit.errors import ConfigError

UNIT = "某市某局"


def _log(con, sheet=None):
    q = ("SELECT layout, table_name, rows_read, rows_loaded, rows_quarantined, rows_summary, "
         "rows_deleted, rows_skipped, status, message_zh FROM _load_log")
    if sheet is not None:
        return con.execute(q + " WHERE sheet = ?", [sheet]).fetchone()
    return con.execute(q).fetchall()


def _totals(con):
    return con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone()


def _units(con, table="ledger"):
    return [r[0] for r in con.execute(f"SELECT DISTINCT unit FROM {table}").fetchall()]


def _issues(con, kind=None):
    q = "SELECT kind, record, message_zh FROM _load_issues"
    return con.execute(q + (" WHERE kind = ?" if kind else ""), [kind] if kind else []).fetchall()


# --- 用友 U8 序时账 -------------------------------------------------------------------------
def u8_journal_rows():
    """Six months; 记-0001 and 记-0008 in every month (numbers restart each month); one red
    (negative) correction; 方向 借/贷 with one 金额 column; a 合计 row."""
    rows = [["序时账"], ["核算单位：某市某局", None, None, "期间：2024.01-2024.06"],
            ["日期", "凭证号数", "科目编码", "科目名称", "摘要", "方向", "数量", "外币", "金额"]]
    total = Decimal(0)
    for m in range(1, 7):
        for vno, amount, text in (("记-0001", Decimal("1234.50") * m, "付办公用品费"),
                                  ("记-0008", Decimal("86000.00") + m, "付物业管理费")):
            d = f"2024.{m:02d}.{5 + m:02d}"
            rows.append([d, vno, "5001", "业务活动费用", text, "借", None, None, f"{amount:,.2f}"])
            rows.append([d, vno, "1011", "零余额账户用款额度", text, "贷", None, None, f"{amount:,.2f}"])
            total += amount
    # a red entry: the March purchase partly reversed, kept as the real negative entry it is
    rows.append(["2024.03.28", "记-0020", "5001", "业务活动费用", "冲销多付办公用品费", "借", None, None, "-200.00"])
    rows.append(["2024.03.28", "记-0020", "1011", "零余额账户用款额度", "冲销多付办公用品费", "贷", None, None, "-200.00"])
    total -= Decimal(200)
    rows.append(["合计", None, None, None, None, None, None, None, f"{total:,.2f}"])
    return rows, total


def test_u8_journal(tmp_path, load):
    rows, total = u8_journal_rows()
    write_xls(tmp_path / "d" / "序时账2024.xls", {"序时账": rows})
    report, con = load(tmp_path / "d", unit=UNIT)
    layout, table, read, loaded, quar, summ, dele, skip, status, msg = _log(con)[0]
    assert (layout, table, status) == ("u8_journal", "ledger", "ok"), msg
    assert (read, loaded, quar, summ, dele, skip) == (27, 26, 0, 1, 0, 0)
    assert _totals(con) == (total, total)  # equal to the file's own 合计 row
    assert _issues(con) == []  # totals reconcile, every voucher balances
    assert _units(con) == [UNIT]
    (entry,) = report.entries
    assert entry.unmapped == ["数量"]  # 外币 is the foreign amount, 金额 split into debit/credit
    # 记-0008 of six months: six vouchers, not one
    ids = [r[0] for r in con.execute(
        "SELECT DISTINCT voucher_id FROM ledger WHERE voucher_no = '记-0008' ORDER BY 1").fetchall()]
    assert ids == [f"2024-{m:02d} 记-0008" for m in range(1, 7)]
    assert con.execute("SELECT count(DISTINCT voucher_id) FROM ledger").fetchone()[0] == 13
    assert con.execute(
        "SELECT _key, debit FROM ledger WHERE voucher_no = '记-0020' AND line_no = 1").fetchone() == (
        "2024-03 记-0020 #1", Decimal("-200.00"))
    assert_accounting(con)


def test_u8_journal_mismatching_total_is_reported(tmp_path, load):
    rows, total = u8_journal_rows()
    rows[-1][-1] = f"{total + 1:,.2f}"
    write_xls(tmp_path / "d" / "序时账.xls", {"序时账": rows})
    report, con = load(tmp_path / "d", unit=UNIT)
    issues = _issues(con, "total_mismatch")
    assert len(issues) == 2 and all("合计" in i[1] for i in issues)  # debit and credit side
    assert "与文件自身合计不符" in report.entries[0].message_zh
    assert report.entries[0].rows_loaded == 26  # reported, nothing dropped


@pytest.mark.parametrize("word", ["合  计", "合　计", "本 月 合 计", "合\u00a0计（本页）", "期 初 余 额"])
def test_summary_words_written_with_spaces_are_summary_rows(tmp_path, load, word):
    """A 合计 row as printed exports write it, spaces between the characters (ASCII, full-width,
    no-break): a summary row like 合计 itself — neither loaded nor quarantined; and a line whose
    account is 零余额账户用款额度 (余额 inside) stays a line."""
    rows, total = u8_journal_rows()
    rows[-1][0] = word
    if "余" in word:  # an opening balance carries no total to reconcile
        rows[-1][-1] = None
    write_xls(tmp_path / "d" / "序时账.xls", {"序时账": rows})
    _report, con = load(tmp_path / "d", unit=UNIT)
    read, loaded, quar, summ, msg = (_log(con)[0][i] for i in (2, 3, 4, 5, 9))
    assert (read, loaded, quar, summ) == (27, 26, 0, 1), msg
    assert _totals(con) == (total, total)
    assert _issues(con) == []


# --- 用友 U8 三栏式明细账 -------------------------------------------------------------------
def _detail_sheet(code, name, lines, opening):
    rows = [["明细账"], [f"科目：{code} {name}", None, None, None, "月份：2024.01-2024.02"],
            ["2024年", None, "凭证号数", "摘要", "对方科目", "借方", "贷方", "方向", "余额"],
            ["月", "日", None, None, None, None, None, None, None],
            ["01", "01", None, "期初余额", None, None, None, "借", opening]]
    for month in (1, 2):
        d_sum = c_sum = Decimal(0)
        for m, d, vno, text, other, debit, credit in lines:
            if m != month:
                continue
            rows.append([f"{m:02d}", f"{d:02d}", vno, text, other, debit and f"{debit:,.2f}",
                         credit and f"{credit:,.2f}", "借", None])
            d_sum += debit or 0
            c_sum += credit or 0
        rows.append([f"{month:02d}", None, None, "本月合计", None, f"{d_sum:,.2f}", f"{c_sum:,.2f}", "借", None])
        rows.append([f"{month:02d}", None, None, "本年累计", None, None, None, "借", None])
    return rows


def test_u8_ledger_detail_sheet_per_account_merged_header(tmp_path, load):
    import xlsxwriter

    bank = [(1, 8, "记-0001", "收到财政拨款", "4001 财政拨款收入", Decimal("500000"), None),
            (1, 20, "记-0002", "付印刷费", "5001 业务活动费用", None, Decimal("3200")),
            (2, 8, "记-0001", "收到财政拨款", "4001 财政拨款收入", Decimal("450000"), None)]
    cost = [(1, 20, "记-0002", "付印刷费", "1011 零余额账户用款额度", Decimal("3200"), None),
            (2, 15, "记-0003", "付维修费", "1011 零余额账户用款额度", Decimal("1800"), None)]
    path = tmp_path / "d" / "三栏式明细账.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    for sheet, rows in (("1011", _detail_sheet("1011", "零余额账户用款额度", bank, "0.00")),
                        ("5001", _detail_sheet("5001", "业务活动费用", cost, "0.00"))):
        ws = wb.add_worksheet(sheet)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        ws.merge_range(2, 0, 2, 1, "2024年")  # 2024年 over 月 | 日
        for c in range(2, 9):
            ws.merge_range(2, c, 3, c, rows[2][c])
    wb.close()
    report, con = load(tmp_path / "d", unit=UNIT)
    for sheet, n_lines in (("1011", 3), ("5001", 2)):
        layout, _table, _read, loaded, quar, summ, dele, _skip, status, msg = _log(con, sheet)
        assert (layout, status) == ("u8_ledger_detail", "ok"), msg
        assert (loaded, quar, summ, dele) == (n_lines, 0, 5, 0), msg  # 期初 + 2×本月合计 + 2×本年累计
    assert _issues(con) == []  # 本月合计 rows reconcile; a 明细账 is not checked for balance
    got = con.execute(
        "SELECT account_code, account_name, voucher_date, voucher_id, line_no, debit, credit "
        "FROM ledger WHERE voucher_no = '记-0002' ORDER BY line_no").fetchall()
    import datetime as dt
    assert got == [
        ("1011", "零余额账户用款额度", dt.date(2024, 1, 20), "2024-01 记-0002", 1, None, Decimal("3200.00")),
        ("5001", "业务活动费用", dt.date(2024, 1, 20), "2024-01 记-0002", 2, Decimal("3200.00"), None),
    ]
    # 记-0001 of January and of February stay two vouchers
    assert con.execute("SELECT count(DISTINCT voucher_id) FROM ledger WHERE voucher_no = '记-0001'").fetchone()[0] == 2
    assert _units(con) == [UNIT]
    assert all(set(e.unmapped) == {"对方科目", "方向", "余额"} for e in report.entries)
    assert_accounting(con)


# --- 金蝶 K3 WISE 凭证引出 ------------------------------------------------------------------
K3_HEADER = [
    "凭证日期", "会计年度", "会计期间", "凭证字", "凭证号", "科目代码", "科目名称", "币别代码", "币别名称",
    "原币金额", "借方", "贷方", "制单", "审核", "核准", "出纳", "经办", "结算方式", "结算号", "凭证摘要",
    "数量", "数量单位", "单价", "参考信息", "业务日期", "往来业务编号", "附件数", "序号", "系统模块",
    "业务描述", "汇率类型", "汇率", "分录序号", "核算项目", "过账", "机制凭证", "现金流量",
    "结余与盈余差异", "结余与盈余差异方向", "关联凭证ID", "凭证ID",
]


def k3_rows():
    def line(date, period, no, seq, code, name, debit, credit, text, aux="", foreign=None):
        row = dict.fromkeys(K3_HEADER)
        row.update({"凭证日期": date, "会计年度": 2024, "会计期间": period, "凭证字": "记",
                    "凭证号": no, "科目代码": code, "科目名称": name, "币别代码": "USD" if foreign else "RMB",
                    "币别名称": "美元" if foreign else "人民币", "原币金额": foreign or (debit or credit),
                    "借方": str(debit or 0),
                    "贷方": str(credit or 0), "制单": "王会计", "审核": "李审核", "凭证摘要": text,
                    "分录序号": str(seq), "核算项目": aux, "过账": "是", "汇率": "1", "序号": str(seq + 1)})
        return [row[h] for h in K3_HEADER]

    rows = [K3_HEADER]
    # the same voucher number 记 1 in periods 1 and 2 (numbers restart each period)
    rows.append(line("2024-01-10", 1, 1, 0, "5001", "业务活动费用", 12000, None, "付软件服务费",
                     "供应商---0002---长沙甲科技有限公司;部门---01---办公室"))
    rows.append(line("2024-01-10", 1, 1, 1, "1011", "零余额账户用款额度", None, 12000, "付软件服务费"))
    # 政府会计制度 平行记账: the same payment booked in 预算会计 too
    rows.append(line("2024-01-10", 1, 1, 2, "7201", "行政支出", 12000, None, "付软件服务费"))
    rows.append(line("2024-01-10", 1, 1, 3, "8001", "资金结存", None, 12000, "付软件服务费"))
    rows.append(line("2024-02-03", 2, 1, 0, "5001", "业务活动费用", 800, None, "差旅费",
                     "职员---003---张三;部门---02---业务科"))
    rows.append(line("2024-02-03", 2, 1, 1, "1011", "零余额账户用款额度", None, 800, "差旅费"))
    # a foreign-currency line: 原币金额 USD 100, 借方 (本位币) 720 — 本币 is what is loaded
    rows.append(line("2024-02-20", 2, 2, 0, "5001", "业务活动费用", 720, None, "境外会议注册费", foreign=100))
    rows.append(line("2024-02-20", 2, 2, 1, "1002", "银行存款", None, 720, "境外会议注册费", foreign=100))
    return rows


def test_k3_wise_voucher_export(tmp_path, load):
    schema = [["FType", "FKey", "FFieldName", "FCaption", "FValueType", "FColIndex"],
              ["ClassInfo", "ClassType", None, "VoucherData", None, None],
              ["PageInfo", "Page1", None, "Page1", None, None],
              ["FieldInfo", "FDate", "FDate", "凭证日期", "DateTime", "1"],
              ["FieldInfo", "FYear", "FYear", "会计年度", "Decimal(28,10)", "2"]]
    write_xls(tmp_path / "d" / "凭证引出.xls", {"Page1": k3_rows(), "t_Schema": schema})
    report, con = load(tmp_path / "d", unit=UNIT)
    page1 = _log(con, "Page1")
    assert (page1[0], page1[3], page1[4]) == ("k3_wise_voucher", 8, 0), page1[-1]
    schema_log = _log(con, "t_Schema")
    assert schema_log[8] == "skipped" and "元数据" in schema_log[9]
    assert schema_log[2] == schema_log[7] == 5  # read = skipped
    assert _totals(con) == (Decimal("13520.00") + 12000, Decimal("13520.00") + 12000)
    got = con.execute(
        "SELECT voucher_id, line_no, counterparty, department, person, book FROM ledger "
        "WHERE voucher_no = '1' ORDER BY period, line_no").fetchall()
    assert got == [
        ("2024-01 记-1", 1, "长沙甲科技有限公司", "办公室", None, "财务会计"),
        ("2024-01 记-1", 2, None, None, None, "财务会计"),
        ("2024-01 记-1", 3, None, None, None, "预算会计"),
        ("2024-01 记-1", 4, None, None, None, "预算会计"),
        ("2024-02 记-1", 1, None, "业务科", "张三", "财务会计"),
        ("2024-02 记-1", 2, None, None, None, "财务会计"),
    ]
    assert con.execute("SELECT debit FROM ledger WHERE voucher_id = '2024-02 记-2' AND line_no = 1"
                       ).fetchone()[0] == Decimal("720.00")
    assert _issues(con) == [] and _units(con) == [UNIT]
    entry = next(e for e in report.entries if e.sheet == "Page1")
    money = {"原币金额", "借方", "贷方"}
    assert not money & set(entry.unmapped)
    assert_accounting(con)


# --- 金蝶 KIS 凭证引出 (GBK CSV) -----------------------------------------------------------
KIS_HEADER = ["日期", "凭证字", "凭证号", "附件数", "分录序号", "摘要", "科目代码", "科目名称", "借方金额",
              "贷方金额", "客户", "供应商", "职员", "项目", "部门", "存货", "自定义辅助核算类别",
              "自定义辅助核算编码", "数量", "单价", "原币金额", "币别", "汇率"]


def test_kis_voucher_csv_gbk_periods_restart(tmp_path, load):
    rows = [KIS_HEADER]
    total = Decimal(0)
    for m in (1, 2, 3):
        for no in (1, 2):
            amount = Decimal("657971.04") + m * 10 + no
            base = [f"2024-{m:02d}-1{no}", "记", str(no), "1"]
            rows.append([*base, "1", "付工程款", "2301", "应付账款", f"{amount:,.2f}", "", "",
                         "长沙乙建设有限公司", "", "", "", "", "", "", "", "", f"{amount:,.2f}", "RMB", "1"])
            rows.append([*base, "2", "付工程款", "1002", "银行存款", "", f"{amount:,.2f}", "", "", "",
                         "", "财务科", "", "", "", "", "", f"{amount:,.2f}", "RMB", "1"])
            total += amount
    write_csv(tmp_path / "d" / "凭证.csv", rows, "gbk")
    report, con = load(tmp_path / "d", unit=UNIT)
    layout, _table, read, loaded, quar, *_rest = _log(con)[0]
    assert (layout, read, loaded, quar) == ("kis_voucher", 12, 12, 0)  # no period quarantined
    assert _totals(con) == (total, total)
    assert con.execute("SELECT count(DISTINCT voucher_id) FROM ledger").fetchone()[0] == 6
    assert con.execute("SELECT DISTINCT counterparty FROM ledger WHERE counterparty IS NOT NULL").fetchall() == [
        ("长沙乙建设有限公司",)]
    assert _issues(con) == [] and _units(con) == [UNIT]
    assert not {"借方金额", "贷方金额", "原币金额"} & set(report.entries[0].unmapped)
    assert_accounting(con)


# --- 金蝶 EAS 凭证查询 ----------------------------------------------------------------------
EAS_HEADER = ["公司", "记账日期", "业务日期", "会计期间", "凭证类型", "凭证号", "分录号", "摘要", "科目",
              "科目名称", "币种", "汇率", "方向", "原币金额", "数量", "单价", "借方金额", "贷方金额", "制单人",
              "过账人", "审核人", "附件数量", "过账标记", "删除标记", "凭证序号", "单位", "核算项目1", "编码1",
              "名称1", "核算项目2", "编码2", "名称2", "财务组织", "供应商"]


@pytest.mark.parametrize("with_local", [True, False], ids=["本位币列", "方向+原币金额"])
def test_eas_voucher_deleted_lines_unit_of_measure_and_periods(tmp_path, load, with_local):
    def line(period, no, seq, acct, code, direction, amount, deleted="否", unit="", aux=()):
        r = dict.fromkeys(EAS_HEADER, "")
        r.update({"公司": "某市某局", "记账日期": f"2024-{period:02d}-15", "会计期间": f"{period}.0",
                  "凭证类型": "记", "凭证号": f"记--{no:04d}", "分录号": str(seq), "摘要": "购置设备",
                  "科目": code, "科目名称": acct, "币种": "BB01", "汇率": "1", "方向": direction,
                  "原币金额": str(amount), "借方金额": str(amount) if direction == "1" else "",
                  "贷方金额": str(amount) if direction == "0" else "", "删除标记": deleted, "单位": unit,
                  "数量": "2" if unit else ""})
        for n, (cat, code_, name) in enumerate(aux, 1):
            r.update({f"核算项目{n}": cat, f"编码{n}": code_, f"名称{n}": name})
        return [r[h] for h in EAS_HEADER]

    rows = [EAS_HEADER]
    for period in (3, 4, 5):
        rows.append(line(period, 1, 1, "固定资产", "1601", "1", 9000, unit="台",
                         aux=[("部门", "01", "办公室"), ("供应商", "S02", "长沙丙电子有限公司")]))
        rows.append(line(period, 1, 2, "银行存款", "1002", "0", 9000))
    rows.append(line(5, 2, 1, "固定资产", "1601", "1", 500, deleted="是", unit="个"))
    rows.append(line(5, 2, 2, "银行存款", "1002", "0", 500, deleted="是"))
    if not with_local:  # the converter's shape: 方向 + 原币金额 only
        drop = [EAS_HEADER.index("借方金额"), EAS_HEADER.index("贷方金额")]
        rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
    write_xlsx(tmp_path / "d" / "凭证查询.xlsx", {"凭证": rows})
    report, con = load(tmp_path / "d")
    layout, _table, read, loaded, quar, _summ, dele, _skip, _status, msg = _log(con)[0]
    assert (layout, read, loaded, quar, dele) == ("eas_voucher", 8, 6, 0, 2), msg
    assert _units(con) == ["默认单位"]  # 单位 (台) is a unit of measure: no phantom unit 台
    assert con.execute("SELECT count(*) FROM _units WHERE unit IN ('台', '个')").fetchone()[0] == 0
    assert _totals(con) == (Decimal("27000.00"), Decimal("27000.00"))
    got = con.execute("SELECT DISTINCT voucher_id, period, department, counterparty FROM ledger "
                      "WHERE line_no = 1 ORDER BY 1").fetchall()
    assert got == [(f"2024-{p:02d} 记--0001", p, "办公室", "长沙丙电子有限公司") for p in (3, 4, 5)]
    assert not {"借方金额", "贷方金额", "原币金额"} & set(report.entries[0].unmapped)
    assert_accounting(con)


# --- 财政统一发放工资 (wide) ---------------------------------------------------------------
PAY_HEADER = ["序号", "身份证号", "姓名", "单位代码", "单位名称", "人员状况", "代发银行", "执行时间",
              "岗位工资", "薪级工资", "保留津贴", "基础性绩效工资", "住房补贴", "独生费", "代扣住房公积金",
              "应发工资", "实发工资"]
PEOPLE = [("430102198001010011", "张三", [2800, 1500, 300, 2100, 900, 10], 1200),
          ("430102198502020022", "李四", [2400, 1200, 0, 1900, 800, 0], 1000),
          ("430102199003030033", "王五", [2100, 900, 0, 1700, 700, 10], 900)]


def fiscal_payroll_workbook(path, gross_error: bool = False, garbled_fund: str | None = None):
    rows = [["2024年3月财政统一发放工资明细表（应发）"], ["预算单位：301001 某市某局"], ["金额单位：元"],
            PAY_HEADER]
    sums = [0] * 6
    for n, (idn, name, items, fund) in enumerate(PEOPLE, 1):
        gross = sum(items) + (1 if gross_error and n == 2 else 0)
        rows.append([n, idn, name, 301001, "某市某局", "在职", "中国建设银行", "2024-03", *items,
                     garbled_fund if garbled_fund and n == 2 else fund, gross, gross - fund])
        sums = [a + b for a, b in zip(sums, items, strict=True)]
    rows.append(["合计（3人）", None, None, None, None, None, None, None, *sums,
                 sum(p[3] for p in PEOPLE), sum(sums), sum(sums) - sum(p[3] for p in PEOPLE)])
    deductions = [["序号", "身份证号", "姓名", "医疗保险", "养老保险", "职业年金", "失业保险", "个税", "公积金", "合计"]]
    for n, (idn, name, _items, fund) in enumerate(PEOPLE, 1):
        deductions.append([n, idn, name, 150, 600, 300, 20, 45, fund, 1115 + fund])
    return write_xls(path, {"工资": rows, "扣款": deductions})


def test_fiscal_payroll_wide(tmp_path, load):
    fiscal_payroll_workbook(tmp_path / "d" / "统发工资2024年3月.xls")
    _report, con = load(tmp_path / "d", unit=UNIT)
    layout, table, read, loaded, quar, summ, _dele, _skip, status, msg = _log(con, "工资")
    assert (layout, table, read, loaded, quar, summ, status) == ("fiscal_payroll", "payroll", 4, 3, 0, 1, "ok"), msg
    items = {r[0] for r in con.execute("SELECT DISTINCT item FROM payroll").fetchall()}
    assert items == {"岗位工资", "薪级工资", "保留津贴", "基础性绩效工资", "住房补贴", "独生费"}
    # codes, ID numbers, banks, dates, status are attributes; 应发/实发 totals; 代扣 a deduction
    assert con.execute("SELECT count(*) FROM payroll WHERE amount > 100000").fetchone()[0] == 0
    assert con.execute("SELECT sum(amount) FROM payroll").fetchone()[0] == sum(sum(p[2]) for p in PEOPLE)
    assert con.execute("SELECT DISTINCT month FROM payroll").fetchone()[0].isoformat() == "2024-03-01"
    assert _issues(con) == []  # items add up to 应发 and to the 合计 row
    assert "代扣住房公积金" in msg
    # 代扣 of the wage sheet: deductions of the row's month and person, never pay items
    got = con.execute("SELECT id_number, item, amount, month, _source_sheet FROM payroll_deductions "
                      "WHERE _source_sheet = '工资' ORDER BY 1").fetchall()
    assert got == [(idn, "代扣住房公积金", Decimal(fund), date(2024, 3, 1), "工资")
                   for idn, _n, _i, fund in sorted(PEOPLE)]
    # the 扣款 sheet: every money column but its 合计 is a deduction; the 合计 row is a summary
    ded = _log(con, "扣款")
    assert (ded[0], ded[1], ded[2], ded[3], ded[5], ded[8]) == (
        "fiscal_payroll_deductions", "payroll_deductions", 3, 3, 0, "ok"), ded[9]
    sheet = con.execute("SELECT item, sum(amount), count(*) FROM payroll_deductions "
                        "WHERE _source_sheet = '扣款' GROUP BY 1 ORDER BY 1").fetchall()
    assert sheet == sorted([("医疗保险", Decimal(450), 3), ("养老保险", Decimal(1800), 3),
                            ("职业年金", Decimal(900), 3), ("失业保险", Decimal(60), 3),
                            ("个税", Decimal(135), 3), ("公积金", Decimal(3100), 3)])
    assert con.execute("SELECT count(*) FROM payroll WHERE item IN (SELECT item FROM payroll_deductions)"
                       ).fetchone()[0] == 0
    assert _units(con, "payroll") == _units(con, "payroll_deductions") == [UNIT]
    assert_accounting(con)


def test_fiscal_payroll_garbled_deduction_quarantines_the_row(tmp_path, load):
    fiscal_payroll_workbook(tmp_path / "d" / "统发工资2024年3月.xls", garbled_fund="壹仟元")
    _report, con = load(tmp_path / "d", unit=UNIT)
    log = _log(con, "工资")
    assert (log[2], log[3], log[4]) == (4, 2, 1), log[-1]
    q = con.execute("SELECT column_name, raw_value FROM _quarantine WHERE sheet = '工资'").fetchall()
    assert q == [("代扣住房公积金", "壹仟元")]
    # neither the pay items nor the deductions of the quarantined row are loaded
    assert con.execute("SELECT count(DISTINCT name) FROM payroll").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM payroll_deductions WHERE name = '李四' "
                       "AND _source_sheet = '工资'").fetchone()[0] == 0
    assert_accounting(con)


def test_fiscal_payroll_items_not_matching_gross_reported(tmp_path, load):
    fiscal_payroll_workbook(tmp_path / "d" / "统发工资2024年3月.xls", gross_error=True)
    _report, con = load(tmp_path / "d", unit=UNIT)
    issues = _issues(con, "gross_mismatch")
    assert len(issues) == 1 and "应发工资" in issues[0][2]


def test_generic_wide_payroll_and_long_deductions_export(tmp_path, load):
    """Without a layout: 代扣 columns of a wide wage sheet are deductions by the contract's words,
    and a long 代扣款明细 export goes to payroll_deductions by its name and headers."""
    write_xlsx(tmp_path / "d" / "2024年3月工资表.xlsx", {"工资表": [
        ["工号", "姓名", "身份证号", "岗位工资", "薪级工资", "代扣养老保险", "代扣个人所得税"],
        ["A01", "张三", "430102198001010011", 2800, 1500, 344, 51.6],
        ["A02", "李四", "430102198502020022", 2400, 1200, 288, 0]]})
    write_csv(tmp_path / "d" / "2024年代扣款明细.csv", [
        ["扣款月份", "工号", "姓名", "扣款项目", "扣款金额"],
        ["2024-04", "A01", "张三", "养老保险", "344.00"],
        ["2024-04", "A02", "李四", "养老保险", "壹佰元"]], "utf-8")
    _report, con = load(tmp_path / "d", unit=UNIT)
    assert con.execute("SELECT DISTINCT item FROM payroll ORDER BY 1").fetchall() == [("岗位工资",), ("薪级工资",)]
    got = con.execute("SELECT person_id, month, item, amount, _source_file FROM payroll_deductions "
                      "ORDER BY _source_file, person_id, item").fetchall()
    assert got == [
        ("A01", date(2024, 3, 1), "代扣个人所得税", Decimal("51.60"), "2024年3月工资表.xlsx"),
        ("A01", date(2024, 3, 1), "代扣养老保险", Decimal("344.00"), "2024年3月工资表.xlsx"),
        ("A02", date(2024, 3, 1), "代扣养老保险", Decimal("288.00"), "2024年3月工资表.xlsx"),
        ("A01", date(2024, 4, 1), "养老保险", Decimal("344.00"), "2024年代扣款明细.csv"),
    ]
    long = con.execute("SELECT table_name, rows_read, rows_loaded, rows_quarantined, message_zh FROM _load_log "
                       "WHERE file LIKE '%代扣款明细.csv'").fetchone()
    assert long[:4] == ("payroll_deductions", 2, 1, 1), long[-1]
    assert_accounting(con)


# --- 政府采购合同公告 and 中标（成交）结果 -----------------------------------------------------
def test_ccgp_contracts_in_wan_yuan_and_award_sheet_goes_to_bids(tmp_path, load):
    contracts = [["序号", "合同编号", "合同名称", "项目编号", "项目名称", "采购人（甲方）", "供应商（乙方）",
                  "供应商地址", "主要标的名称", "合同金额（万元）", "采购方式", "合同签订日期", "合同公告日期"],
                 [1, "HT-2024-001", "办公设备采购合同", "CG-2024-01", "办公设备采购", "某市某局",
                  "长沙甲科技有限公司", "长沙市岳麓区", "计算机", 74.15, "公开招标", "2024年03月05日", "2024年03月08日"],
                 [2, "HT-2024-002", "物业服务合同", "CG-2024-02", "物业服务", "某市某局",
                  "长沙乙物业有限公司", "长沙市天心区", "物业服务", "12.3456", "竞争性磋商", "2024年04月01日",
                  "2024年04月03日"]]
    awards = [["项目编号", "项目名称", "采购方式", "包号", "供应商名称", "供应商地址", "中标（成交）金额",
               "评审总得分", "公告日期"],
              ["CG-2024-01", "办公设备采购", "公开招标", "1", "长沙甲科技有限公司", "长沙市岳麓区", "74.15万元",
               "92.5", "2024年02月20日"],
              ["CG-2024-02", "物业服务", "竞争性磋商", "1", "长沙乙物业有限公司", "长沙市天心区", "672,639.00元",
               "88", "2024年03月20日"]]
    write_xlsx(tmp_path / "d" / "政府采购合同公告汇总.xlsx", {"合同公告": contracts, "中标（成交）结果": awards})
    _report, con = load(tmp_path / "d", unit=UNIT)
    c = _log(con, "合同公告")
    b = _log(con, "中标（成交）结果")
    assert (c[0], c[1], c[3]) == ("ccgp_contracts", "contracts", 2), c[-1]
    assert (b[0], b[1], b[3]) == ("ccgp_awards", "bids", 2), b[-1]  # not forced into contracts by the file name
    assert con.execute("SELECT contract_no, amount, sign_date, vendor FROM contracts ORDER BY 1").fetchall() == [
        ("HT-2024-001", Decimal("741500.00"), __import__("datetime").date(2024, 3, 5), "长沙甲科技有限公司"),
        ("HT-2024-002", Decimal("123456.00"), __import__("datetime").date(2024, 4, 1), "长沙乙物业有限公司"),
    ]
    assert con.execute("SELECT bidder, bid_amount, is_winner FROM bids ORDER BY 1").fetchall() == [
        ("长沙乙物业有限公司", Decimal("672639.00"), True),
        ("长沙甲科技有限公司", Decimal("741500.00"), True),
    ]
    assert "×10000" in c[-1]
    assert_accounting(con)


# --- generic path conventions ----------------------------------------------------------------
def test_generic_direction_amount_title_unit_and_unit_of_measure(tmp_path, load):
    rows = [["记账凭证明细"], ["金额单位：万元"],
            ["凭证日期", "凭证号", "摘要", "科目名称", "方向", "金额", "单位", "数量"],
            ["2024-01-05", "记-1", "购电脑", "固定资产", "D", "1.2", "台", "2"],
            ["2024-01-05", "记-1", "购电脑", "银行存款", "C", "1.2", "", ""],
            ["2024-01-06", "记-2", "购纸", "办公费", "借", "0.05", "箱", "3"],
            ["2024-01-06", "记-2", "购纸", "银行存款", "X", "0.05", "", ""],       # unknown direction
            ["2024-01-07", "记-3", "作废", "办公费", "借", "1", "", ""],            # voided line
            ["本月合计", "", "", "", "", "1.25", "", ""]]
    write_csv(tmp_path / "d" / "凭证明细.csv", rows)
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.layout, entry.rows_read, entry.rows_loaded, entry.rows_quarantined,
            entry.rows_deleted, entry.rows_summary) == ("generic", 6, 3, 1, 1, 1), entry.message_zh
    assert _totals(con) == (Decimal("12500.00"), Decimal("12000.00"))
    q = con.execute("SELECT column_name, reason_zh FROM _quarantine").fetchall()
    assert q == [("方向", "无法识别的借贷方向（应为 借/贷、1/0、D/C）")]
    assert _units(con) == ["默认单位"]  # 单位 = 台/箱 is a unit of measure
    assert "计量单位" in entry.message_zh
    # 记-2 lost its credit line to quarantine: listed as unbalanced, never dropped
    ub = _issues(con, "unbalanced_voucher")
    assert [r[1] for r in ub] == ["2024-01 记-2"]
    assert_accounting(con)


def test_user_layout_file_with_per_year_numbering(tmp_path, load):
    lay = tmp_path / "layouts"
    lay.mkdir()
    (lay / "mysys.yaml").write_text(
        "name: mysys\ntitle: 某财务软件凭证\ntable: ledger\n"
        "recognise: {header_words: [记账日, 凭证编码, 发生额, 借贷]}\n"
        "columns: {记账日: voucher_date, 凭证编码: voucher_no, 发生额: amount, 借贷: direction, 说明: summary}\n"
        "conventions: {voucher_numbering: year, direction: {debit: [J], credit: [D]}}\n",
        encoding="utf-8")
    rows = [["记账日", "凭证编码", "说明", "借贷", "发生额"],
            ["2024-01-05", "15", "付款", "J", "100"], ["2024-01-05", "15", "付款", "D", "100"],
            ["2024-02-05", "16", "付款", "J", "50"], ["2024-02-05", "16", "付款", "D", "50"]]
    write_csv(tmp_path / "d" / "x.csv", rows)
    report, con = load(tmp_path / "d", layouts=[lay])
    (entry,) = report.entries
    assert (entry.layout, entry.rows_loaded) == ("mysys", 4), entry.message_zh
    assert [r[0] for r in con.execute("SELECT DISTINCT voucher_id FROM ledger ORDER BY 1").fetchall()] == [
        "2024 15", "2024 16"]
    assert _totals(con) == (Decimal("150.00"), Decimal("150.00"))


@pytest.mark.parametrize("text", [
    "name: x\ntitle: x\ntable: ledger\nrecognise: {header_words: [a]}\ncolour: red\n",
    "name: x\ntitle: x\ntable: ledger\nrecognise: {header_words: [a], colour: red}\n",
    "name: x\ntitle: x\ntable: ledger\nrecognise: {header_words: [a]}\nconventions: {colour: red}\n",
    "name: x\ntitle: x\ntable: ledger\nrecognise: {header_words: [a]}\ncolumns: {a: nothing}\n",
    "name: x\ntitle: x\ntable: nosuch\nrecognise: {header_words: [a]}\n",
])
def test_layout_unknown_keys_are_errors(tmp_path, text):
    from xuncha_audit.ingest.layouts import load_layouts

    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_layouts([tmp_path])


def test_every_shipped_layout_parses():
    from xuncha_audit.ingest.layouts import shipped_layouts

    names = {lay.name for lay in shipped_layouts()}
    assert {"u8_journal", "u8_ledger_detail", "k3_wise_voucher", "kis_voucher", "eas_voucher",
            "fiscal_payroll", "ccgp_contracts", "ccgp_awards"} <= names
