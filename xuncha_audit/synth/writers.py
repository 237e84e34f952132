"""Turn canonical frames into export files the way real systems write them, plus the answer key.

Per unit, ``plan_files(ctx, frames)`` decides deterministically (from the seed) for every table:
the file name (a Chinese name from the contract's ``names``), the format (``csv`` in UTF-8,
UTF-8 with BOM, GBK or GB18030; ``xlsx`` plain or with a title block and merged title cells; ``xls``
via xlwt), the header spelling of every column (an alias from tables.yaml, sometimes with a unit
suffix such as ``（元）``), the amount style (``1234.56``, ``1,234.56``, ``￥1,234.56``,
``1234.56元``, ``12.5万`` for round amounts, or native Excel numbers) and the date style
(``2024-03-05``, ``2024/3/5``, ``20240305``, ``2024年3月5日``, ``2024.03.05``, Excel dates or bare
Excel serial numbers). A few files get unknown extra columns (序号, 备注), one Excel file a
合计 row, one workbook an extra 填表说明 sheet, and a few files deliberately broken rows
(unparseable dates or amounts in required columns) that ingestion must quarantine. Payroll
deductions are written as 代扣… columns of the 2023 wide wage sheet and as a long 2024
代扣款明细 CSV.

``write_unit(ctx, frames, out_dir, rel_prefix, streams)`` writes one unit's files and returns its
manifest and expected-quarantine rows; ``write_answer_key(out, ...)`` writes, under
``<out>/_answer_key/``: ``answer_key.csv`` (check_code, unit, finding_group, table, key, note),
``near_misses.csv`` (check_code, unit, table, key, note), ``expected_quarantine.csv`` (file,
sheet, row_no, column, header, reason), ``manifest.csv`` (one row per file and sheet) and
``units.csv`` (unit, level, region, city). Ingestion must skip folders whose name starts with
``_``. Row numbers are as the user sees them (1-based, title and header rows included).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xuncha_audit.contract import load_contract
from xuncha_audit.synth.core import SynthContext
from xuncha_audit.synth.layouts import LayoutChoice

CSV_ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030"]
# Format pool for the 13 "register" tables (ledger and payroll have fixed shapes); every
# format/encoding appears at least once whatever the seed.
FORMAT_POOL = ["csv:utf-8", "csv:utf-8-sig", "csv:gbk", "csv:gb18030", "xlsx", "xlsx:title",
               "xls", "csv:gbk", "xls", "csv:utf-8-sig", "xlsx", "csv:utf-8"]
FIXED_SHAPE = ("travel_claims", "contracts")  # always Excel (multi-sheet / title + 合计 row)
FILE_NAMES = {
    "ledger": ["序时账", "记账凭证明细", "凭证明细"],
    "contracts": ["合同台账", "采购台账", "合同登记"],
    "payments": ["合同付款", "付款明细", "付款台账"],
    "bids": ["开标记录", "投标记录", "开标一览表"],
    "vendors": ["供应商信息", "供应商名录", "工商登记"],
    "staff": ["人员花名册", "职工名册", "干部名册"],
    "relations": ["亲属关系", "家庭成员", "个人有关事项"],
    "payroll": ["工资发放明细", "工资表", "工资明细"],
    "travel_claims": ["差旅费报销明细", "差旅费明细", "差旅报销"],
    "hospitality": ["公务接待明细", "业务招待费明细", "接待费"],
    "meetings": ["会议费培训费明细", "会议培训", "会议费明细"],
    "vehicles": ["公务用车台账", "车辆台账", "车辆信息"],
    "vehicle_quota": ["车辆编制", "车辆编制数"],
    "vehicle_costs": ["车辆运行费用", "车辆费用", "车辆运维费用"],
    "vehicle_trips": ["派车单", "出车记录", "派车记录"],
    "offices": ["办公用房台账", "办公用房使用情况"],
}
AMOUNT_STYLES = ["plain", "comma", "yen", "yuan", "mixed"]
DATE_STYLES = ["iso", "slash", "compact", "cn", "dot", "mixed"]
BOOL_STYLES = [("是", "否"), ("有", "无"), ("Y", "N"), ("1", "0")]
EXCEL_EPOCH = dt.date(1899, 12, 30)
FIXED_TIME = dt.datetime(2025, 1, 6, 9, 0, 0)


@dataclass
class FileSpec:
    table: str
    path: str                    # relative to the unit folder
    fmt: str                     # csv | xlsx | xls
    encoding: str | None = None  # csv only
    title: bool = False          # title block above the header row (Excel)
    amount_style: str = "plain"  # see AMOUNT_STYLES; "native" = Excel numbers
    date_style: str = "iso"      # see DATE_STYLES; "native" / "serial" for Excel
    bool_style: tuple[str, str] = ("是", "否")
    headers: dict[str, str] = field(default_factory=dict)
    extra_cols: list[str] = field(default_factory=list)
    broken: int = 0              # deliberately broken rows to insert
    total_row: bool = False      # a 合计 row at the bottom (Excel)
    sheets_by_year: str | None = None  # split rows into one sheet per year of this column
    notes_sheet: bool = False    # an extra non-table 填表说明 sheet
    wide: bool = False           # payroll: one column per pay item


# --------------------------------------------------------------------------------- planning
def _choose_headers(table: str, rng: np.random.Generator, cols: list[str]) -> dict[str, str]:
    t = load_contract().table(table)
    used: set[str] = set()
    out = {}
    for c in cols:
        col = t.columns[c]
        cands = [a for a in col.aliases if a not in used] or [c]
        h = cands[int(rng.integers(0, len(cands)))]
        if col.type == "decimal" and col.name not in ("displacement_l", "tank_l", "liters", "area_m2") \
                and rng.random() < 0.3:
            h += "（元）" if rng.random() < 0.6 else "(元)"
        used.add(h.split("（")[0].split("(")[0])
        out[c] = h
    return out


def plan_files(ctx: SynthContext, frames: dict[str, pd.DataFrame]) -> list[FileSpec]:
    rng = ctx.sub_rng("writers")
    specs: list[FileSpec] = []
    tables = [t for t in load_contract().tables if t not in ("ledger", "payroll", "payroll_deductions")]
    free = [t for t in tables if t not in FIXED_SHAPE]
    pool = list(FORMAT_POOL)
    order = rng.permutation(len(free))
    fmts = {free[int(i)]: pool[k % len(pool)] for k, i in enumerate(order)}
    fmts.update({"travel_claims": "xlsx", "contracts": "xlsx:title"})
    broken_tables = {"contracts", "hospitality", "vehicle_costs", "travel_claims"}
    for t in tables:
        fmt = fmts[t]
        kind, _, opt = fmt.partition(":")
        df = frames[t]
        if kind == "xls" and len(df) > 60_000:
            kind, opt = "xlsx", ""
        name = FILE_NAMES[t][int(rng.integers(0, len(FILE_NAMES[t])))]
        if t in ("travel_claims", "hospitality", "meetings", "contracts", "payments", "vehicle_costs"):
            name = ("2023-2024年" if rng.random() < 0.5 else "") + name
        ext = {"csv": ".csv", "xlsx": ".xlsx", "xls": ".xls"}[kind]
        cols = [c for c in load_contract().table(t).columns if c in df.columns and df[c].notna().any()]
        excel = kind != "csv"
        spec = FileSpec(
            table=t, path=name + ext, fmt=kind, encoding=opt if kind == "csv" else None,
            title=(opt == "title"),
            amount_style=("native" if excel and rng.random() < 0.6
                          else AMOUNT_STYLES[int(rng.integers(0, len(AMOUNT_STYLES)))]),
            date_style=("native" if excel and rng.random() < 0.5
                        else DATE_STYLES[int(rng.integers(0, len(DATE_STYLES)))]),
            bool_style=BOOL_STYLES[int(rng.integers(0, len(BOOL_STYLES)))],
            headers=_choose_headers(t, rng, cols),
            extra_cols=(["序号"] if rng.random() < 0.4 else []) + (["备注"] if rng.random() < 0.3 else []),
            broken=(1 + int(rng.integers(0, 2))) if t in broken_tables else 0,
        )
        specs.append(spec)
    by_table = {s.table: s for s in specs}
    # fixed shapes that make the sample cover every case whatever the seed
    tc = by_table["travel_claims"]
    tc.fmt, tc.encoding, tc.path = "xlsx", None, Path(tc.path).stem + ".xlsx"
    tc.sheets_by_year, tc.notes_sheet = "depart_date", True
    vc = by_table["vehicle_costs"]
    if vc.fmt == "csv":
        vc.date_style = "mixed"
    else:
        vc.date_style = "serial"
    ct = by_table["contracts"]
    ct.fmt, ct.encoding, ct.title, ct.total_row = "xlsx", None, True, True
    ct.path = Path(ct.path).stem + ".xlsx"
    ct.amount_style = "mixed"
    # ledger: one big CSV as finance software exports it
    led_enc = ["gbk", "gb18030", "utf-8-sig"][int(rng.integers(0, 3))]
    # the columns an export writes (fiscal year, period, voucher identity and the 平行记账 tag
    # are derived on load)
    led_cols = [c for c, col in load_contract().table("ledger").columns.items()
                if col.generated in (None, "number_within_voucher") and c != "voucher_type"]
    if rng.random() < 0.5:
        # some systems export no line number: ingestion numbers lines within a voucher in file
        # order, which is the order written here, so the keys stay the same
        led_cols.remove("line_no")
    specs.append(FileSpec(table="ledger", path=f"2023-2024年{FILE_NAMES['ledger'][int(rng.integers(0, 3))]}.csv",
                          fmt="csv", encoding=led_enc, amount_style="plain",
                          date_style=["iso", "compact", "slash0"][int(rng.integers(0, 3))],
                          headers=_choose_headers("ledger", rng, led_cols), broken=2))
    # payroll: 2023 wide Excel with a title block, 2024 long GB18030 CSV
    pcols = [c for c in load_contract().table("payroll").columns]
    h = _choose_headers("payroll", rng, pcols)
    specs.append(FileSpec(table="payroll", path="2023年工资发放明细.xlsx", fmt="xlsx", title=True,
                          amount_style="native", date_style="month_cn", headers=h, wide=True))
    specs.append(FileSpec(table="payroll", path="2024年工资表.csv", fmt="csv", encoding="gb18030",
                          amount_style="comma", date_style="month_iso",
                          headers=_choose_headers("payroll", rng, pcols)))
    # deductions: 2023 as 代扣 columns of the wide sheet, 2024 a long CSV of their own
    if "payroll_deductions" in frames:
        dcols = list(load_contract().table("payroll_deductions").columns)
        specs.append(FileSpec(table="payroll_deductions", path="2024年代扣款明细.csv", fmt="csv",
                              encoding="gb18030", amount_style="plain", date_style="month_iso",
                              headers=_choose_headers("payroll_deductions", rng, dcols)))
    return specs


# --------------------------------------------------------------------------------- formatting
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _fmt_amount(x: float, style: str, rng_u: float) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if style == "mixed":
        if abs(x) >= 10_000 and round(x) % 100 == 0 and rng_u < 0.5:
            return f"{x / 10000:.4f}".rstrip("0").rstrip(".") + "万"
        if rng_u > 0.93:  # full-width digits, as typed with a Chinese input method
            return f"{x:.2f}".translate(_FULLWIDTH)
        style = ["plain", "comma", "yen", "yuan"][int(rng_u * 8) % 4]
    if style == "plain":
        return f"{x:.2f}"
    if style == "comma":
        return f"{x:,.2f}"
    if style == "yen":
        return f"￥{x:,.2f}"
    if style == "yuan":
        return f"{x:.2f}元"
    return f"{x:.2f}"


def _isna(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _fmt_date(d, style: str, rng_u: float) -> str:
    if _isna(d):
        return ""
    if isinstance(d, pd.Timestamp):
        d = d.date()
    if style == "mixed":
        style = ["iso", "slash", "compact", "cn", "dot"][int(rng_u * 5) % 5]
    return {
        "iso": f"{d:%Y-%m-%d}", "slash": f"{d.year}/{d.month}/{d.day}", "slash0": f"{d:%Y/%m/%d}",
        "compact": f"{d:%Y%m%d}", "cn": f"{d.year}年{d.month}月{d.day}日", "dot": f"{d:%Y.%m.%d}",
        "native": f"{d:%Y-%m-%d}", "serial": f"{d:%Y-%m-%d}",
        "month_cn": f"{d.year}年{d.month}月", "month_iso": f"{d:%Y-%m}",
    }[style]


def _cell_values(spec: FileSpec, df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Values as they will appear: strings for CSV, python objects for Excel native styles."""
    t = load_contract().table(spec.table)
    out: dict[str, list] = {}
    excel = spec.fmt != "csv"
    for c in spec.headers:
        if c not in t.columns:  # the unit column of a multi-unit file
            out[c] = [str(v) for v in df[c]]
            continue
        col = t.columns[c]
        s = df[c]
        u = rng.random(len(df))
        if col.type in ("date", "month"):
            if excel and spec.date_style == "native":
                out[c] = [None if _isna(v) else pd.Timestamp(v).to_pydatetime() for v in s]
            elif excel and spec.date_style == "serial":
                out[c] = [None if _isna(v) else (pd.Timestamp(v).date() - EXCEL_EPOCH).days for v in s]
            else:
                out[c] = [_fmt_date(v, spec.date_style, x) for v, x in zip(s, u, strict=True)]
        elif col.type == "decimal":
            if excel and spec.amount_style == "native":
                out[c] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v) for v in s]
            elif col.name in ("displacement_l", "tank_l", "liters", "area_m2", "km"):
                out[c] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:g}" for v in s]
            else:
                out[c] = [_fmt_amount(v, spec.amount_style, x) for v, x in zip(s, u, strict=True)]
        elif col.type == "bool":
            yes, no = spec.bool_style
            out[c] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else (yes if v else no)
                      for v in s]
        elif col.type == "int":
            out[c] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(int(v)) for v in s]
        else:
            out[c] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in s]
    out = pd.DataFrame({spec.headers[c]: pd.Series(v, dtype=object) for c, v in out.items()},
                       dtype=object)
    if "序号" in spec.extra_cols:
        out.insert(0, "序号", [str(i) for i in range(1, len(out) + 1)])
    if "备注" in spec.extra_cols:
        out["备注"] = ["" if x > 0.1 else "已归档" for x in rng.random(len(out))]
    return out


