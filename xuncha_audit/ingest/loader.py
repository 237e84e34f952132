"""Load a folder of exports into the canonical DuckDB tables.

``load_folder(data_dir, db_path)`` walks ``data_dir`` recursively (``.csv .txt .tsv .xlsx
.xlsm .xls``; hidden files and folders, folders starting with ``_`` and Excel lock files
``~$*`` ignored) and reads every sheet in stages:

1. **plan** (:mod:`xuncha_audit.ingest.plan`, first rows only): the export layout
   (:mod:`xuncha_audit.ingest.layouts`, docs/layouts.md) or the generic alias path, the
   table, the header (merged multi-row headers), column meanings and conventions; metadata
   sheets (t_Schema, 说明) are skipped and recorded;
2. **source**: the sheet's rows in an all-VARCHAR table; repeated header rows skipped; a 单位
   column of 台/个/件 recognised as a unit of measure; wide payroll columns classified;
   方向 + 金额 -> debit/credit, amount units, date parts, 辅助核算; every row classified as a
   record, a summary row (期初余额, 本月合计, 合计 ... wherever the word stands) or a deleted line;
3. **typed staging**: every cell parsed in SQL (:mod:`xuncha_audit.ingest.normalize`);
4. **quarantine**: unparseable rows (one ``_quarantine`` record per offending cell);
5. **dedupe**: keys and normalised columns derived
   (:func:`xuncha_audit.ingest.derive.derive_columns`); a repeated key quarantined;
6. **reconcile**: loaded lines against the file's own 合计/本月合计 rows, wide payroll items
   against 应发 (mismatches to ``_load_issues``); after the run, 平行记账 tags per unit and
   unbalanced vouchers listed in ``_load_issues``.

Sheets read the same way (same layout, table, column meanings and conventions — in any
column order, under any headers, with any unmapped columns; see ``_meanings``), from one unit
or many, go through stages 2–6 together as one group (see ``_STRIDE`` below); the result is
the same as sheet by sheet (``batch=False``), with far fewer statements per sheet.

Accounting (per file and sheet, in ``_load_log``): ``rows_read`` = data rows below the header
(blank rows are not records) plus CSV lines rejected by the reader, and
``rows_read == rows_loaded + rows_quarantined + rows_summary + rows_deleted + rows_skipped``
always. A row is quarantined when

* a value of a **required** column is empty (``必填项为空``);
* a non-empty value of **any** typed column cannot be parsed (amount, date, month, int,
  yes/no, displacement), or its 方向 is neither debit nor credit. Optional columns are
  quarantined too: a garbled amount loaded as NULL would silently drop money from every total;
* its key repeats a row loaded earlier for the same unit (same file or an earlier file of
  this run): the later duplicate is quarantined;
* (CSV) its number of fields differs from the header;
* the sheet lacks a required column altogether: every row is quarantined and the sheet's
  status is ``error``.

Wide payroll (one column per pay item): the columns are classified by the contract
(``payroll.wide``: totals, deductions, attributes, items, descriptors; else by content: money
cells that are not codes or dates); pay items are unpivoted into ``item``/``amount`` records;
empty and zero cells are no payment. Deduction columns (代扣/扣款) go to ``payroll_deductions``
with the row's month and person, never to ``payroll``; a sheet of deductions only (统发 扣款表)
is loaded into ``payroll_deductions`` itself. Accounting stays per source row: a person-month row
is loaded (all its items and deductions) or quarantined (none of them). A missing month column is taken from
the sheet name, file name or title rows (``2024年3月工资表``).

Units: a unit column in the file (contract ``unit_aliases``) wins for its rows; else the
``unit`` of a mapping-file rule; else ``--unit``; else, when ``data_dir`` holds no data files
itself but sub-folders that do, the name of the sub-folder directly below ``data_dir``;
else ``默认单位``. ``_units`` gets one row per unit loaded (level/region/city of the run).

Re-loading into an existing database: every (table, unit) pair that receives rows in a
run is replaced wholesale — its previous canonical rows, ``_quarantine`` records and
``_load_log`` entries are deleted before the first sheet of the run writes to it. Pairs the
run does not touch are kept, so loading unit B after unit A accumulates both. ``_load_log``
entries of the same file paths are replaced as well.

Identity numbers and credit codes failing their check digit (GB 11643 / GB 32100) are kept
as exported and counted in the sheet's ``_load_log`` message.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from xuncha_audit.contract import Table, create_tables, load_contract
from xuncha_audit.db import literal as lit
from xuncha_audit.db import of
from xuncha_audit.db import quote as _q
from xuncha_audit.dbsettings import configure as configure_duckdb
from xuncha_audit.dbsettings import out_of_resources_hint, temp_space_warning
from xuncha_audit.errors import XunchaError
from xuncha_audit.ingest import derive as _derive
from xuncha_audit.ingest.checkdigits import install_checkdigit_macros
from xuncha_audit.ingest.derive import _IN_PLACE as IN_PLACE
from xuncha_audit.ingest.derive import (
    DEFAULT_UNIT,
    _derive_book,
    company_norm_sql,
    derive_columns,
    derive_keys,
    derive_ranks,
    derived_select,
    keys_unique_by_numbering,
    line_number_column,
    memory_limit_bytes,
    number_lines,
    number_repeated_keys,
    rewrite_staging,
)
from xuncha_audit.ingest.layouts import is_metadata_sheet, load_layouts
from xuncha_audit.ingest.mapping import UserMapping, load_mapping, parse_mapping
from xuncha_audit.ingest.match import Vocabulary, month_hint
from xuncha_audit.ingest.normalize import (
    cell_sql,
    install_parse_macros,
    parser_for,
    set_date_bounds,
)
from xuncha_audit.ingest.plan import (
    SheetPlan,
    _plain_scaled,
    constant_column,
    constant_text,
    plan_sheet,
    prepare_sql,
)
from xuncha_audit.ingest.sources import (
    DATA_SUFFIXES,
    Sheet,
    SourceError,
    duplicate_header_warnings,
    not_blank_sql,
    read_source,
    unreadable_lines,
)

LEVELS = ("中央", "省级", "市级", "县级", "乡级")
_LOG = logging.getLogger("xuncha_audit.ingest")

BOOKKEEPING_DDL = {
    "_load_log": (
        "CREATE TABLE IF NOT EXISTS _load_log (file VARCHAR, sheet VARCHAR, table_name VARCHAR, "
        "unit VARCHAR, encoding VARCHAR, rows_read BIGINT, rows_loaded BIGINT, "
        "rows_quarantined BIGINT, status VARCHAR, message_zh VARCHAR, message_en VARCHAR, "
        "sha256 VARCHAR, loaded_at TIMESTAMP, layout VARCHAR, rows_summary BIGINT, "
        "rows_deleted BIGINT, rows_skipped BIGINT)"
    ),
    "_quarantine": (
        "CREATE TABLE IF NOT EXISTS _quarantine (file VARCHAR, sheet VARCHAR, row_no BIGINT, "
        "table_name VARCHAR, unit VARCHAR, column_name VARCHAR, raw_value VARCHAR, "
        "reason_zh VARCHAR, reason_en VARCHAR, raw_row VARCHAR)"
    ),
    "_units": (
        "CREATE TABLE IF NOT EXISTS _units (unit VARCHAR, level VARCHAR, region VARCHAR, "
        "city VARCHAR)"
    ),
    # data-quality results of a load: totals that do not match the file's own 合计 rows,
    # unbalanced vouchers, wide-payroll persons whose items do not add up to 应发
    "_load_issues": (
        "CREATE TABLE IF NOT EXISTS _load_issues (file VARCHAR, sheet VARCHAR, table_name VARCHAR, "
        "unit VARCHAR, kind VARCHAR, record VARCHAR, row_no BIGINT, expected DECIMAL(38,2), "
        "actual DECIMAL(38,2), message_zh VARCHAR, message_en VARCHAR)"
    ),
}
_LOG_NEW_COLUMNS = {"layout": "VARCHAR", "rows_summary": "BIGINT", "rows_deleted": "BIGINT",
                    "rows_skipped": "BIGINT"}


@dataclass
class LoadEntry:
    """One ``_load_log`` row: a file (and sheet) and what became of its rows.

    ``rows_read = rows_loaded + rows_quarantined + rows_summary + rows_deleted + rows_skipped``.
    """

    file: str
    sheet: str | None = None
    table_name: str | None = None
    unit: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    status: str = "ok"
    message_zh: str = ""
    message_en: str = ""
    sha256: str | None = None
    layout: str | None = None
    rows_summary: int = 0
    rows_deleted: int = 0
    rows_skipped: int = 0
    mapped: list[str] = field(default_factory=list)  # "header -> column" (inspect)
    unmapped: list[str] = field(default_factory=list)  # headers kept in _extra

    unreadable: bool = False  # the file could not be read at all (an error for the exit code)


class NothingLoadedError(XunchaError):
    """No row of any file could be loaded (exit code 2): the message lists every file and
    sheet with its layout, table and why its rows did not load."""


def nothing_loaded_lines(report: LoadReport) -> list[str]:
    """One line per file/sheet: layout, table, row accounting and the reason."""
    out = []
    for e in report.entries:
        where = e.file + (f" / {e.sheet}" if e.sheet else "")
        what = f"版式 {e.layout or '-'}，数据表 {e.table_name or '-'}"
        counts = (f"读取 {e.rows_read}，导入 {e.rows_loaded}，隔离 {e.rows_quarantined}，"
                  f"合计等 {e.rows_summary}，删除 {e.rows_deleted}，跳过 {e.rows_skipped}")
        out.append(f"{where}：{what}；{counts}；{e.message_zh or e.status}")
    return out


def check_something_loaded(report: LoadReport) -> None:
    """Raise :class:`NothingLoadedError` when no row of any file was loaded."""
    if report.rows_loaded:
        return
    lines = nothing_loaded_lines(report) or ["（目录中没有可读取的文件）"]
    raise NothingLoadedError(
        "没有任何数据行被导入，请检查导出文件的格式（可先运行 xuncha-audit inspect 查看每个文件的识别结果）：\n"
        + "\n".join("  " + line for line in lines),
        "; ".join([f"nothing loaded from {len(report.entries)} file(s)/sheet(s)",
                   *(f"{e.file}: {e.message_en}" for e in report.entries
                     if e.status == "error" and e.message_en)])[:4000],
    )


@dataclass
class LoadReport:
    """What a load did, file by file."""

    db_path: str
    entries: list[LoadEntry] = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(e.rows_read for e in self.entries)

    @property
    def rows_loaded(self) -> int:
        return sum(e.rows_loaded for e in self.entries)

    @property
    def rows_quarantined(self) -> int:
        return sum(e.rows_quarantined for e in self.entries)

    @property
    def rows_summary(self) -> int:
        return sum(e.rows_summary for e in self.entries)

    @property
    def rows_deleted(self) -> int:
        return sum(e.rows_deleted for e in self.entries)

    @property
    def rows_skipped(self) -> int:
        return sum(e.rows_skipped for e in self.entries)

    @property
    def unreadable(self) -> list[LoadEntry]:
        """Files that could not be read at all (their lines are counted and quarantined)."""
        return [e for e in self.entries if e.unreadable]

    @property
    def errors(self) -> list[LoadEntry]:
        return [e for e in self.entries if e.status == "error"]

    def tables(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            if e.table_name and e.rows_loaded:
                out[e.table_name] = out.get(e.table_name, 0) + e.rows_loaded
        return out


def ensure_bookkeeping(con) -> None:
    """Create ``_load_log``, ``_quarantine``, ``_units`` and ``_load_issues`` when missing
    (and add the accounting columns to a ``_load_log`` of an older database)."""
    be = of(con)
    for ddl in BOOKKEEPING_DDL.values():
        be.execute(ddl)
    for col, typ in _LOG_NEW_COLUMNS.items():
        be.execute(f"ALTER TABLE _load_log ADD COLUMN IF NOT EXISTS {col} {typ}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _is_data_file(p: Path) -> bool:
    return (
        p.is_file()
        and p.suffix.lower() in DATA_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )


def discover_files(data_dir: Path, skipped: dict[str, int] | None = None) -> list[Path]:
    """Data files below ``data_dir`` (recursive, sorted). Hidden files and folders and
    folders whose name starts with ``_`` (e.g. the sample data's ``_answer_key``) are skipped;
    when ``skipped`` is given, each such folder that holds data files is counted there
    (folder path -> number of data files) so that the skip is recorded, not silent."""
    out = []
    for p in sorted(data_dir.rglob("*")):
        rel = p.relative_to(data_dir)
        folders = rel.parts[:-1]
        hidden = next((i for i, part in enumerate(folders) if part.startswith((".", "_"))), None)
        if hidden is not None:
            if skipped is not None and _is_data_file(p):
                key = "/".join(folders[: hidden + 1]) + "/"
                skipped[key] = skipped.get(key, 0) + 1
            continue
        if rel.parts[-1].startswith("."):
            continue
        if _is_data_file(p):
            out.append(p)
    return out


def _folder_units(data_dir: Path, files: list[Path]) -> bool:
    """True when the data files all sit in sub-folders (one sub-folder per unit)."""
    return bool(files) and all(len(f.relative_to(data_dir).parts) > 1 for f in files)


_EMPTY_BAD = ("CAST([] AS STRUCT(column_name VARCHAR, raw_value VARCHAR, reason_zh VARCHAR, "
              "reason_en VARCHAR)[])")
_TEMP_TABLES = ("_xa_raw", "_xa_kinds", "_xa_src", "_xa_typed", "_xa_new", "_xa_dup", "_xa_ded",
                "_xa_ded_p", "_xa_members", "_xa_gross")
# Tables filled from another table's sheets: replaced together with it (a unit's payroll
# reloaded replaces the deductions read from its payroll sheets as well).
COMPANION_TABLES = {"payroll": ("payroll_deductions",)}
DEDUCTIONS = "payroll_deductions"


# Sheets read the same way (same layout, table, columns and conventions) are loaded together:
# a province holds a thousand units with the same dozen exports, a 明细账 one sheet per account,
# a 统发 payroll one file per month. One set of SQL statements serves the whole group instead
# of ~57 per sheet. Inside a group, row ids are ``member * _STRIDE + row of the sheet`` and
# members are in file order, so everything ordered by row (duplicate keys, line numbers, kept
# duplicates) comes out as if the sheets were loaded one after the other; ``_xa_members`` holds
# each member's file, sheet, unit and month, and every count that goes into ``_load_log`` is
# taken per member (``load_folder(batch=False)`` loads sheet by sheet; tests compare both).
_STRIDE = 10_000_000_000
_BATCH_SHEETS = 100
_BATCH_ROWS = 2_000_000
# sheets of this many rows and more: each column is parsed inline or through a map of its
# distinct values by the share of distinct values it holds (_stage_typed)
_DISTINCT_PROBE_ROWS = 100_000
_MAP_SHARE = 4  # mapped: at most one row in _MAP_SHARE holds a value of its own


def _sid(col: str = "_row") -> str:
    return f"({col} // {_STRIDE})"


def _row_no(col: str = "_row") -> str:
    return f"({col} % {_STRIDE})"


class _Regroup(Exception):
    """The members of a group cannot be loaded together: load them one by one."""


@dataclass
class _Member:
    """One sheet, read and planned, waiting to be loaded with the others of its group."""

    entry: LoadEntry
    pristine: LoadEntry
    rel: str
    sheet_name: str
    file_unit: str
    plan: SheetPlan
    raw: str | None  # its table; None while its read is deferred to the group's statement
    rejects: list
    rows: int
    intro_zh: list[str]
    month_hint: str | None
    sid: int = 0
    sheet: Sheet | None = None
    deferred: tuple[str, dict] | None = None  # (subquery, parameters) read with the group
    together: tuple[str, int, str, int] | None = None  # its deferred file: Sheet.read_together
    body: pa.Table | None = None  # a sheet held as Arrow (Sheet.arrow_body): read by the group's statement
    messages_zh: list[str] = field(default_factory=list)
    messages_en: list[str] = field(default_factory=list)
    const_month: str | None = None
    units: list[str] = field(default_factory=list)
    perm: list[int | None] = field(default_factory=list)  # group column k is this sheet's column perm[k]
    labels: list[str | None] = field(default_factory=list)  # this sheet's labels in the group's order

    def subst(self, text: str | None) -> str | None:
        """A text naming the group's columns by marker, with this sheet's own headers."""
        if not text or _MARK not in text:
            return text
        return _MARK_RE.sub(lambda mo: self.labels[int(mo.group(1))] or "", text)

    def reset(self) -> None:
        """Back to the state before a failed group attempt."""
        fresh = copy.deepcopy(self.pristine)
        self.entry.__dict__.update(fresh.__dict__)
        self.messages_zh = list(self.intro_zh)
        self.messages_en = []
        self.const_month = None
        self.units = []


@dataclass
class _Sheet:
    """What the stages of one group of sheets (one layout, one or more units) share."""

    members: list[_Member]
    plan: SheetPlan
    tdef: Table
    labels: list[str]
    width: int
    label_params: dict
    raw_row_sql: str
    src_table: str = "_xa_prep"
    col_src: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    checks: list = field(default_factory=list)
    wide_items: list[int] = field(default_factory=list)
    deduction_cols: list[int] = field(default_factory=list)  # wide payroll: 代扣/扣款 columns
    const_month: bool = False
    params: dict = field(default_factory=dict)
    units: list[str] = field(default_factory=list)
    general: bool = False  # members differ in column order or headers (labels are markers)
    staged: str | list[str] | None = None  # _prestages ran before the transaction (its outcome)
    step: Callable[[], None] | None = None  # commits between rewrites while staging (see Rewrite)
    big: bool = False  # staging tables rewritten, not updated (derive.rewrite_staging)
    keys_unique: bool = False  # no key of _xa_new can repeat (derive.keys_unique_by_numbering)

    @property
    def rewrite(self) -> bool | _derive.Rewrite:
        """``rewrite=`` for the staging table's whole-column changes (derive.set_columns):
        rewritten when big, committing after each rewrite while a step is set."""
        return _derive.Rewrite(self.step) if self.big and self.step else self.big

    def say(self, zh: str | None, en: str | None = None) -> None:
        """A message for every member's ``_load_log`` entry."""
        for m in self.members:
            if zh:
                m.messages_zh.append(zh)
            if en:
                m.messages_en.append(en)

    def member(self, sid: int) -> _Member:
        return self.members[int(sid)]


# Sheets of one table written by different systems or people put the same columns in other
# places under other headers (合同金额 / 成交金额（元） / 中标金额); a province's units differ in
# just that. Such sheets are still read the same way: the group's SQL addresses each column by
# its place in the first member, every other member's raw cells are projected into that order,
# and what names a column (quarantine reasons, the raw record, _extra, messages) takes the
# member's own header: a marker in the group's plan, ``xm.labels[k]`` in SQL, the text in Python.
_MARK = "\x1f"
_MARK_RE = re.compile(_MARK + r"L([0-9]+)" + _MARK)
_GENERAL_MAX_WIDTH = 256  # wider sheets (a payroll of 6,000 columns) keep the exact signature
_EXTRA_KINDS = ("xn", "xb")  # an unmapped column with a header / without one


def _marker(k: int) -> str:
    return f"{_MARK}L{k}{_MARK}"


def _label_sql(text: str, alias: str = "xm") -> str | None:
    """SQL for a label holding markers (``alias.labels[k]`` of the member), None without."""
    if not text or _MARK not in text:
        return None
    parts, pos = [], 0
    for mo in _MARK_RE.finditer(text):
        if mo.start() > pos:
            parts.append(lit(text[pos:mo.start()]))
        parts.append(f"{alias}.labels[{int(mo.group(1)) + 1}]")
        pos = mo.end()
    if pos < len(text):
        parts.append(lit(text[pos:]))
    return "(" + " || ".join(parts) + ")"


def _unpivoted(plan: SheetPlan) -> bool:
    """A wide payroll whose unmapped columns become pay items named by their headers."""
    tdef = load_contract().table(plan.table)
    return bool(tdef.wide) and "amount" not in plan.cmap.columns and "item" not in plan.cmap.columns


def _meanings(plan: SheetPlan) -> list[tuple] | None:
    """What each source column is to the loader (contract column, role, 辅助核算 part, n-th
    extra with or without a header, n-th unnamed column), with its blank header, multiplier
    and wide kind: equal sorted lists, unmapped columns aside, mean two sheets are read the
    same way whatever their column order, headers and unmapped columns (kept in ``_extra``;
    a group has a place for the most any member has, the others' are NULL). None when the
    plan cannot be compared this way."""
    cmap = plan.cmap
    w = len(cmap.labels)
    if len(cmap.headers) != w:
        return None
    mean: list[list[tuple]] = [[] for _ in range(w)]
    try:
        for col, i in cmap.columns.items():
            mean[i].append(("col", col))
        for r, idxs in plan.roles.items():
            for k, i in enumerate(idxs):
                mean[i].append(("role", r, k))
        for n, parts in plan.aux.items():
            for part, i in parts.items():
                mean[i].append(("aux", str(n), part))
        ranks = {"xn": 0, "xb": 0}
        named_by_header = _unpivoted(plan)  # a pay item is what its header says
        for i in cmap.extras:
            kind = "xn" if (cmap.headers[i] or "").strip() else "xb"
            mean[i].append((kind, cmap.labels[i] if named_by_header and kind == "xn" else ranks[kind]))
            ranks[kind] += 1
    except IndexError:
        return None
    out, rank = [], 0
    for i in range(w):
        m = tuple(sorted(mean[i]))
        if not m:
            m, rank = (("none", rank),), rank + 1
        mult = plan.multipliers.get(i)
        out.append((m, not (cmap.headers[i] or "").strip(), None if mult is None else str(mult),
                    plan.wide_kinds.get(i)))
    return out


def _pure_extra(meaning: tuple) -> bool:
    return len(meaning) == 1 and meaning[0][0] in _EXTRA_KINDS


def _plan_signature(plan: SheetPlan) -> str | None:
    """Sheets whose plans have the same signature are read the same way and can be loaded
    as one group (their columns in any order, under any headers, see ``_meanings``); None
    when the sheet must be loaded alone (a unit column in the file decides units by
    content, wide payroll columns judged by their cells)."""
    cmap = plan.cmap
    if cmap is None or cmap.unit_index is not None:
        return None
    tdef = load_contract().table(plan.table)
    if tdef.wide and "amount" not in cmap.columns and "item" not in cmap.columns:
        spec = tdef.wide
        if any((cmap.headers[i] or "").strip() and (plan.wide_kinds.get(i) or spec.kind(cmap.labels[i])) is None
               for i in cmap.extras):
            return None
    meanings = _meanings(plan)
    if meanings is None or len(cmap.labels) > _GENERAL_MAX_WIDTH:
        shape: object = (meanings, cmap.labels, cmap.headers)  # same headers, same places
    elif _unpivoted(plan):
        # pay items named by their headers: the same items in the same order (rows unpivot
        # in that order), the person's columns anywhere under any header
        shape = (sorted(mn for mn in meanings if not _pure_extra(mn[0])),
                 [mn for mn in meanings if _pure_extra(mn[0])])
    else:
        shape = sorted(mn for mn in meanings if not _pure_extra(mn[0]))
    # the year of a title line matters only to a ledger dated by 月/日 columns (prepare_sql)
    year = plan.year if (plan.table == "ledger" and "voucher_date" not in cmap.columns
                         and "month" in plan.roles and "day" in plan.roles) else None
    return repr((plan.table, plan.how, plan.layout_name, shape,
                 sorted(plan.constants),  # values per sheet (an account from the title line)
                 json.dumps(plan.conv, sort_keys=True, default=str), year))


def _inverse(perm: list[int | None]) -> list[int]:
    """For each column p of a sheet, its place (1-based) in the group's order."""
    out = [0] * sum(i is not None for i in perm)
    for k, i in enumerate(perm):
        if i is not None:
            out[i] = k + 1
    return out


def _family(table: str) -> str:
    """Tables whose rows depend on the order of sheets of the same unit together."""
    for t, companions in COMPANION_TABLES.items():
        if table == t or table in companions:
            return t
    return table


class _Run:
    """State of one ``load_folder`` call."""

    def __init__(self, con, vocab: Vocabulary, level: str, region, city, workdir: Path,
                 layouts=(), dry_run: bool = False, batch: bool = True):
        self.con = con
        self.be = of(con)
        self.vocab = vocab
        self.level = level
        self.region = region
        self.city = city
        self.workdir = workdir
        self.layouts = list(layouts)
        self.dry_run = dry_run
        self.batch = batch
        self.cleared: set[tuple[str, str]] = set()
        self.units: list[str] = []
        self.unbalanced_exempt: set[tuple[str, str | None]] = set()
        self.groups: dict[str, list[_Member]] = {}  # open groups, in opening order
        self.pending_rows = 0
        self.pending_log: list[LoadEntry] = []  # written once the open groups are loaded
        self.logged_files: set[str] = set()
        # (file, unit) pairs an earlier load logged: only those have entries to replace (a
        # fresh database, as every `run` makes, has none — no DELETE per file)
        self.logged_before: set[tuple[str, str]] = {
            (f, u) for f, u in self.be.fetch_all("SELECT DISTINCT file, unit FROM _load_log")}
        # (table, unit) pairs with rows from an earlier load, in each table and bookkeeping
        # table: only those have rows to replace (a fresh database has none — no DELETE per
        # group scanning a table this load is filling, with every file logged so far as a list)
        self.before: dict[str, set[tuple[str, str]]] = {
            t: set(self.be.fetch_all(f"SELECT DISTINCT table_name, unit FROM {t}"))
            for t in ("_quarantine", "_load_log", "_load_issues")}
        self.before[""] = {(t, u) for t in load_contract().tables if self.be.exists(t)
                           for (u,) in self.be.fetch_all(f"SELECT DISTINCT unit FROM {_q(t)}")}
        self._raw_no = 0

    # -- helpers -----------------------------------------------------------------
    def _register_units(self, units: list[str]) -> None:
        new = list(dict.fromkeys(u for u in units if u not in self.units))
        if not new:
            return
        self.be.execute("DELETE FROM _units WHERE list_contains(?, unit)", [new])
        self.be.execute_many("INSERT INTO _units VALUES (?, ?, ?, ?)",
                             [(u, self.level, self.region, self.city) for u in new])
        self.units.extend(new)

    def _stale(self, where: str, table: str, units: list[str]) -> list[str]:
        """The units among ``units`` with rows of ``table`` from an earlier load, in ``where``
        (a bookkeeping table, or "" for the table itself)."""
        return [u for u in units if (table, u) in self.before[where]]

    def _clear(self, table: str, units: list[str]) -> list[tuple[str, str]]:
        # one statement per table for all the units of a group (a statement per unit scans the
        # table once per unit: quadratic over a province)
        done = []
        for t in (table, *COMPANION_TABLES.get(table, ())):
            todo = sorted({u for u in units if (t, u) not in self.cleared})
            if not todo:
                continue
            if old := self._stale("", t, todo):
                self.be.execute(f"DELETE FROM {_q(t)} WHERE list_contains(?, unit)", [old])
            if old := self._stale("_quarantine", t, todo):
                self.be.execute("DELETE FROM _quarantine WHERE table_name = ? AND list_contains(?, unit)",
                                [t, old])
            if old := self._stale("_load_log", t, todo):
                # entries this run has written already stay (a sheet that failed earlier)
                self.be.execute("DELETE FROM _load_log WHERE table_name = ? AND list_contains(?, unit) "
                                "AND NOT list_contains(?, file)", [t, old, sorted(self.logged_files)])
            if old := self._stale("_load_issues", t, todo):
                self.be.execute("DELETE FROM _load_issues WHERE table_name = ? AND list_contains(?, unit)",
                                [t, old])
            done.extend((t, u) for u in todo)
        return done

    def log(self, entry: LoadEntry) -> None:
        """``_load_log`` entry of a sheet: written when the groups queued before it are loaded
        (so the ``_load_log`` order follows the files)."""
        if self.groups:
            self.pending_log.append(entry)
        else:
            self._write(entry)

    def _write(self, *entries: LoadEntry) -> None:
        _write_logs(self.con, list(entries))
        self.logged_files.update(e.file for e in entries)

    # -- one sheet: plan and read --------------------------------------------------
    def add_sheet(
        self, entry: LoadEntry, sheet: Sheet, rel: str, file_unit: str, forced: str | None
    ) -> None:
        """Plan and read a sheet; load it now or queue it with the sheets of its group."""
        member = self._prepare(entry, sheet, rel, file_unit, forced)
        if member is None:
            self.log(entry)
            return
        sig = _plan_signature(member.plan) if self.batch else None
        if sig is None:
            self.flush()
            self._load_group([member])
            self._write(entry)
            return
        key = (_family(member.plan.table), file_unit)
        order = list(self.groups)
        if sig in self.groups:
            # the sheets of one unit and table are loaded in file order: a group opened after
            # this sheet's group must not hold an earlier sheet of the same unit and table
            later = order[order.index(sig) + 1:]
            if any((_family(m.plan.table), m.file_unit) == key for s in later for m in self.groups[s]):
                self.flush()
        self.groups.setdefault(sig, []).append(member)
        self.pending_log.append(entry)
        self.pending_rows += member.rows
        if len(self.groups[sig]) >= _BATCH_SHEETS or self.pending_rows >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Load the queued groups in the order they were opened, then write their entries."""
        groups, self.groups, self.pending_rows = list(self.groups.values()), {}, 0
        for members in groups:
            self._load_group(members)
        pending, self.pending_log = self.pending_log, []
        self._write(*pending)  # one statement for all

    def _prepare(self, entry: LoadEntry, sheet: Sheet, rel: str, file_unit: str,
                 forced: str | None) -> _Member | None:
        if _metadata(sheet, forced, self.layouts):
            entry.status = "skipped"
            entry.rows_read = entry.rows_skipped = _sheet_rows(sheet)
            entry.message_zh = f"工作表「{sheet.name}」是字段说明/元数据，不是数据表，已跳过"
            entry.message_en = "metadata sheet (field descriptions); skipped"
            return None
        if sheet.planned is not None and sheet.planned[0] == forced:
            plan = sheet.planned[1]  # planned by the read-ahead thread, with the same inputs
        else:
            plan = _plan(sheet, rel, forced, self.vocab, self.layouts)
        entry.layout = plan.layout_name if plan.table else None
        if plan.table is None:
            entry.status = "skipped"
            # nothing read goes unaccounted: the sheet's non-blank rows are counted as skipped
            entry.rows_read = entry.rows_skipped = _sheet_rows(sheet)
            if plan.header_idx is None:
                entry.message_zh = "未找到可识别的表头（不像数据表），已跳过"
                entry.message_en = "no recognisable header row; skipped"
            else:
                entry.message_zh = "无法判断属于哪张数据表（文件名和表头都不匹配），已跳过"
                entry.message_en = "cannot tell which canonical table this is; skipped"
            return None
        entry.table_name = plan.table
        self._raw_no += 1
        raw = f"_xa_rawm{self._raw_no}"
        # a clean small CSV is read by the group's own statement with the other files (one
        # statement, not a table per file); the rest is read into a table of its own now
        deferred = sheet.deferred_read(plan.header_idx, f"d{self._raw_no}")
        body = sheet.arrow_body(plan.header_idx) if deferred is None else None
        if deferred is not None:
            raw, rejects, rows = None, [], deferred[2]
            sheet.held = True  # its (transcoded) file stays until its group is loaded
        elif body is not None:  # a workbook's sheet: its Arrow table joins the group's statement
            raw, rejects, rows = None, [], body.num_rows
        else:
            raw, rejects, rows = self._read_into_table(sheet, plan.header_idx, raw)
        intro = list(sheet.messages)
        if plan.how == "layout":
            intro.append(f"按版式「{plan.layout.title}」读取")
        elif plan.how == "headers":
            intro.append("按表头识别为「" + load_contract().table(plan.table).title + "」")
        intro.extend(plan.notes)
        return _Member(
            entry=entry, pristine=copy.deepcopy(entry), rel=rel, sheet_name=sheet.name,
            file_unit=file_unit, plan=plan, raw=raw, rejects=rejects, rows=rows, sheet=sheet,
            deferred=deferred[:2] if deferred is not None else None, body=body,
            together=sheet.read_together(plan.header_idx) if deferred is not None else None,
            intro_zh=intro, month_hint=month_hint(sheet.name, Path(rel).name, plan.title_text),
            messages_zh=list(intro),
        )

    # -- a group of sheets -----------------------------------------------------------
    def _load_group(self, members: list[_Member]) -> None:
        try:
            if len(members) > 1:
                try:
                    self._load_together(members)
                    return
                except Exception as exc:  # loaded one by one below, each with its own error
                    _LOG.info("group of %d sheets loaded one by one: %s", len(members), exc)
                    for m in members:
                        m.reset()
            for m in members:
                try:
                    self._load_together([m])
                except XunchaError as exc:
                    _sheet_error(m.entry, f"{m.rel}：{exc.zh}", exc.en)
                except Exception as exc:  # one bad sheet must not stop the run
                    _sheet_error(m.entry, _failed_zh(m.rel, exc), f"{type(exc).__name__}: {exc}"[:2000])
        finally:
            for m in members:
                if m.raw is not None:
                    self.be.execute(f"DROP TABLE IF EXISTS {m.raw}")
                if m.sheet is not None and m.sheet.held:
                    _drop_files(m.sheet, self.workdir)

    def _load_together(self, members: list[_Member]) -> None:
        be = self.be
        for n, m in enumerate(members):
            m.sid = n
        plan = copy.deepcopy(members[0].plan)
        tdef = load_contract().table(plan.table)
        labels = plan.cmap.labels
        added = self._align(members, len(labels))
        general = added is not None
        if general:
            cmap = plan.cmap
            for kind, _rank in added:  # places for unmapped columns the first sheet has not
                cmap.extras.append(len(cmap.labels))
                cmap.labels.append("")
                cmap.headers.append(_MARK if kind == "xn" else None)
            # a column every member names alike keeps its header (a pay item's name), the
            # others a marker
            labels = cmap.labels = [
                own.pop() if len(own := {m.labels[k] for m in members}) == 1 and None not in own
                else _marker(k) for k in range(len(cmap.labels))]
        width = len(labels)
        units_before = list(self.units)
        try:
            try:
                self._union(members, width)
            except (duckdb.InvalidInputException, duckdb.ConversionException):
                if not any(m.deferred for m in members):
                    raise
                # a file DuckDB turns away: each deferred file read into a table of its own,
                # where the line reader says which lines are damaged
                for m in members:
                    if m.deferred is not None:
                        self._materialise(m)
                self._union(members, width)
            if len(members) == 1 and members[0].raw is not None:
                # a sheet loaded on its own is never read again (a group's members are, one by
                # one, if the group fails): free its copy now, not after the sheet — one copy of
                # a 50M-line file less in the temporary directory during the stages
                be.execute(f"DROP TABLE IF EXISTS {members[0].raw}")
            members_tbl = pa.table({
                "_sid": pa.array([m.sid for m in members], pa.int64()),
                "file": pa.array([m.rel for m in members], pa.string()),
                "sheet": pa.array([m.sheet_name for m in members], pa.string()),
                "unit": pa.array([m.file_unit for m in members], pa.string()),
                "const_month": pa.array([m.month_hint for m in members], pa.string()),
                "first_unit": pa.array([m.file_unit for m in members], pa.string()),
                # each sheet's own headers: in the group's order, in its own order, and where
                # its own column p sits in the group's order (1-based)
                "labels": pa.array([m.labels for m in members], pa.list_(pa.string())),
                "olabels": pa.array([list(m.plan.cmap.labels) for m in members], pa.list_(pa.string())),
                "ord": pa.array([_inverse(m.perm) for m in members], pa.list_(pa.int64())),
                # its headers where the group's are named (repeated header rows)
                "rh": pa.array([[None if m.perm[k] is None else (m.plan.cmap.headers[m.perm[k]] or "").strip()
                                 for k, h in enumerate(plan.cmap.headers) if h and h.strip()]
                                for m in members], pa.list_(pa.string())),
            })
            with be.registered("_xa_members_arrow", members_tbl):
                be.execute("CREATE OR REPLACE TEMP TABLE _xa_members AS SELECT * FROM _xa_members_arrow")
            if general:
                # the raw record in the sheet's own column order under its own headers
                # (to_json of a MAP writes what json_object writes)
                vals = "[" + ", ".join(f"r.c{i}" for i in range(width)) + "]"
                raw_row_sql = f"to_json(map(xm.olabels, list_select({vals}, xm.ord)))"
                label_params = {}
            else:
                raw_row_sql = "json_object(" + ", ".join(f"$l{i}, r.c{i}" for i in range(width)) + ")"
                label_params = {f"l{i}": labels[i] for i in range(width)}
            st = _Sheet(
                members=members, plan=plan, tdef=tdef, labels=labels, width=width,
                label_params=label_params, raw_row_sql=raw_row_sql, general=general,
            )
            limit = memory_limit_bytes(self.con)
            if limit is not None and sum(m.rows for m in members) * _derive.UPDATE_BYTES_PER_ROW > limit // 2:
                # A group too large to update in memory (see derive.set_columns) is staged in a
                # transaction of its own that commits after each rewrite of a staging table: a
                # transaction keeps every replaced copy until it ends (for a rollback), six full
                # copies of a 50M-line ledger. Outside any transaction DuckDB ran out of memory
                # building the typed rows. Nothing but temporary tables is written here.
                def step() -> None:
                    be.execute("COMMIT")
                    be.execute("BEGIN TRANSACTION")

                be.execute("BEGIN TRANSACTION")
                try:
                    st.step = step
                    st.staged = self._prestages(st)
                    be.execute("COMMIT")
                except BaseException:
                    be.execute("ROLLBACK")
                    raise
                finally:
                    st.step = None
            be.execute("BEGIN TRANSACTION")
            try:
                cleared = self._stages(st)
                if self.dry_run:
                    be.execute("ROLLBACK")
                else:
                    be.execute("COMMIT")
            except BaseException:
                be.execute("ROLLBACK")
                self.units = units_before
                raise
            if not self.dry_run:
                self.cleared.update(cleared)
            if plan.conv.get("balanced") is False:
                self.unbalanced_exempt.update((m.rel, m.sheet_name) for m in members)
        finally:
            be.drop("_xa_prep")  # a view, or a table (plan.Prepared.materialise)
            for name in _TEMP_TABLES:
                be.execute(f"DROP TABLE IF EXISTS {name}")

    def _union(self, members: list[_Member], width: int) -> None:
        """``_xa_raw``: the members' rows in the group's column order, ``_row`` numbered
        apart per member; deferred files read here, in the same statement."""
        if len(members) == 1 and (one := members[0]).raw is not None and one.deferred is None \
                and one.body is None and one.perm == list(range(width)) and not one.plan.constants:
            # one sheet read into a table of its own (a large file): that table becomes
            # _xa_raw, not a copy of it (the first member's rows keep their numbers)
            self.be.execute("DROP TABLE IF EXISTS _xa_raw")
            self.be.execute(f"ALTER TABLE {one.raw} RENAME TO _xa_raw")
            one.raw = None
            return
        parts, params, held = [], {}, []
        # clean CSV files read alike (lines skipped, delimiter, width; the group's column order
        # and no constants) are read by one read_csv of them all, in parallel, into a table
        # whose rowids are the read order (files in turn, lines in order: DuckDB's insertion
        # order): each line's number is its rowid less its file's first. A read_csv per file
        # numbered by row_number() OVER () reads each file in one thread, one after the other:
        # 100 files of 7,000 lines 0.84 -> 0.57 s, of 1,000 lines 0.24 -> 0.16 s
        alike: dict[tuple, list[_Member]] = {}
        for m in members:
            if m.together is not None and m.deferred is not None and m.body is None \
                    and m.perm == list(range(width)) and not m.plan.constants:
                alike.setdefault(m.together[1:], []).append(m)
        together = {id(m): ms for ms in alike.values() if len(ms) > 1 for m in ms}
        tables: list[str] = []
        try:
            self._union_parts(members, width, parts, params, held, together, tables)
            sql = "CREATE OR REPLACE TEMP TABLE _xa_raw AS " + " UNION ALL BY NAME ".join(parts)
            if not held:
                self.be.execute(sql, params or None)
                return
            # the workbooks' sheets as one Arrow table (zero-copy slices, in the group's column
            # order): one registration and one scan for all, not a table per sheet
            with self.be.registered("_xa_held", _held_table(held)):
                self.be.execute(sql, params or None)
        finally:
            for t in tables:
                self.be.execute(f"DROP TABLE IF EXISTS {t}")

    def _read_alike(self, ms: list[_Member], width: int, params: dict, tables: list[str]) -> str:
        """The files of ``ms`` (read alike, see :meth:`_union`) read into a table of their own;
        returns the part of the group's statement that numbers and filters their rows."""
        n = len(tables)
        table, p = f"_xa_alike{n}", f"a{n}_"
        tables.append(table)
        _, skip, delim, _ = ms[0].together
        self.be.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT *, CAST(file_index AS BIGINT) AS _f
            FROM read_csv($paths, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
                          columns = $columns, auto_detect = false, strict_mode = true)""",
            {"paths": [m.together[0] for m in ms], "skip": skip, "delim": delim,
             "columns": {f"c{i}": "VARCHAR" for i in range(width)}})
        firsts = dict(self.be.fetch_all(f"SELECT _f, min(rowid) FROM {table} GROUP BY _f"))
        params[f"{p}first"] = [int(firsts.get(k, 0)) for k in range(len(ms))]
        params[f"{p}stride"] = [m.sid * _STRIDE for m in ms]
        params[f"{p}skip"] = skip
        return (f"SELECT * EXCLUDE (_f), rowid - ${p}first[_f + 1] + ${p}skip + 1 + ${p}stride[_f + 1] AS _row "
                f"FROM {table} WHERE {not_blank_sql(width)}")

    def _union_parts(self, members: list[_Member], width: int, parts: list[str], params: dict,
                     held: list[_Member], together: dict[int, list[_Member]], tables: list[str]) -> None:
        done: set[int] = set()
        for m in members:
            if id(m) in together:
                if id(m) not in done:
                    ms = together[id(m)]
                    done.update(id(x) for x in ms)
                    parts.append(self._read_alike(ms, width, params, tables))
                continue
            if m.body is not None:
                if _covers(m, width):
                    if not held:
                        parts.append(f"SELECT * FROM _xa_held WHERE {not_blank_sql(width)}")
                    held.append(m)
                    continue
                self._materialise(m)  # columns the group's order leaves out: as before
            consts = "".join(
                f", {lit(constant_text(v))} AS {_q(constant_column(c))}"
                for c, v in m.plan.constants.items())
            source = m.raw
            if m.deferred is not None:
                source = m.deferred[0]
                params.update(m.deferred[1])
            if m.perm == list(range(width)):
                parts.append(f"SELECT * REPLACE (_row + {m.sid * _STRIDE} AS _row){consts} FROM {source}")
            else:  # this sheet's columns in the group's order (NULL where it has none)
                cells = ", ".join(f"c{i} AS c{k}" if i is not None else f"CAST(NULL AS VARCHAR) AS c{k}"
                                  for k, i in enumerate(m.perm))
                parts.append(f"SELECT {cells}, _row + {m.sid * _STRIDE} AS _row{consts} FROM {source}")

    def _read_into_table(self, sheet: Sheet, header_idx: int, raw: str) -> tuple[str, list, int]:
        """The sheet read into table ``raw``: (raw, rejected lines, rows)."""
        try:
            rejects = sheet.materialise(self.con, header_idx, raw)
            rows = sheet.loaded_rows
            if rows is None:  # a reader that does not count what it wrote
                rows = self.be.scalar(f"SELECT count(*) FROM {raw}")
        except BaseException:
            self.be.execute(f"DROP TABLE IF EXISTS {raw}")
            raise
        return raw, rejects, rows

    def _materialise(self, m: _Member) -> None:
        """A deferred file or a sheet held in memory read into a table of its own (a file's
        damaged lines to ``rejects``)."""
        self._raw_no += 1
        m.raw, m.rejects, _ = self._read_into_table(m.sheet, m.plan.header_idx, f"_xa_rawm{self._raw_no}")
        m.deferred = m.body = m.together = None

    @staticmethod
    def _align(members: list[_Member], width: int) -> list[tuple] | None:
        """Each member's columns in the order of the first (``perm``, None where it lacks an
        unmapped column another has) and its labels in that order. None when every member is
        the first's twin (same places, same headers); else the unmapped-column places the
        group adds after the first member's columns."""
        ref = members[0]
        ref_meanings = _meanings(ref.plan) if len(members) > 1 else None
        if ref_meanings is None:  # alone, or grouped only with sheets of the same headers
            for m in members:
                m.perm, m.labels = list(range(width)), list(m.plan.cmap.labels)
            return None
        keys = [mn[0] for mn in ref_meanings]
        where = {key: k for k, key in enumerate(keys)}
        own = []
        for m in members:
            mine = [mn[0] for mn in _meanings(m.plan)]
            for key in mine:
                if key not in where:  # an unmapped column of a kind the first has fewer of
                    where[key] = len(keys)
                    keys.append(key)
            own.append(mine)
        general = len(keys) > width
        for m, mine in zip(members, own, strict=True):
            perm: list[int | None] = [None] * len(keys)
            for i, key in enumerate(mine):
                perm[where[key]] = i
            m.perm = perm
            m.labels = [m.plan.cmap.labels[i] if i is not None else None for i in perm]
            general = general or perm != list(range(width)) or m.labels != ref.plan.cmap.labels
        return [key[0] for key in keys[width:]] if general else None

    def _counts(self, sql: str, params: dict | None = None) -> dict[int, int]:
        """``{member: count}`` of a ``SELECT <member>, count(*) ... GROUP BY 1`` query."""
        return {int(k): int(v) for k, v in self.be.fetch_all(sql, params or {})}

    def _stages(self, st: _Sheet) -> list[tuple[str, str]]:
        """source -> typed staging -> quarantine -> dedupe (and the row accounting)."""
        outcome = st.staged if st.staged is not None else self._prestages(st)
        if outcome == "skipped":
            return []
        if isinstance(outcome, list):
            return self._reject_sheet(st, outcome)
        cleared = self._stage_quarantine(st)
        self._stage_dedupe(st)
        self._stage_reconcile(st)
        if st.deduction_cols:
            cleared += self._stage_deductions(st)
        self._finish(st)
        return cleared

    def _prestages(self, st: _Sheet) -> str | list[str]:
        """The stages that write temporary tables only: source, typed, the new rows with their
        derived columns. "skipped" (a wide sheet of totals only), the missing required columns
        (every row to quarantine), or "staged"."""
        self._stage_source(st)
        self._columns_listing(st)
        if st.tdef.name == "payroll" and st.tdef.wide and not st.wide_items \
                and "amount" not in st.col_src and "item" not in st.col_src \
                and any(k in ("deduction", "total") for k in st.plan.wide_kinds.values()):
            # a wide sheet of totals only: neither pay items nor deductions to load
            for m in st.members:
                m.entry.rows_skipped = m.entry.rows_read - m.entry.rows_summary
                m.entry.status = "skipped"
                m.entry.message_zh = "；".join(
                    ["本表只有合计列，没有工资项目或扣款项目，未导入", *m.messages_zh])
                m.entry.message_en = "totals only, no pay items or deductions; skipped"
            return "skipped"
        missing = [
            c.name for c in st.tdef.column_list()
            if c.required and c.name not in st.col_src
            and not (c.name == "month" and st.const_month)
        ]
        if missing:
            return missing
        self._stage_typed(st)
        self._stage_new(st)
        return "staged"

    def _columns_listing(self, st: _Sheet) -> None:
        """Mapped and unmapped columns for the log and ``inspect``."""
        if st.general:  # each sheet's own columns, in its own order
            for m in st.members:
                m.entry.mapped, m.entry.unmapped = self._listing(
                    st, m.plan, m.plan.cmap.labels, [m.perm[k] for k in st.wide_items if m.perm[k] is not None],
                    [m.perm[k] for k in st.deduction_cols if m.perm[k] is not None])
            return
        mapped, unmapped = self._listing(st, st.plan, st.labels, st.wide_items, st.deduction_cols)
        for m in st.members:
            m.entry.mapped, m.entry.unmapped = list(mapped), list(unmapped)

    @staticmethod
    def _listing(st: _Sheet, plan: SheetPlan, labels: list[str], wide_items: list[int],
                 deduction_cols: list[int]) -> tuple[list[str], list[str]]:
        mapped = [f"{labels[i]} → {c}" for c, i in plan.cmap.columns.items()]
        mapped += [f"{labels[i]} → {r.replace('also:', '')}" for r, idx in plan.roles.items() for i in idx]
        mapped += [f"{labels[i]} → 辅助核算{n}" for n, d in plan.aux.items() for i in d.values()]
        if plan.cmap.unit_index is not None:
            mapped.append(f"{labels[plan.cmap.unit_index]} → unit")
        if wide_items:
            what = "扣款项目" if st.tdef.name == DEDUCTIONS else "工资项目"
            mapped.append("、".join(labels[i] for i in wide_items) + f" → item/amount（{what}）")
        if deduction_cols:
            mapped.append("、".join(labels[i] for i in deduction_cols) + f" → {DEDUCTIONS}.item/amount（扣款项目）")
        unmapped = [labels[i] for i in plan.cmap.extras if i not in wide_items and i not in deduction_cols]
        return mapped, unmapped

    # -- stage 1: source ---------------------------------------------------------------
    def _stage_source(self, st: _Sheet) -> None:
        be, plan = self.be, st.plan
        cmap = plan.cmap
        headers = cmap.headers
        # header rows repeated inside the data (page breaks in printed exports): skipped
        named = [(i, h.strip()) for i, h in enumerate(headers) if h and h.strip()]
        repeats: dict[int, int] = {}
        if len(named) >= 2:
            # one list comparison, planned in linear time (an AND chain is quadratic in DuckDB)
            cells = ", ".join(f"trim(r.c{i})" for i, _ in named)
            if st.general:  # each sheet's own headers
                # rows whose first named cell is no sheet's header there cannot repeat a
                # header: left out before the join with the sheets (most rows, at no cost)
                i0 = named[0][0]
                firsts = {None if m.perm[i0] is None else (m.plan.cmap.headers[m.perm[i0]] or "").strip()
                          for m in st.members}
                first = (f"list_contains($firsts, trim(r.c{i0}))"
                         + (f" OR r.c{i0} IS NULL" if None in firsts else ""))
                params = {"firsts": sorted(f for f in firsts if f is not None)}
                repeats = self._counts(
                    f"SELECT {_sid('r._row')}, count(*) FROM (SELECT * FROM _xa_raw r WHERE {first}) r "
                    f"JOIN _xa_members xm ON xm._sid = {_sid('r._row')} WHERE [{cells}] = xm.rh GROUP BY 1",
                    params)
                if repeats:
                    be.execute(f"DELETE FROM _xa_raw r USING _xa_members xm "
                               f"WHERE xm._sid = {_sid('r._row')} AND [{cells}] = xm.rh")
            else:
                rh = {"rh": [h for _, h in named], "h0": named[0][1]}
                # rows whose first named cell is not its header left out first (most rows)
                repeats = self._counts(
                    f"SELECT {_sid()}, count(*) FROM (SELECT * FROM _xa_raw r WHERE trim(r.c{named[0][0]}) = $h0) r "
                    f"WHERE [{cells}] = $rh GROUP BY 1", rh)
                if repeats:
                    be.execute(f"DELETE FROM _xa_raw r WHERE trim(r.c{named[0][0]}) = $h0 AND [{cells}] = $rh", rh)
        n_rows = self._counts(f"SELECT {_sid()}, count(*) FROM _xa_raw GROUP BY 1")
        for m in st.members:
            m.entry.rows_skipped = repeats.get(m.sid, 0)
            m.entry.rows_read = n_rows.get(m.sid, 0) + len(m.rejects) + m.entry.rows_skipped
            if m.entry.rows_skipped:
                m.messages_zh.append(f"数据中重复出现的表头行 {m.entry.rows_skipped} 行已跳过")

        for m in st.members:  # each sheet's own headers, in its own order
            m.messages_zh.extend(duplicate_header_warnings(m.plan.cmap.headers, m.plan.cmap.labels))
        # a 单位 column of 台/个/件 is a unit of measure, not the inspected unit
        if cmap.unit_index is not None:
            words = list(load_contract().unit_of_measure_words)
            i = cmap.unit_index
            n, m = be.fetch_one(
                f"SELECT count(xa_cell(c{i})), count(CASE WHEN list_contains($w, xa_cell(c{i})) "
                f"THEN 1 END) FROM _xa_raw", {"w": words})
            if n and m >= 0.5 * n:
                cmap.unit_index = None
                cmap.extras = sorted([*cmap.extras, i])
                st.say(f"「{st.labels[i]}」列是计量单位（{'、'.join(words[:4])}…），"
                       "不是被巡察单位，保留在 _extra", f"column {st.labels[i]} is a unit of measure")

        # wide payroll: which columns are pay items and which deductions (contract, wide:)
        if st.tdef.wide and "amount" not in cmap.columns and "item" not in cmap.columns:
            st.wide_items = self._wide_columns(st)
            st.deduction_cols = self._deduction_columns(st)
            if not st.wide_items and st.deduction_cols:
                # a sheet of deductions only (统发 扣款表): its rows are deduction records
                self._as_deductions_sheet(st)
        prep = prepare_sql(plan, st.tdef, st.labels, st.width, st.wide_items, constants_in_rows=True,
                           members_join=(f"JOIN _xa_members xm ON xm._sid = {_sid('r._row')}"
                                         if st.general else None))
        # the 合计/作废 rows judged once (_xa_kinds: those rows only) and marked on _xa_raw
        # (two columns added, the marked rows updated); _xa_prep is a view of _xa_raw with
        # the source columns (plan.prepare_sql): no copy of the rows — or a table where a
        # column of every row costs too much to compute once per reader (辅助核算, 方向 + 金额,
        # 万元, 会计期间)
        be.execute(f"CREATE OR REPLACE TEMP TABLE _xa_kinds AS {prep.kinds_sql}")
        kinds: dict[tuple[int, str], int] = {
            (int(sid), kind): int(n) for sid, kind, n in be.fetch_all(
                f"SELECT {_sid()}, _kind, count(*) FROM _xa_kinds GROUP BY 1, 2")}
        be.execute("ALTER TABLE _xa_raw ADD COLUMN _kind VARCHAR")
        be.execute("ALTER TABLE _xa_raw ADD COLUMN _summary_word VARCHAR")
        if kinds:
            be.execute("UPDATE _xa_raw r SET _kind = k._kind, _summary_word = k._summary_word "
                       "FROM _xa_kinds k WHERE k._row = r._row")
        if prep.materialise:
            be.execute(f"CREATE OR REPLACE TEMP TABLE _xa_prep AS {prep.sql}")
            # _xa_prep holds every column of _xa_raw (r.*): the raw copy goes now, not at the
            # end of the group: one copy of the rows fewer in memory or spilled
            be.execute("DROP TABLE _xa_raw")
        else:
            be.execute(f"CREATE OR REPLACE TEMP VIEW _xa_prep AS {prep.sql}")
        st.col_src = dict(prep.col_src)
        st.checks = prep.checks
        amount_parser = parser_for(load_contract().table(DEDUCTIONS).columns["amount"])
        for i in st.deduction_cols:
            # a garbled deduction quarantines its row, as a garbled pay item does: loaded as
            # nothing it would silently drop money from the deductions
            cell = _plain_scaled(f"r.c{i}", st.plan.multipliers[i]) if i in st.plan.multipliers else f"r.c{i}"
            st.checks.append((f"xa_cell(r.c{i}) IS NOT NULL AND xa_amount({cell}) IS NULL",
                              st.labels[i], amount_parser[1], amount_parser[2], f"r.c{i}"))
        for m in st.members:
            m.entry.rows_summary = kinds.get((m.sid, "summary"), 0)
            m.entry.rows_deleted = kinds.get((m.sid, "deleted"), 0)
            if m.entry.rows_deleted:
                m.messages_zh.append(f"删除/作废的分录 {m.entry.rows_deleted} 行未导入")
        if st.wide_items:
            self._unpivot(st)
        if st.tdef.name in ("payroll", DEDUCTIONS) and "month" not in st.col_src:
            hints = {m.month_hint is not None for m in st.members}
            if len(hints) > 1:
                raise _Regroup("month taken from the title in some sheets only")
            st.const_month = hints == {True}
            for m in st.members:
                m.const_month = m.month_hint
                if m.const_month:
                    m.messages_zh.append(f"发放月份取自标题/文件名：{m.const_month[:7]}")

    def _unpivot(self, st: _Sheet) -> None:
        be = self.be
        items = pa.table({
            "src_col": pa.array([f"c{i}" for i in st.wide_items], pa.string()),
            "item": pa.array([st.labels[i] for i in st.wide_items], pa.string()),
        })
        # the sheet's checks (a garbled deduction cell, …) are about the person's row: judged
        # once per row here, not once per pay item after the unpivot
        pre = "".join(f", ({cond}) AS _xa_pchk{n}" for n, (cond, *_) in enumerate(st.checks))
        st.checks = [(f"r._xa_pchk{n}", *rest) for n, (_, *rest) in enumerate(st.checks)]
        with be.registered("_xa_items", items):
            on = ", ".join(f"c{i}" for i in st.wide_items)
            be.execute(
                f"""CREATE OR REPLACE TEMP TABLE _xa_src AS
                SELECT u.* EXCLUDE (src_col), m.item FROM (
                    UNPIVOT (SELECT r.*{pre} FROM _xa_prep r) ON {on} INTO NAME src_col VALUE raw_amount
                ) u JOIN _xa_items m USING (src_col)
                WHERE xa_cell(u.raw_amount) IS NOT NULL
                  AND xa_amount(u.raw_amount) IS DISTINCT FROM 0"""
            )
        # an amount unit of the sheet applies to the pay-item cells as well
        mults = {st.plan.multipliers.get(i) for i in st.wide_items} - {None}
        if len(mults) == 1:
            (mult,) = mults
            be.execute(f"UPDATE _xa_src SET raw_amount = {_plain_scaled('raw_amount', mult)}")
        st.src_table = "_xa_src"
        what = "扣款项目" if st.tdef.name == DEDUCTIONS else "工资项目"
        st.col_src["item"] = ("item", what)
        st.col_src["amount"] = ("raw_amount", None)  # reported under the item
        st.say(
            f"宽表{'扣款' if st.tdef.name == DEDUCTIONS else '工资'}：{len(st.wide_items)} 个{what}列已转为明细（"
            + "、".join(st.labels[i] for i in st.wide_items) + "）"
        )
        if st.deduction_cols:
            st.say("扣款列不计入工资项目，载入工资代扣款明细（payroll_deductions）："
                   + "、".join(st.labels[i] for i in st.deduction_cols))

    # -- stage 2: typed staging ------------------------------------------------------
    def _stage_typed(self, st: _Sheet) -> None:
        """Each source column is cleaned (xa_cell) and parsed once per DISTINCT value into a
        small map table, then joined back: exports repeat dates, names, accounts and
        departments on every line, so this does far less string work than per row.

        The joins to the maps are planned as written (:func:`planned_as_written`): by its
        estimates, DuckDB 2.0.1 turned them into RIGHT joins building on the rows — with the
        rows and maps committed, a 4M-line ledger's typed rows took 19–21 s instead of
        1.5–3.0 s; reading committed ``_xa_raw`` through the ``_xa_prep`` view, a 547,000-row
        group ran out of memory (docs/benchmarks.md, thirteenth and fourteenth sessions)."""
        be, tdef, cmap = self.be, st.tdef, st.plan.cmap
        col_src, params, src_table = st.col_src, st.params, st.src_table
        fed: dict[str, list] = {}
        for col in tdef.column_list():
            if col.name in col_src:
                fed.setdefault(col_src[col.name][0], []).append(col)
        if cmap.unit_index is not None:
            fed.setdefault(f"c{cmap.unit_index}", [])
        alias = {src: f"m{n}" for n, src in enumerate(fed)}

        def p_expr(col) -> str:
            expr = f"{parser_for(col)[0]}(k)"
            if col.norm in IN_PLACE and col.type == "text":
                expr = f"{IN_PLACE[col.norm]}({expr})"
            return expr

        # High-cardinality columns (amounts, record keys, id/phone/account numbers) are
        # cleaned and parsed inline; a distinct map would be as large as the table. Not so on
        # a wide payroll's item rows: a person's month, number, ID and account repeat on each
        # of the person's items, so those go through maps as well (the amount stays inline).
        key_cols = set(tdef.key)
        inline = {
            src for src, feeds in fed.items()
            if src == "raw_amount" or (not st.wide_items and any(
                c.type == "decimal" or c.name in key_cols or c.name == "voucher_no"
                or c.norm in ("id_number", "phone", "bank_account", "credit_code")
                for c in feeds
            ))
        }
        # ... by their kind; on a long sheet, by what it holds: a long payroll repeats the
        # month, the item, the person's number and often the amount on line after line (a
        # column of a key is not unique because the key is), and a real ledger's summaries
        # (摘要) are nearly all different (a bill number, a person, a month in each): through
        # a map of 2 million summaries a 4M-line ledger's typed rows took 17 s, inline 4-5 s.
        # One statement counts (about) the distinct values of those and of the text columns;
        # a column with fewer than one in four rows distinct is mapped, one with more inline.
        probe = sorted(
            src for src, feeds in fed.items()
            if src != "raw_amount" and (src in inline or (feeds and all(c.type == "text" for c in feeds))))
        if probe and sum(m.rows for m in st.members) >= _DISTINCT_PROBE_ROWS:
            total, *distinct = be.fetch_one(
                "SELECT count(*), " + ", ".join(f"approx_count_distinct({_q(src)})" for src in probe)
                + f" FROM {src_table}")
            for src, d in zip(probe, distinct, strict=True):
                if d * _MAP_SHARE <= total:
                    inline.discard(src)
                else:
                    inline.add(src)
        kref: dict[str, str] = {}
        pref: dict[tuple[str, str], str] = {}
        layer1, layer2 = [], []
        # Columns parsed the same way share one map (a ledger's four text columns, its three
        # name columns): planning the parsing macros, not running them, is most of what a map
        # costs on all but long sheets, and it is paid once per map statement.
        shared: dict[tuple, list[str]] = {}
        for src, feeds in fed.items():
            a = alias[src]
            if src in inline:
                kref[src] = f"r.k_{a}"
                layer1.append(f"{cell_sql(_q(src))} AS k_{a}")
                for col in feeds:
                    name = f"p_{a}_{col.name}"
                    layer2.append(f"{p_expr(col).replace('(k)', f'(k_{a})')} AS {_q(name)}")
                    pref[(src, col.name)] = f"r.{_q(name)}"
                    if col.norm == "company":
                        layer2.append(f"{company_norm_sql(p_expr(col).replace('(k)', f'(k_{a})'))} "
                                      f"AS {_q(name + '_norm')}")
                        pref[(src, col.name + "_norm")] = f"r.{_q(name + '_norm')}"
                continue
            shared.setdefault(tuple((p_expr(c), c.norm == "company") for c in feeds), []).append(src)
        maps: dict[str, str] = {}  # source column -> its map table
        for g, (parsers, srcs) in enumerate(shared.items()):
            parsed = "".join(
                f", {expr} AS p{j}" + (f", {company_norm_sql(expr)} AS p{j}_norm" if company else "")
                for j, (expr, company) in enumerate(parsers))
            values = _q(srcs[0]) if len(srcs) == 1 else f"unnest([{', '.join(_q(x) for x in srcs)}])"
            be.execute(
                f"""CREATE OR REPLACE TEMP TABLE _xa_m{g} AS
                SELECT c, k{parsed} FROM (
                    SELECT c, {cell_sql("c")} AS k FROM (SELECT DISTINCT {values} AS c FROM {src_table})
                ) WHERE c IS NOT NULL"""
            )
            for src in srcs:
                a = alias[src]
                maps[src] = f"_xa_m{g}"
                kref[src] = f"{a}.k"
                for j, col in enumerate(fed[src]):
                    pref[(src, col.name)] = f"{a}.p{j}"
                    if col.norm == "company":
                        pref[(src, col.name + "_norm")] = f"{a}.p{j}_norm"
        joins = " ".join(
            f"LEFT JOIN {maps[src]} {a} ON {a}.c = r.{_q(src)}" for src, a in alias.items() if src in maps
        ) + f" JOIN _xa_members xm ON xm._sid = {_sid('r._row')}"
        source_sql = src_table
        if layer1:
            source_sql = (
                f"(SELECT *{''.join(', ' + x for x in layer2)} FROM "
                f"(SELECT *, {', '.join(layer1)} FROM {src_table}))"
            )
        unit_expr = (
            f"coalesce({kref[f'c{cmap.unit_index}']}, xm.unit)"
            if cmap.unit_index is not None else "xm.unit"
        )
        select = ["r._row AS _row", "r._kind AS _kind", f"{unit_expr} AS unit"]
        bad, bad_any = [], []
        for col in tdef.column_list():
            if col.name in col_src:
                src, label = col_src[col.name]
                expr = kref[src]
                pcol = pref[(src, col.name)]
                _, rzh, ren = parser_for(col)
                select.append(f"{pcol} AS {_q(col.name)}")
                if col.norm == "company":
                    select.append(f"{pref[(src, col.name + '_norm')]} AS {_q(col.name + '_norm')}")
                lp = f"h_{col.name}"
                if label is None:
                    lp_sql = "r.item"
                elif _label_sql(label):
                    lp_sql = _label_sql(label)
                else:
                    lp_sql = f"${lp}"
                    if col.required or rzh:
                        params[lp] = label
                if col.required:
                    # a text placeholder (--, NaN, 空) parses to NULL: as empty as an empty cell
                    req = expr if rzh else pcol
                    bad_any.append(f"{req} IS NULL")
                    bad.append(
                        f"CASE WHEN {req} IS NULL THEN {{'column_name': {lp_sql}, 'raw_value': {expr}, "
                        "'reason_zh': '必填项为空', 'reason_en': 'required value missing'} END"
                    )
                if rzh:
                    bad_any.append(f"({expr} IS NOT NULL AND {pcol} IS NULL)")
                    bad.append(
                        f"CASE WHEN {expr} IS NOT NULL AND {pcol} IS NULL THEN {{'column_name': "
                        f"{lp_sql}, 'raw_value': {expr}, 'reason_zh': '{rzh}', 'reason_en': '{ren}'}} END"
                    )
            elif col.name == "month" and st.const_month:
                select.append(f"CAST(xm.const_month AS DATE) AS {_q(col.name)}")
        for n, check in enumerate(st.checks):
            # conditions over raw cells of the sheet (e.g. an unrecognised 方向), with the
            # offending cell when the check names it
            select.append(f"({check[0]}) AS _chk{n}")
            select.append(f"{check[4] if len(check) > 4 else 'CAST(NULL AS VARCHAR)'} AS _chkraw{n}")
            if _label_sql(check[1]):
                select.append(f"CASE WHEN {check[0]} THEN {_label_sql(check[1])} END AS _chklab{n}")
        # a wide payroll's deduction columns are loaded into payroll_deductions: not repeated
        # in the _extra of each of the person's pay items
        extras = [i for i in cmap.extras if i not in st.wide_items and i not in st.deduction_cols]
        if extras and st.general:  # each sheet's own unmapped columns, in its order, under its headers
            cells = "[" + ", ".join(f"r.c{i}" for i in extras) + "]"
            own = [sorted((k for k in extras if m.perm[k] is not None), key=lambda k, m=m: m.perm[k])
                   for m in st.members]
            params["xl"] = [[m.labels[k] for k in ks] for m, ks in zip(st.members, own, strict=True)]
            params["xo"] = [[extras.index(k) + 1 for k in ks] for ks in own]
            select.append(f"CASE WHEN len($xl[xm._sid + 1]) > 0 THEN to_json(map($xl[xm._sid + 1], "
                          f"list_select({cells}, $xo[xm._sid + 1]))) END AS _extra")
        elif extras:
            select.append(
                "json_object(" + ", ".join(f"$x{i}, r.c{i}" for i in extras) + ") AS _extra"
            )
            params.update({f"x{i}": st.labels[i] for i in extras})
        else:
            select.append("CAST(NULL AS VARCHAR) AS _extra")
        bad_sql = (
            f"CASE WHEN {' OR '.join(bad_any)} THEN "
            "list_filter([" + ", ".join(bad) + f"], lambda x: x IS NOT NULL) ELSE {_EMPTY_BAD} END"
            if bad else _EMPTY_BAD
        )
        select.append(f"{bad_sql} AS _bad")
        # Every map holds distinct values of the rows: the rows are the probe side of its join,
        # always. DuckDB's build_side_probe_side rule decides by estimates, and the join with
        # _xa_members (on an expression of _row) estimates a group's 547,200 committed raw
        # rows at ~105: the joins to the maps were turned around, their hash tables built on
        # the rows (a 100-unit ledger group out of memory at 1.25 GiB; docs/benchmarks.md).
        with planned_as_written(be):
            be.execute(
                f"CREATE OR REPLACE TEMP TABLE _xa_typed AS SELECT {', '.join(select)} "
                f"FROM {source_sql} r {joins}",
                params,
            )
        for n, (_cond, label, rzh, ren, *_raw) in enumerate(st.checks):
            be.execute(
                f"""UPDATE _xa_typed SET _bad = list_append(_bad, {{'column_name':
                    {f'_chklab{n}' if _label_sql(label) else '$lab'},
                    'raw_value': _chkraw{n}, 'reason_zh': $zh, 'reason_en': $en}}) WHERE _chk{n}""",
                {"zh": rzh, "en": ren} | ({} if _label_sql(label) else {"lab": label}),
            )
        # summary and deleted rows are counted, never quarantined
        be.execute(f"UPDATE _xa_typed SET _bad = {_EMPTY_BAD} WHERE _kind IS NOT NULL")
        for table in sorted(set(maps.values())):
            be.execute(f"DROP TABLE {table}")

    # -- stage 3: quarantine -----------------------------------------------------------
    def _stage_quarantine(self, st: _Sheet) -> list[tuple[str, str]]:
        be = self.be
        cleared = self._member_units(
            st, f"SELECT DISTINCT {_sid()}, unit FROM _xa_typed WHERE _kind IS NULL ORDER BY 2")
        for m in st.members:
            m.entry.unit = "、".join(m.units)
        be.execute("UPDATE _xa_members SET first_unit = $u[_sid + 1]",
                   {"u": [m.units[0] for m in st.members]})
        # skipped when there are none: on a very wide sheet, planning the raw-row JSON of
        # every column costs seconds
        n_bad = be.scalar("SELECT count(*) FROM _xa_typed WHERE len(_bad) > 0")
        if n_bad:
            be.execute(
            f"""INSERT INTO _quarantine
            SELECT DISTINCT xm.file, xm.sheet, {_row_no('b._row')}, $table, b.unit, b.bad.column_name,
                   b.bad.raw_value, b.bad.reason_zh, b.bad.reason_en, {st.raw_row_sql}
            FROM (SELECT _row, unit, unnest(_bad) AS bad FROM _xa_typed WHERE len(_bad) > 0) b
            JOIN _xa_prep r ON r._row = b._row
            JOIN _xa_members xm ON xm._sid = {_sid('b._row')}""",
            {"table": st.tdef.name, **st.label_params},
            )
        for m in st.members:
            self._insert_rejects(m.rejects, self._base(st, m), m.file_unit)
        return cleared

    def _member_units(self, st: _Sheet, sql: str) -> list[tuple[str, str]]:
        """Units of each member from ``SELECT <member>, unit`` (its file's unit when it has no
        rows): the (table, unit) pairs are cleared before the group writes, and registered."""
        seen: dict[int, list[str]] = {}
        for sid, unit in self.be.fetch_all(sql):
            seen.setdefault(int(sid), []).append(unit)
        for m in st.members:
            m.units = seen.get(m.sid) or [m.file_unit]
        st.units = sorted({u for m in st.members for u in m.units})
        cleared = self._clear(st.tdef.name, st.units)
        self._register_units([u for m in st.members for u in m.units])
        return cleared

    @staticmethod
    def _base(st: _Sheet, m: _Member) -> dict:
        return {"file": m.rel, "sheet": m.sheet_name, "table": st.tdef.name}

    # -- stage 4: dedupe and append ----------------------------------------------------
    def _stage_new(self, st: _Sheet) -> None:
        """``_xa_new``: the rows to load (no summary, deleted or quarantined rows) with their
        derived columns (voucher identity, line numbers, books, keys within the group)."""
        be, tdef = self.be, st.tdef
        cols_ddl = ", ".join(f"{_q(c)} {t}" for c, t in tdef.all_columns().items())
        be.execute(f"CREATE OR REPLACE TEMP TABLE _xa_new ({cols_ddl})")
        typed_cols = [c.name for c in tdef.column_list()
                      if c.name in st.col_src or (c.name == "month" and st.const_month)]
        typed_cols += [c.name + "_norm" for c in tdef.column_list()
                       if c.norm == "company" and c.name in st.col_src]
        sel = ", ".join("t." + _q(c) for c in typed_cols)
        # a row of a sheet read one row per record is quarantined by its own _bad; a wide
        # payroll's item rows share their source row, quarantined with any of its items
        good = ("NOT EXISTS (SELECT 1 FROM _xa_typed b WHERE b._row = t._row AND len(b._bad) > 0)"
                if st.wide_items else "len(t._bad) = 0")
        src = f"""SELECT t.unit, {sel}, xm.file AS _source_file, xm.sheet AS _source_sheet,
                   t._row AS _source_row, t._extra
            FROM _xa_typed t JOIN _xa_members xm ON xm._sid = {_sid('t._row')}
            WHERE t._kind IS NULL AND {good}"""
        gen_lines = line_number_column(tdef) is not None
        # the columns derived row by row (defaults, voucher identity; keys unless they wait
        # for line numbers) in the same statement: one pass over the rows, not an UPDATE of
        # every row per column
        sql, params = derived_select(
            tdef, src, set(typed_cols) | {"unit", "_source_file", "_source_sheet", "_source_row", "_extra"},
            keys=not gen_lines,
            year_numbering="voucher_id" in tdef.columns and st.plan.conv.get("voucher_numbering") == "year")
        be.execute(f"INSERT INTO _xa_new BY NAME {sql}", params)
        # a staging table too large to update in memory is rewritten (derive.set_columns)
        st.big = rewrite_staging(be, "_xa_new")
        if gen_lines:
            # line numbers in file order within the group (continued after the lines an
            # earlier group loaded for the same voucher in _stage_dedupe, keys made again there)
            every = number_lines(be, tdef, "_xa_new", st.rewrite)
            derive_keys(be, tdef, "_xa_new", st.rewrite)
            # every line numbered here: no key repeats within the group (no grouping to look)
            st.keys_unique = every and keys_unique_by_numbering(be, tdef, "_xa_new")
        else:
            number_repeated_keys(be, tdef, "_xa_new")
        # ranks (read per distinct title); books: tagged per unit over its whole ledger once
        # every file is in (_after_run)
        derive_ranks(be, tdef, "_xa_new", self.level)

    @staticmethod
    def _lines_continue(st: _Sheet) -> bool:
        """Line numbers made in file order continue after the lines of the same voucher loaded
        from an earlier sheet (a 明细账 holds one account per sheet): keys wait for them."""
        tdef = st.tdef
        return "line_no" in tdef.columns and "line_no" not in st.col_src and "voucher_id" in tdef.columns

    def _stage_dedupe(self, st: _Sheet) -> None:
        be, tdef = self.be, st.tdef
        # the group's units that earlier groups of this run loaded into the table (rows an
        # earlier load left were cleared before): only their lines and keys can meet this
        # group's — none, and no statement need look (most groups: a unit's file per table)
        earlier = [u for u in st.units if (tdef.name, u) in self.cleared]
        if self._lines_continue(st) and earlier:
            be.execute(
                f"""UPDATE _xa_new AS n SET line_no = n.line_no + e.mx FROM (
                        SELECT unit, voucher_id, max(line_no) AS mx FROM {_q(tdef.name)}
                        WHERE list_contains($units, unit) GROUP BY ALL) e
                        WHERE e.unit = n.unit AND e.voucher_id = n.voucher_id""",
                {"units": earlier},
            )
            derive_keys(be, tdef, "_xa_new", st.rewrite)
        if tdef.duplicates == "keep" and earlier and be.scalar(
                # a key loaded before: its first record there bears the key unnumbered
                f"""SELECT count(*) FROM _xa_new n SEMI JOIN (
                        SELECT unit, _key FROM {_q(tdef.name)} WHERE list_contains($units, unit)) e
                    ON e.unit = n.unit AND e._key = regexp_replace(n._key, '#[0-9]+$', '')""",
                {"units": earlier}):
            # A repeated record is evidence (payroll: one item paid twice, e.g. once in the
            # salary file and again in a supplementary file): number it after the records of
            # the same key already loaded instead of quarantining it.
            be.execute(
                f"""UPDATE _xa_new AS n SET _key = s.base || '#' || CAST(s.k AS VARCHAR) FROM (
                    SELECT x.rowid AS rid, x.base, e.cnt + row_number() OVER (
                        PARTITION BY x.unit, x.base ORDER BY x._source_row, x.rowid) AS k
                    FROM (SELECT rowid, unit, _source_row, regexp_replace(_key, '#[0-9]+$', '') AS base
                          FROM _xa_new) x
                    JOIN (SELECT unit, regexp_replace(_key, '#[0-9]+$', '') AS base, count(*) AS cnt
                          FROM {_q(tdef.name)} WHERE list_contains($units, unit) GROUP BY ALL) e
                      ON e.unit = x.unit AND e.base = x.base
                ) s WHERE n.rowid = s.rid""",
                {"units": earlier},
            )
        # hashes first (a narrow aggregate, a third of the grouping's time on a 4M-line
        # ledger): none repeats, no key repeats; a repeat or a collision asks exactly. Grouped,
        # not count(DISTINCT …): DuckDB held an ungrouped DISTINCT's 50 million hashes outside
        # its memory cap (a 50M-line load: RSS 3.2 -> 4.25 GB for that statement at 2.5 GiB)
        has_dups = (not st.keys_unique and be.scalar(
            "SELECT EXISTS (SELECT 1 FROM _xa_new GROUP BY hash(unit, _key) HAVING count(*) > 1)") and be.scalar(
            "SELECT count(*) FROM (SELECT unit, _key FROM _xa_new GROUP BY ALL HAVING count(*) > 1)"
        )) or (earlier and be.scalar(  # a key loaded before (another file of the same unit and table)
            f"""SELECT count(*) FROM _xa_new n SEMI JOIN (
                    SELECT unit, _key FROM {_q(tdef.name)} WHERE list_contains(?, unit)) e
                ON e.unit = n.unit AND e._key = n._key""", [earlier]
        ))
        if has_dups:
            self._quarantine_duplicates(st)
        else:  # nothing to number or quarantine: no window over every row
            be.execute("CREATE OR REPLACE TEMP TABLE _xa_dup (_source_row BIGINT, unit VARCHAR, "
                       "_key VARCHAR, first_row BIGINT, rn BIGINT, earlier BOOLEAN)")

        # check digits (kept, reported)
        for col in tdef.column_list():
            if col.norm in ("id_number", "credit_code"):
                fn = "xa_id_number_valid" if col.norm == "id_number" else "xa_credit_code_valid"
                # once per sheet and distinct value: a payroll repeats a person's number every
                # month and item (one aggregation; a join back to the rows of the invalid values
                # took 15 times as long, even with none)
                n_bad = self._counts(
                    f"SELECT s, sum(n) FROM (SELECT {_sid('_source_row')} AS s, {_q(col.name)} AS v, "
                    f"count(*) AS n FROM _xa_new GROUP BY ALL) WHERE NOT {fn}(v) GROUP BY 1")
                what = "身份证号" if col.norm == "id_number" else "统一社会信用代码"
                for sid, n in n_bad.items():
                    m = st.member(sid)
                    m.messages_zh.append(f"{what}（{col.name}）校验位不符 {n} 条（已保留原值）")
                    m.messages_en.append(f"{n} invalid {col.norm} check digits in {col.name}")

    def _quarantine_duplicates(self, st: _Sheet) -> None:
        """Records whose key is seen before (in this group or loaded earlier) to quarantine."""
        be, tdef = self.be, st.tdef
        be.execute(
            f"""CREATE OR REPLACE TEMP TABLE _xa_dup AS
            SELECT n._source_row, n.unit, n._key,
                   min(n._source_row) OVER (PARTITION BY n.unit, n._key, {_sid('n._source_row')}) AS first_row,
                   row_number() OVER (PARTITION BY n.unit, n._key ORDER BY n._source_row, n.rowid) AS rn,
                   -- a sheet loaded before this one (in an earlier group or earlier in this one)
                   e._key IS NOT NULL OR {_sid('min(n._source_row) OVER (PARTITION BY n.unit, n._key)')}
                       < {_sid('n._source_row')} AS earlier
            FROM _xa_new n
            LEFT JOIN (SELECT DISTINCT unit, _key FROM {_q(tdef.name)} WHERE list_contains($units, unit)) e
              ON e.unit = n.unit AND e._key = n._key
            """,
            {"units": st.units},
        )
        be.execute("DELETE FROM _xa_dup WHERE rn = 1 AND NOT earlier")
        key_label = "+".join(tdef.key)
        if be.scalar("SELECT count(*) FROM _xa_dup"):
            be.execute(
                f"""INSERT INTO _quarantine
                SELECT xm.file, xm.sheet, {_row_no('d._source_row')}, $table, d.unit, $key_label, d._key,
                       CASE WHEN d.earlier THEN '记录键重复：与先前导入的同一单位记录重复（' || d._key || '）'
                            ELSE '记录键重复：与本表第 ' || {_row_no('d.first_row')} || ' 行重复（'
                                 || d._key || '）' END,
                       'duplicate key ' || d._key, {st.raw_row_sql}
                FROM (SELECT DISTINCT _source_row, unit, _key, first_row, earlier FROM _xa_dup) d
                JOIN _xa_prep r ON r._row = d._source_row
                JOIN _xa_members xm ON xm._sid = {_sid('d._source_row')}""",
                {"table": tdef.name, **st.label_params, "key_label": key_label},
            )
        be.execute("DELETE FROM _xa_new WHERE _source_row IN (SELECT _source_row FROM _xa_dup)")

    # -- stage 5: the file's own totals ------------------------------------------------
    def _stage_reconcile(self, st: _Sheet) -> None:
        """Where a 合计/本月合计 row exists, the loaded lines above it (since the previous
        row of the same kind) must add up to it; a wide payroll's items must add up to 应发."""
        be, tdef = self.be, st.tdef
        words = [w for w in st.plan.conv.get("reconcile_words") or []]
        money = [c.name for c in tdef.column_list()
                 if c.type == "decimal" and c.name in st.col_src
                 and c.name not in set(st.plan.conv.get("non_money_columns") or ())]
        if any(m.entry.rows_summary for m in st.members) and money and words:
            item_part = ", item" if st.wide_items else ""
            for col in money:
                rows = be.fetch_all(
                    f"""WITH s AS (
                        SELECT DISTINCT p._row, p._summary_word AS w FROM _xa_kinds p
                        WHERE p._kind = 'summary' AND list_contains($words, p._summary_word)),
                    b AS (SELECT s._row, s.w, coalesce(lag(s._row) OVER (
                                 PARTITION BY s.w, {_sid('s._row')} ORDER BY s._row),
                                 {_sid('s._row')} * {_STRIDE}) AS prev
                          FROM s),
                    tot AS (SELECT t._row{item_part}, t.{_q(col)} AS v FROM _xa_typed t
                            WHERE t._kind = 'summary' AND t.{_q(col)} IS NOT NULL)
                    SELECT b._row, b.w{item_part.replace(', ', ', tot.')}, tot.v,
                           (SELECT coalesce(sum(n.{_q(col)}), 0) FROM _xa_new n
                            WHERE n._source_row > b.prev AND n._source_row < b._row
                            {"AND n.item = tot.item" if st.wide_items else ""}) AS loaded
                    FROM b JOIN tot ON tot._row = b._row""",
                    {"words": words},
                )
                for row in rows:
                    m, r_no, word = st.member(row[0] // _STRIDE), row[0] % _STRIDE, row[1]
                    item = row[2] if st.wide_items else None
                    v, loaded = row[-2], row[-1]
                    if v is None or Decimal(v) == Decimal(loaded):
                        continue
                    label = item or m.subst(st.col_src[col][1]) or col
                    self._issue(st, m, "total_mismatch", f"{word}（第{r_no}行）", r_no, v, loaded,
                                f"第{r_no}行「{word}」的{label}为 {Decimal(v):,.2f}，导入的明细合计为 "
                                f"{Decimal(loaded):,.2f}，相差 {Decimal(v) - Decimal(loaded):,.2f}",
                                f"row {r_no} {word}: {col} {v} vs loaded {loaded}")
        # 统发 wide payroll: the items of each person add up to 应发 (gross)
        gross = [i for i, k in st.plan.wide_kinds.items() if k == "gross"]
        if st.wide_items and gross:
            g = gross[0]
            mult = st.plan.multipliers.get(g) or Decimal(1)
            be.execute(
                f"""CREATE OR REPLACE TEMP TABLE _xa_gross AS
                SELECT xm.file, xm.sheet, $table AS table_name, xm.first_unit AS unit,
                       'gross_mismatch' AS kind, p._row AS _row, {_row_no('p._row')} AS row_no,
                       p.gross, coalesce(i.items, 0) AS items
                FROM (SELECT _row, CAST(xa_amount(c{g}) * {mult} AS DECIMAL(38,2)) AS gross
                      FROM _xa_prep WHERE _kind IS NULL) p
                LEFT JOIN (SELECT _source_row, sum(amount) AS items FROM _xa_new GROUP BY 1) i
                  ON i._source_row = p._row
                JOIN _xa_members xm ON xm._sid = {_sid('p._row')}
                WHERE p.gross IS NOT NULL AND p.gross <> coalesce(i.items, 0)""",
                {"table": st.tdef.name},
            )
            be.execute(
                """INSERT INTO _load_issues
                SELECT file, sheet, table_name, unit, kind, '第' || row_no || '行', row_no, gross, items,
                       '第' || row_no || '行工资项目合计 ' || items || ' 与' || $label || ' ' || gross || ' 不符',
                       'row ' || row_no || ': items ' || items || ' vs gross ' || gross
                FROM _xa_gross""",
                {"label": st.labels[g]},
            )
            for sid, n in self._counts(f"SELECT {_sid()}, count(*) FROM _xa_gross GROUP BY 1").items():
                m = st.member(sid)
                m.messages_zh.append(f"工资项目合计与{st.labels[g]}不符 {n} 人（详见 _load_issues）")
                m.messages_en.append(f"{n} rows whose items do not add up to {st.labels[g]}")

    def _issue(self, st: _Sheet, m: _Member, kind, record, row_no, expected, actual, zh, en) -> None:
        self.be.execute(
            "INSERT INTO _load_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [m.rel, m.sheet_name, st.tdef.name, m.units[0] if m.units else m.file_unit, kind,
             record, row_no, expected, actual, zh, en],
        )
        if not any(x.startswith("与文件自身合计不符") for x in m.messages_zh):
            m.messages_zh.append("与文件自身合计不符：" + zh + "（详见 _load_issues）")

    def _finish(self, st: _Sheet) -> None:
        be = self.be
        be.execute(f"INSERT INTO {_q(st.tdef.name)} BY NAME "
                   f"SELECT * REPLACE ({_row_no('_source_row')} AS _source_row) FROM _xa_new")
        bad = self._counts(
            f"SELECT {_sid('r')}, count(*) FROM (SELECT _row AS r FROM _xa_typed WHERE len(_bad) > 0 "
            "UNION SELECT _source_row FROM _xa_dup) GROUP BY 1")
        for m in st.members:
            entry = m.entry
            q_rows = bad.get(m.sid, 0) + len(m.rejects)
            entry.rows_quarantined = q_rows
            entry.rows_loaded = (entry.rows_read - q_rows - entry.rows_summary - entry.rows_deleted
                                 - entry.rows_skipped)
            if entry.rows_summary:
                m.messages_zh.append(f"合计/小计/期初等非明细行 {entry.rows_summary} 行未导入")
            if q_rows:
                entry.status = "partial" if entry.rows_loaded else "error"
                m.messages_zh.insert(0, f"{q_rows} 行进入隔离区（_quarantine）")
                m.messages_en.insert(0, f"{q_rows} rows quarantined")
            entry.message_zh = m.subst("；".join(m.messages_zh))
            entry.message_en = m.subst("; ".join(m.messages_en))

    def _reject_sheet(self, st: _Sheet, missing: list[str]) -> list[tuple[str, str]]:
        """A sheet without a required column: every row to quarantine, status error."""
        be, tdef, cmap = self.be, st.tdef, st.plan.cmap
        unit_expr = (
            f"coalesce(xa_cell(r.c{cmap.unit_index}), xm.unit)"
            if cmap.unit_index is not None else "xm.unit"
        )
        join = f"JOIN _xa_members xm ON xm._sid = {_sid('r._row')}"
        cleared = self._member_units(
            st, f"SELECT DISTINCT {_sid('r._row')}, {unit_expr} FROM _xa_prep r {join} ORDER BY 2")
        names = "、".join(
            f"「{tdef.columns[m].aliases[0] if tdef.columns[m].aliases else m}」({m})" for m in missing
        )
        zh = f"缺少必填列 {names}，本表所有行未导入"
        en = f"required column(s) missing: {', '.join(missing)}"
        be.execute(
            f"""INSERT INTO _quarantine SELECT xm.file, xm.sheet, {_row_no('r._row')}, $table,
                {unit_expr}, $col, NULL, $zh, $en, {st.raw_row_sql} FROM _xa_prep r
                {join} WHERE r._kind IS NULL""",
            {"table": tdef.name, **st.label_params, "col": ",".join(missing), "zh": zh, "en": en},
        )
        for m in st.members:
            entry = m.entry
            self._insert_rejects(m.rejects, self._base(st, m), m.file_unit)
            entry.unit = "、".join(m.units)
            entry.rows_quarantined = (entry.rows_read - entry.rows_summary - entry.rows_deleted
                                      - entry.rows_skipped)
            entry.rows_loaded = 0
            entry.status = "error"
            entry.message_zh = m.subst("；".join([zh, *m.messages_zh]))
            entry.message_en = en
        return cleared

    def _deduction_columns(self, st: _Sheet) -> list[int]:
        """代扣/扣款 columns of a wide payroll: declared ``deduction`` by the layout, else by
        the contract's deduction words (never pay items, never totals)."""
        spec, plan = st.tdef.wide, st.plan
        return [i for i in plan.cmap.extras
                if (plan.cmap.headers[i] or "").strip() and i not in st.wide_items
                and (plan.wide_kinds.get(i) or spec.kind(st.labels[i])) == "deduction"]

    def _as_deductions_sheet(self, st: _Sheet) -> None:
        """Read a wide sheet without pay items but with deductions (统发 扣款表) as
        ``payroll_deductions``: its deduction columns are unpivoted like pay items; payroll
        columns the deductions table has not (银行账号) are kept in ``_extra``."""
        tdef = load_contract().table(DEDUCTIONS)
        cmap = st.plan.cmap
        for col in [c for c in cmap.columns if c not in tdef.columns]:
            cmap.extras.append(cmap.columns.pop(col))
        cmap.extras.sort()
        st.tdef = tdef
        for m in st.members:
            m.entry.table_name = tdef.name
        st.wide_items, st.deduction_cols = st.deduction_cols, []
        st.say("本表只有扣款，没有工资项目：载入工资代扣款明细（payroll_deductions）",
               "deductions only: loaded into payroll_deductions")

    def _stage_deductions(self, st: _Sheet) -> list[tuple[str, str]]:
        """The deduction columns of a wide payroll's loaded rows into ``payroll_deductions``
        (month and person of the row; empty and zero cells are no deduction). The source row
        is accounted for once, by the payroll entry: loaded with its pay items and deductions,
        or quarantined with all of them (a garbled deduction is a check of the typed stage)."""
        be = self.be
        tdef = load_contract().table(DEDUCTIONS)
        cols_ddl = ", ".join(f"{_q(c)} {t}" for c, t in tdef.all_columns().items())
        be.execute(f"CREATE OR REPLACE TEMP TABLE _xa_ded ({cols_ddl})")
        # the loaded rows' persons, once (the loaded table has a row per pay item)
        be.execute("CREATE OR REPLACE TEMP TABLE _xa_ded_p AS "
                   "SELECT DISTINCT unit, month, person_id, id_number, name, _source_row FROM _xa_new")
        # every deduction column in one pass over the rows (a struct per column, unnested):
        # one statement instead of one per column, the rows in source order, a row's
        # deductions in column order
        cells, params = [], {}
        for n, i in enumerate(st.deduction_cols):
            cell = (_plain_scaled(f"p.c{i}", st.plan.multipliers[i]) if i in st.plan.multipliers
                    else f"p.c{i}")
            cells.append(f"{{'pos': {n}, 'item': $d{n}, 'cell': xa_cell(p.c{i}), 'amount': xa_amount({cell})}}")
            params[f"d{n}"] = st.labels[i]
        be.execute(
            f"""INSERT INTO _xa_ded BY NAME
            SELECT n.unit, n.month, n.person_id, n.id_number, n.name, d.item,
                   CAST(d.amount AS DECIMAL(18,2)) AS amount, xm.file AS _source_file,
                   xm.sheet AS _source_sheet, n._source_row
            FROM (SELECT p._row, unnest([{', '.join(cells)}], recursive := true)
                  FROM _xa_prep p WHERE p._kind IS NULL) d
            JOIN _xa_ded_p n ON n._source_row = d._row
            JOIN _xa_members xm ON xm._sid = {_sid('d._row')}
            WHERE d.cell IS NOT NULL AND d.amount IS DISTINCT FROM 0
            ORDER BY d._row, d.pos""",
            params,
        )
        be.execute("DROP TABLE _xa_ded_p")
        per_member = self._counts(f"SELECT {_sid('_source_row')}, count(*) FROM _xa_ded GROUP BY 1")
        if not per_member:
            return []
        cleared = self._clear(DEDUCTIONS, st.units)
        derive_columns(be, DEDUCTIONS, level=self.level, unit=st.members[0].file_unit,
                       target="_xa_ded", normalised=True)
        # duplicates are kept (contract): a key seen before is numbered after the earlier ones
        be.execute(
            f"""UPDATE _xa_ded AS n SET _key = s.base || '#' || CAST(s.k AS VARCHAR) FROM (
                SELECT x.rowid AS rid, x.base, coalesce(e.cnt, 0) + row_number() OVER (
                    PARTITION BY x.unit, x.base ORDER BY x._source_row, x.rowid) AS k
                FROM (SELECT rowid, unit, _source_row, _key AS base FROM _xa_ded) x
                LEFT JOIN (SELECT unit, regexp_replace(_key, '#[0-9]+$', '') AS base, count(*) AS cnt
                           FROM {_q(DEDUCTIONS)} WHERE list_contains($units, unit) GROUP BY ALL) e
                  ON e.unit = x.unit AND e.base = x.base
            ) s WHERE n.rowid = s.rid AND s.k > 1""",
            {"units": st.units},
        )
        be.execute(f"INSERT INTO {_q(DEDUCTIONS)} BY NAME "
                   f"SELECT * REPLACE ({_row_no('_source_row')} AS _source_row) FROM _xa_ded")
        for sid, n_rows in per_member.items():
            m = st.member(sid)
            m.messages_zh.append(f"扣款 {n_rows} 条载入工资代扣款明细（payroll_deductions）")
            m.messages_en.append(f"{n_rows} deductions loaded into payroll_deductions")
        return cleared

    def _wide_columns(self, st: _Sheet) -> list[int]:
        """Pay-item columns of a wide payroll (contract ``payroll.wide``): declared by the
        layout, else by header words (attributes, totals, deductions never; item words
        always), else by content: money cells that are not codes or dates."""
        spec = st.tdef.wide
        plan = st.plan
        cands = []
        out = []
        for i in plan.cmap.extras:
            if not (plan.cmap.headers[i] or "").strip():
                continue
            kind = plan.wide_kinds.get(i) or spec.kind(st.labels[i])
            if kind == "item":
                out.append(i)
            elif kind is None:
                cands.append(i)
        if cands:
            parts = ", ".join(
                f"count(xa_cell(c{i})), count(xa_amount(c{i})), "
                f"count(CASE WHEN regexp_full_match(xa_cell(c{i}), '[0-9]{{{spec.code_digits},}}') THEN 1 END), "
                f"count(xa_date(c{i}))"
                for i in cands
            )
            row = self.be.fetch_one(f"SELECT {parts} FROM _xa_raw")
            for j, i in enumerate(cands):
                n, a, codes, dates = row[4 * j: 4 * j + 4]
                if n and a >= spec.money_share * n and codes < n and dates < n:
                    out.append(i)
        return sorted(out)

    def _insert_rejects(self, rejects, base, unit: str) -> None:
        if not rejects:
            return
        tbl = pa.table({
            "row_no": pa.array([r[0] for r in rejects], pa.int64()),
            "raw_value": pa.array([r[1] for r in rejects], pa.string()),
            "reason_zh": pa.array([r[2] for r in rejects], pa.string()),
            "reason_en": pa.array([r[3] if len(r) > 3 else "malformed CSV line" for r in rejects],
                                  pa.string()),
            "raw_row": pa.array([json.dumps({"原始行": r[1]}, ensure_ascii=False) for r in rejects]),
        })
        with self.be.registered("_xa_rejects", tbl):
            self.be.execute(
                """INSERT INTO _quarantine SELECT $file, $sheet, row_no, $table, $unit, NULL,
                   raw_value, reason_zh, reason_en, raw_row FROM _xa_rejects""",
                {**base, "unit": unit},
            )

    def unbalanced_vouchers(self) -> int:
        """List vouchers whose debits and credits differ (data-quality result, never dropped)
        in ``_load_issues``; 明细账 sheets (one side of each voucher) are exempt."""
        be = self.be
        units = [u for (t, u) in self.cleared if t == "ledger"]
        if not units:
            return 0
        exempt = pa.table({
            "f": pa.array([f for f, _ in self.unbalanced_exempt], pa.string()),
            "s": pa.array([s for _, s in self.unbalanced_exempt], pa.string()),
        })
        # the sums first (two numbers per voucher), the texts (file, sheet, first row) only for
        # the vouchers that do not balance: min() of three texts over every voucher of a
        # province's ledgers was most of this pass
        kept = ("" if not self.unbalanced_exempt else
                """AND NOT EXISTS (SELECT 1 FROM _xa_exempt x WHERE x.f = l._source_file
                                  AND x.s IS NOT DISTINCT FROM l._source_sheet)""")
        with be.registered("_xa_exempt", exempt):
            be.execute("DELETE FROM _load_issues WHERE kind = 'unbalanced_voucher' AND list_contains(?, unit)",
                       [units])
            return be.scalar(
                f"""INSERT INTO _load_issues
                WITH bad AS (
                    SELECT unit, voucher_id, sum(coalesce(debit, 0)) AS d, sum(coalesce(credit, 0)) AS c
                    FROM ledger l
                    WHERE list_contains($units, unit) {kept}
                    GROUP BY unit, voucher_id
                    HAVING sum(coalesce(debit, 0)) <> sum(coalesce(credit, 0)))
                SELECT min(l._source_file), min(l._source_sheet), 'ledger', b.unit, 'unbalanced_voucher',
                       b.voucher_id, min(l._source_row), b.d, b.c,
                       '凭证 ' || b.voucher_id || ' 借贷不平衡：借方 ' || b.d || '，贷方 ' || b.c,
                       'voucher ' || b.voucher_id || ' unbalanced'
                FROM ledger l
                JOIN bad b ON b.unit = l.unit AND b.voucher_id IS NOT DISTINCT FROM l.voucher_id
                WHERE list_contains($units, l.unit) {kept}
                GROUP BY b.unit, b.voucher_id, b.d, b.c""",
                {"units": units},
            )


