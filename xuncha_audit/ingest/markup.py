"""Tables written as markup and saved under a spreadsheet name.

Many web systems' "导出Excel" buttons write an **HTML page** with a ``<table>`` and name it
``.xls`` (sometimes ``.xlsx``); older ones write **SpreadsheetML 2003** (XML with
``urn:schemas-microsoft-com:office:spreadsheet``). Both are recognised by content
(:func:`sniff_markup`), not by the file name, and read here into the same grid of strings
the Excel reader produces (:class:`~xuncha_audit.ingest.sources.ExcelSheet`).

HTML: the charset comes from a BOM, else the page's ``<meta charset=...>`` or
``<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`` (gb2312 and gbk
are read as GB18030, their superset), else UTF-8 if it decodes, else GB18030. Every
``<table>`` is one sheet (``表1``, ``表2`` ..., or its ``<caption>``); a table nested in a
cell is a table of its own. ``colspan``: the value stands in the first column of the span,
the others are empty (a title over the whole width stays one title). ``rowspan``: the value
is repeated in every row of the span — the page says the cell belongs to each of those rows
(a voucher's date and number spanning its lines). A table of title lines only (at most 10
rows, none with two non-empty cells) that is followed by another table is put above that table as its
title lines, not read as a sheet of its own (web exports that write ``明细账`` /
``科目：1011 …`` in one table and the data in the next). Cell text is
the text content with whitespace collapsed; ``<br>`` becomes a space.

SpreadsheetML: one sheet per ``Worksheet`` (``ss:Name``); ``ss:Index`` (1-based column
jumps), ``ss:MergeAcross``/``ss:MergeDown`` are honoured the same way.

Record XML (any other file that starts with ``<?xml``, e.g. the interface files of the
national accounting-software data-interface standard GB/T 24589, or a system's XML export):
a **record** is an element with child elements that have no children of their own
(``<记账凭证><记账凭证编号>12</记账凭证编号>...</记账凭证>``). Every record tag is one
sheet named after the tag; its header row is the record's attribute names and child tag
names in first-seen order (a child repeated within one record becomes ``名称_2``), one row
per record in file order (row 2 = the first record); an attribute of a simple child is a
field ``名称_属性``. Namespaces are dropped from tag names.
An element whose children are all records is a container, not a record; an element with both
simple children and records is a record too (its simple children), so no value is lost. A
record nested in another record gets a field ``外层标签_行号``: the row of the outer record in
its sheet.
Which sheet is which table, and what each field means, is said by a layout
(``xuncha_audit/ingest/layouts``), not here. The encoding comes from a BOM or the XML
declaration (gb2312/gbk read as GB18030), else UTF-8.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

import pyarrow as pa

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8",
          "utf8": "utf-8", "big5": "big5", "utf-16": "utf-16"}


def sniff_markup(head: bytes) -> str | None:
    """``"html"``, ``"spreadsheetml"``, ``"xml"`` (record XML) or None from the first bytes
    of a file."""
    text = head.lstrip(codecs.BOM_UTF8).lstrip()[:4096].lower()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore").lstrip("\ufeff").lstrip()[:4096].lower().encode()
    if not text.startswith(b"<"):
        return None
    if _SS_NS.encode() in text or b"<ss:workbook" in text:
        return "spreadsheetml"
    if re.search(rb"<(html|table|!doctype html|head|body|meta)\b", text):
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    return None


def decode_html(data: bytes) -> tuple[str, str]:
    """(text, encoding label) of an HTML page (BOM, meta charset, UTF-8, GB18030)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8-BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    m = _META_CHARSET.search(data[:8192])
    if m:
        label = m.group(1).decode("ascii").lower()
        codec = _CODEC.get(label)
        if codec is None:
            try:
                codec = codecs.lookup(label).name
            except LookupError:
                codec = None
        if codec:
            return data.decode(codec, errors="replace"), label.upper()
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "GB18030"


class _Grid:
    """Rows of cells with row/column spans expanded (value in the top-left cell)."""

    def __init__(self, caption: str | None = None):
        self.rows: list[list[str | None]] = []
        self.taken: dict[tuple[int, int], object] = {}  # covered by a span: value or True
        self.caption = caption
        self.col = 0

    def new_row(self) -> None:
        self.rows.append([])
        self.col = 0

    def add(self, value: str | None, colspan: int = 1, rowspan: int = 1) -> None:
        if not self.rows:
            self.new_row()
        r = len(self.rows) - 1
        row = self.rows[r]
        while (r, self.col) in self.taken:
            held = self.taken[(r, self.col)]
            self._put(row, self.col, None if held is True else held)
            self.col += 1
        self._put(row, self.col, value)
        for dc in range(colspan):
            for dr in range(rowspan):
                if dr or dc:
                    # rows below get the value (first column of the span), the rest is empty
                    self.taken[(r + dr, self.col + dc)] = value if (dr and not dc) else True
        for dc in range(1, colspan):
            self._put(row, self.col + dc, None)
        self.col += colspan

    @staticmethod
    def _put(row: list, i: int, value) -> None:
        while len(row) <= i:
            row.append(None)
        row[i] = value

    def finish(self) -> list[list[str | None]]:
        # spans reaching past the last cell of a row (nothing after them on that row)
        for (r, c), held in self.taken.items():
            if r < len(self.rows) and (c >= len(self.rows[r]) or self.rows[r][c] is None):
                self._put(self.rows[r], c, None if held is True else held)
        return self.rows


