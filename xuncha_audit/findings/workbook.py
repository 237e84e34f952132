"""``findings.xlsx``: the workbook auditors work in and hand around (xlsxwriter,
constant-memory mode).

Sheets: 汇总 (run facts in Beijing time, a linked table of contents, counts and amounts by
area, check, route, status), 全部疑点 (one row per finding across all checks, for filters and
pivots), one sheet per check (a 疑点 row per finding, visibly distinct, followed by at most
:data:`EVIDENCE_ROWS_SHOWN` 证据 rows grouped under it so they fold; evidence fields inline
with Chinese headers; a 说明 row gives the total and where to see all), 已消失 (findings of
earlier runs no longer found, with their triage), 画像 (one row per person / vendor), 数据质量
(load log, quarantine, validation). A listing longer than Excel's 1,048,576 rows per sheet
goes on to 「…（续2）」… sheets (:class:`_Pages`; a check sheet never splits a finding from its
evidence, see :func:`_plan_pages`). Every finding has a short number (P01-0007, see
:mod:`xuncha_audit.findings.numbers`) next to its stable id. Every sheet prints on A4
landscape, fitted to the page width, with its header row repeated; column widths follow
the content (CJK characters count double).

Every text cell is written with ``write_string`` and the workbook has
``strings_to_formulas/numbers/urls`` off, so text from the inspected unit's files
(``=HYPERLINK(...)``, ``+1``, ``@SUM(A1)``) stays text. Numbers and dates keep their types
and formats. The 核实状态 column has a drop-down of the five statuses; 核实情况备注 is free
text; 移送去向 has a drop-down of the three routes — in 全部疑点 and in the check sheets (a
change typed in either is read back). ``xuncha-audit triage import`` reads them back, and
so does every rerun before it overwrites the workbook (:func:`carry_over_workbook`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pandas as pd
import xlsxwriter

from xuncha_audit.db import of, quote
from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.labels import (
    ROUTES,
    STATUSES,
    column_labels,
)
from xuncha_audit.findings.masking import mask_sql, mask_value_sql, sensitive_columns
from xuncha_audit.findings.numbers import NUMBERS_TABLE, create_numbers
from xuncha_audit.findings.profiles import PROFILE_COLUMNS
from xuncha_audit.findings.triage import (
    H_ID,
    H_KIND,
    H_NOTE,
    H_ORIG_NOTE,
    H_ORIG_ROUTE,
    H_ORIG_STATUS,
    H_ROUTE,
    H_STATUS,
)
from xuncha_audit.findings.views import columns_of, record_field_types
from xuncha_audit.findings.xlsxfast import FastWorkbook, put_cells
from xuncha_audit.findings.xlsxsql import Role, listing_sql

KIND_EVIDENCE = "证据"
KIND_MORE = "说明"  # the row under a finding's shown evidence: total count, where to see all
H_NO = "序号"
ALL_SHEET = "全部疑点"
UNLISTED = "（仅列于本表）"  # 明细工作表 of a finding past its check sheet's cap
# Evidence rows shown per finding; the rest are in evidence.parquet/.csv and DuckDB.
EVIDENCE_ROWS_SHOWN = 50
# Rows per sheet whose content sets the column widths (the rest are not measured).
WIDTH_SAMPLE_ROWS = 500
# a listing of at least this many rows is written by the query with an expression per column
# (xlsxsql.listing_sql per_column: ~0.03 s more to plan, ~8 µs less a row); shorter ones by
# the one-lambda query (at 100 units most check sheets have a few hundred to 2,000 rows)
PER_COLUMN_ROWS = 5_000
# a check sheet of fewer rows is written the Python way (python_row), not as XML built by
# DuckDB: planning that query (~13 KB of SQL) costs ~24 ms, more than a few hundred
# rows take in Python (10 units' export, 38 listings of 271 rows on average: 2.9-3.2 -> 2.5-2.8 s;
# 100 units', most of a few hundred to 2,000 rows: 6.3-6.5 s either way at 300 or 1,000, 7.0 at
# 2,000)
CHECK_SHEET_SQL_ROWS = 500
MAX_WIDTH = 36
WRAP_WIDTH = 44
# Hidden columns holding the exported triage values: import applies only what auditors changed.
ORIGINAL_HEADERS = [(H_ORIG_STATUS, "text", 10), (H_ORIG_ROUTE, "text", 10), (H_ORIG_NOTE, "text", 10)]
ORIGINAL_SELECT = "status AS _o_status, route AS _o_route, note AS _o_note"
BATCH = 2000
# Rows of one worksheet in Excel (and WPS): a longer listing continues on 「名称（续2）」…,
# never past the limit (xlsxwriter ignores such writes without an error).
EXCEL_ROWS = 1_048_576
MAX_SHEET_ROWS = EXCEL_ROWS  # where listings go on to the next sheet (smaller in tests)
# Findings of one check listed with their evidence on its own sheet(s): the riskiest first (as in
# 全部疑点). A check with more (316,000 rest-day vouchers of a damaged ledger) is a pattern to
# look at as a whole, not one by one; its other findings are in 全部疑点 (one row each, where
# triage is typed), findings.csv and evidence.csv, and the sheet and the table of contents say so.
# Keeps the workbook's size and time bounded whatever one check returns.
CHECK_SHEET_FINDINGS = 20_000
# quarantined rows listed on the data-quality sheets: a damaged export of tens of millions of
# lines would otherwise fill dozens of sheets for hours (37.5M rows of a 50M-line ledger with
# dates out of range); the full list stays in the database's _quarantine table
QUARANTINE_ROWS_SHOWN = 100_000


def _hide_originals(ws, ncols: int) -> None:
    first = ncols - len(ORIGINAL_HEADERS)
    ws.set_column(first, ncols - 1, 10, None, {"hidden": True})


# Check-sheet finding columns: (view column, header, kind, minimum width)
FINDING_SHEET_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("kind", H_KIND, "text", 6),
    ("short_no", H_NO, "text", 10),
    ("finding_id", H_ID, "text", 17),
    ("severity_zh", "风险等级", "text", 6),
    ("unit", "被巡察单位", "text", 10),
    ("route", H_ROUTE, "text", 14),
    ("mark", "本次变化", "text", 6),
    ("title", "疑点描述", "wrap", 40),
    ("amount", "涉及金额（元）", "money", 14),
    ("entity_key", "对象", "text", 10),
    ("period_start", "起始日期", "date", 11),
    ("period_end", "截止日期", "date", 11),
    ("persons", "涉及人员", "text", 10),
    ("status", H_STATUS, "status", 10),
    ("note", H_NOTE, "wrap", 24),
    ("ev_total", "证据条数", "int", 6),
    ("regulation", "依据", "wrap", 24),
    ("source_title", "来源表", "text", 10),
    ("record_key", "记录编号", "text", 12),
)

# 全部疑点: one row per finding (view column, header, kind, minimum width)
ALL_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("short_no", H_NO, "text", 10),
    ("finding_id", H_ID, "text", 17),
    ("unit", "被巡察单位", "text", 10),
    ("area_zh", "领域", "text", 8),
    ("check_id", "检查代码", "text", 6),
    ("check_name", "检查名称", "text", 12),
    ("severity_zh", "风险等级", "text", 6),
    ("title", "疑点描述", "wrap", 40),
    ("amount", "涉及金额（元）", "money", 14),
    ("entity_type_zh", "对象类型", "text", 6),
    ("entity_key", "对象", "text", 10),
    ("persons", "涉及人员", "text", 10),
    ("period_start", "起始日期", "date", 11),
    ("period_end", "截止日期", "date", 11),
    ("mark", "本次变化", "text", 6),
    ("status", H_STATUS, "status", 10),
    ("route", H_ROUTE, "text", 14),
    ("note", H_NOTE, "wrap", 24),
    ("ev_total", "证据条数", "int", 6),
    ("regulation", "依据", "wrap", 24),
    ("sheet", "明细工作表", "text", 12),
)


HOW_TO = (
    f"1. 「{ALL_SHEET}」每个疑点一行，可筛选、排序、做数据透视表；每个检查另有一张工作表："
    "“疑点”行是一个疑点，其下的“证据”行是它引用的原始记录（可用左侧 +/- 折叠）。",
    f"2. 在「{ALL_SHEET}」或检查工作表的疑点行填写「{H_STATUS}」（下拉选择："
    + "、".join(STATUSES) + f"）和「{H_NOTE}」，需要时修改「{H_ROUTE}」。",
    "3. 保存即可：下次运行（或 xuncha-audit export）会先把填写的内容读回核实记录（triage.json），"
    "旧工作簿另存到输出目录的“备份”文件夹；也可随时运行 xuncha-audit triage import findings.xlsx。"
    "已消失的疑点及其备注保留在“已消失”工作表。",
    f"4. 「{H_NO}」（如 P01-0007）是便于口头称呼的短编号，按疑点首次出现的先后编排，重新运行不变；"
    f"「{H_ID}」是 16 位稳定编号。",
    f"5. 每个疑点最多列出 {EVIDENCE_ROWS_SHOWN} 条证据，其余见 evidence.parquet / evidence.csv 或 DuckDB 的 evidence 表；"
    f"一项检查的疑点超过 {CHECK_SHEET_FINDINGS:,} 条时，其工作表只列出风险最高、金额最大的 {CHECK_SHEET_FINDINGS:,} 条，"
    f"其余在「{ALL_SHEET}」和 findings.csv / evidence.csv 中。",
    "6. 本工作簿含巡察工作秘密；身份证号、银行账号、手机号默认已脱敏。",
)


_WIDE = re.compile("[\u2e80-\U0010ffff]")


def text_width(s: str) -> int:
    """Display width in Excel column units: CJK and full-width characters (U+2E80 on) count
    double."""
    return len(s) if s.isascii() else len(s) + len(_WIDE.findall(s))


def width_text(value, kind: str) -> str | None:
    """The text a cell of ``value`` shows, as far as its column width goes (None: a blank or
    a yes/no, not measured): what :meth:`_Writer.typed` writes, numbers as formatted."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        k = kind if kind in ("money", "int", "num") else (
            "money" if isinstance(value, (float, decimal.Decimal)) else "int")
        return f"{float(value):,.2f}" if k == "money" else str(value)
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return "2024-01-01 00:00:00"
    if isinstance(value, dt.date):
        return "2024-01-01"
    return str(value)


