"""Formats recognised by content, not by name (issue 11 item 8): HTML tables saved as
.xls (charset from the page, several tables, colspan/rowspan), SpreadsheetML 2003 XML saved
as .xls, WPS .et files that are xlsx/xls inside, workbooks under the wrong extension, CSV
with title lines above the header."""

from __future__ import annotations

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

from xuncha_audit.ingest.markup import html_tables, sniff_markup

HTML = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>导出</title></head><body>
<table border="1">
<tr><td colspan="6" align="center">某市住房和城乡建设局 序时账</td></tr>
<tr><td colspan="3">2024年01月</td><td colspan="3">金额单位：元</td></tr>
<tr><th>凭证日期</th><th>凭证号</th><th>摘要</th><th>科目名称</th><th>借方金额</th><th>贷方金额</th></tr>
<tr><td rowspan="2">2024-01-05</td><td rowspan="2">记-1</td><td>购办公用品&amp;耗材</td><td>办公费</td><td>1,234.50</td><td>&nbsp;</td></tr>
<tr><td>购办公用品<br/>耗材</td><td>银行存款</td><td></td><td>1,234.50</td></tr>
<tr><td>2024-01-06</td><td>记-2</td><td>差旅费</td><td>差旅费</td><td>800.00</td><td></td></tr>
</table>
<table><tr><td>制表人：张三</td></tr></table>
</body></html>"""


@pytest.mark.parametrize(("charset", "codec"), [("gb2312", "gbk"), ("GBK", "gbk"), ("utf-8", "utf-8")])
def test_html_table_saved_as_xls(tmp_path, load, charset, codec):
    d = tmp_path / "d"
    d.mkdir()
    (d / "序时账.xls").write_bytes(HTML.format(charset=charset).encode(codec))
    report, con = load(d)
    ledger = [e for e in report.entries if e.table_name == "ledger"]
    assert len(ledger) == 1 and ledger[0].rows_loaded == 3, report.entries
    assert ledger[0].encoding == f"HTML {charset.upper()}"
    rows = con.execute(
        "SELECT _source_row, voucher_date, voucher_no, summary, debit, credit FROM ledger ORDER BY 1").fetchall()
    # rowspan: the date and voucher belong to both lines of the voucher
    assert [(r[0], str(r[1]), r[2], r[3]) for r in rows] == [
        (4, "2024-01-05", "记-1", "购办公用品&耗材"), (5, "2024-01-05", "记-1", "购办公用品 耗材"),
        (6, "2024-01-06", "记-2", "差旅费")]
    assert sum(r[4] or 0 for r in rows) == Decimal("2034.50")
    assert_accounting(con)


def test_html_spans_expand_like_merged_cells():
    grids, label = html_tables(HTML.format(charset="utf-8").encode())
    assert label == "UTF-8" and [n for n, _ in grids] == ["表1", "表2"]
    rows = grids[0][1].to_pylist()
    assert len(grids[0][1].column_names) == 6
    assert list(rows[0].values()) == ["某市住房和城乡建设局 序时账", None, None, None, None, None]
    assert list(rows[1].values()) == ["2024年01月", None, None, "金额单位：元", None, None]
    assert list(rows[4].values()) == ["2024-01-05", "记-1", "购办公用品 耗材", "银行存款", None, "1,234.50"]


def test_sniff_markup():
    assert sniff_markup(b"\xef\xbb\xbf  <html><body><table>") == "html"
    assert sniff_markup(b"<table><tr><td>1") == "html"
    assert sniff_markup(b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">') \
        == "spreadsheetml"
    assert sniff_markup(b"a,b\n1,2") is None


SPREADSHEETML = """<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="凭证">
  <Table>
   <Row><Cell ss:MergeAcross="5"><Data ss:Type="String">序时账</Data></Cell></Row>
   <Row>{header}</Row>
   <Row><Cell><Data ss:Type="String">2024-01-05</Data></Cell><Cell><Data ss:Type="String">记-1</Data></Cell>
    <Cell><Data ss:Type="String">购办公用品</Data></Cell><Cell><Data ss:Type="String">办公费</Data></Cell>
    <Cell><Data ss:Type="Number">1234.5</Data></Cell></Row>
   <Row ss:Index="5"><Cell><Data ss:Type="String">2024-01-06</Data></Cell><Cell><Data ss:Type="String">记-2</Data></Cell>
    <Cell ss:Index="4"><Data ss:Type="String">差旅费</Data></Cell><Cell ss:Index="6"><Data ss:Type="Number">800</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>"""


def test_spreadsheetml_saved_as_xls(tmp_path, load):
    header = "".join(f'<Cell><Data ss:Type="String">{h}</Data></Cell>' for h in LEDGER_HEADER[:6])
    d = tmp_path / "d"
    d.mkdir()
    (d / "序时账.xls").write_text(SPREADSHEETML.format(header=header), encoding="utf-8")
    report, con = load(d)
    (entry,) = report.entries
    assert (entry.table_name, entry.rows_loaded, entry.encoding) == ("ledger", 2, "SpreadsheetML")
    got = con.execute("SELECT _source_row, voucher_no, summary, debit, credit FROM ledger ORDER BY 1").fetchall()
    assert got == [(3, "记-1", "购办公用品", Decimal("1234.50"), None), (5, "记-2", None, None, Decimal("800.00"))]
    assert_accounting(con)


@pytest.mark.parametrize(("inner", "name"), [("xlsx", "序时账.et"), ("xls", "序时账.et"), ("xlsx", "序时账.xls"),
                                           ("xls", "序时账.xlsx")])
def test_wps_et_and_wrong_extension_detected_by_content(tmp_path, load, inner, name):
    src = tmp_path / f"src.{inner}"
    (write_xlsx if inner == "xlsx" else write_xls)(src, {"凭证": [LEDGER_HEADER, *LEDGER_ROWS]})
    d = tmp_path / "d"
    d.mkdir()
    (d / name).write_bytes(src.read_bytes())
    report, con = load(d)
    assert [(e.file, e.status, e.rows_loaded) for e in report.entries] == [(name, "ok", 4)]
    assert_accounting(con)


def test_csv_with_title_lines_above_the_header(tmp_path, load):
    rows = [["某市住房和城乡建设局"], ["2024年1月 序时账", "", "", "", "", "", "", ""], ["金额单位：元"],
            LEDGER_HEADER, *LEDGER_ROWS]
    write_csv(tmp_path / "d" / "序时账.csv", rows, "gbk")
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.rows_read, entry.rows_loaded) == (4, 4)
    assert [r[0] for r in con.execute("SELECT _source_row FROM ledger ORDER BY 1").fetchall()] == [5, 6, 7, 8]
