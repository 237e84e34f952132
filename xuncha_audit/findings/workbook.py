"""``findings.xlsx``: the workbook auditors work in (xlsxwriter, constant-memory mode).

Sheets: 汇总 (counts and amounts by area, check, route, status), one sheet per check (a
疑点 row per finding followed by its 证据 rows, grouped so they fold; evidence fields
inline with Chinese headers), 已消失 (findings of earlier runs no longer found, with their
triage), 画像 (one row per person / vendor), 数据质量 (load log, quarantine, validation).

Every text cell is written with ``write_string`` and the workbook has
``strings_to_formulas/numbers/urls`` off, so text from the inspected unit's files
(``=HYPERLINK(...)``, ``+1``, ``@SUM(A1)``) stays text. Numbers and dates keep their types
and formats. The 核实状态 column has a drop-down of the five statuses; 核实情况备注 is free
text; 移送去向 has a drop-down of the three routes. ``xuncha-audit triage import`` reads
them back.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from pathlib import Path

import pandas as pd
import xlsxwriter

from xuncha_audit.findings.labels import (
    ROUTES,
    STATUSES,
    column_labels,
)
from xuncha_audit.findings.masking import mask_sql, mask_value_sql, sensitive_columns
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
    KIND_FINDING,
)
from xuncha_audit.findings.views import quote, record_field_types, table_exists

KIND_EVIDENCE = "证据"
# Hidden columns holding the exported triage values: import applies only what auditors changed.
ORIGINAL_HEADERS = [(H_ORIG_STATUS, "text", 10), (H_ORIG_ROUTE, "text", 10), (H_ORIG_NOTE, "text", 10)]
ORIGINAL_SELECT = "status AS _o_status, route AS _o_route, note AS _o_note"


def _hide_originals(ws, ncols: int) -> None:
    first = ncols - len(ORIGINAL_HEADERS)
    ws.set_column(first, ncols - 1, 10, None, {"hidden": True})
BATCH = 2000

# Check-sheet finding columns: (view column, header, kind, width)
FINDING_SHEET_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("kind", H_KIND, "text", 7),
    ("finding_id", H_ID, "text", 18),
    ("severity_zh", "风险等级", "text", 8),
    ("unit", "被巡察单位", "text", 14),
    ("route", H_ROUTE, "text", 16),
    ("mark", "本次变化", "text", 9),
    ("title", "疑点描述", "wrap", 48),
    ("amount", "涉及金额（元）", "money", 15),
    ("entity_key", "对象", "text", 18),
    ("period_start", "起始日期", "date", 11),
    ("period_end", "截止日期", "date", 11),
    ("persons", "涉及人员", "text", 14),
    ("status", H_STATUS, "status", 10),
    ("note", H_NOTE, "wrap", 30),
    ("regulation", "依据", "text", 28),
    ("source_title", "来源表", "text", 14),
    ("record_key", "记录编号", "text", 18),
)


HOW_TO = (
    "1. 每个检查一张工作表：“疑点”行是一个疑点，其下的“证据”行是它引用的原始记录（可用左侧 +/- 折叠）。",
    f"2. 在疑点行填写「{H_STATUS}」（下拉选择：" + "、".join(STATUSES) + f"）和「{H_NOTE}」，"
    f"需要时修改「{H_ROUTE}」。",
    "3. 保存后运行 xuncha-audit triage import findings.xlsx，把核实情况读回核实记录（triage.json）；"
    "下次运行时按疑点编号自动带入，已消失的疑点及其备注保留在“已消失”工作表。",
    "4. 本工作簿含巡察工作秘密；身份证号、银行账号、手机号默认已脱敏。",
)


class _Writer:
    """Typed cell writing: text stays text, numbers numbers, dates dates."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.f = {
            "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "vcenter"}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "section": wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E79"}),
            "money": wb.add_format({"num_format": "#,##0.00"}),
            "int": wb.add_format({"num_format": "0"}),
            "num": wb.add_format({"num_format": "0.00"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "text": None,
            "status": wb.add_format({"bg_color": "#FFF2CC", "border": 1}),
            "finding": wb.add_format({"bold": True}),
        }

    def cell(self, ws, r: int, c: int, value, kind: str = "text") -> None:
        # Fast paths first: most cells are plain text or empty.
        if type(value) is str:
            if kind == "text":
                ws.write_string(r, c, value)
                return
            ws.write_string(r, c, value, self.f.get(kind) if kind in ("wrap", "status", "finding") else None)
            return
        if value is None and kind != "status":
            return
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
            if kind == "status":
                ws.write_blank(r, c, None, self.f["status"])
            return
        if isinstance(value, bool):
            ws.write_string(r, c, "是" if value else "否")
        elif isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            fmt = self.f.get(kind) if kind in ("money", "int", "num") else (
                self.f["money"] if isinstance(value, (float, decimal.Decimal)) else self.f["int"])
            ws.write_number(r, c, float(value), fmt)
        elif isinstance(value, (dt.datetime, pd.Timestamp)):
            ws.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), self.f["datetime"])
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, value, self.f["date"])
        else:
            fmt = self.f.get(kind) if kind in ("wrap", "status", "finding") else None
            ws.write_string(r, c, str(value), fmt)

    def header(self, ws, r: int, headers: list[str], widths: list[int] | None = None) -> None:
        for c, h in enumerate(headers):
            ws.write_string(r, c, h, self.f["header"])
        if widths:
            for c, w in enumerate(widths):
                ws.set_column(c, c, w)


def sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", "", text)[:31].strip() or "Sheet"
    base, i = name, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _rows(cur):
    while True:
        batch = cur.fetchmany(BATCH)
        if not batch:
            return
        yield from batch


def _write_query(w: _Writer, ws, con, sql: str, headers: list[tuple[str, str, int]],
                 start_row: int, params: dict | None = None) -> int:
    """Write a header + the query's rows from ``start_row``; return the next free row."""
    w.header(ws, start_row, [h for h, _, _ in headers])
    r = start_row + 1
    cur = con.execute(sql, params or {})
    kinds = [k for _, k, _ in headers]
    for row in _rows(cur):
        for c, v in enumerate(row):
            w.cell(ws, r, c, v, kinds[c])
        r += 1
    return r


def _summary(w: _Writer, wb, con, info: dict) -> None:
    ws = wb.add_worksheet("汇总")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 7, 16)
    ws.write_string(0, 0, "巡察财务疑点清单 汇总", w.f["title"])
    r = 2
    for label, value in info.items():
        ws.write_string(r, 0, label)
        w.cell(ws, r, 1, value)
        r += 1
    r += 1
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
        r = _write_query(w, ws, con, sql, headers, r + 1) + 1
    ws.write_string(r, 0, "使用说明", w.f["section"])
    for line in HOW_TO:
        r += 1
        ws.write_string(r, 0, line)


