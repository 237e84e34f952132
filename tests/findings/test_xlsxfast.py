"""FastWorksheet writes exactly the XML xlsxwriter's own Worksheet writes (findings/xlsxfast.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xuncha_audit.findings.xlsxfast import FastWorksheet

TEXTS = [
    "", "plain", "被巡察单位", "某市住房和城乡建设局 P01-0007",
    "A&B <公司> \"引号\" 'x'", "line\nbreak", "crlf\r\nline",
    " leading", "trailing ", "\ttab", "end\n", "ab \n", "a\nb", "\u3000全角空格", "全角空格\u3000",
    "\x01ctrl", "bell\x07 and \x1f", "\x1c", "sep\x1d", "_x0041_ literal", "_x00zz_ not hex", "\ufffe\uffff",
    "<r>rich?</r>", "<r>", "x" * 500, "数据 & 证据 > 10 < 20",
]
NUMBERS = [0, 1, -1, 3.14159, 1234567.891, 1e-20, -2.5e300, 12345678901234567890, 0.1 + 0.2]


def _sheet_xml(tmp_path, cls, *, constant_memory=True) -> bytes:
    path = tmp_path / f"{cls.__name__}-{constant_memory}.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    wb.worksheet_class = cls
    ws = wb.add_worksheet("全部疑点")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = wb.add_format({"num_format": "#,##0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    row_fmt = wb.add_format({"italic": True})
    col_fmt = wb.add_format({"font_color": "#404040"})
    ws.set_column(6, 6, 12, col_fmt)  # a column format, used by cells written without one
    r = 0
    for i, text in enumerate(TEXTS):
        ws.write_string(r, 0, text)
        ws.write_string(r, 1, text, bold)
        ws.write_number(r, 2, NUMBERS[i % len(NUMBERS)], money)
        ws.write_datetime(r, 3, dt.date(2024, 1, 1) + dt.timedelta(days=i), date)
        ws.write_blank(r, 4, None, bold)  # a styled blank (finding rows' fill)
        ws.write_blank(r, 5, None)  # no format: xlsxwriter writes nothing
        ws.write_string(r, 6, text)  # takes the column's format
        if i % 4 == 0:
            ws.set_row(r + 1, None, row_fmt, {"level": 1})  # the next row has a row format
        r += 1
    for n in NUMBERS:
        ws.write_number(r, 0, n)
        ws.write_boolean(r, 1, bool(r % 2))  # delegated to xlsxwriter
        ws.write_formula(r, 2, "=A1&\"<x>\"", None, "v")  # delegated
        ws.write_rich_string(r, 3, "普通", bold, "加粗")  # delegated
        ws.set_row(r, None, None, {"level": 1})
        r += 1
    ws.write_string(f"A{r + 1}", "A1 notation", bold)  # the public methods' other form
    ws.write_number(f"B{r + 1}", 42, money)
    ws.write_datetime(f"C{r + 1}", dt.date(2024, 3, 1), date)
    ws.write_blank(f"D{r + 1}", None, bold)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("constant_memory", [True, False])
def test_the_sheet_xml_is_the_same_byte_for_byte(tmp_path, constant_memory):
    ours = _sheet_xml(tmp_path, FastWorksheet, constant_memory=constant_memory)
    theirs = _sheet_xml(tmp_path, Worksheet, constant_memory=constant_memory)
    assert ours == theirs
    if constant_memory:  # the texts did reach the paths under test
        xml = ours.decode("utf-8")
        for piece in ("_x0001_", "_x005F_x0041_", "_xFFFE_", "&amp;", "&lt;", 'xml:space="preserve"', "<r>"):
            assert piece in xml, piece
        assert re.search(r'<c r="G2" s="\d+" t="inlineStr">', xml)  # the column format applied


def test_findings_workbooks_use_it(tmp_path):
    from xuncha_audit.findings import workbook

    assert "FastWorksheet" in workbook.write_workbook.__code__.co_names
