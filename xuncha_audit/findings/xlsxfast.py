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


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with a faster ``_write_cell`` for constant_memory workbooks.

    ``write_string``/``write_number``/``write_blank``/``write_datetime`` called with a row
    and column number skip xlsxwriter's A1-notation decorator (which tries ``int()`` on every
    call); called with ``"A1"`` they are xlsxwriter's own.
    """

    def write_string(self, row, col, *args, **kwargs):
        if type(row) is int:
            return self._write_string(row, col, *args, **kwargs)
        return super().write_string(row, col, *args, **kwargs)

    def write_number(self, row, col, *args, **kwargs):
        if type(row) is int:
            return self._write_number(row, col, *args, **kwargs)
        return super().write_number(row, col, *args, **kwargs)

    def write_blank(self, row, col, *args, **kwargs):
        if type(row) is int:
            return self._write_blank(row, col, *args, **kwargs)
        return super().write_blank(row, col, *args, **kwargs)

    def write_datetime(self, row, col, *args, **kwargs):
        if type(row) is int:
            return self._write_datetime(row, col, *args, **kwargs)
        return super().write_datetime(row, col, *args, **kwargs)

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = cell.__class__.__name__
        if not self.constant_memory or kind not in ("String", "Number", "Datetime", "Blank"):
            return super()._write_cell(row, col, cell)
        if kind == "String":
            string = cell.string
            if string.startswith("<r>") and string.endswith("</r>"):  # a rich string
                return super()._write_cell(row, col, cell)
            if _NEEDS_CONTROL_ESCAPE.search(string):
                string = self._escape_control_characters(string)
                if string.startswith("<r>") and string.endswith("</r>"):
                    return super()._write_cell(row, col, cell)

        if cell.format:
            attr = f' r="{_col(col)}{row + 1}" s="{cell.format._get_xf_index()}"'
        elif row in self.row_info and self.row_info[row].row_format:
            attr = f' r="{_col(col)}{row + 1}" s="{self.row_info[row].row_format._get_xf_index()}"'
        elif col in self.col_info and self.col_info[col].column_format is not None:
            attr = f' r="{_col(col)}{row + 1}" s="{self.col_info[col].column_format._get_xf_index()}"'
        else:
            attr = f' r="{_col(col)}{row + 1}"'

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