class _Writer:
    """Typed cell writing: text stays text, numbers numbers, dates dates; finding rows and
    evidence rows styled apart; column widths measured on the first rows."""

    BASE: ClassVar[dict] = {
        "money": {"num_format": "#,##0.00"},
        "int": {"num_format": "0"},
        "num": {"num_format": "0.00"},
        "date": {"num_format": "yyyy-mm-dd"},
        "datetime": {"num_format": "yyyy-mm-dd hh:mm:ss"},
        "wrap": {"text_wrap": True, "valign": "top"},
        "text": {"valign": "top"},
        "status": {"bg_color": "#FFF2CC", "border": 1, "valign": "top"},
    }
    ROLE: ClassVar[dict] = {
        None: {},
        "finding": {"bold": True, "bg_color": "#DDEBF7", "top": 1, "top_color": "#5B9BD5"},
        "evidence": {"font_color": "#404040"},
        "more": {"italic": True, "font_color": "#7F7F7F"},
    }

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.f = {
            "header": wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                     "border": 1, "text_wrap": True, "valign": "vcenter"}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "section": wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E79"}),
            "link": wb.add_format({"font_color": "#0563C1", "underline": 1}),
        }
        self._fmt: dict = {}
        self.widths: dict[str, dict[int, int]] = {}
        # every format numbered up front, in one order: the rows DuckDB writes as XML
        # (xlsxsql) name their styles by number before any cell is written
        for f in self.f.values():
            f._get_xf_index()
        for kind in self.BASE:
            for role in self.ROLE:
                self.xf(kind, role)

    def xf(self, kind: str, role: str | None) -> int | None:
        """The style number of :meth:`fmt` (None: no style)."""
        f = self.fmt(kind, role)
        return f._get_xf_index() if f is not None else None

    def fmt(self, kind: str, role: str | None = None):
        key = (kind, role)
        if key not in self._fmt:
            props = {**self.BASE.get(kind, {}), **self.ROLE.get(role, {})}
            if kind == "status" and role == "finding":
                props["bg_color"] = "#FFF2CC"
            self._fmt[key] = self.wb.add_format(props) if props else None
        return self._fmt[key]

    def _measure(self, ws, r: int, c: int, text: str) -> None:
        if r <= WIDTH_SAMPLE_ROWS:
            w = self.widths.setdefault(ws.name, {})
            n = text_width(text)
            if n > w.get(c, 0):
                w[c] = n

    def typed(self, ws, r: int, c: int, value, kind: str, role: str | None, out: list) -> None:
        """Append the cell ``(c, tag, value, format)`` for ``value`` to ``out`` (tags as in
        :meth:`FastWorksheet.write_cells`; nothing for an empty value that needs no fill) and
        measure the first rows for the column widths."""
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
            # Blank cells are written only where they carry a fill (finding rows, status cells):
            # evidence rows leave the finding columns empty at no cost.
            if role == "finding" or kind == "status":
                out.append((c, "b", None, self.fmt(kind, role)))
            return
        if type(value) is str:  # most cells: the shortest path
            out.append((c, "s", value, self.fmt(kind if kind in ("wrap", "status", "text") else "text", role)))
            if r <= WIDTH_SAMPLE_ROWS:
                self._measure(ws, r, c, value)
            return
        if isinstance(value, bool):
            out.append((c, "s", "是" if value else "否", self.fmt("text", role)))
            return
        if isinstance(value, (int, float, decimal.Decimal)):
            k = kind if kind in ("money", "int", "num") else (
                "money" if isinstance(value, (float, decimal.Decimal)) else "int")
            out.append((c, "n", float(value), self.fmt(k, role)))
        elif isinstance(value, (dt.datetime, pd.Timestamp)):
            out.append((c, "d", pd.Timestamp(value).to_pydatetime(), self.fmt("datetime", role)))
        elif isinstance(value, dt.date):
            out.append((c, "d", value, self.fmt("date", role)))
        else:
            out.append((c, "s", str(value), self.fmt(kind if kind in ("wrap", "status") else "text", role)))
        if r <= WIDTH_SAMPLE_ROWS:
            self._measure(ws, r, c, width_text(value, kind))

    def measure_row(self, ws, r: int, values, kinds: list[str]) -> None:
        """Measure a row written by other means (DuckDB's XML) as :meth:`typed` measures it."""
        if r > WIDTH_SAMPLE_ROWS:
            return
        for c, v in enumerate(values):
            text = width_text(v, kinds[c])
            if text is not None:
                self._measure(ws, r, c, text)

    def cell(self, ws, r: int, c: int, value, kind: str = "text", role: str | None = None) -> None:
        """One cell, through xlsxwriter's cell API (a row may be written cell by cell)."""
        out: list = []
        self.typed(ws, r, c, value, kind, role, out)
        put_cells(ws, r, out)

    def row(self, ws, r: int, values, kinds: list[str], role: str | None = None,
            shown: int | None = None) -> None:
        """A whole row ``r`` at once (``role`` on its first ``shown`` columns, all by default),
        written by :meth:`FastWorksheet.write_cells` (every sheet of the workbook is one) —
        nothing more is written to the row after."""
        shown = len(kinds) if shown is None else shown
        out: list = []
        typed = self.typed
        for c, v in enumerate(values):
            typed(ws, r, c, v, kinds[c], role if c < shown else None, out)
        ws.write_cells(r, out)

    def header(self, ws, r: int, headers: list[str]) -> None:
        for c, h in enumerate(headers):
            ws.write_string(r, c, h, self.f["header"])

    def fit_columns(self, ws, minimums: list[int], *, first_col: int = 0,
                    maximum: int = MAX_WIDTH, headers: list[str] | None = None,
                    kinds: list[str] | None = None) -> None:
        """Column widths from the measured content, at least ``minimums`` and the header's
        width (wrapped headers may take two lines), at most ``maximum`` (:data:`WRAP_WIDTH`
        for wrapped text, which grows in height instead)."""
        seen = self.widths.get(ws.name, {})
        for i, mn in enumerate(minimums):
            c = first_col + i
            head = (text_width(headers[i]) + 1) // 2 + 1 if headers else 0
            cap = WRAP_WIDTH if kinds and kinds[i] == "wrap" else maximum
            w = max(mn, head, min(seen.get(c, 0) + 2, cap))
            ws.set_column(c, c, w)


