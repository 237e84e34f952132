"""Government-accounting export layouts added for issue 11 (public descriptions named in each
layout file; rows invented).

用友政务 web 版总账 明细账「导出本页」: uf.expTable writes an HTML page — a title table (明细账,
单位, 期间, 科目, 方案名称) and the rendered DataTables table (日期 over 年 | 月 | 日, 凭证字号,
摘要, 借方金额, 贷方金额, 方向, 余额; 类型/凭证ID/票据号/对方科目 hidden by default) — saved as
明细账.xls. The summary rows' 摘要 wording (期初余额, 本月合计, 本年累计) is the server's and is
not in the public code: invented here with the usual words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ingest_support import assert_accounting

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
