"""A faster cell writer for xlsxwriter's ``constant_memory`` mode, byte for byte the same XML.

findings.xlsx is written row by row (``constant_memory``): xlsxwriter turns every cell into
XML as the row is left, and at 75,000 findings (about 2.5 million cells) that step was over
half of the workbook's time (py-spy): per cell it runs two regular-expression substitutions
for control characters, two whitespace searches and an escape search on each attribute (the
cell reference and the style number, which never need one).

:class:`FastWorksheet` writes the common cells — text, numbers, dates and styled blanks — in
one pass: one search decides whether a text needs any control-character work at all, the
attributes are written as they are. Everything else (formulas, rich strings, booleans, a
workbook not in ``constant_memory`` mode) goes to xlsxwriter's own ``_write_cell``.
:meth:`FastWorksheet.write_cells` goes one step further for the long listings (全部疑点 and the
check sheets, one row per finding or evidence record): a whole row's cells, typed by the
caller, become one string written once, without xlsxwriter's per-cell bookkeeping (a cell
tuple stored, dimensions checked, the row flushed when the next begins). At a million
findings the per-cell path cost ~5 µs a cell over ~50 million cells.
``tests/findings/test_xlsxfast.py`` writes the same sheets with both and compares the sheet
XML byte for byte, on texts chosen to hit every escape, so an xlsxwriter upgrade that changes
the format fails a test rather than a workbook.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import threading
import zipfile

import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet, _utf16_len

# Deflate level of the workbook's zip. xlsxwriter leaves zlib's default (6): 1.2 s for each of
# the two 130 MB sheets of 75,000 findings, on one core beside the other writers. Level 3:
# 0.5 s each, the file ~20 % larger (11.3 -> 13.8 MB for the larger sheet). Level 1: a
# province's 1.2 GB of sheet XML 4.7 -> ~3.4 s of zlib in the zip's thread, the last step of
# the export (its export 30.0-30.1 -> 28.8-29.1 s), the workbook 122 -> 130 MB. Any level is a
# valid xlsx; the bytes are the same on every run.
ZIP_LEVEL = 1
_STORE_LOCK = threading.Lock()  # the patched ZipFile is xlsxwriter's module global


class _LevelZipFile(zipfile.ZipFile):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)

# What xlsxwriter's _escape_control_characters acts on: an existing _xHHHH_ escape, a C0
# control character other than tab and newline, U+FFFE and U+FFFF.
_NEEDS_CONTROL_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# What xlsxwriter's _escape_data looks for before replacing &, < and >.
_XML_SPECIAL = re.compile('["&<>\n]')
_SPACE = re.compile(r"\s")
_INF = math.inf

_COLUMNS: dict[int, str] = {}


def _col(col: int) -> str:
    name = _COLUMNS.get(col)
    if name is None:
        name = _COLUMNS[col] = xl_col_to_name(col)
    return name


def _by_number(name: str):
    """``Worksheet.<name>`` without the A1-notation decorator when given row/column numbers."""
    fast, public = getattr(Worksheet, "_" + name), getattr(Worksheet, name)

    def method(self, row, col, *args, **kwargs):
        return (fast if type(row) is int else public)(self, row, col, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with a faster ``_write_cell`` for constant_memory workbooks.

    ``write_string``/``write_number``/``write_blank``/``write_datetime`` called with a row
    and column number skip xlsxwriter's A1-notation decorator (which tries ``int()`` on every
    call); called with ``"A1"`` they are xlsxwriter's own.
    """

    write_string = _by_number("write_string")
    write_number = _by_number("write_number")
    write_blank = _by_number("write_blank")
    write_datetime = _by_number("write_datetime")

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = cell.__class__.__name__
        if not self.constant_memory or kind not in ("String", "Number", "Datetime", "Blank"):
            return super()._write_cell(row, col, cell)
        if kind == "String":
            if _is_rich(cell.string):
                return super()._write_cell(row, col, cell)
            value, tag = cell.string, "s"
        elif kind == "Blank":
            value, tag = None, "b"
        else:
            value, tag = cell.number, "n"
        self.fh.write(self._cell_xml(row, f"{row + 1}", col, tag, value, cell.format))
        return None

    def _cell_xml(self, row: int, row_ref: str, col: int, tag: str, value, fmt) -> str:
        """One ``<c>`` element as xlsxwriter's ``_write_cell`` writes it in constant_memory
        mode: ``tag`` "s" a text (not a rich string), "n" a number, "b" a styled blank."""
        # the cell's format, else its row's, else its column's (as xlsxwriter chooses)
        fmt = fmt or (row in self.row_info and self.row_info[row].row_format) or (
            col in self.col_info and self.col_info[col].column_format)
        attr = f' r="{_col(col)}{row_ref}"' + (f' s="{fmt._get_xf_index()}"' if fmt else "")
        if tag == "s":
            string = value
            if _NEEDS_CONTROL_ESCAPE.search(string):  # (its escapes never add "<r>" or "</r>")
                string = self._escape_control_characters(string)
            # xlsxwriter: xml:space="preserve" when the text starts or ends with whitespace
            # (its regexes ^\s and \s$; \s$ also matches before a final newline, which is
            # itself whitespace, so the last character decides).
            preserve = ' xml:space="preserve"' if string and (
                _SPACE.match(string) or _SPACE.match(string[-1])) else ""
            if _XML_SPECIAL.search(string):
                string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return f'<c{attr} t="inlineStr"><is><t{preserve}>{string}</t></is></c>'
        if tag == "b":
            return f"<c{attr}/>"
        return f"<c{attr}><v>{value:.16G}</v></c>"

    def write_cells(self, row: int, cells: list[tuple[int, str, object, object]]) -> None:
        """Write one whole row at once: ``cells`` are ``(col, tag, value, format)`` in column
        order, ``tag`` "s" text, "n" number, "d" date/datetime, "b" blank (written only with
        a format, as xlsxwriter does).

        The XML is the same as ``write_string``/``write_number``/``write_datetime``/
        ``write_blank`` cell by cell would give, built as one string and written once; set
        ``set_row`` options for the row before calling. Where the fast path does not apply
        (not constant_memory, a row behind the one being written, a rich-string-like text,
        NaN/inf, a text over Excel's length, a cell out of bounds) the row is written cell by
        cell through xlsxwriter, with its own behaviour.
        """
        if not self._row_at_once(row, cells):
            put_cells(self, row, cells)
            return
        ref = f"{row + 1}"
        parts = []
        cmin = cmax = None
        for col, tag, value, fmt in cells:
            if tag == "b" and fmt is None:
                continue  # xlsxwriter writes no unformatted blank
            if tag == "d":
                value, tag = self._convert_date_time(value), "n"
                fmt = fmt or self.default_date_format
            parts.append(self._cell_xml(row, ref, col, tag, value, fmt))
            if cmin is None:
                cmin = col
            cmax = col
        if not parts and row not in self.row_info:
            return  # nothing to write: as cell by cell, nothing changes
        if row > self.previous_row:
            self._write_single_row(row)  # a row kept by xlsxwriter's own path, if any
        if parts:
            if self.dim_rowmin is None or row < self.dim_rowmin:
                self.dim_rowmin = row
            if self.dim_rowmax is None or row > self.dim_rowmax:
                self.dim_rowmax = row
            if self.dim_colmin is None or cmin < self.dim_colmin:
                self.dim_colmin = cmin
            if self.dim_colmax is None or cmax > self.dim_colmax:
                self.dim_colmax = cmax
            self._write_row(row, None, self.row_info.get(row))
            parts.append("</row>")
            self.fh.write("".join(parts))
        elif row in self.row_info:
            self._write_empty_row(row, None, self.row_info[row])
        self.previous_row = self._written = row  # xlsxwriter's next flush skips it (below)

    _written: int | None = None  # the row write_cells wrote last, while it is xlsxwriter's current row
    # {sheet file: (byte offset of its rows, rows' file)}, shared with its FastWorkbook (None:
    # the rows are copied into the sheet's file, as in any xlsxwriter Workbook)
    _splices: dict[str, tuple[int, str]] | None = None

    def write_xml_rows(self, first: int, last: int, xml: str, cmin: int | None, cmax: int | None,
                       level: int = 0) -> None:
        """Write rows ``first``..``last``, given as their finished ``<row>`` elements (built by
        DuckDB, see :mod:`xuncha_audit.findings.xlsxsql`), after every row written so far;
        ``cmin``/``cmax``: their first and last columns with a cell; ``level``: the highest
        outline level among them (the sheet's outline settings)."""
        if not self.constant_memory or first <= self.previous_row or last < first:
            raise RuntimeError(f"rows {first + 1}..{last + 1} cannot be written at once here")
        self._write_single_row(first)  # the row xlsxwriter keeps, if any (the header)
        if self.dim_rowmin is None or first < self.dim_rowmin:
            self.dim_rowmin = first
        if self.dim_rowmax is None or last > self.dim_rowmax:
            self.dim_rowmax = last
        if cmin is not None and (self.dim_colmin is None or cmin < self.dim_colmin):
            self.dim_colmin = cmin
        if cmax is not None and (self.dim_colmax is None or cmax > self.dim_colmax):
            self.dim_colmax = cmax
        self.outline_row_level = max(self.outline_row_level, level)
        self.fh.write(xml)
        self.previous_row = self._written = last

    def _write_optimized_sheet_data(self) -> None:
        """xlsxwriter's ``<sheetData>`` from the rows' temporary file.

        In a :class:`FastWorkbook` the rows are not copied here at all: the sheet's file gets
        its head and tail, and the zip reads the rows' file in between (:func:`_write_spliced`)
        — the copy wrote a province's 1.2 GB of sheet XML to disk a second time, read it back
        and deleted it, 3.5 s of the 9.6 s the zip took, the last step of its export. Else they
        are copied as bytes in large blocks (xlsxwriter copies them as text, 64 KiB at a time:
        decoded and encoded again, ~1 GB of XML at a province, 2.8 s)."""
        out = getattr(self.fh, "buffer", None)
        if self.dim_rowmin is None or out is None or not self.row_data_filename:
            return super()._write_optimized_sheet_data()
        self._xml_start_tag("sheetData")
        self.fh.flush()  # what is written so far goes first
        self.row_data_fh.close()  # (and flushed)
        sheet_file = getattr(self.fh, "name", None)
        if self._splices is not None and isinstance(sheet_file, str):
            self._splices[os.path.abspath(sheet_file)] = (out.tell(), self.row_data_filename)
        else:
            with open(self.row_data_filename, "rb") as rows:
                shutil.copyfileobj(rows, out, 1 << 20)
            os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")
        return None

    def _write_single_row(self, current_row_num=0) -> None:
        """xlsxwriter's flush of its current row, which skips a row written by write_cells."""
        if self._written is not None and self.previous_row == self._written:
            if self.table.get(self._written):
                raise RuntimeError(f"row {self._written + 1} was written at once; "
                                   "its cells cannot be added to afterwards")
            self._written = None
            self.previous_row = current_row_num
            self.table.clear()
            return
        super()._write_single_row(current_row_num)

    def _row_at_once(self, row: int, cells) -> bool:
        if not self.constant_memory or row < self.previous_row or not 0 <= row < self.xls_rowmax:
            return False
        if row == self.previous_row and (self.table or self._written == row):
            return False  # cells of this row already kept by xlsxwriter's path, or written at once
        for col, tag, value, _ in cells:
            if not 0 <= col < self.xls_colmax:
                return False
            if tag == "s":
                if _is_rich(value) or (len(value) > self.xls_strmax // 2 and _utf16_len(value) > self.xls_strmax):
                    return False
            elif tag == "n" and (value != value or value in (_INF, -_INF)):
                return False
        return True


class FastWorkbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook with :class:`FastWorksheet` sheets, zipped at :data:`ZIP_LEVEL`,
    each long sheet's rows read into the zip from the file they were written to."""

    def __init__(self, filename=None, options=None):
        super().__init__(filename, options)
        self.worksheet_class = FastWorksheet
        self._splices: dict[str, tuple[int, str]] = {}

    def add_worksheet(self, name=None, worksheet_class=None):
        ws = super().add_worksheet(name, worksheet_class)
        if isinstance(ws, FastWorksheet):
            ws._splices = self._splices
        return ws

    def _store_workbook(self) -> None:
        # xlsxwriter opens the zip as ``ZipFile(..., compression=ZIP_DEFLATED)`` and offers no
        # level; its module's ZipFile is swapped while this workbook is stored, for one that
        # also reads a sheet's rows from their own file (xlsxwriter adds each part with
        # ``ZipFile.write(its temporary file, its name)``)
        splices = self._splices

        class _Zip(_LevelZipFile):
            def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
                key = os.path.abspath(os.fspath(filename))
                splice = splices.get(key)
                if splice is None:
                    return super().write(filename, arcname, compress_type, compresslevel)
                _write_spliced(self, filename, arcname, *splice, compress_type, compresslevel)
                del splices[key]  # (its rows' file deleted; left in the dict when it failed)
                return None

        with _STORE_LOCK:
            plain = xlsxwriter.workbook.ZipFile
            xlsxwriter.workbook.ZipFile = _Zip
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = plain
                for _, rows in splices.values():  # a store that failed part way: no rows left behind
                    with contextlib.suppress(OSError):
                        os.unlink(rows)
                splices.clear()


def _write_spliced(zf: zipfile.ZipFile, filename, arcname, offset: int, rows: str,
                   compress_type: int | None = None, compresslevel: int | None = None) -> None:
    """Add ``filename`` to ``zf`` as ``ZipFile.write`` does, with the bytes of the file ``rows``
    inserted at byte ``offset``; then delete ``rows``. The member is the one ``write`` would
    add had the rows been copied into the file there (same name, time stamp, level, bytes)."""
    zinfo = zipfile.ZipInfo.from_file(  # (ZipFile.write passes its own setting, a private attribute)
        filename, arcname, strict_timestamps=getattr(zf, "_strict_timestamps", True))
    zinfo.compress_type = zf.compression if compress_type is None else compress_type
    level = zf.compresslevel if compresslevel is None else compresslevel
    if hasattr(zinfo, "compress_level"):  # Python 3.13 and later
        zinfo.compress_level = level
    else:
        zinfo._compresslevel = level
    # the size known before writing: the zip decides on ZIP64 from it (a sheet over 2 GiB)
    zinfo.file_size += os.path.getsize(rows)
    block = 1 << 20
    with open(filename, "rb") as src, zf.open(zinfo, "w") as dest:
        left = offset
        while left and (chunk := src.read(min(block, left))):
            dest.write(chunk)
            left -= len(chunk)
        with open(rows, "rb") as body:
            shutil.copyfileobj(body, dest, block)
        shutil.copyfileobj(src, dest, block)
    os.unlink(rows)


def put_cells(ws: Worksheet, row: int, cells) -> None:
    """Write typed cells (as for :meth:`FastWorksheet.write_cells`) one by one through
    xlsxwriter's cell API, on any worksheet."""
    for col, tag, value, fmt in cells:
        if tag == "s":
            ws.write_string(row, col, value, fmt)
        elif tag == "n":
            ws.write_number(row, col, value, fmt)
        elif tag == "d":
            ws.write_datetime(row, col, value, fmt)
        else:
            ws.write_blank(row, col, None, fmt)


def _is_rich(string: str) -> bool:
    """xlsxwriter writes a text that starts with <r> and ends with </r> as rich-string XML."""
    return string.startswith("<r>") and string.endswith("</r>")
