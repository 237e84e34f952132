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
``tests/findings/test_xlsxfast.py`` writes the same sheets with both and compares the sheet
XML byte for byte, on texts chosen to hit every escape, so an xlsxwriter upgrade that changes
the format fails a test rather than a workbook.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# What xlsxwriter's _escape_control_characters acts on: an existing _xHHHH_ escape, a C0
# control character other than tab and newline, U+FFFE and U+FFFF.
_NEEDS_CONTROL_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# What xlsxwriter's _escape_data looks for before replacing &, < and >.
_XML_SPECIAL = re.compile('["&<>\n]')
_SPACE = re.compile(r"\s")

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
            string = cell.string
            if string.startswith("<r>") and string.endswith("</r>"):  # a rich string
                return super()._write_cell(row, col, cell)
            if _NEEDS_CONTROL_ESCAPE.search(string):  # (its escapes never add "<r>" or "</r>")
                string = self._escape_control_characters(string)

        # the cell's format, else its row's, else its column's (as xlsxwriter chooses)
        fmt = cell.format or (row in self.row_info and self.row_info[row].row_format) or (
            col in self.col_info and self.col_info[col].column_format)
        attr = f' r="{_col(col)}{row + 1}"' + (f' s="{fmt._get_xf_index()}"' if fmt else "")

        if kind == "String":
            # xlsxwriter: xml:space="preserve" when the text starts or ends with whitespace
            # (its regexes ^\s and \s$; \s$ also matches before a final newline, which is
            # itself whitespace, so the last character decides).
            preserve = ' xml:space="preserve"' if string and (
                _SPACE.match(string) or _SPACE.match(string[-1])) else ""
            if _XML_SPECIAL.search(string):
                string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            self.fh.write(f'<c{attr} t="inlineStr"><is><t{preserve}>{string}</t></is></c>')
        elif kind == "Blank":
            self.fh.write(f"<c{attr}/>")
        else:
            self.fh.write(f"<c{attr}><v>{cell.number:.16G}</v></c>")
        return None