def print_setup(ws, title: str, *, repeat_header: bool = True) -> None:
    """A4 landscape, fitted to the page width, header row repeated on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if repeat_header:
        ws.repeat_rows(0)
    safe = title.replace("&", "&&")
    ws.set_header(f"&L{safe}&R巡察工作秘密")
    ws.set_footer("&C第 &P 页，共 &N 页")


def sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", "", text)[:31].strip() or "Sheet"
    base, i = name, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def page_name(name: str, k: int, used: set[str]) -> str:
    """Name of the ``k``-th sheet of a listing (``k`` ≥ 2): 「名称（续k）」 within 31 characters."""
    suffix = f"（续{k}）"
    return sheet_name(name[: 31 - len(suffix)] + suffix, used)


class _Pages:
    """One listing over as many worksheets as :data:`MAX_SHEET_ROWS` needs.

    ``names``: the sheet names known in advance (at least the first; the table of contents and
    the 明细工作表 column link to them); further ones are named by :func:`page_name`.
    Every sheet opens with ``header`` when one is set (fixed for a flat listing; on a sheet of
    sections, :func:`_write_query` sets the current one), a continuation sheet first with the
    ``continued`` line when given. ``finish(ws, last_row)`` sets a sheet up once its rows are
    written (widths, filters, print).
    """

    def __init__(self, wb, w: _Writer, names: list[str], used: set[str], finish, *,
                 header: list[str] | None = None, continued: str | None = None) -> None:
        self.wb, self.w, self.names, self.used, self.finish = wb, w, list(names), used, finish
        self.header, self.continued = header, continued
        self.opened: list[str] = []
        self.ws = None
        self.r = 0
        self.next()

    def next(self) -> None:
        if self.ws is not None:
            self.finish(self.ws, self.r - 1)
        k = len(self.opened) + 1
        if k > len(self.names):
            self.names.append(page_name(self.names[0], k, self.used))
        self.ws = self.wb.add_worksheet(self.names[k - 1])
        self.opened.append(self.names[k - 1])
        self.r = 0
        if k > 1 and self.continued:
            self.ws.write_string(0, 0, self.continued, self.w.f["section"])
            self.r = 1
        if self.header is not None:
            self.w.header(self.ws, self.r, self.header)
            self.r += 1

    def room(self, n: int = 1) -> None:
        """Go on to the next sheet unless ``n`` more rows fit on this one."""
        if self.r + n > MAX_SHEET_ROWS:
            self.next()

    def close(self) -> None:
        self.finish(self.ws, self.r - 1)


class _Sheet:
    """One worksheet written top to bottom from row ``r`` (the summary, short by nature)."""

    def __init__(self, ws, r: int) -> None:
        self.ws, self.r = ws, r
        self.header: list[str] | None = None

    def room(self, n: int = 1) -> None:
        if self.r + n > EXCEL_ROWS:
            raise XunchaError(f"工作表「{self.ws.name}」超过 Excel 的行数上限",
                              f"sheet {self.ws.name!r} exceeds {EXCEL_ROWS} rows")


def _write_rows(w: _Writer, pages: _Pages | _Sheet, rows, kinds: list[str]) -> None:
    """Write ``rows`` from ``pages.r`` on, going on to the next sheet where one is full."""
    for row in rows:
        pages.room(1)
        w.row(pages.ws, pages.r, row, kinds)
        pages.r += 1


def _write_listing(w: _Writer, pages: _Pages, con, sql: str, params: dict | None,
                   roles: list[Role], shown: int, python_row, rows: int = 0,
                   min_sql_rows: int = 0) -> None:
    """Write a long listing: ``sql`` selects ``_page`` (1-based sheet of ``pages``), ``_r``
    (row on it), ``_role`` (1-based index into ``roles``) and then the cells in sheet order,
    ordered by ``_page, _r``. Rows are written as XML built by DuckDB
    (:mod:`xuncha_audit.findings.xlsxsql`), byte for byte what ``python_row(ws, r, role,
    values)`` writes; the rows the SQL path cannot write go through ``python_row``. The first
    :data:`WIDTH_SAMPLE_ROWS` rows of each sheet come with their values as well: the column
    widths are measured on them (:meth:`_Writer.measure_row`, as the Python path measures).
    ``rows``: about how many rows the listing has (the way its query is written, not what it
    writes: :data:`PER_COLUMN_ROWS`)."""
    be = of(con)
    cols = [(name, typ) for name, typ, *_ in be.fetch_all(f"DESCRIBE {sql}", params)[3:]]
    full = None if rows < min_sql_rows else listing_sql(
        sql, cols, roles, shown, w.xf, values_rows=f"_r <= {WIDTH_SAMPLE_ROWS}",
        per_column=rows >= PER_COLUMN_ROWS)
    if full is None:  # a short listing, or a column the SQL path does not write: all rows the Python way
        names = ", ".join(_q(name) for name, _ in cols)
        full = f"SELECT _page, _r, _role, NULL, NULL, NULL, {names} FROM ({sql}) ORDER BY _page, _r"
    chunk: list[str] = []
    span = [0, 0, None, None, 0]  # first row, last row, first col, last col, outline level

    def flush() -> None:
        if chunk:
            pages.ws.write_xml_rows(span[0], span[1], "".join(chunk), span[2], span[3], span[4])
            chunk.clear()

    for page, r, role, xml, c0, c1, *values in be.iter_rows(full, params, BATCH):
        if page > len(pages.opened):
            flush()
            while len(pages.opened) < page:
                pages.next()
        if r != pages.r or r >= MAX_SHEET_ROWS:  # the plan keeps blocks within the limit
            raise XunchaError(f"工作表「{pages.ws.name}」的分页计划有误（第 {r + 1} 行）",
                              f"sheet {pages.ws.name!r}: row {r + 1} planned, {pages.r + 1} next")
        if xml is None:
            flush()
            python_row(pages.ws, r, role, values)
        else:
            if not chunk:
                span[:] = [r, r, c0, c1, 0]
            span[1] = r
            span[2], span[3] = min(span[2], c0), max(span[3], c1)
            span[4] = max(span[4], roles[role - 1].level)
            chunk.append(xml)
            if r <= WIDTH_SAMPLE_ROWS:  # the values come along: the column widths
                w.measure_row(pages.ws, r, values, roles[role - 1].kinds)
            if len(chunk) >= BATCH:
                flush()
        pages.r += 1
    flush()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_query(w: _Writer, pages: _Pages | _Sheet, con, sql: str,
                 headers: list[tuple[str, str, int]], params: dict | None = None) -> int:
    """Write a header + the query's rows at ``pages.r``; return the next free row. On
    :class:`_Pages` a continuation sheet repeats the header."""
    names = [h for h, _, _ in headers]
    kinds = [k for _, k, _ in headers]
    pages.room(2)
    w.header(pages.ws, pages.r, names)
    pages.header = names
    pages.r += 1
    if isinstance(pages, _Pages):
        be = of(con)
        cols = ", ".join(f"c{i}" for i in range(len(headers)))
        # in the query's order (a table keeps the order it was filled in: rowid)
        be.execute(f"CREATE OR REPLACE TEMP TABLE _x_query AS SELECT * FROM ({sql}) q({cols})", params)
        try:
            _write_table(w, pages, con, "_x_query", kinds)
        finally:
            be.execute("DROP TABLE IF EXISTS _x_query")
    else:
        _write_rows(w, pages, of(con).iter_rows(sql, params, BATCH), kinds)
    pages.header = None
    return pages.r


# A table of at least this many rows is written as XML built by DuckDB (_write_listing);
# a shorter one the Python way (the listing's query costs more to plan than a few rows to write).
TABLE_LISTING_ROWS = 200


def _write_table(w: _Writer, pages: _Pages, con, table: str, kinds: list[str]) -> None:
    """The rows of ``table`` in rowid order from ``pages.r`` on, the cells in column order.
    Rows that fit on the current sheet go through :func:`_write_listing` (a data-quality
    section of a province: tens of thousands of rows, ~25 µs each the Python way); more
    rows than that, or a short table, through :func:`_write_rows`, which goes on to the next
    sheet (repeating the header) where one is full."""
    be = of(con)
    n = be.scalar(f"SELECT count(*) FROM {table}")
    if n < TABLE_LISTING_ROWS or pages.r + n > MAX_SHEET_ROWS:
        _write_rows(w, pages, be.iter_rows(f"SELECT * FROM {table} ORDER BY rowid", None, BATCH), kinds)
        return
    listing = f"SELECT {len(pages.opened)} AS _page, {pages.r} + rowid AS _r, 1 AS _role, * FROM {table}"
    _write_listing(w, pages, con, listing, None, [Role(kinds, None)], len(kinds),
                   lambda ws, r, _role, values: w.row(ws, r, values, kinds), n)


def _internal_link(name: str) -> str:
    return "internal:'" + name.replace("'", "''") + "'!A1"


def _summary(w: _Writer, wb, con, info: dict, sheets: list[tuple[str, str, int, object]]) -> None:
    """``sheets``: (sheet name, what it holds, rows, amount) for the table of contents."""
    ws = wb.add_worksheet("汇总")
    ws.write_string(0, 0, "巡察财务疑点清单 汇总", w.f["title"])
    r = 2
    for label, value in info.items():
        ws.write_string(r, 0, label)
        w.cell(ws, r, 1, value)
        r += 1
    r += 1
    ws.write_string(r, 0, "工作表目录（点击跳转）", w.f["section"])
    r += 1
    w.header(ws, r, ["工作表", "内容", "疑点数", "涉及金额（元）"])
    for name, what, n, amount in sheets:
        r += 1
        ws.write_url(r, 0, _internal_link(name), w.f["link"], name)
        w._measure(ws, r, 0, name)
        w.cell(ws, r, 1, what)
        w.cell(ws, r, 2, n, "int")
        w.cell(ws, r, 3, amount, "money")
    r += 2
    blocks = [
        ("按领域", """SELECT area_zh, count(*), count(*) FILTER (WHERE severity='high'),
                count(*) FILTER (WHERE severity='medium'), count(*) FILTER (WHERE severity='low'),
                coalesce(sum(amount), 0) FROM _x_findings GROUP BY area_zh ORDER BY 2 DESC, 1""",
         [("领域", "text", 0), ("疑点数", "int", 0), ("高", "int", 0), ("中", "int", 0),
          ("低", "int", 0), ("涉及金额（元）", "money", 0)]),
        ("按检查", """SELECT check_id, any_value(check_name), any_value(area_zh),
                any_value(severity_zh), any_value(route), count(*), coalesce(sum(amount), 0)
                FROM _x_findings GROUP BY check_id ORDER BY check_id""",
         [("检查代码", "text", 0), ("检查名称", "text", 0), ("领域", "text", 0),
          ("风险等级", "text", 0), ("移送去向", "text", 0), ("疑点数", "int", 0),
          ("涉及金额（元）", "money", 0)]),
        ("按移送去向", """SELECT route, count(*), coalesce(sum(amount), 0) FROM _x_findings
                GROUP BY route, _route_rank ORDER BY _route_rank""",
         [("移送去向", "text", 0), ("疑点数", "int", 0), ("涉及金额（元）", "money", 0)]),
        ("按核实状态", """SELECT status, count(*), coalesce(sum(amount), 0) FROM _x_findings
                GROUP BY status ORDER BY 2 DESC""",
         [("核实状态", "text", 0), ("疑点数", "int", 0), ("涉及金额（元）", "money", 0)]),
        ("按本次变化", """SELECT coalesce(mark, '未比对'), count(*) FROM (
                SELECT mark FROM _x_findings UNION ALL SELECT '已消失' FROM _x_gone)
                GROUP BY 1 ORDER BY 2 DESC""",
         [("本次变化", "text", 0), ("疑点数", "int", 0)]),
    ]
    for title, sql, headers in blocks:
        ws.write_string(r, 0, title, w.f["section"])
        r = _write_query(w, _Sheet(ws, r + 1), con, sql, headers) + 1
    ws.write_string(r, 0, "使用说明", w.f["section"])
    for line in HOW_TO:
        r += 1
        ws.write_string(r, 0, line)
    widths = w.widths.get(ws.name, {})
    ws.set_column(0, 0, max(16, min(widths.get(0, 0) + 2, 30)))  # how-to lines overflow to the right
    for c in range(1, 7):
        ws.set_column(c, c, max(10, min(widths.get(c, 0) + 2, 48)))
    print_setup(ws, "汇总", repeat_header=False)


def _triage_validation(ws, first: int, last: int, status_col: int, route_col: int) -> None:
    status_list = list(STATUSES)
    route_list = list(ROUTES.values())
    ws.data_validation(first, status_col, max(last, first), status_col, {
        "validate": "list", "source": status_list, "ignore_blank": True,
        "error_title": "核实状态", "error_message": "只能选择：" + "、".join(status_list)})
    ws.data_validation(first, route_col, max(last, first), route_col, {
        "validate": "list", "source": route_list, "ignore_blank": True,
        "error_title": "移送去向", "error_message": "只能选择：" + "、".join(route_list)})


PAGES_TABLE = "_x_pages"


def _plan_pages(con) -> None:
    """Which sheet each finding goes on, before anything is written (the table of contents and
    the 明细工作表 column name the sheets): ``_x_pages`` (finding_id, check_id, amount,
    ev_total, ``_o`` its place in its check sheet, ``_a`` its place in 全部疑点, ``_rows`` its
    block's rows on the check sheet, ``page`` its check's sheet number, ``all_page`` its 全部疑点
    sheet number).

    On a check sheet a finding, its shown evidence and its 说明 row are one block of at most
    ``EVIDENCE_ROWS_SHOWN + 2`` rows; a sheet takes the blocks that start within its first
    ``MAX_SHEET_ROWS - 2 - (EVIDENCE_ROWS_SHOWN + 2)`` data rows, so no block is split and no
    sheet passes Excel's limit (one row is kept for the closing line of a capped check).
    Only a check's first :data:`CHECK_SHEET_FINDINGS` findings get a ``page``; the others are
    listed in 全部疑点 only (``page`` NULL)."""
    of(con).execute(
        f"""CREATE OR REPLACE TEMP TABLE {PAGES_TABLE} AS
        WITH f AS (
            SELECT x.finding_id, x.check_id, x.amount, coalesce(ev.n, 0) AS ev_total,
                   row_number() OVER (PARTITION BY x.check_id ORDER BY x._sev_rank DESC,
                                      x.amount DESC NULLS LAST, x.finding_id) AS _o,
                   row_number() OVER (ORDER BY x._sev_rank DESC, x.amount DESC NULLS LAST,
                                      x.check_id, x.finding_id) AS _a
            FROM _x_findings x
            LEFT JOIN (SELECT finding_id, count(*) AS n FROM _x_evidence GROUP BY finding_id) ev
                USING (finding_id)),
        b AS (SELECT *, 1 + least(ev_total, $shown)
                        + CASE WHEN ev_total > $shown THEN 1 ELSE 0 END AS _rows FROM f)
        SELECT finding_id, check_id, amount, ev_total, _o, _a, _rows,
               CASE WHEN _o <= $per_check THEN CAST(dense_rank() OVER (
                   PARTITION BY check_id, _o <= $per_check ORDER BY _start // $cap) AS INTEGER) END AS page,
               CAST((_a - 1) // $per_all AS INTEGER) + 1 AS all_page
        FROM (SELECT *, sum(_rows) OVER (PARTITION BY check_id ORDER BY _o
                                         ROWS UNBOUNDED PRECEDING) - _rows AS _start FROM b)""",
        {"shown": EVIDENCE_ROWS_SHOWN, "cap": MAX_SHEET_ROWS - 2 - (EVIDENCE_ROWS_SHOWN + 2),
         "per_all": MAX_SHEET_ROWS - 1, "per_check": CHECK_SHEET_FINDINGS},
    )


def _page_label(what: str, k: int, n: int) -> str:
    return what if n == 1 else f"{what}（第 {k} 张，共 {n} 张）"


def _all_sheet(w: _Writer, wb, con, names: list[str], used: set[str],
               sheet_of: dict[tuple[str, int], str]) -> None:
    be = of(con)
    headers = [(h, k, wd) for _, h, k, wd in ALL_COLUMNS] + ORIGINAL_HEADERS
    names_h = [h for h, _, _ in headers]
    be.execute("CREATE OR REPLACE TEMP TABLE _x_sheet_of (s_check VARCHAR, s_page INTEGER, sheet VARCHAR)")
    if sheet_of:
        be.execute_many("INSERT INTO _x_sheet_of VALUES (?, ?, ?)",
                        [(cid, k, name) for (cid, k), name in sheet_of.items()])
    sel = ", ".join(f"coalesce(sheet, {_lit(UNLISTED)}) AS sheet" if c == "sheet" else c
                    for c, _, _, _ in ALL_COLUMNS)
    # rows 1.. of each sheet below its header, as _Pages.room() goes on to the next
    sql = f"""
        SELECT all_page AS _page, (_a - 1) % {MAX_SHEET_ROWS - 1} + 1 AS _r, 1 AS _role,
               {sel}, {ORIGINAL_SELECT}
        FROM _x_findings
        JOIN (SELECT finding_id, check_id, ev_total, _a, page, all_page FROM {PAGES_TABLE}) p
            USING (finding_id, check_id)
        LEFT JOIN {NUMBERS_TABLE} USING (finding_id, check_id)
        LEFT JOIN _x_sheet_of ON s_check = check_id AND s_page = page
    """

    def finish(ws, last: int) -> None:
        last = max(last, 1)
        _triage_validation(ws, 1, last, names_h.index(H_STATUS), names_h.index(H_ROUTE))
        w.fit_columns(ws, [wd for _, _, wd in headers[:len(ALL_COLUMNS)]], headers=names_h,
                      kinds=[k for _, k, _ in headers[:len(ALL_COLUMNS)]])
        _hide_originals(ws, len(headers))
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, last, len(ALL_COLUMNS) - 1)
        print_setup(ws, ws.name)
        ws.print_area(0, 0, last, names_h.index("证据条数"))  # 依据 and 明细工作表 stay on screen only

    pages = _Pages(wb, w, names, used, finish, header=names_h)
    kinds = [k for _, k, _ in headers]
    _write_listing(w, pages, con, sql, None, [Role(kinds, None)], len(kinds),
                   lambda ws, r, _role, values: w.row(ws, r, values, kinds),
                   be.scalar(f"SELECT count(*) FROM {PAGES_TABLE}"))
    pages.close()


def _evidence_fields(con, check_id: str):
    """(SQL expressions, headers, JSON paths) of the record fields this check's evidence cites.
    The expressions read ``_vals``, the record's fields extracted in one parse
    (``json_extract_string(record, paths)``: a parse per field was ~20 parses per row)."""
    labels = column_labels()
    types = record_field_types()
    fields = of(con).fetch_all(
        """SELECT k, min(source_table) FROM (
             SELECT unnest(json_keys(CASE WHEN json_valid(record) THEN record END)) AS k,
                 source_table FROM _x_evidence WHERE check_id = $c)
           GROUP BY k""",
        {"c": check_id},
    )
    fields.sort(key=lambda kt: (kt[1], _field_order(kt[1], kt[0]), kt[0]))
    exprs, headers, paths = [], [], []
    for i, (key, table) in enumerate(fields, start=1):
        label = labels.get(table, {}).get(key, key)
        typ = types.get(key, "text")
        paths.append("$." + _json_key(key))
        raw = f"_vals[{i}]"
        if typ in ("decimal", "int"):
            expr, kind, width = f"TRY_CAST({raw} AS DOUBLE)", "money" if typ == "decimal" else "int", 12
        elif typ in ("date", "month"):
            expr, kind, width = f"TRY_CAST(left({raw}, 10) AS DATE)", "date", 11
        elif typ == "bool":
            expr = f"CASE lower({raw}) WHEN 'true' THEN '是' WHEN 'false' THEN '否' ELSE {raw} END"
            kind, width = "text", 6
        else:
            # ``record`` is already masked in _x_evidence (sensitive keys and patterns).
            expr, kind, width = raw, "text", 8
        exprs.append(expr)
        headers.append((f"证据·{label}", kind, width))
    return exprs, headers, paths


def _check_sheet(w: _Writer, wb, con, check_id: str, sheets: list[str], used: set[str],
                 unlisted: int = 0) -> None:
    """The check's findings, each followed by its shown evidence, on ``sheets`` (more than one
    where Excel's row limit needs it; pages planned by :func:`_plan_pages`); ``unlisted``: its
    findings past :data:`CHECK_SHEET_FINDINGS`, named in a closing line."""
    fcols = list(FINDING_SHEET_COLUMNS)
    ev_exprs, ev_headers, ev_paths = _evidence_fields(con, check_id)
    headers = [(h, k, wd) for _, h, k, wd in fcols] + ev_headers + ORIGINAL_HEADERS
    names = [h for h, _, _ in headers]
    per_finding = ("finding_id", "short_no", "source_title", "record_key", "ev_total", "title")
    fsel = ", ".join(
        "'疑点' AS kind" if c == "kind" else (f"NULL AS {c}" if c in ("source_title", "record_key") else c)
        for c, _, _, _ in fcols
    )
    esel = ", ".join(
        f"'{KIND_EVIDENCE}'" if c == "kind" else (c if c in ("finding_id", "short_no", "source_title", "record_key")
                                                  else "NULL")
        for c, _, _, _ in fcols
    )
    more_title = (f"'另有 ' || (f.ev_total - {EVIDENCE_ROWS_SHOWN}) || ' 条证据未列出（共 ' || f.ev_total || "
                  "' 条）。完整证据见输出目录的 evidence.parquet / evidence.csv，或在 DuckDB 中查询 "
                  "SELECT * FROM evidence WHERE finding_id = ''' || f.finding_id || ''''")
    msel = ", ".join(
        f"'{KIND_MORE}'" if c == "kind" else (f"f.{c}" if c in ("finding_id", "short_no")
                                              else (more_title if c == "title" else "NULL"))
        for c, _, _, _ in fcols
    )
    assert all(c in [x for x, _, _, _ in fcols] for c in per_finding)
    vals = "CASE WHEN json_valid(record) THEN json_extract_string(record, $paths) END" if ev_paths else "NULL"
    params = {"c": check_id, **({"paths": ev_paths} if ev_paths else {})}
    nulls = ", ".join(f"NULL AS ev_{i}" for i in range(len(ev_exprs)))
    ev_part = ", " + ", ".join(ev_exprs) if ev_exprs else ""
    null_part = ", " + nulls if nulls else ""
    sql = f"""
        WITH f AS (SELECT x.*, n.short_no, p.ev_total, p._o, p.page AS _page
                   FROM _x_findings x
                   JOIN (SELECT finding_id, check_id, ev_total, _o, page FROM {PAGES_TABLE}) p
                       USING (finding_id, check_id)
                   LEFT JOIN {NUMBERS_TABLE} n USING (finding_id, check_id)
                   WHERE x.check_id = $c AND p.page IS NOT NULL),
        e AS (SELECT e.*, f.short_no, f._o, f._page,
                     row_number() OVER (PARTITION BY e.finding_id
                                        ORDER BY e.source_title, e.record_key) AS _rn
              FROM _x_evidence e JOIN f USING (finding_id) WHERE e.check_id = $c)
        SELECT _page, row_number() OVER (PARTITION BY _page ORDER BY _o, _t, _rn) AS _r,
               _t + 1 AS _role, * EXCLUDE (_page, _o, _t, _rn) FROM (
            SELECT {fsel}{null_part}, {ORIGINAL_SELECT}, _page, _o, 0 AS _t, 0 AS _rn FROM f
            UNION ALL
            SELECT {esel}{ev_part}, NULL, NULL, NULL, _page, _o, 1, _rn
            FROM (SELECT *, {vals} AS _vals FROM e WHERE _rn <= {EVIDENCE_ROWS_SHOWN})
            UNION ALL
            SELECT {msel}{null_part}, NULL, NULL, NULL, f._page, f._o, 2, 0
            FROM f WHERE f.ev_total > {EVIDENCE_ROWS_SHOWN}
        )
    """
    kinds = [k for _, k, _ in headers]
    kinds_below = ["text" if k == "status" else k for k in kinds]  # evidence rows: no status cell
    status_col = names.index(H_STATUS)
    shown = len(headers) - len(ORIGINAL_HEADERS)

    def finish(ws, last: int) -> None:
        last = max(last, 1)
        _triage_validation(ws, 1, last, status_col, names.index(H_ROUTE))
        w.fit_columns(ws, [wd for _, _, wd in headers[:shown]], headers=names[:shown],
                      kinds=kinds[:shown])
        _hide_originals(ws, len(headers))
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, last, shown - 1)
        ws.outline_settings(True, False, True, False)
        print_setup(ws, ws.name)

    roles = [Role(kinds, "finding"), Role(kinds_below, "evidence", 1), Role(kinds_below, "more", 1)]

    def python_row(ws, r: int, role: int, row) -> None:
        if role == 1:
            w.row(ws, r, row, kinds, "finding", shown)
        else:
            ws.set_row(r, None, None, {"level": 1})
            w.row(ws, r, row, kinds_below, roles[role - 1].role, shown)

    pages = _Pages(wb, w, sheets, used, finish, header=names)
    rows = of(con).scalar(f"SELECT coalesce(sum(_rows), 0) FROM {PAGES_TABLE} "
                          "WHERE check_id = $c AND page IS NOT NULL", {"c": check_id})
    _write_listing(w, pages, con, sql, params, roles, shown, python_row, rows, CHECK_SHEET_SQL_ROWS)
    if unlisted:  # the plan keeps a row free for this line on the last sheet
        pages.room(1)
        line = [None] * len(headers)
        names_f = [c for c, _, _, _ in fcols]
        line[names_f.index("kind")] = KIND_MORE
        line[names_f.index("title")] = unlisted_line(CHECK_SHEET_FINDINGS + unlisted, CHECK_SHEET_FINDINGS)
        for c, v in enumerate(line[:shown]):
            w.cell(pages.ws, pages.r, c, v, "text", "more")
        pages.r += 1
    pages.close()


def unlisted_line(n_all: int, n_listed: int) -> str:
    """The closing line of a check sheet that lists only the first findings of its check."""
    return (f"本检查共 {n_all:,} 条疑点，本工作表按风险等级和金额列出前 {n_listed:,} 条及其证据；"
            f"其余 {n_all - n_listed:,} 条见「{ALL_SHEET}」工作表（每条一行，可在其中填写核实状态）"
            "和输出目录的 findings.csv / evidence.csv。")


def _field_order(table: str, key: str) -> int:
    order = list(column_labels().get(table, {}))
    return order.index(key) if key in order else len(order)


def _json_key(k: str) -> str:
    return '"' + k.replace('"', '\\"') + '"'


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _gone_sheet(w: _Writer, wb, con, used: set[str]) -> None:
    cols = [("'疑点'", H_KIND, "text", 6), ("n.short_no", H_NO, "text", 10),
            ("finding_id", H_ID, "text", 17),
            ("check_id", "检查代码", "text", 6), ("check_name", "检查名称", "text", 12),
            ("severity_zh", "风险等级", "text", 6), ("unit", "被巡察单位", "text", 10),
            ("route", H_ROUTE, "text", 14), ("title", "疑点描述", "wrap", 40),
            ("amount", "涉及金额（元）", "money", 14), ("status", H_STATUS, "status", 10),
            ("note", H_NOTE, "wrap", 24), ("'已消失'", "本次变化", "text", 6),
            *[(c, h, k, w) for c, (h, k, w) in zip(("status", "route", "note"), ORIGINAL_HEADERS, strict=True)]]
    headers = [(h, k, wd) for _, h, k, wd in cols]
    sel = ", ".join(c for c, _, _, _ in cols)
    names = [h for h, _, _ in headers]
    shown = len(cols) - len(ORIGINAL_HEADERS)

    def finish(ws, last: int) -> None:
        last = max(last, 1)
        w.fit_columns(ws, [wd for _, _, wd in headers[:shown]], headers=names[:shown],
                      kinds=[k for _, k, _ in headers[:shown]])
        _hide_originals(ws, len(headers))
        ws.freeze_panes(1, 3)
        ws.autofilter(0, 0, last, shown - 1)
        _triage_validation(ws, 1, last, names.index(H_STATUS), names.index(H_ROUTE))
        print_setup(ws, ws.name)

    pages = _Pages(wb, w, ["已消失"], used, finish)
    _write_query(w, pages, con, f"SELECT {sel} FROM _x_gone LEFT JOIN {NUMBERS_TABLE} n "
                                "USING (finding_id, check_id) ORDER BY check_id, finding_id", headers)
    pages.close()


def _profile_sheet(w: _Writer, wb, con, profiles: pd.DataFrame, used: set[str]) -> None:
    cols = list(PROFILE_COLUMNS)
    kinds = {"findings": "int", "high": "int", "medium": "int", "low": "int", "amount": "money",
             "risk_score": "num", "first_date": "date", "last_date": "date"}
    mins = {"name": 12, "unit": 10, "checks": 24, "areas": 12, "roles": 12, "finding_ids": 30,
            "amount": 14, "first_date": 11, "last_date": 11}
    heads = [PROFILE_COLUMNS[c] for c in cols]

    def finish(ws, last: int) -> None:
        w.fit_columns(ws, [mins.get(c, 6) for c in cols], headers=heads, maximum=40)
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, max(last, 1), len(cols) - 1)
        print_setup(ws, ws.name)

    df = profiles.reindex(columns=cols)
    for c in ("first_date", "last_date"):
        df[c] = pd.to_datetime(df[c], errors="coerce").dt.date
    pages = _Pages(wb, w, ["画像"], used, finish, header=heads)
    kind_list = [kinds.get(c, "text") for c in cols]
    table = _arrow_or_none(df) if len(df) >= TABLE_LISTING_ROWS else None
    if table is None:
        df = df.astype(object).where(df.notna(), None)
        _write_rows(w, pages, df.itertuples(index=False, name=None), kind_list)
    else:
        # in Arrow the values keep their types (text, counts, amounts, dates, yes/no; NaN is
        # null), so DuckDB writes each cell as the Python path would
        be = of(con)
        with be.registered("_x_profiles_arrow", table):
            be.execute("CREATE OR REPLACE TEMP TABLE _x_profiles AS "
                       "SELECT * EXCLUDE (_xa_o) FROM _x_profiles_arrow ORDER BY _xa_o")
        try:
            _write_table(w, pages, con, "_x_profiles", kind_list)
        finally:
            be.execute("DROP TABLE IF EXISTS _x_profiles")
    pages.close()


def _arrow_or_none(df: pd.DataFrame):
    """``df`` as an Arrow table with an ordinal ``_xa_o``, or None where a column mixes kinds
    of value (text and numbers): that one is written the Python way, value by value."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(df.assign(_xa_o=range(len(df))), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _quality_sheet(w: _Writer, wb, con, mask: bool, used: set[str]) -> None:
    be = of(con)

    def finish(ws, last: int) -> None:
        if last < 0:
            ws.write_string(0, 0, "数据库中没有导入记录、隔离记录或校验结果")
        w.fit_columns(ws, [12] * 15, maximum=40)
        print_setup(ws, ws.name, repeat_header=False)

    pages = _Pages(wb, w, ["数据质量"], used, finish, continued="（接上一张工作表）")
    run_id = _latest_run_id(con)
    if run_id and be.exists("_check_coverage"):
        n = be.scalar("SELECT count(*) FROM _check_coverage WHERE run_id = $r AND status <> 'ok'",
                      {"r": run_id})
        _section(w, pages, f"未判断的检查与单位（{n} 项；缺少输入数据、输入未通过关键校验或出错，"
                              "“0 个疑点”不代表没有问题）")
        _write_query(w, pages, con, """
            SELECT check_id, unit, status_zh, reason_zh FROM _check_coverage
            WHERE run_id = $r AND status <> 'ok' ORDER BY check_id, unit""",
            [("检查", "text", 0), ("单位", "text", 0), ("状态", "text", 0), ("原因", "text", 0)],
            {"r": run_id})
        pages.r += 1
    if run_id and be.exists("_check_notes"):
        ex = mask_sql("examples") if mask else "examples"
        _section(w, pages, "无法判断的说明（不计为疑点，需补充资料后人工判断）")
        _write_query(w, pages, con, f"""
            SELECT check_id, unit, reason_zh, n, {ex} FROM _check_notes
            WHERE run_id = $r ORDER BY check_id, unit, reason_zh""",
            [("检查", "text", 0), ("单位", "text", 0), ("原因", "text", 0), ("数量", "int", 0),
             ("示例", "text", 0)], {"r": run_id})
        pages.r += 1
    if be.exists("_unit_tables"):
        _section(w, pages, "各单位提供的数据表（行数为 0 即未提供）")
        _write_query(w, pages, con, """
            SELECT unit, table_title, table_name, "rows", files,
                   CASE WHEN supplied THEN '已提供' ELSE '未提供' END FROM _unit_tables
            ORDER BY unit, supplied, table_name""",
            [("单位", "text", 0), ("数据表", "text", 0), ("表名", "text", 0), ("行数", "int", 0),
             ("文件数", "int", 0), ("是否提供", "text", 0)])
        pages.r += 1
    if be.exists("_load_log"):
        have = set(columns_of(con, "_load_log"))
        acc = [c if c in have else f"NULL AS {c}" for c in
               ("layout", "rows_summary", "rows_deleted", "rows_skipped")]
        _section(w, pages, "导入记录（读取 = 入库 + 隔离 + 汇总行 + 删除/作废 + 跳过）")
        _write_query(w, pages, con, f"""
            SELECT file, sheet, {acc[0]}, table_name, unit, encoding, rows_read, rows_loaded,
                   rows_quarantined, {acc[1]}, {acc[2]}, {acc[3]}, status, message_zh, sha256
            FROM _load_log ORDER BY file, sheet""",
            [("文件", "text", 0), ("工作表", "text", 0), ("版式", "text", 0), ("数据表", "text", 0),
             ("单位", "text", 0), ("编码", "text", 0), ("读取行数", "int", 0), ("入库行数", "int", 0),
             ("隔离行数", "int", 0), ("汇总行", "int", 0), ("删除/作废", "int", 0), ("跳过", "int", 0),
             ("状态", "text", 0), ("说明", "text", 0), ("SHA-256", "text", 0)])
        pages.r += 1
    if be.exists("_load_issues"):
        rec = mask_sql("record") if mask else "record"
        _section(w, pages, "导入核对问题（合计行不符、凭证借贷不平衡、工资项目与应发不符；这些行已入库）")
        _write_query(w, pages, con, f"""
            SELECT kind, file, sheet, table_name, unit, {rec}, row_no, expected, actual, message_zh
            FROM _load_issues ORDER BY kind, file, sheet, row_no NULLS LAST""",
            [("类型", "text", 0), ("文件", "text", 0), ("工作表", "text", 0), ("数据表", "text", 0),
             ("单位", "text", 0), ("记录", "text", 0), ("行号", "int", 0), ("应为", "money", 0),
             ("实为", "money", 0), ("说明", "text", 0)])
        pages.r += 1
    if be.exists("_quarantine"):
        sens = ", ".join(_lit(c) for c in sorted(sensitive_columns()))
        raw_value = (f"CASE WHEN column_name IN ({sens}) THEN {mask_value_sql('raw_value')} "
                     f"ELSE {mask_sql('raw_value')} END") if mask else "raw_value"
        raw_row = mask_sql("raw_row") if mask else "raw_row"
        n_quarantined = be.scalar("SELECT count(*) FROM _quarantine") or 0
        shown = QUARANTINE_ROWS_SHOWN
        _section(w, pages, "隔离记录（无法入库的行）" + (
            f"：共 {n_quarantined:,} 行，此处列出前 {shown:,} 行（按文件、工作表、行号）；完整清单在本次运行的"
            "DuckDB 数据库的 _quarantine 表中" if n_quarantined > shown else ""))
        _write_query(w, pages, con, f"""
            SELECT file, sheet, row_no, table_name, unit, column_name, {raw_value}, reason_zh,
                   {raw_row} FROM _quarantine ORDER BY file, sheet, row_no LIMIT {int(shown)}""",
            [("文件", "text", 0), ("工作表", "text", 0), ("行号", "int", 0), ("数据表", "text", 0),
             ("单位", "text", 0), ("列", "text", 0), ("原始值", "text", 0), ("原因", "text", 0),
             ("原始行", "text", 0)])
        pages.r += 1
    if be.exists("_validation"):
        details = mask_sql("details") if mask else "details"
        _section(w, pages, "数据校验（Great Expectations）")
        _write_query(w, pages, con, f"""
            SELECT table_name, {quote("column")}, description_zh, expectation, severity,
                   CASE WHEN success IS NULL THEN '未执行' WHEN success THEN '通过' ELSE '未通过' END, unexpected_count,
                   element_count, {details}, strftime(timezone('Asia/Shanghai', timezone(current_setting('TimeZone'), run_at)), '%Y-%m-%d %H:%M:%S')
            FROM _validation ORDER BY success NULLS FIRST, table_name""",
            [("数据表", "text", 0), ("列", "text", 0), ("校验内容", "text", 0), ("校验规则", "text", 0),
             ("严重程度", "text", 0), ("结果", "text", 0), ("异常行数", "int", 0),
             ("检查行数", "int", 0), ("详情", "text", 0), ("校验时间（北京时间）", "text", 0)])
        pages.r += 1
    pages.close()


def _section(w: _Writer, pages: _Pages, title: str) -> None:
    """A section title on the data-quality sheet, kept with at least a header and a row."""
    pages.room(3)
    pages.ws.write_string(pages.r, 0, title, w.f["section"])
    pages.r += 1


def _latest_run_id(con) -> str | None:
    be = of(con)
    if not be.exists("_run"):
        return None
    row = be.fetch_one("SELECT run_id FROM _run ORDER BY started_at DESC NULLS LAST LIMIT 1")
    return row[0] if row else None


def write_workbook(con, path: Path, *, profiles: pd.DataFrame, info: dict, mask: bool,
                   finish: Callable[[Callable[[], None]], None] | None = None) -> list[str]:
    """Write ``findings.xlsx`` to ``path`` from the ``_x_*`` views. Returns the sheet names.

    ``finish``: given, the last step — packing the sheets' XML into the zip file, which needs
    no database (zlib, ~10 s for a province's 1.3 GB of XML) — is handed to it instead of run
    here (the export runs it in a thread while it writes the other files, and waits for it
    before it hashes them). If filling the sheets fails, the workbook is closed here."""
    be = of(con)
    if not be.exists(NUMBERS_TABLE):
        create_numbers(con)
    info = {k: (beijing_text(v) + "（北京时间）" if k == "生成时间" and v else v) for k, v in info.items()}
    # same XML, written faster, zipped at a lower level (findings/xlsxfast.py)
    wb = FastWorkbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
    })
    # a sheet of a million findings is ~1.8 GB of XML (the 50M-line ledger's 全部疑点): past
    # 2 GiB the zip needs its ZIP64 records, which xlsxwriter refuses unless asked (the export
    # would fail at its end); Python's zip writes them only for a member that large
    wb.use_zip64()
    try:
        w = _Writer(wb)
        used = {"汇总", ALL_SHEET, "已消失", "画像", "数据质量"}
        _plan_pages(con)
        # (check, sheet number) -> findings, amount; the sheets of a check are named up front
        pages = be.fetch_all(f"SELECT check_id, page, count(*), sum(amount) FROM {PAGES_TABLE} "
                             "WHERE page IS NOT NULL GROUP BY ALL ORDER BY ALL")
        checks = be.fetch_all("SELECT check_id, any_value(check_name) FROM _x_findings "
                              "GROUP BY check_id ORDER BY check_id")
        unlisted = dict(be.fetch_all(f"SELECT check_id, count(*) FILTER (WHERE page IS NULL) FROM {PAGES_TABLE} "
                                     "GROUP BY 1"))
        n_pages = {cid: max(k for c, k, _, _ in pages if c == cid) for cid, _ in checks}
        check_sheets: dict[str, list[str]] = {}
        for cid, cname in checks:
            first = sheet_name(f"{cid} {cname or ''}", used)
            check_sheets[cid] = [first] + [page_name(first, k, used) for k in range(2, n_pages[cid] + 1)]
        all_pages = be.fetch_all(f"SELECT all_page, count(*), sum(amount) FROM {PAGES_TABLE} "
                                 "GROUP BY 1 ORDER BY 1") or [(1, 0, None)]
        all_names = [ALL_SHEET] + [page_name(ALL_SHEET, k, used) for k in range(2, len(all_pages) + 1)]
        gone = be.fetch_one("SELECT count(*), sum(amount) FROM _x_gone")
        toc = [(all_names[k - 1], _page_label("每个疑点一行（筛选、排序、数据透视）", k, len(all_pages)), n, amt)
               for k, n, amt in all_pages]
        toc += [(check_sheets[cid][k - 1],
                 _page_label(f"{cid} 的疑点及证据", k, n_pages[cid])
                 + (f"；另有 {unlisted[cid]:,} 条仅列于「{ALL_SHEET}」" if unlisted.get(cid) and k == n_pages[cid] else ""),
                 n, amt)
                for cid, k, n, amt in pages]
        toc += [("已消失", "以前发现、本次不再出现的疑点", gone[0], gone[1]),
                ("画像", "人员与供应商画像", None, None), ("数据质量", "检查覆盖、无法判断的说明、导入核对、隔离、校验记录", None, None)]
        _summary(w, wb, con, info, toc)
        _all_sheet(w, wb, con, all_names, used,
                   {(cid, k): name for cid, names in check_sheets.items() for k, name in enumerate(names, 1)})
        for cid, _ in checks:
            _check_sheet(w, wb, con, cid, check_sheets[cid], used, unlisted.get(cid, 0))
        _gone_sheet(w, wb, con, used)
        _profile_sheet(w, wb, con, profiles, used)
        _quality_sheet(w, wb, con, mask, used)
    except BaseException:
        wb.close()
        raise
    names = [ws.name for ws in wb.worksheets()]
    if finish is None:
        wb.close()
    else:
        finish(wb.close)
    return names

WORKBOOK_NAME = "findings.xlsx"
BACKUP_DIR = "备份"
BEIJING = "Asia/Shanghai"


def beijing_now() -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(BEIJING))


