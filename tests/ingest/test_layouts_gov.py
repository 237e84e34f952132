"""Government-accounting export layouts added for issue 11 (public descriptions named in each
layout file; rows invented).

用友政务 web 版总账 明细账「导出本页」: uf.expTable writes an HTML page — a title table (明细账,
单位, 期间, 科目, 方案名称) and the rendered DataTables table (日期 over 年 | 月 | 日, 凭证字号,
摘要, 借方金额, 贷方金额, 方向, 余额; 类型/凭证ID/票据号/对方科目 hidden by default) — saved as
明细账.xls. The summary rows' 摘要 wording (期初余额, 本月合计, 本年累计) is the server's and is
not in the public code: invented here with the usual words.

审计数据平台 财务基础表「记账凭证表」: the column lists read by public audit SQL models (first
form) and an audit platform's 记账凭证表 page (second form, 政府会计 with 会计体系); the first
form has no void flag, the second has 作废标志 (values invented: 1 = voided).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from ingest_support import assert_accounting, write_xlsx

UNIT = "某县某局"

_TEMPLATE = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">'
             "<head><style>td{{text-align:left;}}</style></head><body><table>{table}</table></body></html>")


def _money(v):
    return "" if v is None else f"{v:,.2f}"


def yonyou_detail_html(code, name, lines, opening=Decimal(0), extra_cols=()):
    """The page uf.expTable writes for one account's 明细账 (三栏式)."""
    head2 = "".join(f'<th rowspan="2">{h}</th>' for h in ("凭证字号", *extra_cols, "摘要", "借方金额",
                                                            "贷方金额", "方向", "余额"))
    n_cols = 3 + 6 + len(extra_cols)
    top = "".join(f"<tr><td colspan={n_cols}>{t}</td></tr>" for t in (
        f"单位：301001 {UNIT} （账套：001 2024年账套）", "期间：2024-01-01至2024-02-29 （单位：元）",
        f"科目：{code} {name}", "方案名称：默认方案"))
    rows = [f"<tr><td>2024</td><td>01</td><td>01</td><td></td>{'<td></td>' * len(extra_cols)}"
            f"<td>期初余额</td><td></td><td></td><td>借</td><td>{_money(opening)}</td></tr>"]
    balance = opening
    year_d = year_c = Decimal(0)
    for month in (1, 2):
        d_sum = c_sum = Decimal(0)
        for m, d, vno, text, debit, credit, extra in lines:
            if m != month:
                continue
            balance += (debit or 0) - (credit or 0)
            d_sum += debit or 0
            c_sum += credit or 0
            cells = "".join(f"<td>{x}</td>" for x in extra)
            rows.append(f"<tr><td>2024</td><td>{m:02d}</td><td>{d:02d}</td><td>{vno}</td>{cells}<td>{text}</td>"
                        f"<td>{_money(debit)}</td><td>{_money(credit)}</td><td>借</td><td>{_money(balance)}</td></tr>")
        year_d += d_sum
        year_c += c_sum
        for label, dd, cc in (("本月合计", d_sum, c_sum), ("本年累计", year_d, year_c)):
            rows.append(f"<tr><td>2024</td><td>{month:02d}</td><td></td><td></td>{'<td></td>' * len(extra_cols)}"
                        f"<td>{label}</td><td>{_money(dd)}</td><td>{_money(cc)}</td><td>借</td>"
                        f"<td>{_money(balance)}</td></tr>")
    table = ('<table class="grid-top" cellspacing="0" cellpadding="0" align="center" border="0">'
             f'<tr><td align="center" colspan="{n_cols}"><h3 id="expTableTitle">明细账</h3></td></tr>{top}</table>'
             '<table border="1" cellpadding="0" cellspacing="0" align="center">'
             f'<thead><tr><th colspan="3" style="width:120px">日期</th>{head2}</tr>'
             '<tr><th class="editYear">年</th><th class="editYear">月</th><th class="editYear">日</th></tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    return _TEMPLATE.format(table=table)


def test_yonyou_gov_ledger_detail_html_export(tmp_path, load):
    z = None
    bank = [(1, 8, "记-0001", "收到财政拨款", Decimal("500000"), z, ()),
            (1, 20, "记-0002", "付印刷费", z, Decimal("3200"), ()),
            (2, 8, "记-0001", "收到财政拨款", Decimal("450000"), z, ())]
    # 预算会计 side of the same events (平行记账), with 票据号 and 对方科目 shown
    fund = [(1, 8, "记-0001", "收到财政拨款", Decimal("500000"), z, ("", "6001 财政拨款预算收入")),
            (1, 20, "记-0002", "付印刷费", z, Decimal("3200"), ("00012345", "7201 行政支出")),
            (2, 8, "记-0001", "收到财政拨款", Decimal("450000"), z, ("", "6001 财政拨款预算收入"))]
    d = tmp_path / "d"
    d.mkdir()
    (d / "明细账_1011.xls").write_text(yonyou_detail_html("1011", "零余额账户用款额度", bank), encoding="utf-8")
    (d / "明细账_8001.xls").write_text(
        yonyou_detail_html("8001", "资金结存", fund, extra_cols=("票据号", "对方科目")), encoding="utf-8")
    report, con = load(d, unit=UNIT)
    assert len(report.entries) == 2  # the title table is the data table's title block, not a sheet
    for e in report.entries:
        assert (e.layout, e.table_name, e.status) == ("yonyou_gov_ledger_detail", "ledger", "ok"), e.message_zh
        # 期初余额 + 2 × (本月合计 + 本年累计)
        assert (e.rows_read, e.rows_loaded, e.rows_quarantined, e.rows_summary) == (8, 3, 0, 5), e
        assert "金额" not in "".join(e.unmapped)  # no money column left unmapped
    assert con.execute("SELECT kind, message_zh FROM _load_issues").fetchall() == []  # 本月合计 reconcile
    # debit and credit totals equal to the files' own 本年累计 rows (February)
    assert con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone() == (
        Decimal("1900000.00"), Decimal("6400.00"))
    got = con.execute(
        "SELECT account_code, account_name, voucher_date, voucher_id, debit, credit, book FROM ledger "
        "WHERE voucher_no = '记-0002' ORDER BY account_code").fetchall()
    assert got == [
        ("1011", "零余额账户用款额度", dt.date(2024, 1, 20), "2024-01 记-0002", None, Decimal("3200.00"), "财务会计"),
        ("8001", "资金结存", dt.date(2024, 1, 20), "2024-01 记-0002", None, Decimal("3200.00"), "预算会计"),
    ]
    # 记-0001 of January and of February stay two vouchers
    assert con.execute(
        "SELECT count(DISTINCT voucher_id) FROM ledger WHERE voucher_no = '记-0001'").fetchone()[0] == 2
    assert [r[0] for r in con.execute("SELECT DISTINCT unit FROM ledger").fetchall()] == [UNIT]
    assert_accounting(con)


def test_yonyou_gov_ledger_detail_mismatching_month_total(tmp_path, load):
    bank = [(1, 8, "记-0001", "收到财政拨款", Decimal("500000"), None, ())]
    html = yonyou_detail_html("1011", "零余额账户用款额度", bank).replace(
        "<td>本月合计</td><td>500,000.00</td>", "<td>本月合计</td><td>500,001.00</td>", 1)
    d = tmp_path / "d"
    d.mkdir()
    (d / "明细账.xls").write_text(html, encoding="utf-8")
    report, con = load(d, unit=UNIT)
    assert report.entries[0].rows_loaded == 1  # reported, nothing dropped
    assert [r[0] for r in con.execute("SELECT kind FROM _load_issues").fetchall()] == ["total_mismatch"]
    assert "与文件自身合计不符" in report.entries[0].message_zh


# --- 审计数据平台 财务基础表「记账凭证表」 ------------------------------------------------
AO_HEADER = ["ID", "会计科目编号", "会计科目名称", "记账凭证摘要", "记账凭证日期", "业务日期", "借方发生额",
             "贷方发生额", "记账凭证种类", "记账凭证编号", "附件数", "会计年度", "会计月份", "财务主管", "记账人员",
             "出纳人员", "审核人员", "制单人员", "源凭证号", "金额", "备注", "凭证类型编号", "借方外币金额",
             "贷方外币金额", "币种代码", "币种名称", "汇率", "是否外币凭证", "选择", "票据号", "记账凭证行号",
             "记账标志", "会计电子账簿编号", "乡镇代码", "AO单位代码", "源数据包名称", "年度", "会计电子账簿名称",
             "行政区划代码", "对方科目名称", "对方科目编码"]

PLATFORM_HEADER = ["行政区划代码", "行政区划名称", "会计年度", "单位代码", "单位名称", "电子账簿编号", "电子账簿名称",
                   "会计体系", "会计月份", "记账凭证日期", "记账凭证种类", "记账凭证编号", "分录序号", "记账凭证摘要",
                   "科目编码", "科目名称", "科目全称", "借方发生额", "贷方发生额", "对方科目编码", "对方科目名称", "币种",
                   "借方外币发生额", "贷方外币发生额", "汇率", "数量", "单价", "结算方式", "附件数", "制单人员",
                   "复核人员", "记账人员", "出纳人员", "财务主管", "源凭证号", "记账标志", "作废标志", "是否结转",
                   "是否为预算账", "支付单据编号", "功能科目代码", "功能科目名称", "经济科目代码", "经济科目名称",
                   "资金性质代码", "资金性质名称", "支付方式代码", "支付方式名称", "预算项目代码", "预算项目名称",
                   "记账类型编号", "记账类型名称", "记账凭证行号"]

Z = Decimal(0)
# (month, day, 种类, 凭证号, 行号, 会计体系, 科目, 科目名称, 摘要, 借, 贷, 作废)
AUDIT_LINES = [
    (1, 10, "财记", "7", 1, "财务会计", "5001", "业务活动费用", "付软件服务费", Decimal("12000"), Z, "0"),
    (1, 10, "财记", "7", 2, "财务会计", "1011", "零余额账户用款额度", "付软件服务费", Z, Decimal("12000"), "0"),
    (1, 10, "预记", "7", 1, "预算会计", "7201", "行政支出", "付软件服务费", Decimal("12000"), Z, "0"),
    (1, 10, "预记", "7", 2, "预算会计", "8001", "资金结存", "付软件服务费", Z, Decimal("12000"), "0"),
    (2, 3, "财记", "7", 1, "财务会计", "5001", "业务活动费用", "差旅费", Decimal("800.50"), Z, "0"),
    (2, 3, "财记", "7", 2, "财务会计", "1011", "零余额账户用款额度", "差旅费", Z, Decimal("800.50"), "0"),
    (2, 9, "财记", "8", 1, "财务会计", "5001", "业务活动费用", "录错作废", Decimal("99"), Z, "1"),
    (2, 9, "财记", "8", 2, "财务会计", "1011", "零余额账户用款额度", "录错作废", Z, Decimal("99"), "1"),
]


def _ao_rows():
    rows = [AO_HEADER]
    for n, (m, d, kind, vno, line, _sys, code, name, text, debit, credit, void) in enumerate(AUDIT_LINES):
        if void == "1":
            continue  # the first form has no void flag: voided vouchers are not in it
        row = dict.fromkeys(AO_HEADER)
        row.update({"ID": str(n + 1), "会计科目编号": code, "会计科目名称": name, "记账凭证摘要": text,
                    "记账凭证日期": f"2024-{m:02d}-{d:02d} 00:00:00", "借方发生额": f"{debit:.2f}",
                    "贷方发生额": f"{credit:.2f}", "记账凭证种类": kind, "记账凭证编号": vno, "附件数": "1",
                    "会计年度": "2024", "会计月份": str(m), "审核人员": "李审核", "制单人员": "王会计",
                    "金额": f"{debit or credit:.2f}", "借方外币金额": "0", "贷方外币金额": "0", "记账凭证行号": str(line),
                    "会计电子账簿编号": "10090012024", "会计电子账簿名称": "某县某局2024", "年度": "2024",
                    "对方科目编码": "1011" if debit else "5001"})
        rows.append([row[h] for h in AO_HEADER])
    return rows


def _platform_rows():
    rows = [PLATFORM_HEADER]
    for m, d, kind, vno, line, system, code, name, text, debit, credit, void in AUDIT_LINES:
        row = dict.fromkeys(PLATFORM_HEADER)
        row.update({"会计年度": "2024", "单位代码": "301001", "单位名称": UNIT, "会计体系": system, "会计月份": str(m),
                    "记账凭证日期": f"2024{m:02d}{d:02d}", "记账凭证种类": kind, "记账凭证编号": vno,
                    "分录序号": f"2024-{m:02d}-记账-{vno}-{line}-{'01' if system == '财务会计' else '02'}",
                    "记账凭证摘要": text, "科目编码": code, "科目名称": name, "科目全称": name,
                    "借方发生额": f"{debit:,.2f}", "贷方发生额": f"{credit:,.2f}", "币种": "人民币",
                    "借方外币发生额": "0", "贷方外币发生额": "0", "制单人员": "王会计", "复核人员": "李审核",
                    "作废标志": void, "是否为预算账": "1" if system == "预算会计" else "0",
                    "功能科目代码": "2010301", "经济科目代码": "30201", "记账凭证行号": str(line)})
        rows.append([row[h] for h in PLATFORM_HEADER])
    return rows


@pytest.mark.parametrize("form", ["ao", "platform"])
def test_audit_voucher_table(tmp_path, load, form):
    rows = _ao_rows() if form == "ao" else _platform_rows()
    write_xlsx(tmp_path / "d" / "记账凭证表.xlsx", {"记账凭证表": rows})
    report, con = load(tmp_path / "d", unit=UNIT)
    (e,) = report.entries
    assert (e.layout, e.table_name, e.status) == ("audit_voucher_table", "ledger", "ok"), e.message_zh
    n_void = 0 if form == "ao" else 2
    assert (e.rows_read, e.rows_loaded, e.rows_quarantined, e.rows_deleted) == (len(rows) - 1, 6, 0, n_void)
    # the file has no 合计 row: totals equal to the invented live lines
    assert con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone() == (
        Decimal("24800.50"), Decimal("24800.50"))
    assert con.execute("SELECT kind FROM _load_issues").fetchall() == []  # 财记 and 预记 each balance
    assert [r[0] for r in con.execute("SELECT DISTINCT unit FROM ledger").fetchall()] == [UNIT]
    # money: 借方/贷方发生额 are of record, 外币 amounts are foreign amounts; only the first form's
    # 金额 (meaning not stated by the sources) is kept in _extra
    assert [h for h in e.unmapped if "金额" in h or "发生额" in h] == (["金额"] if form == "ao" else [])
    # 凭证 7 of January and of February: two vouchers (and 财记/预记 two more)
    ids = [r[0] for r in con.execute(
        "SELECT DISTINCT voucher_id FROM ledger WHERE voucher_no = '7' ORDER BY 1").fetchall()]
    assert ids == ["2024-01 财记-7", "2024-01 预记-7", "2024-02 财记-7"]
    assert con.execute(
        "SELECT voucher_date, account_code, account_name, line_no, preparer, approver, book FROM ledger "
        "WHERE voucher_id = '2024-01 预记-7' AND line_no = 1").fetchone() == (
        dt.date(2024, 1, 10), "7201", "行政支出", 1, "王会计", "李审核", "预算会计")
    assert_accounting(con)