def _check_sheets(w: _Writer, wb, con, used: set[str], mask: bool) -> list[str]:
    checks = con.execute(
        "SELECT check_id, any_value(check_name) FROM _x_findings GROUP BY check_id ORDER BY check_id"
    ).fetchall()
    labels = column_labels()
    types = record_field_types()
    names = []
    status_list = list(STATUSES)
    route_list = list(ROUTES.values())
    for check_id, check_name in checks:
        ws = wb.add_worksheet(sheet_name(f"{check_id} {check_name or ''}", used))
        names.append(ws.name)
        # Record fields cited by this check's evidence, labelled from the contract.
        fields = con.execute(
            """SELECT k, min(source_table) FROM (
                 SELECT unnest(json_keys(CASE WHEN json_valid(record) THEN record END)) AS k,
                     source_table FROM _x_evidence WHERE check_id = $c)
               GROUP BY k""",
            {"c": check_id},
        ).fetchall()
        fields.sort(key=lambda kt: (kt[1], _field_order(kt[1], kt[0]), kt[0]))
        fcols = list(FINDING_SHEET_COLUMNS)
        ev_exprs, ev_headers = [], []
        for key, table in fields:
            label = labels.get(table, {}).get(key, key)
            typ = types.get(key, "text")
            raw = (f"CASE WHEN json_valid(record) THEN "
                   f"json_extract_string(record, {_lit('$.' + _json_key(key))}) END")
            if typ in ("decimal", "int"):
                expr, kind, width = f"TRY_CAST({raw} AS DOUBLE)", "money" if typ == "decimal" else "int", 14
            elif typ in ("date", "month"):
                expr, kind, width = f"TRY_CAST(left({raw}, 10) AS DATE)", "date", 11
            elif typ == "bool":
                expr = f"CASE lower({raw}) WHEN 'true' THEN '是' WHEN 'false' THEN '否' ELSE {raw} END"
                kind, width = "text", 8
            else:
                # ``record`` is already masked in _x_evidence (sensitive keys and patterns).
                expr, kind, width = raw, "text", 16
            ev_exprs.append(expr)
            ev_headers.append((f"证据·{label}", kind, width))
        headers = [(h, k, wd) for _, h, k, wd in fcols] + ev_headers + ORIGINAL_HEADERS
        w.header(ws, 0, [h for h, _, _ in headers], [wd for _, _, wd in headers])
        fsel = ", ".join(
            "'疑点' AS kind" if c == "kind" else (f"NULL AS {c}" if c in ("source_title", "record_key") else c)
            for c, _, _, _ in fcols
        )
        esel = ", ".join(
            f"'{KIND_EVIDENCE}'" if c == "kind" else (c if c in ("finding_id", "source_title", "record_key") else "NULL")
            for c, _, _, _ in fcols
        )
        nulls = ", ".join(f"NULL AS ev_{i}" for i in range(len(ev_exprs)))
        sql = f"""
            WITH f AS (SELECT *, row_number() OVER (ORDER BY _sev_rank DESC, amount DESC NULLS LAST,
                                                     finding_id) AS _o
                       FROM _x_findings WHERE check_id = $c)
            SELECT * EXCLUDE (_o, _t) FROM (
                SELECT {fsel}{", " + nulls if nulls else ""}, {ORIGINAL_SELECT}, _o, 0 AS _t FROM f
                UNION ALL
                SELECT {esel}{", " + ", ".join(ev_exprs) if ev_exprs else ""}, NULL, NULL, NULL, f._o, 1
                FROM _x_evidence e JOIN f USING (finding_id)
            ) ORDER BY _o, _t, source_title NULLS FIRST, record_key
        """
        kinds = [k for _, k, _ in headers]
        r = 1
        for row in _rows(con.execute(sql, {"c": check_id})):
            if row[0] == KIND_EVIDENCE:
                ws.set_row(r, None, None, {"level": 1})
            for c, v in enumerate(row):
                w.cell(ws, r, c, v, kinds[c] if row[0] == KIND_FINDING or c >= len(fcols) or kinds[c] != "status" else "text")
            r += 1
        last = max(r - 1, 1)
        sc = [h for h, _, _ in headers].index(H_STATUS)
        rc = [h for h, _, _ in headers].index(H_ROUTE)
        ws.data_validation(1, sc, max(last, 1), sc, {
            "validate": "list", "source": status_list, "ignore_blank": True,
            "error_title": "核实状态", "error_message": "只能选择：" + "、".join(status_list)})
        ws.data_validation(1, rc, max(last, 1), rc, {
            "validate": "list", "source": route_list, "ignore_blank": True,
            "error_title": "移送去向", "error_message": "只能选择：" + "、".join(route_list)})
        _hide_originals(ws, len(headers))
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, last, len(headers) - 1 - len(ORIGINAL_HEADERS))
        ws.outline_settings(True, False, True, False)
    return names


def _field_order(table: str, key: str) -> int:
    order = list(column_labels().get(table, {}))
    return order.index(key) if key in order else len(order)


def _json_key(k: str) -> str:
    return '"' + k.replace('"', '\\"') + '"'


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _gone_sheet(w: _Writer, wb, con) -> None:
    ws = wb.add_worksheet("已消失")
    cols = [("'疑点'", H_KIND, "text", 7), ("finding_id", H_ID, "text", 18),
            ("check_id", "检查代码", "text", 8), ("check_name", "检查名称", "text", 16),
            ("severity_zh", "风险等级", "text", 8), ("unit", "被巡察单位", "text", 14),
            ("route", H_ROUTE, "text", 16), ("title", "疑点描述", "wrap", 48),
            ("amount", "涉及金额（元）", "money", 15), ("status", H_STATUS, "status", 10),
            ("note", H_NOTE, "wrap", 30), ("'已消失'", "本次变化", "text", 9),
            *[(c, h, k, w) for c, (h, k, w) in zip(("status", "route", "note"), ORIGINAL_HEADERS, strict=True)]]
    headers = [(h, k, wd) for _, h, k, wd in cols]
    w.header(ws, 0, [h for h, _, _ in headers], [wd for _, _, wd in headers])
    sel = ", ".join(c for c, _, _, _ in cols)
    r = _write_query(w, ws, con, f"SELECT {sel} FROM _x_gone", headers, 0)
    _hide_originals(ws, len(headers))
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(r - 1, 1), len(cols) - 1 - len(ORIGINAL_HEADERS))
    ws.data_validation(1, 9, max(r - 1, 1), 9, {"validate": "list", "source": list(STATUSES)})