@contextlib.contextmanager
def planned_as_written(be):
    """Joins built on their right side as written (DuckDB's ``build_side_probe_side`` rule
    off) for the statements inside; the setting as it was after."""
    before = be.scalar("SELECT current_setting('disabled_optimizers')") or ""
    rules = ",".join(r for r in [*before.split(","), "build_side_probe_side"] if r.strip())
    be.execute(f"SET disabled_optimizers = {lit(rules)}")
    try:
        yield
    finally:
        if before:
            be.execute(f"SET disabled_optimizers = {lit(before)}")
        else:
            be.execute("RESET disabled_optimizers")


def _sheet_rows(sheet: Sheet) -> int:
    """Non-blank rows of a sheet that is skipped whole (every row is counted as skipped)."""
    data = getattr(sheet, "data", None)
    if data is not None:
        return sum(1 for row in data.to_pylist() if any(v not in (None, "") for v in row.values()))
    path = getattr(sheet, "path", None)
    if path is not None and getattr(sheet, "source_encoding", "utf-8") in ("utf-8", "gbk", "gb18030"):
        # a delimited file: its non-blank lines, not only the first rows read for recognition
        blank = b" \t\r\n\"" + str(getattr(sheet, "delimiter", ",")).encode()
        sep = getattr(sheet, "newline", b"\n")
        with open(path, "rb") as fh:
            lines = fh if sep == b"\n" else fh.read().split(sep)
            return sum(1 for line in lines if line.strip(blank))
    return sum(1 for row in sheet.head if any(row))


