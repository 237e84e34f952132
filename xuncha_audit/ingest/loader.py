"""Load a folder of exports into the canonical DuckDB tables.

``load_folder(data_dir, db_path)`` walks ``data_dir`` recursively (``.csv .txt .tsv .xlsx
.xlsm .xls``; hidden files and folders, folders starting with ``_`` and Excel lock files
``~$*`` ignored), reads every sheet that
looks like a table, maps it to a canonical table, parses every cell in SQL (all-VARCHAR
staging table -> typed values, :mod:`xuncha_audit.ingest.normalize`), derives keys and
normalised columns (:func:`xuncha_audit.ingest.derive.derive_columns`) and appends the rows.

Accounting (per file and sheet, in ``_load_log``): ``rows_read`` = data rows below the header
(blank rows and repeats of the header row are not records and are not counted) plus CSV
lines rejected by the reader;
``rows_read == rows_loaded + rows_quarantined`` always. A row is quarantined (one
``_quarantine`` record per offending cell) when

* a value of a **required** column is empty (``必填项为空``);
* a non-empty value of **any** typed column cannot be parsed (amount, date, month, int,
  yes/no, displacement). Optional columns are quarantined too: a garbled amount loaded as
  NULL would silently drop money from every total;
* it is a total line (``合计``, ``小计``, ``总计``, ``本页合计`` ... in its first three cells);
* its key repeats a row loaded earlier for the same unit (same file or an earlier file of
  this run): the later duplicate is quarantined;
* (CSV) its number of fields differs from the header;
* the sheet lacks a required column altogether: every row is quarantined and the sheet's
  status is ``error``.

Wide payroll (one column per pay item): every numeric column that is not a contract column
and not a total/deduction/id column (see ``match.WIDE_EXCLUDE``) is unpivoted into
``item``/``amount`` records; empty and zero cells are no payment. Accounting stays per
source row: a person-month row is loaded (all its items) or quarantined (none of them). A
missing month column is taken from the sheet name, file name or title rows
(``2024年3月工资表``).

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

import hashlib
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from xuncha_audit.contract import Table, create_tables, load_contract
from xuncha_audit.dbsettings import configure as configure_duckdb
from xuncha_audit.errors import XunchaError
from xuncha_audit.ingest.checkdigits import install_checkdigit_macros
from xuncha_audit.ingest.derive import _IN_PLACE as IN_PLACE
from xuncha_audit.ingest.derive import DEFAULT_UNIT, company_norm_sql, derive_columns
from xuncha_audit.ingest.mapping import UserMapping, load_mapping, parse_mapping
from xuncha_audit.ingest.match import (
    TableChoice,
    Vocabulary,
    choose_table,
    find_header_row,
    is_wide_payroll,
    month_hint,
)
from xuncha_audit.ingest.normalize import cell_sql, install_parse_macros, parser_for
from xuncha_audit.ingest.sources import DATA_SUFFIXES, Sheet, SourceError, read_source

LEVELS = ("中央", "省级", "市级", "县级", "乡级")

BOOKKEEPING_DDL = {
    "_load_log": (
        "CREATE TABLE IF NOT EXISTS _load_log (file VARCHAR, sheet VARCHAR, table_name VARCHAR, "
        "unit VARCHAR, encoding VARCHAR, rows_read BIGINT, rows_loaded BIGINT, "
        "rows_quarantined BIGINT, status VARCHAR, message_zh VARCHAR, message_en VARCHAR, "
        "sha256 VARCHAR, loaded_at TIMESTAMP)"
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
}

PAY_ITEM_RE = re.compile(r"工资|津贴|补贴|补助|奖|绩效|费|薪|加班")
TOTAL_ROW_RE = r"(本页|本月|本期|本年|全年|本季)?(合计|总计|小计|累计)(数|金额)?:?"


@dataclass
class LoadEntry:
    """One ``_load_log`` row: a file (and sheet) and what became of its rows."""

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
    def errors(self) -> list[LoadEntry]:
        return [e for e in self.entries if e.status == "error"]

    def tables(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            if e.table_name and e.rows_loaded:
                out[e.table_name] = out.get(e.table_name, 0) + e.rows_loaded
        return out


def ensure_bookkeeping(con) -> None:
    """Create ``_load_log``, ``_quarantine`` and ``_units`` when missing."""
    for ddl in BOOKKEEPING_DDL.values():
        con.execute(ddl)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def discover_files(data_dir: Path) -> list[Path]:
    """Data files below ``data_dir`` (recursive, sorted). Hidden files and folders and
    folders whose name starts with ``_`` (e.g. the sample data's ``_answer_key``) are skipped."""
    out = []
    for p in sorted(data_dir.rglob("*")):
        rel = p.relative_to(data_dir)
        if any(part.startswith(".") for part in rel.parts) or any(
            part.startswith("_") for part in rel.parts[:-1]
        ):
            continue
        if _is_data_file(p):
            out.append(p)
    return out


def _folder_units(data_dir: Path, files: list[Path]) -> bool:
    """True when the data files all sit in sub-folders (one sub-folder per unit)."""
    return bool(files) and all(len(f.relative_to(data_dir).parts) > 1 for f in files)


class _Run:
    """State of one ``load_folder`` call."""

    def __init__(self, con, vocab: Vocabulary, level: str, region, city, workdir: Path):
        self.con = con
        self.vocab = vocab
        self.level = level
        self.region = region
        self.city = city
        self.workdir = workdir
        self.cleared: set[tuple[str, str]] = set()
        self.units: list[str] = []

    # -- helpers -----------------------------------------------------------------
    def _register_units(self, units: list[str]) -> None:
        for u in units:
            if u in self.units:
                continue
            self.con.execute("DELETE FROM _units WHERE unit = ?", [u])
            self.con.execute(
                "INSERT INTO _units VALUES (?, ?, ?, ?)", [u, self.level, self.region, self.city]
            )
            self.units.append(u)

    def _clear(self, table: str, units: list[str]) -> list[tuple[str, str]]:
        done = []
        for u in units:
            if (table, u) in self.cleared:
                continue
            self.con.execute(f"DELETE FROM {_q(table)} WHERE unit = ?", [u])
            self.con.execute("DELETE FROM _quarantine WHERE table_name = ? AND unit = ?", [table, u])
            self.con.execute("DELETE FROM _load_log WHERE table_name = ? AND unit = ?", [table, u])
            done.append((table, u))
        return done

    # -- one sheet ---------------------------------------------------------------
    def load_sheet(
        self, entry: LoadEntry, sheet: Sheet, rel: str, file_unit: str, forced: str | None
    ) -> None:
        con = self.con
        header_idx = find_header_row(sheet.head, self.vocab)
        if header_idx is None:
            entry.status = "skipped"
            entry.message_zh = "未找到可识别的表头（不像数据表），已跳过"
            entry.message_en = "no recognisable header row; skipped"
            return
        headers = sheet.head[header_idx]
        width = sheet.width_for(header_idx)
        headers = (headers + [None] * width)[:width]
        choice = choose_table(Path(rel).name, sheet.name, headers, self.vocab, forced)
        if choice.table is None:
            entry.status = "skipped"
            entry.message_zh = "无法判断属于哪张数据表（文件名和表头都不匹配），已跳过"
            entry.message_en = "cannot tell which canonical table this is; skipped"
            return
        entry.table_name = choice.table
        tdef = load_contract().table(choice.table)
        title_text = " ".join(c for row in sheet.head[:header_idx] for c in row if c)

        try:
            rejects = sheet.materialise(con, header_idx, "_xa_raw")
            con.execute("BEGIN TRANSACTION")
            try:
                cleared = self._load_rows(entry, sheet, header_idx, headers, choice, tdef, rel,
                                          file_unit, title_text, rejects)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            self.cleared.update(cleared)
        finally:
            for name in ("_xa_raw", "_xa_src", "_xa_typed", "_xa_new", "_xa_dup"):
                con.execute(f"DROP TABLE IF EXISTS {name}")

    def _load_rows(self, entry, sheet, header_idx, headers, choice: TableChoice, tdef: Table,
                   rel, file_unit, title_text, rejects) -> list[tuple[str, str]]:
        con = self.con
        cmap = choice.cmap
        assert cmap is not None
        width = len(headers)
        # header rows repeated inside the data (page breaks in printed exports) are not records
        named = [(i, h.strip()) for i, h in enumerate(headers) if h and h.strip()]
        repeated = 0
        if len(named) >= 2:
            cond = " AND ".join(f"trim(c{i}) = $rh{i}" for i, _ in named)
            repeated = con.execute(
                f"DELETE FROM _xa_raw WHERE {cond}", {f"rh{i}": h for i, h in named}
            ).fetchall()[0][0]
        n_rows = con.execute("SELECT count(*) FROM _xa_raw").fetchall()[0][0]
        entry.rows_read = n_rows + len(rejects)

        labels = cmap.labels
        label_params = {f"l{i}": labels[i] for i in range(width)}
        raw_row_sql = "json_object(" + ", ".join(f"$l{i}, r.c{i}" for i in range(width)) + ")"
        base = {"file": rel, "sheet": sheet.name, "table": tdef.name}
        messages_zh: list[str] = list(sheet.messages)
        messages_en: list[str] = []
        if choice.how == "headers":
            messages_zh.append("按表头识别为「" + tdef.title + "」")
        if repeated:
            messages_zh.append(f"数据中重复出现的表头行 {repeated} 行已忽略（不计入读取行数）")

        # --- which source feeds each contract column --------------------------------
        src_table = "_xa_raw"
        col_src: dict[str, tuple[str, str]] = {}  # col -> (cleaned expr, label)
        for col, idx in cmap.columns.items():
            col_src[col] = (f"c{idx}", labels[idx])
        const_month = None
        wide_items: list[int] = []
        if tdef.name == "payroll" and is_wide_payroll(cmap, self.vocab):
            wide_items = self._wide_columns(cmap.pay_item_candidates, labels)
            if wide_items:
                items = pa.table({
                    "src_col": pa.array([f"c{i}" for i in wide_items], pa.string()),
                    "item": pa.array([labels[i] for i in wide_items], pa.string()),
                })
                con.register("_xa_items", items)
                try:
                    on = ", ".join(f"c{i}" for i in wide_items)
                    con.execute(
                        f"""CREATE OR REPLACE TEMP TABLE _xa_src AS
                        SELECT u.* EXCLUDE (src_col), m.item FROM (
                            UNPIVOT _xa_raw ON {on} INTO NAME src_col VALUE raw_amount
                        ) u JOIN _xa_items m USING (src_col)
                        WHERE xa_cell(u.raw_amount) IS NOT NULL
                          AND xa_amount(u.raw_amount) IS DISTINCT FROM 0"""
                    )
                finally:
                    con.unregister("_xa_items")
                src_table = "_xa_src"
                col_src["item"] = ("item", "工资项目")
                col_src["amount"] = ("raw_amount", None)  # reported under the item
                messages_zh.append(
                    f"宽表工资：{len(wide_items)} 个工资项目列已转为明细（"
                    + "、".join(labels[i] for i in wide_items) + "）"
                )
        if tdef.name == "payroll" and "month" not in col_src:
            const_month = month_hint(sheet.name, Path(rel).name, title_text)
            if const_month:
                messages_zh.append(f"发放月份取自标题/文件名：{const_month[:7]}")

        missing = [
            c.name for c in tdef.column_list()
            if c.required and c.name not in col_src and not (c.name == "month" and const_month)
        ]
        params: dict[str, object] = {"file_unit": file_unit}
        if missing:
            return self._reject_sheet(entry, tdef, cmap, missing, rejects, base, label_params,
                                      raw_row_sql, params, messages_zh)
        # --- typed staging ------------------------------------------------------------
        # Each source column is cleaned (xa_cell) and parsed once per DISTINCT value into a
        # small map table, then joined back: exports repeat dates, names, accounts and
        # departments on every line, so this does far less string work than per row.
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
        # cleaned and parsed inline; a distinct map would be as large as the table.
        key_cols = set(tdef.key)
        inline = {
            src for src, feeds in fed.items()
            if src == "raw_amount" or any(
                c.type == "decimal" or c.name in key_cols
                or c.norm in ("id_number", "phone", "bank_account", "credit_code")
                for c in feeds
            )
        }
        kref: dict[str, str] = {}
        pref: dict[tuple[str, str], str] = {}
        layer1, layer2 = [], []
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
            kref[src] = f"{a}.k"
            parsed = ""
            for col in feeds:
                expr = p_expr(col)
                parsed += f", {expr} AS {_q('p_' + col.name)}"
                pref[(src, col.name)] = f"{a}.{_q('p_' + col.name)}"
                if col.norm == "company":
                    parsed += f", {company_norm_sql(expr)} AS {_q('p_' + col.name + '_norm')}"
                    pref[(src, col.name + "_norm")] = f"{a}.{_q('p_' + col.name + '_norm')}"
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _xa_{a} AS
                SELECT c, k{parsed} FROM (
                    SELECT c, {cell_sql("c")} AS k FROM (SELECT DISTINCT {_q(src)} AS c FROM {src_table})
                ) WHERE c IS NOT NULL"""
            )
        joins = " ".join(
            f"LEFT JOIN _xa_{a} {a} ON {a}.c = r.{_q(src)}"
            for src, a in alias.items() if src not in inline
        )
        source_sql = src_table
        if layer1:
            source_sql = (
                f"(SELECT *{''.join(', ' + x for x in layer2)} FROM "
                f"(SELECT *, {', '.join(layer1)} FROM {src_table}))"
            )
        unit_expr = (
            f"coalesce({kref[f'c{cmap.unit_index}']}, $file_unit)"
            if cmap.unit_index is not None else "$file_unit"
        )
        select = ["r._row AS _row", f"{unit_expr} AS unit"]
        bad = []
        bad_any = []
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
                else:
                    lp_sql = f"${lp}"
                    if col.required or rzh:
                        params[lp] = label
                if col.required:
                    bad_any.append(f"{expr} IS NULL")
                    bad.append(
                        f"CASE WHEN {expr} IS NULL THEN {{'column_name': {lp_sql}, 'raw_value': NULL, "
                        "'reason_zh': '必填项为空', 'reason_en': 'required value missing'} END"
                    )
                if rzh:
                    bad_any.append(f"({expr} IS NOT NULL AND {pcol} IS NULL)")
                    bad.append(
                        f"CASE WHEN {expr} IS NOT NULL AND {pcol} IS NULL THEN {{'column_name': "
                        f"{lp_sql}, 'raw_value': {expr}, 'reason_zh': '{rzh}', 'reason_en': '{ren}'}} END"
                    )
            elif col.name == "month" and const_month:
                select.append(f"CAST($const_month AS DATE) AS {_q(col.name)}")
                params["const_month"] = const_month
        first_cols = [f"r.c{i}" for i in range(width) if i not in wide_items][:3]
        total_cond = " OR ".join(
            f"(left(trim({c}), 1) IN ('合', '总', '小', '累', '本', '全') "
            f"AND regexp_full_match(xa_cell({c}), $total_re))"
            for c in first_cols
        ) or "FALSE"
        params["total_re"] = TOTAL_ROW_RE
        extras = [i for i in cmap.extras if i not in wide_items]
        if extras:
            select.append(
                "json_object(" + ", ".join(f"$x{i}, r.c{i}" for i in extras) + ") AS _extra"
            )
            params.update({f"x{i}": labels[i] for i in extras})
        else:
            select.append("CAST(NULL AS VARCHAR) AS _extra")
        empty = "CAST([] AS STRUCT(column_name VARCHAR, raw_value VARCHAR, reason_zh VARCHAR, reason_en VARCHAR)[])"
        bad_sql = (
            f"CASE WHEN {' OR '.join(bad_any)} THEN "
            "list_filter([" + ", ".join(bad) + f"], lambda x: x IS NOT NULL) ELSE {empty} END"
            if bad else empty
        )
        total_bad = (
            "[{'column_name': NULL, 'raw_value': NULL, 'reason_zh': '合计/小计行，不是明细记录', "
            "'reason_en': 'total line'}]"
        )
        select.append(
            f"CASE WHEN {total_cond} THEN {total_bad} ELSE {bad_sql} END AS _bad"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _xa_typed AS SELECT {', '.join(select)} "
            f"FROM {source_sql} r {joins}",
            params,
        )
        for src, a in alias.items():
            if src not in inline:
                con.execute(f"DROP TABLE _xa_{a}")

        units = [r[0] for r in con.execute("SELECT DISTINCT unit FROM _xa_typed ORDER BY 1").fetchall()]
        if not units:
            units = [file_unit]
        cleared = self._clear(tdef.name, units)
        self._register_units(units)
        entry.unit = "、".join(units)

        # --- quarantine unparseable rows -------------------------------------------
        con.execute(
            f"""INSERT INTO _quarantine
            SELECT DISTINCT $file, $sheet, b._row, $table, b.unit, b.bad.column_name,
                   b.bad.raw_value, b.bad.reason_zh, b.bad.reason_en, {raw_row_sql}
            FROM (SELECT _row, unit, unnest(_bad) AS bad FROM _xa_typed WHERE len(_bad) > 0) b
            JOIN _xa_raw r ON r._row = b._row""",
            {**base, **label_params},
        )
        self._insert_rejects(rejects, base, file_unit)

        # --- good rows -> staging canonical table, derive, duplicates ---------------
        cols_ddl = ", ".join(f"{_q(c)} {t}" for c, t in tdef.all_columns().items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE _xa_new ({cols_ddl})")
        typed_cols = [c.name for c in tdef.column_list()
                      if c.name in col_src or (c.name == "month" and const_month)]
        typed_cols += [c.name + "_norm" for c in tdef.column_list()
                       if c.norm == "company" and c.name in col_src]
        sel = ", ".join(_q(c) for c in typed_cols)
        for col in tdef.column_list():  # ledger.line_no absent: numbered here, in file order
            if (col.generated == "number_within_voucher" and col.name not in col_src
                    and "voucher_no" in col_src):
                sel += (f", row_number() OVER (PARTITION BY unit, voucher_no ORDER BY _row) "
                        f"AS {_q(col.name)}")
        con.execute(
            f"""INSERT INTO _xa_new BY NAME
            SELECT unit, {sel}, $file AS _source_file, $sheet AS _source_sheet,
                   _row AS _source_row, _extra
            FROM _xa_typed t
            WHERE NOT EXISTS (SELECT 1 FROM _xa_typed b WHERE b._row = t._row AND len(b._bad) > 0)""",
            {"file": rel, "sheet": sheet.name},
        )
        derive_columns(con, tdef.name, level=self.level, unit=file_unit, target="_xa_new",
                       normalised=True)
        if tdef.duplicates == "keep":
            # A repeated record is evidence (payroll: one item paid twice, e.g. once in the
            # salary file and again in a supplementary file): number it after the records of
            # the same key already loaded instead of quarantining it.
            con.execute(
                f"""UPDATE _xa_new AS n SET _key = s.base || '#' || CAST(s.k AS VARCHAR) FROM (
                    SELECT x.rowid AS rid, x.base, e.cnt + row_number() OVER (
                        PARTITION BY x.unit, x.base ORDER BY x._source_row, x.rowid) AS k
                    FROM (SELECT rowid, unit, _source_row, regexp_replace(_key, '#[0-9]+$', '') AS base
                          FROM _xa_new) x
                    JOIN (SELECT unit, regexp_replace(_key, '#[0-9]+$', '') AS base, count(*) AS cnt
                          FROM {_q(tdef.name)} GROUP BY ALL) e ON e.unit = x.unit AND e.base = x.base
                ) s WHERE n.rowid = s.rid"""
            )
        has_dups = con.execute(
            "SELECT count(*) FROM (SELECT unit, _key FROM _xa_new GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0] or con.execute(
            f"SELECT count(*) FROM {_q(tdef.name)} WHERE list_contains(?, unit)", [units]
        ).fetchall()[0][0]
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _xa_dup AS
            SELECT n._source_row, n.unit, n._key,
                   min(n._source_row) OVER (PARTITION BY n.unit, n._key) AS first_row,
                   row_number() OVER (PARTITION BY n.unit, n._key ORDER BY n._source_row, n.rowid) AS rn,
                   e._key IS NOT NULL AS earlier
            FROM _xa_new n
            LEFT JOIN (SELECT DISTINCT unit, _key FROM {_q(tdef.name)}) e
              ON e.unit = n.unit AND e._key = n._key
            WHERE $check""",
            {"check": bool(has_dups)},
        )
        con.execute("DELETE FROM _xa_dup WHERE rn = 1 AND NOT earlier")
        key_label = "+".join(tdef.key)
        con.execute(
            f"""INSERT INTO _quarantine
            SELECT $file, $sheet, d._source_row, $table, d.unit, $key_label, d._key,
                   CASE WHEN d.earlier THEN '记录键重复：与先前导入的同一单位记录重复（' || d._key || '）'
                        ELSE '记录键重复：与本表第 ' || d.first_row || ' 行重复（' || d._key || '）' END,
                   'duplicate key ' || d._key, {raw_row_sql}
            FROM (SELECT DISTINCT _source_row, unit, _key, first_row, earlier FROM _xa_dup) d
            JOIN _xa_raw r ON r._row = d._source_row""",
            {**base, **label_params, "key_label": key_label},
        )
        con.execute("DELETE FROM _xa_new WHERE _source_row IN (SELECT _source_row FROM _xa_dup)")

        # --- check digits (kept, reported) -----------------------------------------
        for col in tdef.column_list():
            if col.norm in ("id_number", "credit_code"):
                fn = "xa_id_number_valid" if col.norm == "id_number" else "xa_credit_code_valid"
                n_bad = con.execute(
                    f"SELECT count(*) FROM _xa_new WHERE NOT {fn}({_q(col.name)})"
                ).fetchall()[0][0]
                if n_bad:
                    what = "身份证号" if col.norm == "id_number" else "统一社会信用代码"
                    messages_zh.append(f"{what}（{col.name}）校验位不符 {n_bad} 条（已保留原值）")
                    messages_en.append(f"{n_bad} invalid {col.norm} check digits in {col.name}")

        con.execute(f"INSERT INTO {_q(tdef.name)} BY NAME SELECT * FROM _xa_new")

        q_rows = con.execute(
            "SELECT count(*) FROM (SELECT _row FROM _xa_typed WHERE len(_bad) > 0 "
            "UNION SELECT _source_row FROM _xa_dup)"
        ).fetchall()[0][0] + len(rejects)
        entry.rows_quarantined = q_rows
        entry.rows_loaded = entry.rows_read - q_rows
        if q_rows:
            entry.status = "partial" if entry.rows_loaded else "error"
            messages_zh.insert(0, f"{q_rows} 行进入隔离区（_quarantine）")
            messages_en.insert(0, f"{q_rows} rows quarantined")
        entry.message_zh = "；".join(messages_zh)
        entry.message_en = "; ".join(messages_en)
        return cleared

    def _reject_sheet(self, entry, tdef, cmap, missing, rejects, base, label_params,
                      raw_row_sql, params, messages_zh) -> list[tuple[str, str]]:
        """A sheet without a required column: every row to quarantine, status error."""
        con = self.con
        unit_expr = (
            f"coalesce(xa_cell(r.c{cmap.unit_index}), $file_unit)"
            if cmap.unit_index is not None else "$file_unit"
        )
        units = [r[0] for r in con.execute(
            f"SELECT DISTINCT {unit_expr} FROM _xa_raw r ORDER BY 1", params).fetchall()]
        units = units or [params["file_unit"]]
        cleared = self._clear(tdef.name, units)
        self._register_units(units)
        names = "、".join(
            f"「{tdef.columns[m].aliases[0] if tdef.columns[m].aliases else m}」({m})" for m in missing
        )
        zh = f"缺少必填列 {names}，本表所有行未导入"
        en = f"required column(s) missing: {', '.join(missing)}"
        con.execute(
            f"""INSERT INTO _quarantine SELECT $file, $sheet, r._row, $table, {unit_expr},
                $col, NULL, $zh, $en, {raw_row_sql} FROM _xa_raw r""",
            {**base, **label_params, **params, "col": ",".join(missing), "zh": zh, "en": en},
        )
        self._insert_rejects(rejects, base, params["file_unit"])
        entry.unit = "、".join(units)
        entry.rows_quarantined = entry.rows_read
        entry.rows_loaded = 0
        entry.status = "error"
        entry.message_zh = "；".join([zh, *messages_zh])
        entry.message_en = en
        return cleared

    def _wide_columns(self, candidates: list[int], labels: list[str]) -> list[int]:
        """Pay-item columns: a pay word in the header (工资, 津贴, 补贴, 奖, 绩效, 费 ...) or
        at least 90 % of the non-empty cells are amounts."""
        if not candidates:
            return []
        parts = ", ".join(
            f"count(xa_cell(c{i})) AS n{i}, count(xa_amount(c{i})) AS a{i}" for i in candidates
        )
        row = self.con.execute(f"SELECT {parts} FROM _xa_raw").fetchall()[0]
        out = []
        for j, i in enumerate(candidates):
            n, a = row[2 * j], row[2 * j + 1]
            if PAY_ITEM_RE.search(labels[i]) or (n and a >= 0.9 * n):
                out.append(i)
        return out

    def _insert_rejects(self, rejects, base, unit: str) -> None:
        if not rejects:
            return
        tbl = pa.table({
            "row_no": pa.array([r[0] for r in rejects], pa.int64()),
            "raw_value": pa.array([r[1] for r in rejects], pa.string()),
            "reason_zh": pa.array([r[2] for r in rejects], pa.string()),
            "raw_row": pa.array([json.dumps({"原始行": r[1]}, ensure_ascii=False) for r in rejects]),
        })
        self.con.register("_xa_rejects", tbl)
        try:
            self.con.execute(
                """INSERT INTO _quarantine SELECT $file, $sheet, row_no, $table, $unit, NULL,
                   raw_value, reason_zh, 'malformed CSV line', raw_row FROM _xa_rejects""",
                {**base, "unit": unit},
            )
        finally:
            self.con.unregister("_xa_rejects")