def _span(attrs: dict, name: str) -> int:
    try:
        return max(1, min(int(str(attrs.get(name) or "1").strip()), 1000))
    except ValueError:
        return 1


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.done: list[_Grid] = []
        self.stack: list[_Grid] = []
        self.cell: list[str] | None = None
        self.cell_attrs: dict = {}
        self.cells_stack: list[tuple[list[str] | None, dict]] = []
        self.in_caption = False
        self.caption: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.cells_stack.append((self.cell, self.cell_attrs))
            self.cell, self.cell_attrs = None, {}
            self.stack.append(_Grid())
        elif not self.stack:
            return
        elif tag == "tr":
            self._close_cell()
            self.stack[-1].new_row()
        elif tag in ("td", "th"):
            self._close_cell()
            self.cell, self.cell_attrs = [], a
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag == "caption":
            self.in_caption, self.caption = True, []

    def handle_endtag(self, tag):
        if not self.stack:
            return
        if tag in ("td", "th"):
            self._close_cell()
        elif tag == "caption":
            self.in_caption = False
            self.stack[-1].caption = " ".join("".join(self.caption).split()) or None
        elif tag == "table":
            self._close_cell()
            self.done.append(self.stack.pop())
            self.cell, self.cell_attrs = self.cells_stack.pop()

    def handle_data(self, data):
        if self.in_caption:
            self.caption.append(data)
        elif self.cell is not None:
            self.cell.append(data)

    def _close_cell(self):
        if self.cell is None or not self.stack:
            return
        text = " ".join("".join(self.cell).split()) or None
        self.stack[-1].add(text, _span(self.cell_attrs, "colspan"), _span(self.cell_attrs, "rowspan"))
        self.cell, self.cell_attrs = None, {}

    def close(self):
        super().close()
        while self.stack:
            self._close_cell()
            self.done.append(self.stack.pop())


def _arrow(rows: list[list[str | None]]) -> pa.Table:
    width = max((len(r) for r in rows), default=0)
    cols = {f"column_{i}": pa.array([r[i] if i < len(r) else None for r in rows], pa.string())
            for i in range(width)}
    return pa.table(cols)


_TITLE_TABLE_ROWS = 10  # a longer table of single cells is a sheet of its own (notes, not a title)


def html_tables(data: bytes) -> tuple[list[tuple[str, pa.Table]], str]:
    """[(sheet name, grid as an Arrow table of strings)] for every non-empty table of an HTML
    page, and the encoding label used."""
    text, label = decode_html(data)
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    out = []
    grids = [(g.caption, g.finish()) for g in parser.done if any(any(c for c in r) for r in g.finish())]
    # a table of title lines only (every row at most one non-empty cell: 明细账 / 单位：… /
    # 科目：…), followed by another table, is that table's title block: web exports write the
    # title and the data as two tables (用友政务 uf.expTable's grid-top table)
    merged: list[tuple[str | None, list[list[str | None]]]] = []
    pending: list[list[str | None]] = []
    for i, (caption, rows) in enumerate(grids):
        title_only = len(rows) <= _TITLE_TABLE_ROWS and all(sum(1 for c in r if c) <= 1 for r in rows)
        if title_only and i + 1 < len(grids):
            pending.extend(rows)
            continue
        merged.append((caption, pending + rows))
        pending = []
    for n, (caption, rows) in enumerate(merged, start=1):
        out.append((caption or f"表{n}", _arrow(rows)))
    return out, label


def spreadsheetml_sheets(data: bytes) -> list[tuple[str, pa.Table]]:
    """[(worksheet name, grid)] of a SpreadsheetML 2003 workbook."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(data)
    ns = {"ss": _SS_NS}
    out = []
    for n, ws in enumerate(root.iter(f"{{{_SS_NS}}}Worksheet"), start=1):
        name = ws.get(f"{{{_SS_NS}}}Name") or f"Sheet{n}"
        grid = _Grid()
        r_index = 0
        for row in ws.iterfind("ss:Table/ss:Row", ns):
            idx = row.get(f"{{{_SS_NS}}}Index")
            target = int(idx) - 1 if idx else r_index
            while len(grid.rows) < target:
                grid.new_row()
            grid.new_row()
            r_index = target + 1
            for cell in row.iterfind("ss:Cell", ns):
                c_idx = cell.get(f"{{{_SS_NS}}}Index")
                if c_idx:
                    while grid.col < int(c_idx) - 1:
                        grid.add(None)
                d = cell.find("ss:Data", ns)
                text = "".join(d.itertext()).strip() if d is not None else ""
                grid.add(text or None, int(cell.get(f"{{{_SS_NS}}}MergeAcross") or 0) + 1,
                         int(cell.get(f"{{{_SS_NS}}}MergeDown") or 0) + 1)
        out.append((name, _arrow(grid.finish())))
    return out


_XML_DECL = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?)\s+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""")