_LOG_TEXT = ("file", "sheet", "table_name", "unit", "encoding", "status", "message_zh", "message_en",
             "sha256", "layout")
_LOG_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_summary", "rows_deleted",
               "rows_skipped")


def _write_log(con, entry: LoadEntry) -> None:
    _write_logs(con, [entry])


def _write_logs(con, entries: list[LoadEntry]) -> None:
    """``_load_log`` rows of ``entries``, in order, by one statement (one INSERT per sheet
    was 3.7 ms each, 7.5 s of a 100-unit load)."""
    if not entries:
        return
    data = pa.table({
        **{c: pa.array([getattr(e, c) for e in entries], pa.string()) for c in _LOG_TEXT},
        **{c: pa.array([getattr(e, c) for e in entries], pa.int64()) for c in _LOG_COUNTS},
    })
    cols = ", ".join((*_LOG_TEXT, *_LOG_COUNTS))
    be = of(con)
    with be.registered("_xa_log_arrow", data):
        be.execute(f"INSERT INTO _load_log ({cols}, loaded_at) SELECT {cols}, current_timestamp "
                   "FROM _xa_log_arrow")


def load_folder(
    data_dir: str | Path,
    db_path: str | Path,
    *,
    unit: str | None = None,
    level: str = "市级",
    region: str | None = None,
    city: str | None = None,
    mapping: str | Path | UserMapping | dict | None = None,
    progress: Callable[[int, int, str | None], None] | None = None,
    layouts: list[str | Path] | tuple = (),
    period: tuple | None = None,
    batch: bool = True,
    read_ahead: bool = True,
    warn: Callable[[str, str], None] | None = None,
) -> LoadReport:
    """Load every export below ``data_dir`` into the DuckDB file ``db_path``.

    ``warn(zh, en)`` is told, before any file is read, what may make the load fail later
    (too little disk for the temporary files of its largest file:
    :func:`xuncha_audit.dbsettings.temp_space_warning`); without it, the log is.

    ``progress(done, total, current_file)`` is called before each file and once at the end
    (``current_file`` None). ``layouts``: folders of the user's own layout files
    (``--layouts DIR``, see docs/layouts.md), tried before the shipped ones. ``period`` (start, end) of the inspection narrows the plausible
    dates (:func:`xuncha_audit.ingest.normalize.set_date_bounds`). Raises :class:`~xuncha_audit.errors.XunchaError` for bad
    arguments (missing folder, unknown level, bad mapping file); problems with single files
    are recorded in ``_load_log`` and the returned report, and the run goes on.

    ``batch``: sheets of the same layout from different units are loaded together (one set of
    statements per group, see ``_Run.add_sheet``); False loads every sheet alone (the tests
    compare both).

    ``read_ahead``: files are read, decoded and planned in a thread a few files ahead of the
    database (:class:`_ReadAhead`); False reads each in turn (the tests compare both).
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise XunchaError("数据目录不存在或不是目录", f"not a directory: {data_dir}", file=str(data_dir))
    if level not in LEVELS:
        raise XunchaError(
            f"单位层级「{level}」无效，应为：{'、'.join(LEVELS)}", f"invalid level {level!r}"
        )
    if isinstance(mapping, UserMapping):
        umap = mapping
    elif isinstance(mapping, dict):
        umap = parse_mapping(mapping)
    else:
        umap = load_mapping(mapping)
    layout_list = load_layouts(layouts)
    skipped_dirs: dict[str, int] = {}
    files = discover_files(data_dir, skipped_dirs)
    space = temp_space_warning(files, db_path)
    if space and warn:  # said before the load, not after it fails half an hour in
        warn(*space)
    elif space:
        _LOG.warning("%s", space[1])
    by_folder = unit is None and _folder_units(data_dir, files)
    if by_folder and batch:
        # the same export of every unit in turn (each unit's files keep their order), so that
        # sheets of one layout meet in a group
        files.sort(key=lambda p: (p.relative_to(data_dir).parts[1:], p.relative_to(data_dir).parts[0]))

    if str(db_path) != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    be = of(con)
    configure_duckdb(con, db_path)  # memory_limit / threads / temp_directory (xuncha_audit.dbsettings)
    report = LoadReport(db_path=str(db_path))
    try:
        create_tables(con)
        ensure_bookkeeping(con)
        install_parse_macros(con)
        set_date_bounds(con, *(period or (None, None)))  # plausible dates (docs/parsing.md)
        install_checkdigit_macros(con)
        vocab = Vocabulary.build(umap)
        with tempfile.TemporaryDirectory(prefix="xuncha_load_") as tmp:
            run = _Run(con, vocab, level, region, city, Path(tmp), layout_list, batch=batch)
            todo: list[tuple] = []  # (path, rel, rule, file unit or None when skipped)
            for path in files:
                rel = path.relative_to(data_dir).as_posix()
                rule = umap.rule_for(rel)
                file_unit = None if rule and rule.skip else (
                    (rule.unit if rule and rule.unit else None)
                    or unit
                    or (path.relative_to(data_dir).parts[0] if by_folder else None)
                    or DEFAULT_UNIT
                )
                todo.append((path, rel, rule, file_unit))
            ahead = _ReadAhead(
                {n: (path, run.workdir, rule.sheet if rule else None, rel, rule.table if rule else None,
                     vocab, layout_list)
                 for n, (path, rel, rule, file_unit) in enumerate(todo) if file_unit is not None},
                enabled=read_ahead)
            try:
                for n, (path, rel, rule, file_unit) in enumerate(todo):
                    if progress:
                        progress(n, len(files), rel)
                    if file_unit is None:
                        entry = LoadEntry(file=rel, status="skipped", unit=rule.unit or unit,
                                          message_zh="映射文件设定跳过", message_en="skipped by mapping")
                        be.execute("DELETE FROM _load_log WHERE file = ? AND table_name IS NULL", [rel])
                        run.log(entry)
                        report.entries.append(entry)
                        continue
                    report.entries.extend(
                        _load_file(run, path, rel, file_unit, rule.table if rule else None, ahead.take(n))
                    )
            finally:
                ahead.close()
            run.flush()
            for folder, n_files in skipped_dirs.items():
                entry = LoadEntry(
                    file=folder, status="skipped",
                    message_zh=f"文件夹名以「.」或「_」开头，按约定跳过（其中 {n_files} 个数据文件未读取）",
                    message_en=f"folder starting with '.' or '_' skipped ({n_files} data files)")
                be.execute("DELETE FROM _load_log WHERE file = ?", [folder])
                _write_log(con, entry)
                report.entries.append(entry)
            if progress:
                progress(len(files), len(files), None)
            _after_run(run)
            if not files:
                entry = LoadEntry(file=".", status="error", message_zh="数据目录中没有 CSV/Excel 文件",
                                  message_en="no data files found")
                report.entries.append(entry)
            report.units = list(run.units)
    finally:
        con.close()
    return report


def _after_run(run: _Run) -> None:
    """Whole-ledger passes once every file is in: 平行记账 tags per unit (a 明细账 has one
    account per sheet, so a unit's accounting system shows only across sheets) and the list
    of unbalanced vouchers."""
    con = run.con
    units = sorted({u for (t, u) in run.cleared if t == "ledger"})
    if not units:
        return
    tdef = load_contract().table("ledger")
    _derive_book(con, tdef, "ledger", units=units)
    run.unbalanced_vouchers()


def _metadata(sheet: Sheet, forced: str | None, layouts: list) -> bool:
    """A sheet of field descriptions (字段说明), not data — unless the mapping names its table."""
    return forced is None and any(is_metadata_sheet(lay, sheet.name) for lay in [None, *layouts])


def _plan(sheet: Sheet, rel: str, forced: str | None, vocab: Vocabulary, layouts: list) -> SheetPlan:
    return plan_sheet(Path(rel).name, sheet.name, sheet.head, sheet.width_for, vocab, layouts, forced)


@dataclass
class _Read:
    """A file read ahead: its hash and sheets, or the exception reading it raised."""

    sha: str | None = None
    sheets: list | None = None
    error: BaseException | None = None
    sha_error: BaseException | None = None


def _read_file(path: Path, workdir: Path, sheet_name: str | None, rel: str, forced: str | None,
               vocab: Vocabulary, layouts: list) -> _Read:
    """Everything a file needs before the database: its hash, its sheets (read, decoded,
    sniffed), each sheet's plan and, for a CSV, the fast scan with its UTF-8 copy. No
    DuckDB here: :class:`_ReadAhead` runs it in a thread a few files ahead. Exceptions are
    kept and raised where a file read in turn would raise them."""
    try:
        sha = _sha256(path)
    except BaseException as exc:
        return _Read(sha_error=exc)
    try:
        sheets = read_source(path, workdir, sheet_name)
    except BaseException as exc:
        return _Read(sha=sha, error=exc)
    for sheet in sheets:
        if _metadata(sheet, forced, layouts):
            continue
        try:
            plan = _plan(sheet, rel, forced, vocab, layouts)
            sheet.planned = (forced, plan)
            if plan.table is not None and plan.header_idx is not None:
                sheet.prescan(plan.header_idx)
        except Exception:  # planned again in turn, where the error is reported
            sheet.planned = None
            sheet.release()
    return _Read(sha=sha, sheets=sheets)


def _covers(m: _Member, width: int) -> bool:
    """Every column of the member's sheet has a place in the group's column order."""
    own = m.sheet.width_for(m.plan.header_idx)
    return len(m.perm) == width and sorted(i for i in m.perm if i is not None) == list(range(own))


def _held_table(members: list[_Member]) -> pa.Table:
    """The rows of sheets held as Arrow, in the group's column order (NULL where a sheet has
    no such column), ``_row`` numbered apart per member, the plan's constants as columns —
    what ``_union`` selects from a member's table, blank rows still in."""
    import pyarrow.compute as pc

    parts = []
    for m in members:
        body = m.body
        n = body.num_rows
        cols = {f"c{k}": body.column(f"c{i}") if i is not None else pa.nulls(n, pa.string())
                for k, i in enumerate(m.perm)}
        cols["_row"] = pc.add(body.column("_row"), pa.scalar(m.sid * _STRIDE, pa.int64()))
        for c, v in m.plan.constants.items():
            cols[constant_column(c)] = pa.repeat(pa.scalar(constant_text(v), pa.string()), n)
        parts.append(pa.table(cols))
    return pa.concat_tables(parts, promote_options="default")