def beijing_text(value) -> str:
    """A timestamp as Beijing time text (``2026-12-02 10:05:00``); naive values are taken as
    the machine's local time, text that is not a timestamp is returned unchanged."""
    from zoneinfo import ZoneInfo

    if value is None or value == "":
        return ""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    if pd.isna(ts):
        return ""
    if ts.tzinfo is None:
        ts = ts.tz_localize(dt.datetime.now().astimezone().tzinfo)
    return ts.tz_convert(ZoneInfo(BEIJING)).strftime("%Y-%m-%d %H:%M:%S")


def pending_edits(path: Path) -> int:
    """Finding rows of a workbook whose 核实状态/备注/移送去向 differ from what was exported."""
    from xuncha_audit.findings.triage import read_workbook_triage

    df = read_workbook_triage(path)
    edited = pd.Series(False, index=df.index)
    for cur, orig in ((H_STATUS, H_ORIG_STATUS), (H_NOTE, H_ORIG_NOTE), (H_ROUTE, H_ORIG_ROUTE)):
        edited |= df[cur].notna() & ~(df[cur].eq(df[orig]) & df[orig].notna())
    return int(edited.sum())


def carry_over_workbook(out_dir, store) -> dict | None:
    """Before an export overwrites ``OUT/findings.xlsx``: read the statuses, routes and notes
    typed in it back into the triage store, then keep the file as a dated backup
    ``OUT/备份/findings-YYYYMMDD-HHMMSS.xlsx`` (Beijing time; backups are never deleted).

    When the edits cannot be read back (a bad status, a conflict, no triage store) the export
    stops with an error naming the workbook, so nothing typed in it is overwritten.
    Returns ``{"changed": n, "backup": path}`` or None when there was no workbook.
    """
    from xuncha_audit.findings.triage import TriageStore, import_workbook

    path = Path(out_dir) / WORKBOOK_NAME
    if not path.exists():
        return None
    hint = (f"为免丢失，本次未覆盖该工作簿。请改正后运行 xuncha-audit triage import {path}，"
            "或先把它移出输出目录再运行")
    try:
        edits = pending_edits(path)
    except XunchaError as exc:
        if "没有含「疑点编号」" in exc.zh:  # not a workbook of ours (or no findings): keep a copy
            edits = 0
        else:
            raise XunchaError(f"{exc.zh}。{hint}", exc.en, file=exc.file, sheet=exc.sheet,
                              row=exc.row, column=exc.column) from exc
    changed = 0
    if edits:
        st = store if isinstance(store, TriageStore) else (TriageStore(store) if store else None)
        if st is None or not st.exists():
            raise XunchaError(
                f"工作簿中有 {edits} 个疑点填写了核实情况，但没有核实记录文件可以读入。{hint}",
                "the workbook holds triage edits and there is no triage store to import them into",
                file=str(path))
        try:
            changed = import_workbook(path, st)["changed"]
        except XunchaError as exc:
            raise XunchaError(f"{exc.zh}。{hint}", exc.en, file=exc.file or str(path),
                              sheet=exc.sheet, row=exc.row, column=exc.column) from exc
    backup_dir = Path(out_dir) / BACKUP_DIR
    backup_dir.mkdir(exist_ok=True)
    stamp = beijing_now().strftime("%Y%m%d-%H%M%S")
    backup = backup_dir / f"findings-{stamp}.xlsx"
    i = 2
    while backup.exists():
        backup = backup_dir / f"findings-{stamp}-{i}.xlsx"
        i += 1
    shutil.copy2(path, backup)
    return {"changed": changed, "edits": edits, "backup": backup}