class MarkupError(ValueError):
    """A markup file that cannot be read: ``zh`` for the user, ``en`` the detail."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def decode_xml(data: bytes) -> tuple[str, str]:
    """(text without its encoding declaration, encoding label) of an XML file: BOM, else the
    declared encoding, else UTF-8. Undecodable bytes are an error naming their offset."""
    if data.startswith(codecs.BOM_UTF8):
        codec, label, data = "utf-8", "UTF-8-BOM", data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec, label = "utf-16", "UTF-16"
    else:
        m = re.match(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""", data[:512])
        declared = m.group(1).decode("ascii").lower() if m else "utf-8"
        codec = _CODEC.get(declared) or declared
        label = declared.upper()
        try:
            codecs.lookup(codec)
        except LookupError:
            raise MarkupError(f"XML 文件声明的编码「{declared}」无法识别",
                              f"unknown XML encoding {declared!r}") from None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise MarkupError(
            f"XML 文件第 {exc.start + 1} 个字节起的内容不是 {label} 编码，无法读取",
            f"bytes at offset {exc.start} do not decode as {codec}: {data[exc.start:exc.start + 8]!r}",
        ) from None
    return _XML_DECL.sub(r"\1", text, count=1), label


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def xml_records(data: bytes) -> tuple[list[tuple[str, pa.Table]], str]:
    """[(record tag, grid)] of a record XML file (see the module text), and the encoding
    label. Raises :class:`MarkupError` (naming line and column) when it is not well-formed
    or holds no record."""
    import xml.etree.ElementTree as ET

    text, label = decode_xml(data)
    parser = ET.XMLPullParser(events=("start", "end"))
    # per open element: [simple fields [(name, value)], has record/container children,
    # has simple children, records below it still waiting for their enclosing record]
    stack: list[list] = []
    records: dict[str, list[list[tuple[str, str | None]]]] = {}
    chunk = 1 << 20

    def handle() -> None:
        for event, elem in parser.read_events():
            if event == "start":
                stack.append([[(_local(k), v.strip() or None) for k, v in elem.attrib.items()], False, False, []])
                continue
            fields, has_complex, has_simple, waiting = stack.pop()
            name = _local(elem.tag)
            if stack and not has_simple and not has_complex:
                # a simple element: a field of the element it stands in (its attributes too,
                # as 名称_属性)
                stack[-1][0].append((name, (elem.text or "").strip() or None))
                stack[-1][0].extend((f"{name}_{k}", v) for k, v in fields)
                stack[-1][2] = True
            else:
                # a record (its attributes and simple children), or a container of records
                if fields:
                    rows = records.setdefault(name, [])
                    rows.append(fields)
                    # records nested in this one point back at its row (row 1 = field names)
                    for inner in waiting:
                        inner.append((f"{name}_行号", str(len(rows) + 1)))
                    waiting = [fields]
                if stack:
                    stack[-1][1] = True
                    stack[-1][3].extend(waiting)
            elem.clear()

    try:
        for i in range(0, len(text), chunk):
            parser.feed(text[i:i + chunk])
            handle()
        parser.close()
        handle()
    except ET.ParseError as exc:
        line, col = exc.position
        raise MarkupError(f"XML 文件格式错误（第 {line} 行第 {col + 1} 列附近），无法读取",
                          f"malformed XML at line {line}, column {col + 1}: {exc}") from None
    out = []
    for name, recs in records.items():
        header: list[str] = []
        rows: list[list[str | None]] = []
        for fields in recs:
            seen: dict[str, int] = {}
            row: dict[str, str | None] = {}
            for key, value in fields:
                seen[key] = seen.get(key, 0) + 1
                col = key if seen[key] == 1 else f"{key}_{seen[key]}"
                if col not in row and col not in header:
                    header.append(col)
                row[col] = value
            rows.append(row)
        grid = [list(header)] + [[r.get(h) for h in header] for r in rows]
        out.append((name, _arrow(grid)))
    if not out:
        raise MarkupError("XML 文件中没有可读取的记录（含子元素字段的元素）", "no records in XML file")
    return out, label


__all__ = [
    "MarkupError",
    "decode_html",
    "decode_xml",
    "html_tables",
    "sniff_markup",
    "spreadsheetml_sheets",
    "xml_records",
]