def _drop_files(sheet: Sheet, workdir: Path) -> None:
    """Remove the sheet's copies in the load's working folder (UTF-8, transcoded)."""
    sheet.release()
    sheet.held = False
    tmp = getattr(sheet, "path", None)
    if tmp is not None and Path(tmp).parent == workdir:
        Path(tmp).unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file's turn comes
        return 0


class _ReadAhead:
    """Reads the files ahead in one thread while the main thread loads earlier ones into
    DuckDB (which releases the GIL while it works): decoding, transcoding, calamine and
    planning overlap the database's statements instead of following them. Bounded: at most
    ``max_files`` files and ``max_bytes`` of source files ahead of the one being loaded; a
    larger file is read when its turn comes, as without read-ahead (a workbook's cells are
    held in memory once read, so two large workbooks are never held at once)."""

    def __init__(self, jobs: dict[int, tuple], enabled: bool, max_files: int = 256,
                 max_bytes: int = 64 << 20):
        from concurrent.futures import ThreadPoolExecutor

        self.jobs = jobs
        self.order = sorted(jobs)
        self.sizes = {n: _size(job[0]) for n, job in jobs.items()}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="xuncha-read") if enabled else None
        self.futures: dict[int, tuple] = {}  # n -> (future, size)
        self.pos = 0
        self.max_files, self.max_bytes = max_files, max_bytes

    def _fill(self, want: int | None = None) -> None:
        while self.pos < len(self.order):
            n = self.order[self.pos]
            size = self.sizes[n]
            ahead = sum(sz for _, sz in self.futures.values())
            if n != want and (len(self.futures) >= self.max_files or ahead + size > self.max_bytes):
                return
            self.pos += 1
            self.futures[n] = (self.pool.submit(_read_file, *self.jobs[n]), size)

    def take(self, n: int) -> _Read:
        """The read of file ``n`` (files are taken in order)."""
        if self.pool is None:
            return _read_file(*self.jobs[n])
        if n not in self.futures:
            self._fill(want=n)
        future, _ = self.futures.pop(n)
        self._fill()
        return future.result()

    def close(self) -> None:
        """Stop reading ahead; remove the temporary files of reads nobody took."""
        if self.pool is None:
            return
        self.pool.shutdown(wait=True, cancel_futures=True)
        for future, _ in self.futures.values():
            if future.done() and not future.cancelled() and future.exception() is None:
                for sheet in future.result().sheets or []:
                    sheet.release()
        self.futures.clear()