BAD_DATES = ["2024-13-45", "待定", "2023/02/30", "见附件"]
BAD_AMOUNTS = ["壹万贰仟元", "约5000", "12,3a4.00", "待结算"]


def _insert_broken(spec: FileSpec, cells: pd.DataFrame, rng: np.random.Generator,
                   sheet: str | None) -> tuple[pd.DataFrame, list[dict]]:
    """Insert ``spec.broken`` rows (copies of real rows with one required value corrupted)."""
    if not spec.broken or cells.empty:
        return cells, []
    t = load_contract().table(spec.table)
    targets = [c for c in spec.headers if c in t.columns and t.columns[c].required
               and t.columns[c].type in ("date", "decimal")]
    recs = []
    rows = cells.copy()
    for k in range(spec.broken):
        src = int(rng.integers(0, len(rows)))
        pos = int(rng.integers(1, len(rows)))
        row = rows.iloc[[src]].copy()
        col = targets[k % len(targets)]
        h = spec.headers[col]
        if t.columns[col].type == "date":
            row[h] = BAD_DATES[int(rng.integers(0, len(BAD_DATES)))]
            reason = "日期无法解析"
        else:
            row[h] = BAD_AMOUNTS[int(rng.integers(0, len(BAD_AMOUNTS)))]
            reason = "金额无法解析"
        # give the broken copy a key of its own so it never collides with a real record
        for kc in t.key:
            if kc in spec.headers and kc != col and t.columns[kc].type == "text":
                row[spec.headers[kc]] = str(row[spec.headers[kc]].iloc[0]) + f"-错{k + 1}"
        rows = pd.concat([rows.iloc[:pos], row, rows.iloc[pos:]], ignore_index=True)
        recs.append({"pos": pos, "column": col, "header": h, "reason": reason,
                     "raw": str(row[h].iloc[0])})
    # positions shift as rows are inserted: recompute from the final frame
    final = []
    for r in recs:
        hits = np.flatnonzero(rows[r["header"]].astype(str).to_numpy() == r["raw"])
        for i in hits:
            final.append({"idx": int(i), **{k: r[k] for k in ("column", "header", "reason")}})
    uniq = {f["idx"]: f for f in final}
    if "序号" in rows.columns:
        rows["序号"] = [str(i) for i in range(1, len(rows) + 1)]
    return rows, list(uniq.values())