def _profile_sheet(w: _Writer, wb, profiles: pd.DataFrame) -> None:
    ws = wb.add_worksheet("画像")
    cols = list(PROFILE_COLUMNS)
    kinds = {"findings": "int", "high": "int", "medium": "int", "low": "int", "amount": "money",
             "risk_score": "num", "first_date": "date", "last_date": "date"}
    widths = {"name": 22, "unit": 14, "checks": 30, "areas": 18, "roles": 20, "finding_ids": 40}
    w.header(ws, 0, [PROFILE_COLUMNS[c] for c in cols], [widths.get(c, 10) for c in cols])
    df = profiles.reindex(columns=cols)
    for c in ("first_date", "last_date"):
        df[c] = pd.to_datetime(df[c], errors="coerce")
    df = df.astype(object).where(df.notna(), None)
    r = 1
    for row in df.itertuples(index=False, name=None):
        for c, v in enumerate(row):
            if isinstance(v, pd.Timestamp):
                v = v.date()
            w.cell(ws, r, c, v, kinds.get(cols[c], "text"))
        r += 1
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(r - 1, 1), len(cols) - 1)


def _quality_sheet(w: _Writer, wb, con, mask: bool) -> None:
    ws = wb.add_worksheet("数据质量")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 12, 14)
    r = 0
    if table_exists(con, "_load_log"):
        ws.write_string(r, 0, "导入记录（每个文件读取、入库、隔离行数）", w.f["section"])
        r = _write_query(w, ws, con, """
            SELECT file, sheet, table_name, unit, encoding, rows_read, rows_loaded,
                   rows_quarantined, status, message_zh, sha256 FROM _load_log ORDER BY file, sheet""",
            [("文件", "text", 0), ("工作表", "text", 0), ("数据表", "text", 0), ("单位", "text", 0),
             ("编码", "text", 0), ("读取行数", "int", 0), ("入库行数", "int", 0),
             ("隔离行数", "int", 0), ("状态", "text", 0), ("说明", "text", 0),
             ("SHA-256", "text", 0)], r + 1) + 1
    if table_exists(con, "_quarantine"):
        sens = ", ".join(_lit(c) for c in sorted(sensitive_columns()))
        raw_value = (f"CASE WHEN column_name IN ({sens}) THEN {mask_value_sql('raw_value')} "
                     f"ELSE {mask_sql('raw_value')} END") if mask else "raw_value"
        raw_row = mask_sql("raw_row") if mask else "raw_row"
        ws.write_string(r, 0, "隔离记录（无法入库的行）", w.f["section"])
        r = _write_query(w, ws, con, f"""
            SELECT file, sheet, row_no, table_name, unit, column_name, {raw_value}, reason_zh,
                   {raw_row} FROM _quarantine ORDER BY file, sheet, row_no""",
            [("文件", "text", 0), ("工作表", "text", 0), ("行号", "int", 0), ("数据表", "text", 0),
             ("单位", "text", 0), ("列", "text", 0), ("原始值", "text", 0), ("原因", "text", 0),
             ("原始行", "text", 0)], r + 1) + 1
    if table_exists(con, "_validation"):
        details = mask_sql("details") if mask else "details"
        ws.write_string(r, 0, "数据校验（Great Expectations）", w.f["section"])
        r = _write_query(w, ws, con, f"""
            SELECT table_name, {quote("column")}, description_zh, expectation, severity,
                   CASE WHEN success IS NULL THEN '未执行' WHEN success THEN '通过' ELSE '未通过' END, unexpected_count,
                   element_count, {details}, run_at
            FROM _validation ORDER BY success, table_name""",
            [("数据表", "text", 0), ("列", "text", 0), ("校验内容", "text", 0), ("校验规则", "text", 0),
             ("严重程度", "text", 0), ("结果", "text", 0), ("异常行数", "int", 0),
             ("检查行数", "int", 0), ("详情", "text", 0), ("校验时间", "text", 0)], r + 1) + 1
    if r == 0:
        ws.write_string(0, 0, "数据库中没有导入记录、隔离记录或校验结果")


def write_workbook(con, path: Path, *, profiles: pd.DataFrame, info: dict, mask: bool) -> list[str]:
    """Write ``findings.xlsx`` to ``path`` from the ``_x_*`` views. Returns the sheet names."""
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
    })
    try:
        w = _Writer(wb)
        used = {"汇总", "已消失", "画像", "数据质量"}
        _summary(w, wb, con, info)
        names = _check_sheets(w, wb, con, used, mask)
        _gone_sheet(w, wb, con)
        _profile_sheet(w, wb, profiles)
        _quality_sheet(w, wb, con, mask)
    finally:
        wb.close()
    return ["汇总", *names, "已消失", "画像", "数据质量"]