def _load_file(run: _Run, path: Path, rel: str, file_unit: str, forced: str | None,
               read: _Read) -> list[LoadEntry]:
    con = run.con
    if (rel, file_unit) in run.logged_before:
        of(con).execute("DELETE FROM _load_log WHERE file = ? AND unit = ?", [rel, file_unit])
    if read.sha_error is not None:
        raise read.sha_error
    sha = read.sha
    entries: list[LoadEntry] = []
    try:
        if read.error is not None:
            raise read.error
        sheets = read.sheets
    except (SourceError, OSError) as exc:
        if not isinstance(exc, SourceError):
            exc = SourceError("无法读取文件", f"{type(exc).__name__}: {exc}")
        entry = LoadEntry(file=rel, sheet=exc.sheet, unit=file_unit, status="error", sha256=sha,
                          message_zh=f"无法读取文件 {rel}：{exc.zh}", message_en=exc.en,
                          unreadable=True)
        lines = unreadable_lines(path)  # its rows are counted (as lines) and quarantined
        if lines is not None:
            entry.rows_read = entry.rows_quarantined = len(lines)
            run._insert_rejects(lines, {"file": rel, "sheet": exc.sheet, "table": None}, file_unit)
            entry.message_zh += f"（共 {len(lines):,} 行，已全部放入隔离区）"
        else:
            entry.message_zh += "（无法统计行数）"
        _LOG.error("file unreadable", extra={"file": rel, "rows": entry.rows_read,
                                              "message_zh": entry.message_zh, "message_en": exc.en})
        run.log(entry)
        return [entry]
    for sheet in sheets:
        entry = LoadEntry(file=rel, sheet=sheet.name, unit=file_unit, encoding=sheet.encoding,
                          sha256=sha)
        try:
            run.add_sheet(entry, sheet, rel, file_unit, forced)
        except XunchaError as exc:
            _sheet_error(entry, f"{rel}：{exc.zh}", exc.en)
            run.log(entry)
        except Exception as exc:  # one bad sheet must not stop the run
            _sheet_error(entry, _failed_zh(rel, exc), f"{type(exc).__name__}: {exc}"[:2000])
            run.log(entry)
        entries.append(entry)
    for sheet in sheets:  # transcoded copies are not needed any more (but by a group to load)
        if not sheet.held:
            _drop_files(sheet, run.workdir)
    if not sheets:
        entry = LoadEntry(file=rel, status="error", sha256=sha,
                          message_zh=f"文件 {rel} 中没有工作表", message_en="no sheets")
        run.log(entry)
        entries.append(entry)
    return entries


def _failed_zh(rel: str, exc: BaseException) -> str:
    """读取文件 … 时出错, with what to change when the engine ran out of memory or disk."""
    hint = out_of_resources_hint(exc)
    return f"读取文件 {rel} 时出错，未导入" + (f"（{hint}）" if hint else "")


def _sheet_error(entry: LoadEntry, zh: str, en: str) -> None:
    """A sheet that could not be loaded at all: nothing of it is counted as loaded."""
    entry.status, entry.rows_loaded = "error", 0
    entry.rows_quarantined = entry.rows_read = 0
    entry.rows_summary = entry.rows_deleted = entry.rows_skipped = 0
    entry.message_zh, entry.message_en = zh, en


def inspect_folder(data_dir: str | Path, **kw) -> LoadReport:
    """Dry run of :func:`load_folder`: the same reading, recognition, parsing and accounting in
    an in-memory database; nothing is written."""
    return load_folder(data_dir, ":memory:", **kw)


__all__ = ["BOOKKEEPING_DDL", "LEVELS", "LoadEntry", "LoadReport", "NothingLoadedError",
           "check_something_loaded", "discover_files", "ensure_bookkeeping", "inspect_folder",
           "load_folder", "nothing_loaded_lines"]
