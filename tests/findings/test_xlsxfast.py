"""FastWorksheet writes exactly the XML xlsxwriter's own Worksheet writes (findings/xlsxfast.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
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

    assert "FastWorkbook" in workbook.write_workbook.__code__.co_names


def _rows_xml(tmp_path, whole_rows: bool) -> bytes:
    """The same rows written with ``write_cells`` (``whole_rows``) or xlsxwriter's own Worksheet
    cell by cell; rows of every kind, rows between them written by the cell API, skipped rows
    with and without row options, and rows the fast path hands back to xlsxwriter."""
    path = tmp_path / f"rows-{whole_rows}.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    wb.worksheet_class = FastWorksheet if whole_rows else Worksheet
    ws = wb.add_worksheet("检查")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = wb.add_format({"num_format": "#,##0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    row_fmt = wb.add_format({"italic": True})
    ws.set_column(7, 7, 12, wb.add_format({"font_color": "#404040"}))

    def put(r, cells):
        if whole_rows:
            ws.write_cells(r, cells)
            return
        for col, tag, v, fmt in cells:
            {"s": ws.write_string, "n": ws.write_number, "d": ws.write_datetime,
             "b": ws.write_blank}[tag](r, col, v, fmt)

    r = 0
    ws.write_string(r, 0, "表头", bold)  # a header through the cell API, then rows at once
    ws.write_string(r, 3, "金额", bold)
    r += 1
    for i, text in enumerate(TEXTS):
        if i % 3 == 1:
            ws.set_row(r, None, None, {"level": 1})  # an evidence row
        if i % 7 == 2:
            ws.set_row(r, None, row_fmt)  # a row format for the cells without one
        put(r, [(0, "s", text, bold), (1, "s", text, None), (2, "b", None, bold), (3, "b", None, None),
                (4, "n", NUMBERS[i % len(NUMBERS)], money), (5, "d", dt.date(2024, 1, 1 + i % 28), date),
                (6, "d", dt.datetime(2024, 5, 6, 7, 8, 9), None), (7, "s", text, None)])
        r += 1
        if i % 5 == 4:
            ws.set_row(r, None, None, {"level": 1})  # a row with options and no cells
            r += 1
        if i % 6 == 5:
            r += 1  # an empty row
    put(r, [(0, "b", None, None)])  # nothing to write: the row stays open to the cell API
    ws.write_number(r, 0, 7)  # the cell API between rows at once
    ws.write_string(r, 2, "cell API")
    r += 1
    put(r, [(0, "s", "<r>rich?</r>", None), (1, "s", "after a rich-looking text", bold)])  # handed back
    r += 1
    put(r, [(0, "s", "长" * 20000, None)])  # over Excel's text length: xlsxwriter truncates
    r += 1
    put(r, [(0, "s", "last row", None), (5, "n", 1.5, money)])
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_rows_at_once_are_the_same_xml_as_cell_by_cell(tmp_path):
    ours = _rows_xml(tmp_path, True)
    theirs = _rows_xml(tmp_path, False)
    assert ours == theirs
    xml = ours.decode("utf-8")
    assert 'outlineLevel="1"' in xml and "<dimension ref=" in xml and "cell API" in xml


def test_a_row_at_once_refuses_what_xlsxwriter_refuses(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "nan.xlsx"), {"constant_memory": True})
    wb.worksheet_class = FastWorksheet
    ws = wb.add_worksheet()
    with pytest.raises(TypeError, match="NAN/INF"):
        ws.write_cells(0, [(0, "n", float("nan"), None)])
    ws.write_cells(2, [(0, "s", "row 3", None)])
    ws.write_cells(1, [(0, "s", "behind the written row", None)])  # ignored, as xlsxwriter does
    wb.close()
    with zipfile.ZipFile(tmp_path / "nan.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "row 3" in xml and "behind" not in xml


def test_a_row_written_at_once_is_not_added_to(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "twice.xlsx"), {"constant_memory": True})
    wb.worksheet_class = FastWorksheet
    ws = wb.add_worksheet()
    ws.write_cells(0, [(0, "s", "once", None)])
    ws.write_string(0, 1, "added later")
    with pytest.raises(RuntimeError, match="row 1 was written at once"):
        ws.write_string(1, 0, "next row")


def test_the_workbook_zip_takes_its_level_and_leaves_xlsxwriter_as_it_was(tmp_path, monkeypatch):
    import xlsxwriter.workbook

    from xuncha_audit.findings import xlsxfast

    def write(name: str, level: int) -> Path:
        monkeypatch.setattr(xlsxfast, "ZIP_LEVEL", level)
        wb = xlsxfast.FastWorkbook(str(tmp_path / name), {"constant_memory": True})
        ws = wb.add_worksheet()
        assert isinstance(ws, FastWorksheet)
        for r in range(2000):
            ws.write_cells(r, [(0, "s", f"疑点 {r % 37} 重复的文本", None), (1, "n", r * 1.5, None)])
        wb.close()
        return tmp_path / name

    stored, packed = write("stored.xlsx", 0), write("packed.xlsx", 9)
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # restored after each store
    with zipfile.ZipFile(stored) as a, zipfile.ZipFile(packed) as b:
        sheet = "xl/worksheets/sheet1.xml"
        assert a.read(sheet) == b.read(sheet)  # the same workbook ...
        assert a.getinfo(sheet).compress_size > 3 * b.getinfo(sheet).compress_size  # ... at its level
    assert openpyxl.load_workbook(packed).active["A2"].value == "疑点 1 重复的文本"


def _long_workbook(path: Path, *, splice: bool, rows: int = 3000, zip64: bool = False) -> Path:
    """Two long sheets and a short one; ``splice`` False: the rows copied into each sheet's
    file before the zip reads it (the way before the splice)."""
    from xuncha_audit.findings import xlsxfast

    wb = xlsxfast.FastWorkbook(str(path), {"constant_memory": True})
    # docProps/core.xml holds the time the workbook was made: fixed, so that two workbooks made
    # across a second's boundary still compare byte for byte.
    wb.set_properties({"created": dt.datetime(2026, 1, 2, 3, 4, 5)})
    if zip64:
        wb.use_zip64()
    for s in range(3):
        ws = wb.add_worksheet(f"表{s}")
        if not splice:
            ws._splices = None
        ws.write_string(0, 0, "标题 header")
        for r in range(1, 2 if s == 2 else rows):
            ws.write_cells(r, [(0, "s", f"疑点 {s}-{r} A&B <x>", None), (1, "n", r * 1.25, None)])
    wb.close()
    return path


def test_long_sheets_rows_go_into_the_zip_from_their_own_file(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # xlsxwriter's temporary files
    spliced = _long_workbook(tmp_path / "spliced.xlsx", splice=True)
    copied = _long_workbook(tmp_path / "copied.xlsx", splice=False)
    assert spliced.read_bytes() == copied.read_bytes()  # the same members, bytes and all
    assert list(scratch.iterdir()) == []  # every sheet's and rows' file deleted
    book = openpyxl.load_workbook(spliced, read_only=True)
    rows = list(book["表1"].iter_rows(values_only=True))
    assert rows[0] == ("标题 header", None) and rows[-1] == ("疑点 1-2999 A&B <x>", 2999 * 1.25)
    assert len(rows) == 3000 and len(list(book["表2"].iter_rows())) == 2


def test_a_failed_store_leaves_no_rows_file_behind(tmp_path, monkeypatch):
    import tempfile

    from xuncha_audit.findings import xlsxfast

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def broken(zf, filename, arcname, offset, rows, *compression):
        raise OSError("disk full")

    monkeypatch.setattr(xlsxfast, "_write_spliced", broken)
    with pytest.raises(xlsxwriter.exceptions.FileCreateError, match="disk full"):
        _long_workbook(tmp_path / "broken.xlsx", splice=True)
    # the rows' files (~300 KB each) gone; what xlsxwriter itself leaves is its own
    assert not [p for p in scratch.iterdir() if p.stat().st_size > 50_000]


def test_a_spliced_sheet_is_sized_before_it_is_zipped(tmp_path, monkeypatch):
    """The zip decides on ZIP64 from a member's size before writing it: the sheet's own file
    holds only its head and tail, so the rows' size must be counted in (a sheet over 2 GiB
    would fail with "File size too large" at the end of the export). The limit lowered to
    1,000 bytes stands in for 2 GiB."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    path = _long_workbook(tmp_path / "zip64.xlsx", splice=True, rows=200, zip64=True)
    with zipfile.ZipFile(path) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 1000 and b"\x01\x00" in sheet.extra[:2]  # a ZIP64 extra field
        assert z.read(sheet).count(b"<row ") == 200