# --------------------------------------------------------------------------------- writers
def _write_csv(path: Path, cells: pd.DataFrame, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        cells.to_csv(fh, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def _title_rows(ctx: SynthContext, spec: FileSpec, sheet_title: str, many: bool = False) -> list[str]:
    t = load_contract().table(spec.table)
    who = f"{ctx.region}省{ctx.city}市直各单位" if many else ctx.unit
    return [f"{who}{sheet_title}{t.title}", f"编制单位：{who}        金额单位：元"]


def _write_excel_sheets(path: Path, fmt: str, sheets: list[tuple[str, pd.DataFrame, list[str]]],
                        notes: bool, total_row_cols: list[str] | None) -> None:
    if fmt == "xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False})
        wb.set_properties({"created": FIXED_TIME, "author": "xuncha-audit synth"})
        bold = wb.add_format({"bold": True, "align": "center", "border": 1})
        title_f = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        date_f = wb.add_format({"num_format": "yyyy-mm-dd"})
        money_f = wb.add_format({"num_format": "#,##0.00"})
        for name, cells, title in sheets:
            ws = wb.add_worksheet(name)
            r0 = 0
            ncol = max(1, len(cells.columns))
            for i, line in enumerate(title):
                if ncol > 1:
                    ws.merge_range(i, 0, i, ncol - 1, line, title_f if i == 0 else None)
                else:
                    ws.write(i, 0, line)
                r0 = i + 1
            for j, h in enumerate(cells.columns):
                ws.write_string(r0, j, h, bold)
                ws.set_column(j, j, max(10, min(30, len(h) * 3)))
            for i, row in enumerate(cells.itertuples(index=False), start=r0 + 1):
                for j, v in enumerate(row):
                    if _isna(v) or (isinstance(v, str) and v == ""):
                        continue
                    if isinstance(v, dt.datetime):
                        ws.write_datetime(i, j, v, date_f)
                    elif isinstance(v, float):
                        ws.write_number(i, j, v, money_f)
                    elif isinstance(v, int | np.integer):
                        ws.write_number(i, j, int(v))
                    else:
                        ws.write_string(i, j, str(v))
            if total_row_cols is not None:
                i = r0 + 1 + len(cells)
                ws.write_string(i, 0, "合计")
                for j, h in enumerate(cells.columns):
                    if h in total_row_cols:
                        vals = [a for a in map(_cell_amount, cells[h]) if a is not None]
                        if vals:
                            ws.write_number(i, j, round(sum(vals), 2), money_f)
        if notes:
            ws = wb.add_worksheet("填表说明")
            ws.write_string(0, 0, "填表说明：")
            ws.write_string(1, 0, "1. 本表由财务科按月汇总填报。")
            ws.write_string(2, 0, "2. 住宿费按实际发生金额填写，不含早餐费。")
        wb.close()
    else:
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        money_style = xlwt.easyxf(num_format_str="#,##0.00")
        head = xlwt.easyxf("font: bold on; align: horiz center")
        for name, cells, title in sheets:
            ws = wb.add_sheet(name)
            r0 = 0
            ncol = max(1, len(cells.columns))
            for i, line in enumerate(title):
                ws.write_merge(i, i, 0, ncol - 1, line, head)
                r0 = i + 1
            for j, h in enumerate(cells.columns):
                ws.write(r0, j, h, head)
            for i, row in enumerate(cells.itertuples(index=False), start=r0 + 1):
                for j, v in enumerate(row):
                    if _isna(v) or (isinstance(v, str) and v == ""):
                        continue
                    if isinstance(v, dt.datetime):
                        ws.write(i, j, v, date_style)
                    elif isinstance(v, float):
                        ws.write(i, j, v, money_style)
                    else:
                        ws.write(i, j, v if isinstance(v, int | str) else str(v))
        if notes:
            ws = wb.add_sheet("填表说明")
            ws.write(0, 0, "填表说明：本表由财务科按月汇总填报。")
        wb.save(str(path))


def _wide_payroll(df: pd.DataFrame, spec: FileSpec, ded: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per month and person, one column per pay item (0 = not paid), then one 代扣
    column per deduction of ``ded`` (the same months)."""
    items = list(dict.fromkeys(df["item"]))
    lead = ["unit"] if "unit" in spec.headers else []
    w = df.pivot_table(index=[*lead, "month", "person_id", "name", "id_number", "bank_account"],
                       columns="item", values="amount", aggfunc="sum", sort=False).reset_index()
    ded_items: list[str] = []
    if ded is not None and len(ded):
        ded_items = list(dict.fromkeys(ded["item"]))
        d = ded.pivot_table(index=[*lead, "month", "person_id"], columns="item", values="amount",
                            aggfunc="sum", sort=False)
        d.columns = [f"代扣{c}" for c in d.columns]
        w = w.merge(d.reset_index(), on=[*lead, "month", "person_id"], how="left")
    w = w.sort_values([*lead, "month", "person_id"], kind="stable")
    h = spec.headers
    out = pd.DataFrame({h["unit"]: w["unit"].astype(str).to_numpy()} if lead else {})
    out[h["month"]] = [_fmt_date(m, "month_cn", 0) for m in w["month"]]
    out[h["person_id"]] = w["person_id"].astype(str).to_numpy()
    out[h["name"]] = w["name"].to_numpy()
    out[h["id_number"]] = w["id_number"].to_numpy()
    out[h["bank_account"]] = w["bank_account"].to_numpy()
    for it in [*items, *(f"代扣{i}" for i in ded_items)]:
        out[it] = [0.0 if np.isnan(v) else float(v) for v in w[it].to_numpy(dtype=float)]
    return out


def add_unit_column(specs: list[FileSpec], rng: np.random.Generator) -> None:
    """Multi-unit files: put a unit column (an alias from the contract) first in every file."""
    aliases = [a for a in load_contract().unit_aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)]
    for spec in specs:
        spec.headers = {"unit": aliases[int(rng.integers(0, len(aliases)))], **spec.headers}


def write_unit(ctx: SynthContext, frames: dict[str, pd.DataFrame], out_dir: Path, rel_prefix: str,
               streams: dict[str, Iterable[pd.DataFrame]] | None = None,
               unit_column: bool = False, layouts: LayoutChoice | None = None) -> tuple[list[dict], list[dict]]:
    """Write one unit's export files; returns (manifest rows, expected quarantine rows).

    ``unit_column=True``: the frames hold several units (a ``unit`` column) and every file gets
    a unit column (单位/所属单位 ...) instead of one folder per unit. ``layouts``: the table
    families written as a real system exports them (:mod:`xuncha_audit.synth.layouts`); the
    files of the generic shapes are planned as without it, so they stay the same.
    """
    from xuncha_audit.synth import layouts as real

    layouts = layouts or LayoutChoice()
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = ctx.sub_rng("writers-cells")
    manifest: list[dict] = []
    quarantine: list[dict] = []
    specs = plan_files(ctx, frames)
    if unit_column:
        add_unit_column(specs, ctx.sub_rng("writers-unit-column"))
    frames = layouts.frames(frames)
    if layouts.payroll:
        manifest += real.write_payroll_fiscal(ctx, frames, out_dir, rel_prefix)
        specs = [s for s in specs if s.table not in ("payroll", "payroll_deductions")]
    if layouts.procurement:
        manifest += real.write_procurement_ccgp(ctx, frames, out_dir, rel_prefix)
        frames = real.split_procurement(frames)
    for spec in specs:
        path = out_dir / spec.path
        rel = f"{rel_prefix}{spec.path}"
        if spec.table == "ledger" and layouts.ledger:
            chunks = streams["ledger"] if streams and "ledger" in streams else [frames["ledger"]]
            manifest += real.write_ledger(ctx, chunks, out_dir, layouts.ledger, rel_prefix)
            continue
        if spec.table == "ledger" and streams and "ledger" in streams:
            n = _write_ledger_stream(spec, streams["ledger"], path, rng, quarantine, rel)
            manifest.append(_man(rel, spec, "", 1, n))
            continue
        df = frames[spec.table]
        if spec.table in ("payroll", "payroll_deductions"):
            year = 2023 if spec.wide else 2024
            df = df[pd.to_datetime(df["month"]).dt.year == year]
        if spec.wide:
            ded = frames.get("payroll_deductions")
            if ded is not None:
                ded = ded[pd.to_datetime(ded["month"]).dt.year == 2023]
            cells = _wide_payroll(df, spec, ded)
            title = _title_rows(ctx, spec, "2023年", unit_column)
            _write_excel_sheets(path, spec.fmt, [("工资表", cells, title)], False, None)
            manifest.append(_man(rel, spec, "工资表", len(title) + 1, len(cells)))
            continue
        groups: list[tuple[str | None, pd.DataFrame]]
        if spec.sheets_by_year:
            years = pd.to_datetime(df[spec.sheets_by_year]).dt.year
            groups = [(f"{y}年", df[years == y]) for y in sorted(years.unique())]
        else:
            groups = [(None, df)]
        sheets = []
        for sheet, g in groups:
            cells = _cell_values(spec, g.reset_index(drop=True), rng)
            cells, broken = _insert_broken(spec, cells, rng, sheet)
            title = _title_rows(ctx, spec, sheet or "", unit_column) if spec.title else []
            header_row = len(title) + 1
            for b in broken:
                quarantine.append({"file": rel, "sheet": sheet or ("" if spec.fmt == "csv" else "Sheet1"),
                                   "row_no": header_row + 1 + b["idx"], "column": b["column"],
                                   "header": b["header"], "reason": b["reason"]})
            # a total row (合计) is a summary row: counted on load, neither loaded nor quarantined
            sheets.append((sheet or "Sheet1", cells, title))
            manifest.append(_man(rel, spec, "" if spec.fmt == "csv" else (sheet or "Sheet1"),
                                 header_row, len(cells) + (1 if spec.total_row else 0)))
        if spec.fmt == "csv":
            _write_csv(path, sheets[0][1], spec.encoding or "utf-8")
        else:
            tcols = load_contract().table(spec.table).columns
            money_cols = [spec.headers[c] for c in spec.headers
                          if c in tcols and tcols[c].type == "decimal"]
            _write_excel_sheets(path, spec.fmt, sheets, spec.notes_sheet,
                                money_cols if spec.total_row else None)
    return manifest, quarantine


def _cell_amount(v) -> float | None:
    """The amount a written money cell stands for (1,234.50 / ￥1234.5 / 1.2万元), or None."""
    if isinstance(v, float | int | np.integer | np.floating) and not _isna(v):
        return float(v)
    if not isinstance(v, str):
        return None
    import unicodedata

    t = unicodedata.normalize("NFKC", v)
    t = t.replace(",", "").replace("￥", "").replace("¥", "").replace("元", "").strip()
    mult = 1.0
    if t.endswith("万"):
        t, mult = t[:-1], 10000.0
    try:
        return float(t) * mult
    except ValueError:
        return None


def _man(rel: str, spec: FileSpec, sheet: str, header_row: int, rows: int) -> dict:
    return {"file": rel, "sheet": sheet, "table": spec.table, "format": spec.fmt,
            "encoding": spec.encoding or "", "header_row": header_row, "data_rows": rows,
            "layout": "wide" if spec.wide else "long", "amount_style": spec.amount_style,
            "date_style": spec.date_style}


def _money_text(x: np.ndarray):
    """Amounts as ``1234.50`` text (Arrow string array, NaN -> null), vectorised via integer cents."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nan = np.isnan(x)
    cents = np.rint(np.abs(np.where(nan, 0, x)) * 100).astype(np.int64)
    yuan = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), width=2, padding="0")
    sign = pa.array(np.where(x < 0, "-", ""))
    text = pc.binary_join_element_wise(pc.binary_join_element_wise(sign, yuan, ""), frac, ".")
    return pc.if_else(pa.array(nan), pa.nulls(len(x), pa.string()), text)


def _ledger_strings(chunk: pd.DataFrame, cols: list[str], date_fmt: str):
    """A ledger chunk as an Arrow table of strings (vectorised: Arrow casts, no row loops)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for c in cols:
        s = chunk[c]
        if c == "voucher_date":
            ts = pa.array(pd.to_datetime(s).to_numpy(dtype="datetime64[s]"))
            arrays.append(pc.strftime(ts, format=date_fmt))
        elif c in ("debit", "credit"):
            arrays.append(_money_text(s.to_numpy(dtype=float)))
        elif c == "line_no":
            arrays.append(pc.cast(pa.array(s.to_numpy(dtype=np.int64)), pa.string()))
        else:
            arrays.append(pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
    return pa.table(arrays, names=cols)


def _write_ledger_stream(spec: FileSpec, chunks: Iterable[pd.DataFrame], path: Path,
                         rng: np.random.Generator, quarantine: list[dict], rel: str) -> int:
    """Stream ledger chunks to one CSV (Arrow CSV writer, then transcoding; constant memory)."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    date_fmt = {"iso": "%Y-%m-%d", "compact": "%Y%m%d", "slash0": "%Y/%m/%d"}[spec.date_style]
    h = spec.headers
    cols = list(h)
    enc = spec.encoding or "utf-8"
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
    n = 0
    with path.open("wb") as fh:
        fh.write((",".join(h[c] for c in cols) + "\r\n").encode(enc))
        body_enc = "utf-8" if enc == "utf-8-sig" else enc
        for ci, chunk in enumerate(_iter(chunks)):
            tbl = _ledger_strings(chunk, cols, date_fmt)
            if ci == 0 and spec.broken and tbl.num_rows >= 2:
                # broken rows: two extra one-line vouchers, an impossible date and a bad amount
                bad = tbl.slice(0, 2).to_pylist()
                bad[0].update(voucher_no="记-待补-00001",
                              voucher_date={"iso": "2024-02-30", "compact": "20240230",
                                            "slash0": "2024/02/30"}[spec.date_style])
                bad[1].update(voucher_no="记-待补-00002", debit="壹万元整", credit=None)
                if "line_no" in cols:
                    bad[0]["line_no"] = bad[1]["line_no"] = "1"
                pos = min(5, tbl.num_rows)
                tbl = pa.concat_tables([tbl.slice(0, pos), pa.Table.from_pylist(bad, schema=tbl.schema),
                                        tbl.slice(pos)])
                quarantine.append({"file": rel, "sheet": "", "row_no": 2 + pos, "column": "voucher_date",
                                   "header": h["voucher_date"], "reason": "日期无法解析"})
                quarantine.append({"file": rel, "sheet": "", "row_no": 3 + pos, "column": "debit",
                                   "header": h["debit"], "reason": "金额无法解析"})
            buf = io.BytesIO()
            pacsv.write_csv(tbl, buf, opts)
            fh.write(buf.getvalue().decode("utf-8").replace("\n", "\r\n").encode(body_enc))
            n += tbl.num_rows
    return n


def _iter(chunks: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield from chunks


def write_answer_key(out: Path, answer: pd.DataFrame, near: pd.DataFrame, quarantine: list[dict],
                     manifest: list[dict], units: list[dict]) -> None:
    d = out / "_answer_key"
    d.mkdir(parents=True, exist_ok=True)
    answer.to_csv(d / "answer_key.csv", index=False, encoding="utf-8", lineterminator="\n")
    near.to_csv(d / "near_misses.csv", index=False, encoding="utf-8", lineterminator="\n")
    pd.DataFrame(quarantine, columns=["file", "sheet", "row_no", "column", "header", "reason"]).to_csv(
        d / "expected_quarantine.csv", index=False, encoding="utf-8", lineterminator="\n")
    pd.DataFrame(manifest).to_csv(d / "manifest.csv", index=False, encoding="utf-8", lineterminator="\n")
    pd.DataFrame(units).to_csv(d / "units.csv", index=False, encoding="utf-8", lineterminator="\n")
    (d / "README.md").write_text(
        "# 答案与说明（由 xuncha_audit.synth 生成，导入时跳过以 _ 开头的目录）\n\n"
        "- answer_key.csv：埋设的疑点，每行一条证据记录（check_code, unit, finding_group, table, key, note）；"
        "同一 finding_group 的行构成一条预期疑点。key 与导入后表中的 `_key` 一致。\n"
        "- near_misses.csv：看似可疑但不应被标记的记录。\n"
        "- expected_quarantine.csv：故意损坏、导入时应进入 `_quarantine` 的行（file, sheet, row_no 为用户在文件中看到的行号）。\n"
        "- manifest.csv：每个文件/工作表的表名、格式、编码、表头行号和数据行数。\n"
        "- units.csv：被巡察单位、层级、地区、城市。\n",
        encoding="utf-8",
    )