def _write_log(con, entry: LoadEntry) -> None:
    con.execute(
        "INSERT INTO _load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [entry.file, entry.sheet, entry.table_name, entry.unit, entry.encoding, entry.rows_read,
         entry.rows_loaded, entry.rows_quarantined, entry.status, entry.message_zh,
         entry.message_en, entry.sha256],
    )


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
) -> LoadReport:
    """Load every export below ``data_dir`` into the DuckDB file ``db_path``.

    ``progress(done, total, current_file)`` is called before each file and once at the end
    (``current_file`` None). Raises :class:`~xuncha_audit.errors.XunchaError` for bad
    arguments (missing folder, unknown level, bad mapping file); problems with single files
    are recorded in ``_load_log`` and the returned report, and the run goes on.
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
    files = discover_files(data_dir)
    by_folder = unit is None and _folder_units(data_dir, files)

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    configure_duckdb(con, db_path)  # memory_limit / threads / temp_directory (xuncha_audit.dbsettings)
    report = LoadReport(db_path=str(db_path))
    try:
        create_tables(con)
        ensure_bookkeeping(con)
        install_parse_macros(con)
        install_checkdigit_macros(con)
        vocab = Vocabulary.build(umap)
        with tempfile.TemporaryDirectory(prefix="xuncha_load_") as tmp:
            run = _Run(con, vocab, level, region, city, Path(tmp))
            for n, path in enumerate(files):
                rel = path.relative_to(data_dir).as_posix()
                if progress:
                    progress(n, len(files), rel)
                rule = umap.rule_for(rel)
                if rule and rule.skip:
                    entry = LoadEntry(file=rel, status="skipped", unit=rule.unit or unit,
                                      message_zh="映射文件设定跳过", message_en="skipped by mapping")
                    con.execute("DELETE FROM _load_log WHERE file = ? AND table_name IS NULL", [rel])
                    _write_log(con, entry)
                    report.entries.append(entry)
                    continue
                file_unit = (
                    (rule.unit if rule and rule.unit else None)
                    or unit
                    or (path.relative_to(data_dir).parts[0] if by_folder else None)
                    or DEFAULT_UNIT
                )
                report.entries.extend(
                    _load_file(run, path, rel, file_unit, rule.table if rule else None,
                               rule.sheet if rule else None)
                )
            if progress:
                progress(len(files), len(files), None)
            if not files:
                entry = LoadEntry(file=".", status="error", message_zh="数据目录中没有 CSV/Excel 文件",
                                  message_en="no data files found")
                report.entries.append(entry)
            report.units = list(run.units)
    finally:
        con.close()
    return report


def _load_file(run: _Run, path: Path, rel: str, file_unit: str, forced: str | None,
               sheet_name: str | None) -> list[LoadEntry]:
    con = run.con
    con.execute("DELETE FROM _load_log WHERE file = ? AND unit = ?", [rel, file_unit])
    sha = _sha256(path)
    entries: list[LoadEntry] = []
    try:
        sheets = read_source(path, run.workdir, sheet_name)
    except (SourceError, OSError) as exc:
        if not isinstance(exc, SourceError):
            exc = SourceError("无法读取文件", f"{type(exc).__name__}: {exc}")
        entry = LoadEntry(file=rel, sheet=exc.sheet, unit=file_unit, status="error", sha256=sha,
                          message_zh=f"无法读取文件 {rel}：{exc.zh}", message_en=exc.en)
        _write_log(con, entry)
        return [entry]
    for sheet in sheets:
        entry = LoadEntry(file=rel, sheet=sheet.name, unit=file_unit, encoding=sheet.encoding,
                          sha256=sha)
        try:
            run.load_sheet(entry, sheet, rel, file_unit, forced)
        except XunchaError as exc:
            entry.status, entry.rows_loaded = "error", 0
            entry.rows_quarantined = entry.rows_read = 0
            entry.message_zh, entry.message_en = f"{rel}：{exc.zh}", exc.en
        except Exception as exc:  # one bad sheet must not stop the run
            entry.status, entry.rows_loaded = "error", 0
            entry.rows_quarantined = entry.rows_read = 0
            entry.message_zh = f"读取文件 {rel} 时出错，未导入"
            entry.message_en = f"{type(exc).__name__}: {exc}"[:2000]
        _write_log(con, entry)
        entries.append(entry)
    for sheet in sheets:  # transcoded copies are not needed any more
        tmp = getattr(sheet, "path", None)
        if tmp is not None and Path(tmp).parent == run.workdir:
            Path(tmp).unlink(missing_ok=True)
    if not sheets:
        entry = LoadEntry(file=rel, status="error", sha256=sha,
                          message_zh=f"文件 {rel} 中没有工作表", message_en="no sheets")
        _write_log(con, entry)
        entries.append(entry)
    return entries


__all__ = ["BOOKKEEPING_DDL", "LEVELS", "LoadEntry", "LoadReport", "discover_files",
           "ensure_bookkeeping", "load_folder"]
