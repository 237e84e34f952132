"""Record XML (markup.xml_records) and the GB/T 24589 记账凭证 layout.

The fixture is built from the public description of the GB/T 24589-2010 general-ledger
interface file (the 记账凭证 record's element names as written by public exporter code, see
layouts/gbt24589_voucher.yaml); the wrapper element names (总账, 记账凭证集) and every value are
invented. Asserted: the layout recognised, every line loaded, debit and credit totals equal to
the invented lines (the file has no 合计 records), one audited unit, no money field left
unmapped, voucher numbers that restart every period kept apart, a voided line counted as
deleted, the other record sheets (电子账簿, 会计科目) accounted as skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from ingest_support import assert_accounting

from xuncha_audit.ingest.markup import MarkupError, sniff_markup, xml_records
from xuncha_audit.ingest.sources import SourceError, read_source

UNIT = "某县某局"

FIELDS = ["记账凭证日期", "会计年度", "会计期间号", "记账凭证类型编号", "记账凭证编号", "记账凭证行号",
          "记账凭证摘要", "科目编号", "辅助项1编号", "币种编码", "借方原币金额", "借方本币金额",
          "贷方原币金额", "贷方本币金额", "附件数", "制单人", "审核人", "记账人", "记账标志", "作废标志",
          "凭证来源系统"]


def _line(date, period, vno, line, text, code, debit, credit, void="0", aux=""):
    values = {"记账凭证日期": date, "会计年度": "2024", "会计期间号": str(period), "记账凭证类型编号": "记",
              "记账凭证编号": vno, "记账凭证行号": str(line), "记账凭证摘要": text, "科目编号": code,
              "辅助项1编号": aux, "币种编码": "CNY", "借方原币金额": f"{debit:.2f}",
              "借方本币金额": f"{debit:.2f}", "贷方原币金额": f"{credit:.2f}",
              "贷方本币金额": f"{credit:.2f}", "附件数": "2", "制单人": "王会计", "审核人": "李审核",
              "记账人": "赵记账", "记账标志": "1", "作废标志": void, "凭证来源系统": "总账"}
    return "<记账凭证>" + "".join(
        f"<{k}>{values[k]}</{k}>" if values[k] != "" else f"<{k}/>" for k in FIELDS) + "</记账凭证>"


def gbt_lines():
    """记-1 in January and in February (numbers restart each period); a 政府会计 平行记账
    voucher; a voided voucher; a red (negative) correction."""
    z = Decimal(0)
    return [
        ("20240110", 1, "1", 1, "付软件服务费", "5001", Decimal("12000"), z, "0", "0002"),
        ("20240110", 1, "1", 2, "付软件服务费", "1011", z, Decimal("12000"), "0", ""),
        ("20240110", 1, "1", 3, "付软件服务费", "7201", Decimal("12000"), z, "0", ""),
        ("20240110", 1, "1", 4, "付软件服务费", "8001", z, Decimal("12000"), "0", ""),
        ("20240203", 2, "1", 1, "差旅费", "5001", Decimal("800"), z, "0", ""),
        ("20240203", 2, "1", 2, "差旅费", "1011", z, Decimal("800"), "0", ""),
        ("20240215", 2, "2", 1, "冲销多付印刷费", "5001", Decimal("-150.50"), z, "0", ""),
        ("20240215", 2, "2", 2, "冲销多付印刷费", "1011", z, Decimal("-150.50"), "0", ""),
        ("20240220", 2, "3", 1, "录错作废", "5001", Decimal("99"), z, "1", ""),
        ("20240220", 2, "3", 2, "录错作废", "1011", z, Decimal("99"), "1", ""),
    ]


def gbt_xml(lines, encoding="UTF-8") -> str:
    body = "".join(_line(*ln) for ln in lines)
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<总账>\n'
            "<电子账簿><电子账簿编号>001</电子账簿编号><电子账簿名称>2024年账套</电子账簿名称>"
            f"<会计核算单位>{UNIT}</会计核算单位></电子账簿>\n"
            "<会计科目集><会计科目><科目编号>1011</科目编号><科目名称>零余额账户用款额度</科目名称></会计科目>"
            "<会计科目><科目编号>5001</科目编号><科目名称>业务活动费用</科目名称></会计科目></会计科目集>\n"
            f"<记账凭证集>{body}</记账凭证集>\n</总账>\n")


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_gbt24589_voucher_xml(tmp_path, load, encoding):
    lines = gbt_lines()
    d = tmp_path / "d"
    d.mkdir()
    codec = "gbk" if encoding == "GBK" else "utf-8"
    (d / "总账.xml").write_bytes(gbt_xml(lines, encoding).encode(codec))
    report, con = load(d, unit=UNIT)
    by_sheet = {e.sheet: e for e in report.entries}
    assert set(by_sheet) == {"记账凭证", "电子账簿", "会计科目"}
    v = by_sheet["记账凭证"]
    assert (v.layout, v.table_name, v.status) == ("gbt24589_voucher", "ledger", "ok"), v.message_zh
    assert v.encoding == f"XML {encoding}"
    assert (v.rows_read, v.rows_loaded, v.rows_quarantined, v.rows_deleted) == (10, 8, 0, 2)
    live = [ln for ln in lines if ln[8] == "0"]
    total_d = sum(ln[6] for ln in live)
    total_c = sum(ln[7] for ln in live)
    assert con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone() == (total_d, total_c)
    assert total_d == total_c == Decimal("24649.50")
    assert con.execute("SELECT kind FROM _load_issues").fetchall() == []  # every voucher balances
    assert [r[0] for r in con.execute("SELECT DISTINCT unit FROM ledger").fetchall()] == [UNIT]
    # no money field left unmapped: 本币 → debit/credit, 原币 → foreign amount
    assert not [h for h in v.unmapped if "金额" in h], v.unmapped
    # 记-1 of January and of February: two vouchers
    ids = [r[0] for r in con.execute(
        "SELECT DISTINCT voucher_id FROM ledger WHERE voucher_no = '1' ORDER BY 1").fetchall()]
    assert ids == ["2024-01 记-1", "2024-02 记-1"]
    got = con.execute(
        "SELECT voucher_date, account_code, line_no, debit, credit, book, preparer, approver FROM ledger "
        "WHERE voucher_id = '2024-01 记-1' ORDER BY line_no").fetchall()
    assert got[0] == (dt.date(2024, 1, 10), "5001", 1, Decimal("12000.00"), Decimal("0.00"), "财务会计", "王会计", "李审核")
    assert [r[5] for r in got] == ["财务会计", "财务会计", "预算会计", "预算会计"]  # 平行记账
    assert con.execute("SELECT debit FROM ledger WHERE voucher_id = '2024-02 记-2' AND line_no = 1"
                       ).fetchone() == (Decimal("-150.50"),)  # the red entry kept as it is
    # the other record sheets are not ledger lines: read and counted as skipped
    for sheet, n in (("电子账簿", 2), ("会计科目", 3)):  # field-name row + records
        e = by_sheet[sheet]
        assert (e.rows_read, e.rows_loaded, e.rows_skipped, e.status) == (n, 0, n, "skipped"), e
    assert_accounting(con)


def test_record_xml_grid():
    xml = ('<?xml version="1.0" encoding="utf-8"?><r xmlns="urn:x"><a id="7"><x>1</x><y> 2 </y>'
           '<x>3</x></a><a><y/><z u="元">9</z></a><box><b><k>v</k></b></box></r>')
    grids, label = xml_records(xml.encode())
    assert label == "UTF-8"
    sheets = {name: t.to_pylist() for name, t in grids}
    assert list(sheets) == ["a", "b"]
    rows = [list(r.values()) for r in sheets["a"]]
    assert rows == [["id", "x", "y", "x_2", "z", "z_u"],
                    ["7", "1", "2", "3", None, None],
                    [None, None, None, None, "9", "元"]]
    assert [list(r.values()) for r in sheets["b"]] == [["k"], ["v"]]


def test_nested_records_point_back_at_their_outer_record():
    # the shape of a 国库集中支付 voucher message: <Voucher> fields, <DetailList><Detail>...
    xml = ('<?xml version="1.0" encoding="GBK"?><Root>'
           "<Voucher><VoucherNo>001</VoucherNo><PayAmt>300.00</PayAmt><DetailList>"
           "<Detail><Id>1</Id><PayAmt>100.00</PayAmt></Detail><Detail><Id>2</Id><PayAmt>200.00</PayAmt></Detail>"
           "</DetailList></Voucher>"
           "<Voucher><VoucherNo>002</VoucherNo><PayAmt>50.00</PayAmt><DetailList>"
           "<Detail><Id>3</Id><PayAmt>50.00</PayAmt></Detail></DetailList></Voucher></Root>")
    grids, label = xml_records(xml.encode("gbk"))
    assert label == "GBK"
    sheets = {name: [list(r.values()) for r in t.to_pylist()] for name, t in grids}
    assert sheets["Voucher"] == [["VoucherNo", "PayAmt"], ["001", "300.00"], ["002", "50.00"]]
    # Voucher_行号: the row of the outer record in the Voucher sheet (row 1 = field names)
    assert sheets["Detail"] == [["Id", "PayAmt", "Voucher_行号"], ["1", "100.00", "2"],
                                ["2", "200.00", "2"], ["3", "50.00", "3"]]


def test_sniff_record_xml():
    assert sniff_markup(b'\xef\xbb\xbf<?xml version="1.0" encoding="GBK"?><a><b>1</b></a>') == "xml"
    assert sniff_markup(b'<?xml version="1.0"?><html><body><table>') == "html"


@pytest.mark.parametrize(("data", "zh"), [
    ('<?xml version="1.0" encoding="UTF-8"?>\n<a>\n<b>1</b>\n<c>2</b></a>', "第 4 行"),
    ('<?xml version="1.0" encoding="UTF-8"?><a>1</a>', "没有可读取的记录"),
    ('<?xml version="1.0" encoding="x-nonsense"?><a><b>1</b></a>', "编码"),
])
def test_bad_record_xml_is_a_clear_error(tmp_path, data, zh):
    p = tmp_path / "坏.xml"
    p.write_text(data, encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_source(p, tmp_path)
    assert zh in str(exc.value.zh if hasattr(exc.value, "zh") else exc.value)


def test_undecodable_xml_names_the_offset():
    data = b'<?xml version="1.0" encoding="UTF-8"?><a><b>' + b"\xff\xfe" + b"</b></a>"
    with pytest.raises(MarkupError) as exc:
        xml_records(data)
    assert "第 45 个字节" in exc.value.zh


def test_bad_xml_in_a_folder_is_logged_not_fatal(tmp_path, load):
    d = tmp_path / "d"
    d.mkdir()
    (d / "坏.xml").write_text('<?xml version="1.0"?><a><b>1</a>', encoding="utf-8")
    (d / "总账.xml").write_text(gbt_xml(gbt_lines()), encoding="utf-8")
    report, con = load(d, unit=UNIT)
    bad = [e for e in report.entries if e.file.endswith("坏.xml")]
    assert len(bad) == 1 and bad[0].status == "error" and "XML" in bad[0].message_zh
    assert con.execute("SELECT count(*) FROM ledger").fetchone()[0] == 8


def test_unrecognised_sheets_count_every_row_as_skipped(tmp_path, load):
    """Nothing read goes unaccounted: a sheet no layout or table recognises is skipped whole,
    and all its non-blank rows are counted (read = skipped), not only the rows read for
    recognition."""
    from ingest_support import write_csv, write_xlsx

    d = tmp_path / "d"
    rows = [["甲", "乙", "丙"]] + [[f"x{i}", f"y{i}", ""] for i in range(120)] + [["", "", ""]]
    write_csv(d / "杂项.csv", rows, encoding="gbk")
    write_xlsx(d / "杂项表.xlsx", {"Sheet1": rows})
    report, con = load(d, unit=UNIT)
    assert len(report.entries) == 2
    for e in report.entries:
        assert (e.status, e.rows_read, e.rows_skipped, e.rows_loaded) == ("skipped", 121, 121, 0), e
    assert_accounting(con)
