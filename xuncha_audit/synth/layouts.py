"""Write a bureau's tables the way real systems export them (the shipped layouts,
``xuncha_audit/ingest/layouts/*.yaml``, docs/layouts.md), so that a sample run goes through
the real-layout read path.

A layout is chosen per table family (:class:`LayoutChoice`):

* ledger (``--layout``): ``u8`` 用友 U8 序时账 (.xlsx: title rows, 日期 2024.01.05, 凭证号数
  记-0015 restarting every month, 方向 借/贷 + 金额, 辅助项, a 合计 row); ``k3`` 金蝶 K3 WISE
  凭证引出 (.xls: sheet Page1 of 41 columns, 会计年度 + 会计期间 + 凭证字 + 凭证号, 分录序号 from
  0, 借方/贷方 with 0 on the other side, 核算项目 ``供应商---0002---名称``, a t_Schema sheet);
  ``kis`` 金蝶 KIS 凭证引出 (GBK CSV, 1,234.56 amounts, 供应商/职员/部门 columns); ``eas`` 金蝶
  EAS 凭证查询 (.xlsx: 会计期间 3.0, 凭证号 记--0015, 方向 1/0 + 原币金额 + 本位币 借方金额/贷方金额,
  删除标记 with one deleted voucher, 单位 = unit of measure, 核算项目n + 编码n/名称n);
  ``u8-detail`` 用友 U8 三栏式明细账 (a workbook a year, a sheet per account, 2024年 over 月 | 日,
  期初余额/本月合计/本年累计, 对方科目); ``yonyou-gov`` 用友政务 明细账「导出本页」 (an HTML page
  saved as .xls per account and year); ``audit-table`` 审计数据平台「记账凭证表」 (政府会计 form,
  财记, 作废标志); ``gbt24589`` GB/T 24589 总账.xml 记账凭证 records. These four carry no
  counterparty, department or person (docs/layouts.md says what the ledger checks lose); in a
  明细账 the loader numbers a voucher's lines account by account, and the answer key follows;
* payroll (``--payroll-layout fiscal``): 财政统一发放工资, one .xls per month: title
  ``2024年3月财政统一发放工资明细表（应发）``, 预算单位：301001 …, 金额单位：元; one row per
  person with 身份证号 (no staff number), 单位代码, 单位名称, 人员状况, 代发银行, 银行账号, 执行时间,
  one column per pay item, 应发工资, 代扣住房公积金, 代扣个人所得税, 实发工资; a 合计（58人） row;
  a second sheet 扣款 (医疗保险, 养老保险, 职业年金, 失业保险, 合计). An item paid a second time in
  a month is in that month's 补发 workbook, as a 统发 system writes a supplementary run;
* procurement (``--procurement-layout ccgp``): the contracts published on ccgp.gov.cn (every
  政府采购 method) as 政府采购合同公告汇总 (合同金额（万元）, dates 2024年03月05日), the awards
  as 中标（成交）结果 (``74.15万元`` / ``672,639.00元``); what is not published (直接采购,
  自行采购 contracts; the losing bids of the 开标记录) stays in the unit's own registers.

The other tables keep the generic shapes of :mod:`xuncha_audit.synth.writers`. Keys that a
layout changes are rewritten in the answer key (:meth:`LayoutChoice.answer_key`): ledger voucher
numbers as the layout numbers them; payroll person keys by 身份证号 where the export has no
staff number.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from xuncha_audit.errors import XunchaError

# choice -> (shipped layout name, what it is)
LEDGER_LAYOUTS = {
    "u8": ("u8_journal", "用友 U8 序时账 (.xlsx)"),
    "k3": ("k3_wise_voucher", "金蝶 K3 WISE 凭证引出 (.xls)"),
    "kis": ("kis_voucher", "金蝶 KIS 凭证引出 (GBK CSV)"),
    "eas": ("eas_voucher", "金蝶 EAS 凭证查询 (.xlsx)"),
    "u8-detail": ("u8_ledger_detail", "用友 U8 三栏式明细账（每年一个 .xlsx，每个科目一个工作表）"),
    "yonyou-gov": ("yonyou_gov_ledger_detail", "用友政务 web 版总账 明细账「导出本页」（每个科目每年一个 HTML .xls）"),
    "audit-table": ("audit_voucher_table", "审计数据平台 财务基础表「记账凭证表」（政府会计形式，.xlsx）"),
    "gbt24589": ("gbt24589_voucher", "GB/T 24589 总账接口文件 记账凭证（XML）"),
}
# 明细账 layouts: one account per sheet (or file), so the loader numbers a voucher's lines in
# the order it meets them (account by account), not as the voucher numbered them.
DETAIL_LAYOUTS = {"u8-detail", "yonyou-gov"}
PAYROLL_LAYOUTS = {"fiscal": ("fiscal_payroll", "财政统一发放工资 (.xls，含扣款表)")}
PROCUREMENT_LAYOUTS = {"ccgp": ("ccgp_contracts", "政府采购合同公告 + 中标（成交）结果 (.xlsx)")}
FAMILIES = {
    "ledger": ("--layout", "账簿（序时账、明细账、凭证表）", LEDGER_LAYOUTS),
    "payroll": ("--payroll-layout", "工资", PAYROLL_LAYOUTS),
    "procurement": ("--procurement-layout", "采购", PROCUREMENT_LAYOUTS),
}
# 政府采购 methods (政府采购法 第二十六条, 框架协议 财政部令第110号): contracts so procured are
# published on ccgp.gov.cn; 直接采购/自行采购 below the thresholds are not.
PUBLISHED_METHODS = {"公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源", "框架协议"}
FIXED_TIME = dt.datetime(2025, 1, 6, 9, 0, 0)


def _workbook(path, *, streaming: bool = False):
    """An xlsxwriter workbook as the generator writes them: cells written as given (no guessing
    of numbers, formulas or URLs), a fixed creation time so that one seed gives identical files;
    ``streaming``: constant-memory mode (rows written in order)."""
    import xlsxwriter

    opts = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    if streaming:
        opts["constant_memory"] = True
    wb = xlsxwriter.Workbook(str(path), opts)
    wb.set_properties({"created": FIXED_TIME, "author": "xuncha-audit synth"})
    return wb
_VNO_RE = re.compile(r"^记-\d{6}-(\d+)$")


@dataclass(frozen=True)
class LayoutChoice:
    """The export layout of each table family (None = the generic shapes)."""

    ledger: str | None = None
    payroll: str | None = None
    procurement: str | None = None

    def __post_init__(self):
        for family, (flag, what, known) in FAMILIES.items():
            v = getattr(self, family)
            if v is not None and v not in known:
                raise XunchaError(f"未知的{what}导出版式「{v}」（{flag}），可选：{'、'.join(known)}",
                                  f"unknown {family} layout {v!r}")

    @property
    def any(self) -> bool:
        return any(getattr(self, f) for f in FAMILIES)

    def names(self) -> dict[str, str]:
        """family -> shipped layout name, for the families written in a real layout."""
        return {f: FAMILIES[f][2][v][0] for f in FAMILIES if (v := getattr(self, f))}

    def frames(self, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Voucher references of the other tables as the ledger layout numbers vouchers."""
        if not self.ledger:
            return frames
        out = {}
        for t, df in frames.items():
            if "voucher_no" in df.columns and t != "ledger":
                df = df.assign(voucher_no=[v if _isna(v) else voucher_no(v, self.ledger)
                                           for v in df["voucher_no"]])
            out[t] = df
        return out

    def answer_key(self, df: pd.DataFrame, frames_by_unit: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
        """Answer-key (or near-miss) rows with the keys the layout-written files load with."""
        df = df.copy()
        if self.ledger:
            for unit, frames in frames_by_unit.items():
                lines = frames.get("ledger_lines")
                sel = (df["table"] == "ledger") & (df["unit"] == unit)
                df.loc[sel, "key"] = [ledger_key(k, self.ledger, lines) for k in df.loc[sel, "key"]]
        if self.payroll == "fiscal":
            for unit, frames in frames_by_unit.items():
                pay = frames["payroll"]
                ids = dict(zip(pay["person_id"], pay["id_number"], strict=True))
                sel = (df["table"] == "payroll") & (df["unit"] == unit)
                df.loc[sel, "key"] = [_person_key_by_id(k, ids) for k in df.loc[sel, "key"]]
        return df


def _person_key_by_id(key: str, ids: dict[str, str]) -> str:
    """``2024-03-01|ZJ0031|岗位津贴#2`` -> ``2024-03-01|<身份证号>|岗位津贴#2``: without a staff
    number the loader keys a person by ID number (contract: person_id falls back to id_number)."""
    month, pid, rest = key.split("|", 2)
    return f"{month}|{ids.get(pid, pid)}|{rest}"


def _isna(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _iter(chunks: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield from chunks


# --------------------------------------------------------------------------------- ledger
def voucher_no(vno: str, layout: str) -> str:
    """A generated voucher number (记-202403-00015) as the layout writes it, numbered within
    the month: U8 (序时账, 明细账) and 用友政务 记-00015; KIS, K3 and GB/T 24589 凭证字 / 凭证类型 记 +
    凭证号 15 (referred to as 记-15); EAS 记--0015; the 记账凭证表 of an audit data platform
    记账凭证种类 财记 (会计体系 财务会计; 预记 would be 预算会计) + 编号 15 (财记-15)."""
    m = _VNO_RE.match(str(vno))
    if not m:
        return vno
    n = int(m.group(1))
    if layout in ("u8", "u8-detail", "yonyou-gov"):
        return f"记-{m.group(1)}"
    if layout == "eas":
        return f"记--{n:04d}"
    if layout == "audit-table":
        return f"财记-{n}"
    return f"记-{n}"


def ledger_key(key: str, layout: str, lines: dict | None = None) -> str:
    """An answer-key ledger key (``2024-03 记-202403-00015 #2``) as loaded from the layout;
    ``lines`` ((voucher, line) -> line as loaded) for the 明细账 layouts."""
    period, rest = key.split(" ", 1)
    vno, line = rest.rsplit(" #", 1)
    if lines is not None:
        line = str(lines.get((vno, int(line)), line))
    return f"{period} {voucher_no(vno, layout)} #{line}"


def write_ledger(ctx, chunks: Iterable[pd.DataFrame], out_dir: Path, layout: str,
                 rel_prefix: str = "") -> list[dict]:
    """Write a unit's ledger in a real layout; returns its manifest rows."""
    fn = {"u8": _write_u8_journal, "kis": _write_kis_csv, "k3": _write_k3_xls, "eas": _write_eas_xlsx,
          "u8-detail": _write_u8_detail, "yonyou-gov": _write_yonyou_gov_detail,
          "audit-table": _write_audit_table, "gbt24589": _write_gbt24589_xml}
    return fn[layout](ctx, chunks, out_dir, rel_prefix)


def _manifest(file: str, sheet: str, table: str, fmt: str, header_row: int, rows: int, layout: str,
              amount_style: str, date_style: str, encoding: str = "") -> dict:
    return {"file": file, "sheet": sheet, "table": table, "format": fmt, "encoding": encoding,
            "header_row": header_row, "data_rows": rows, "layout": layout,
            "amount_style": amount_style, "date_style": date_style}


def _aux_text(chunk: pd.DataFrame) -> list[str]:
    """U8 辅助项 as pairs: 部门:办公室;个人:张三;往来单位:长沙某公司."""
    out = []
    for dept, person, cp in zip(chunk["department"], chunk["person"], chunk["counterparty"], strict=True):
        parts = []
        if not _isna(dept):
            parts.append(f"部门:{dept}")
        if not _isna(person):
            parts.append(f"个人:{person}")
        if not _isna(cp):
            parts.append(f"往来单位:{cp}")
        out.append(";".join(parts))
    return out


class _AuxCodes:
    """Codes of 辅助核算 items numbered in order of first use, as an accounting system's
    basic data lists them (部门 01, 职员 001, 供应商 0001)."""

    WIDTH: ClassVar[dict[str, int]] = {"部门": 2, "职员": 3, "供应商": 4}

    def __init__(self):
        self.codes: dict[tuple[str, str], str] = {}

    def code(self, category: str, name: str) -> str:
        k = (category, name)
        if k not in self.codes:
            n = sum(1 for c, _ in self.codes if c == category) + 1
            self.codes[k] = f"{n:0{self.WIDTH[category]}d}"
        return self.codes[k]

    def entries(self, dept, person, cp) -> list[tuple[str, str, str]]:
        out = []
        for cat, name in (("供应商", cp), ("部门", dept), ("职员", person)):
            if not _isna(name):
                out.append((cat, self.code(cat, str(name)), str(name)))
        return out


def _write_u8_journal(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """用友 U8 序时账 as .xlsx (an .xls holds 65,536 rows only)."""

    name = "序时账.xlsx"
    wb = _workbook(out_dir / name, streaming=True)
    ws = wb.add_worksheet("序时账")
    money_f = wb.add_format({"num_format": "#,##0.00"})
    ws.write_string(0, 0, "序时账")
    ws.write_string(1, 0, f"核算单位：{ctx.unit}")
    ws.write_string(1, 4, "期间：2023.01-2024.12")
    header = ["日期", "凭证号数", "科目编码", "科目名称", "摘要", "方向", "数量", "外币", "金额", "辅助项",
              "制单人", "审核人"]
    for j, h in enumerate(header):
        ws.write_string(2, j, h)
    r = 3
    total = 0
    n = 0
    for chunk in _iter(chunks):
        dates = pd.to_datetime(chunk["voucher_date"]).dt.strftime("%Y.%m.%d").to_numpy()
        vnos = [voucher_no(v, "u8") for v in chunk["voucher_no"]]
        debit = chunk["debit"].to_numpy(dtype=float)
        credit = chunk["credit"].to_numpy(dtype=float)
        aux = _aux_text(chunk)
        cols = {c: chunk[c].to_numpy(dtype=object) for c in
                ("account_code", "account_name", "summary", "preparer", "approver")}
        for i in range(len(chunk)):
            is_debit = not np.isnan(debit[i])
            amount = debit[i] if is_debit else credit[i]
            ws.write_string(r, 0, dates[i])
            ws.write_string(r, 1, vnos[i])
            ws.write_string(r, 2, str(cols["account_code"][i]))
            ws.write_string(r, 3, str(cols["account_name"][i]))
            if not _isna(cols["summary"][i]):
                ws.write_string(r, 4, str(cols["summary"][i]))
            ws.write_string(r, 5, "借" if is_debit else "贷")
            ws.write_number(r, 8, float(amount), money_f)
            if aux[i]:
                ws.write_string(r, 9, aux[i])
            for j, c in ((10, "preparer"), (11, "approver")):
                if not _isna(cols[c][i]):
                    ws.write_string(r, j, str(cols[c][i]))
            if is_debit:
                total += round(float(amount) * 100)
            r += 1
        n += len(chunk)
    ws.write_string(r, 0, "合计")
    ws.write_number(r, 8, total / 100, money_f)
    wb.close()
    return [_manifest(f"{rel_prefix}{name}", "序时账", "ledger", "xlsx", 3, n + 1, "u8_journal",
                      "native", "dot")]


def _write_kis_csv(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """金蝶 KIS 凭证引出 as GBK CSV."""
    header = ["日期", "凭证字", "凭证号", "附件数", "分录序号", "摘要", "科目代码", "科目名称", "借方金额",
              "贷方金额", "客户", "供应商", "职员", "项目", "部门", "存货", "是否限定", "自定义辅助核算类别",
              "自定义辅助核算编码", "数量", "单价", "原币金额", "币别", "汇率"]
    name = "凭证引出.csv"
    n = 0
    with (out_dir / name).open("w", encoding="gbk", errors="replace", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for chunk in _iter(chunks):
            dates = pd.to_datetime(chunk["voucher_date"]).dt.strftime("%Y-%m-%d").to_numpy()
            for i, row in enumerate(chunk.itertuples(index=False)):
                no = voucher_no(row.voucher_no, "kis").split("-", 1)[1]
                debit = "" if _isna(row.debit) else f"{row.debit:,.2f}"
                credit = "" if _isna(row.credit) else f"{row.credit:,.2f}"
                w.writerow([dates[i], "记", no, "1", row.line_no, row.summary or "", row.account_code,
                            row.account_name, debit, credit, "",
                            "" if _isna(row.counterparty) else row.counterparty,
                            "" if _isna(row.person) else row.person, "",
                            "" if _isna(row.department) else row.department, "", "否", "", "", "", "",
                            debit or credit, "RMB", "1"])
            n += len(chunk)
    return [_manifest(f"{rel_prefix}{name}", "", "ledger", "csv", 1, n, "kis_voucher", "comma", "iso", "gbk")]


K3_HEADER = [
    "凭证日期", "会计年度", "会计期间", "凭证字", "凭证号", "科目代码", "科目名称", "币别代码", "币别名称",
    "原币金额", "借方", "贷方", "制单", "审核", "核准", "出纳", "经办", "结算方式", "结算号", "凭证摘要",
    "数量", "数量单位", "单价", "参考信息", "业务日期", "往来业务编号", "附件数", "序号", "系统模块",
    "业务描述", "汇率类型", "汇率", "分录序号", "核算项目", "过账", "机制凭证", "现金流量",
    "结余与盈余差异", "结余与盈余差异方向", "关联凭证ID", "凭证ID",
]
K3_SCHEMA = [
    ["FType", "FKey", "FFieldName", "FCaption", "FValueType", "FColIndex"],
    ["ClassInfo", "ClassType", None, "VoucherData", None, None],
    ["PageInfo", "Page1", None, "Page1", None, None],
    *[["FieldInfo", f"F{j}", f"F{j}", h, "String", str(j + 1)] for j, h in enumerate(K3_HEADER)],
]
XLS_ROWS = 65_000  # rows per .xls sheet (the format holds 65,536)


def _write_k3_xls(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """金蝶 K3 WISE 凭证引出 as .xls: Page1 (Page2 … when the rows do not fit one sheet) and
    the t_Schema sheet describing the fields."""
    import xlwt

    name = "凭证引出.xls"
    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    col = {h: j for j, h in enumerate(K3_HEADER)}
    codes = _AuxCodes()
    pages: list[tuple[str, int]] = []
    ws, r = None, 0
    voucher_ids: dict[str, int] = {}
    for chunk in _iter(chunks):
        for row in chunk.itertuples(index=False):
            if ws is None or r > XLS_ROWS:
                pages.append((f"Page{len(pages) + 1}", 0))
                ws = wb.add_sheet(pages[-1][0])
                for h, j in col.items():
                    ws.write(0, j, h)
                r = 1
            d = pd.Timestamp(row.voucher_date).to_pydatetime()
            vid = voucher_ids.setdefault(row.voucher_no, len(voucher_ids) + 1)
            no = int(voucher_no(row.voucher_no, "k3").split("-", 1)[1])
            debit = 0.0 if _isna(row.debit) else float(row.debit)
            credit = 0.0 if _isna(row.credit) else float(row.credit)
            aux = ";".join("---".join(e) for e in codes.entries(row.department, row.person, row.counterparty))
            ws.write(r, col["凭证日期"], d, date_style)
            ws.write(r, col["业务日期"], d, date_style)
            ws.write(r, col["会计年度"], d.year)
            ws.write(r, col["会计期间"], d.month)
            ws.write(r, col["凭证字"], "记")
            ws.write(r, col["凭证号"], no)
            ws.write(r, col["序号"], no)
            ws.write(r, col["科目代码"], str(row.account_code))
            ws.write(r, col["科目名称"], str(row.account_name))
            ws.write(r, col["币别代码"], "RMB")
            ws.write(r, col["币别名称"], "人民币")
            ws.write(r, col["原币金额"], debit or credit)
            ws.write(r, col["借方"], debit)
            ws.write(r, col["贷方"], credit)
            for h, v in (("制单", row.preparer), ("审核", row.approver), ("凭证摘要", row.summary)):
                if not _isna(v):
                    ws.write(r, col[h], str(v))
            ws.write(r, col["附件数"], 1)
            ws.write(r, col["系统模块"], "总账系统")
            ws.write(r, col["汇率类型"], "公司汇率")
            ws.write(r, col["汇率"], 1)
            ws.write(r, col["分录序号"], int(row.line_no) - 1)
            if aux:
                ws.write(r, col["核算项目"], aux)
            ws.write(r, col["过账"], "是")
            ws.write(r, col["机制凭证"], "否")
            ws.write(r, col["凭证ID"], vid)
            pages[-1] = (pages[-1][0], pages[-1][1] + 1)
            r += 1
    if ws is None:  # an empty ledger still has its Page1
        pages.append(("Page1", 0))
        ws = wb.add_sheet("Page1")
        for h, j in col.items():
            ws.write(0, j, h)
    schema = wb.add_sheet("t_Schema")
    for i, srow in enumerate(K3_SCHEMA):
        for j, v in enumerate(srow):
            if v is not None:
                schema.write(i, j, v)
    wb.save(str(out_dir / name))
    rel = f"{rel_prefix}{name}"
    return [_manifest(rel, p, "ledger", "xls", 1, n, "k3_wise_voucher", "native", "native")
            for p, n in pages] + [_manifest(rel, "t_Schema", "", "xls", 1, len(K3_SCHEMA) - 1,
                                            "metadata", "", "")]


EAS_HEADER = ["公司", "记账日期", "业务日期", "会计期间", "凭证类型", "凭证号", "分录号", "摘要", "科目",
              "科目名称", "币种", "汇率", "方向", "原币金额", "数量", "单价", "借方金额", "贷方金额", "制单人",
              "过账人", "审核人", "附件数量", "过账标记", "删除标记", "凭证序号", "单位",
              *[f"{p}{n}" for n in range(1, 9) for p in ("核算项目", "编码", "名称")], "财务组织", "供应商"]


def _write_eas_xlsx(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """金蝶 EAS 凭证查询 as .xlsx. The query lists deleted vouchers too (删除标记 是): the first
    voucher of the ledger appears once more, deleted, under a number of its own."""

    name = "凭证查询.xlsx"
    wb = _workbook(out_dir / name, streaming=True)
    ws = wb.add_worksheet("凭证查询")
    col = {h: j for j, h in enumerate(EAS_HEADER)}
    for h, j in col.items():
        ws.write_string(0, j, h)
    codes = _AuxCodes()
    r, n, deleted = 1, 0, 0
    seq: dict[str, int] = {}

    def line(row, vno: str, flag: str) -> None:
        nonlocal r
        d = pd.Timestamp(row.voucher_date)
        is_debit = not _isna(row.debit)
        amount = float(row.debit if is_debit else row.credit)
        cells = {"公司": ctx.unit, "记账日期": f"{d:%Y-%m-%d}", "业务日期": f"{d:%Y-%m-%d}",
                 "会计期间": f"{d.month}.0", "凭证类型": "记", "凭证号": vno, "科目": str(row.account_code),
                 "科目名称": str(row.account_name), "币种": "BB01", "方向": "1" if is_debit else "0",
                 "制单人": row.preparer, "过账人": row.approver, "审核人": row.approver,
                 "过账标记": "是", "删除标记": flag, "财务组织": ctx.unit}
        if not _isna(row.summary):
            cells["摘要"] = str(row.summary)
        for k, (cat, code, nm) in enumerate(codes.entries(row.department, row.person, row.counterparty), 1):
            cells.update({f"核算项目{k}": cat, f"编码{k}": code, f"名称{k}": nm})
        for h, v in cells.items():
            if not _isna(v):
                ws.write_string(r, col[h], str(v))
        ws.write_number(r, col["分录号"], int(row.line_no))
        ws.write_number(r, col["汇率"], 1)
        ws.write_number(r, col["原币金额"], amount)
        ws.write_number(r, col["借方金额" if is_debit else "贷方金额"], amount)
        ws.write_number(r, col["附件数量"], 1)
        ws.write_number(r, col["凭证序号"], seq.setdefault(vno + f"{d:%Y%m}", len(seq) + 1))
        r += 1

    first: list = []
    for chunk in _iter(chunks):
        for row in chunk.itertuples(index=False):
            if not first or row.voucher_no == first[0].voucher_no:
                first.append(row)
            line(row, voucher_no(row.voucher_no, "eas"), "否")
            n += 1
    for row in first:  # the deleted copy, numbered after the month's last voucher
        line(row, "记--9001", "是")
        deleted += 1
    wb.close()
    return [_manifest(f"{rel_prefix}{name}", "凭证查询", "ledger", "xlsx", 1, n + deleted, "eas_voucher",
                      "native", "iso")]


# ------------------------------------------------------------------ 明细账 (one account a sheet)
def _detail_lines(ctx, chunks) -> pd.DataFrame:
    """The whole ledger ordered as a 明细账 prints it (account by account, then date, voucher
    and line), with ``loaded_line``: the line number the loader gives (it meets a voucher's lines
    account by account), recorded in ``ctx.shared['ledger_lines']`` for the answer key, and
    ``other_account``: the 对方科目 (the first account on the other side of the voucher)."""
    df = pd.concat(list(_iter(chunks)), ignore_index=True)
    df["voucher_date"] = pd.to_datetime(df["voucher_date"])
    df["n_in_month"] = df["voucher_no"].astype(str).str.extract(r"(\d+)$")[0].astype(int)
    df = df.sort_values(["account_code", "voucher_date", "n_in_month", "line_no"], kind="stable").reset_index(drop=True)
    order = df.sort_values(["voucher_no", "account_code", "line_no"], kind="stable")
    df["loaded_line"] = order.groupby("voucher_no").cumcount() + 1
    ctx.shared["ledger_lines"] = dict(zip(zip(df["voucher_no"], df["line_no"].astype(int), strict=True),
                                          df["loaded_line"].astype(int), strict=True))
    side = df["debit"].notna()
    label = df["account_code"].astype(str) + " " + df["account_name"].astype(str)
    first = df.assign(_label=label).sort_values(["voucher_no", "line_no"])
    first_d = first[side.loc[first.index]].drop_duplicates("voucher_no").set_index("voucher_no")["_label"]
    first_c = first[~side.loc[first.index]].drop_duplicates("voucher_no").set_index("voucher_no")["_label"]
    df["other_account"] = np.where(side, df["voucher_no"].map(first_c), df["voucher_no"].map(first_d))
    return df


def _balance_side(cents: int) -> str:
    return "借" if cents > 0 else "贷" if cents < 0 else "平"


def _detail_rows(g: pd.DataFrame, opening: int, year: int, layout: str) -> tuple[list[list], int]:
    """One account's 明细账 rows for a year: 期初余额, the lines, 本月合计 and 本年累计 of each
    month with entries; amounts in cents, None for an empty cell. Returns (rows, closing)."""
    rows = [[year, "01", "01", None, "期初余额", None, None, None, _balance_side(opening), abs(opening)]]
    bal, yd, yc = opening, 0, 0
    months = g["voucher_date"].dt.month.to_numpy()
    for month in sorted(set(months.tolist())):
        md = mc = 0
        for row in g[months == month].itertuples(index=False):
            d = None if _isna(row.debit) else round(float(row.debit) * 100)
            c = None if _isna(row.credit) else round(float(row.credit) * 100)
            bal += (d or 0) - (c or 0)
            md += d or 0
            mc += c or 0
            rows.append([year, f"{month:02d}", f"{row.voucher_date.day:02d}", voucher_no(row.voucher_no, layout),
                         None if _isna(row.summary) else str(row.summary), row.other_account, d, c,
                         _balance_side(bal), abs(bal)])
        yd += md
        yc += mc
        rows.append([year, f"{month:02d}", None, None, "本月合计", None, md, mc, _balance_side(bal), abs(bal)])
        rows.append([year, f"{month:02d}", None, None, "本年累计", None, yd, yc, _balance_side(bal), abs(bal)])
    return rows, bal


def _write_u8_detail(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """用友 U8 三栏式明细账 as .xlsx, one workbook a year (the header reads 2024年 over 月 | 日,
    so a page holds one year), one sheet per account (科目：1002 银行存款 in the title)."""

    df = _detail_lines(ctx, chunks)
    manifest: list[dict] = []
    closing: dict[str, int] = {}
    years = df["voucher_date"].dt.year.to_numpy()
    for year in sorted(set(years.tolist())):
        name = f"三栏式明细账{year}.xlsx"
        wb = _workbook(out_dir / name)
        money = wb.add_format({"num_format": "#,##0.00"})
        ydf = df[years == year]
        for code, g in ydf.groupby("account_code", sort=True):
            ws = wb.add_worksheet(str(code))
            ws.write_string(0, 0, "明细账")
            ws.write_string(1, 0, f"科目：{code} {g['account_name'].iloc[0]}")
            ws.write_string(1, 4, f"月份：{year}.01-{year}.12")
            ws.merge_range(2, 0, 2, 1, f"{year}年")
            for c, h in enumerate(["凭证号数", "摘要", "对方科目", "借方", "贷方", "方向", "余额"], start=2):
                ws.merge_range(2, c, 3, c, h)
            ws.write_string(3, 0, "月")
            ws.write_string(3, 1, "日")
            rows, closing[code] = _detail_rows(g, closing.get(code, 0), int(year), "u8-detail")
            for i, row in enumerate(rows, start=4):
                for j, v in enumerate(row[1:]):
                    if v is None:
                        continue
                    if j >= 5 and j != 7:  # 借方, 贷方, 余额 (方向 is text)
                        ws.write_number(i, j, v / 100, money)
                    else:
                        ws.write_string(i, j, str(v))
            manifest.append(_manifest(f"{rel_prefix}{name}", str(code), "ledger", "xlsx", 3, len(rows),
                                      "u8_ledger_detail", "native", "month_day"))
        wb.close()
    return manifest


def _write_yonyou_gov_detail(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """用友政务 web 版总账 明细账「导出本页」: uf.expTable's HTML page saved as .xls, one page per
    account and year (明细账_2024_1002.xls): the title table (明细账, 单位, 期间, 科目, 方案名称)
    and the rendered table (日期 over 年 | 月 | 日, 凭证字号, 摘要, 借方金额, 贷方金额, 方向, 余额;
    类型, 凭证ID, 票据号 and 对方科目 hidden as by default), amounts 1,234.50."""
    from html import escape

    df = _detail_lines(ctx, chunks)
    manifest: list[dict] = []
    closing: dict[str, int] = {}
    years = df["voucher_date"].dt.year.to_numpy()

    def money(v):
        return "" if v is None else f"{v / 100:,.2f}"

    for year in sorted(set(years.tolist())):
        ydf = df[years == year]
        for code, g in ydf.groupby("account_code", sort=True):
            rows, closing[code] = _detail_rows(g, closing.get(code, 0), int(year), "yonyou-gov")
            body = []
            for y, m, d, vno, text, _other, deb, cred, side, bal in rows:
                cells = [str(y), m, d or "", vno or "", escape(text or ""), money(deb), money(cred), side, money(bal)]
                body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            n_cols = 9
            top = "".join(f"<tr><td colspan={n_cols}>{escape(t)}</td></tr>" for t in (
                f"单位：{FISCAL_UNIT_CODE} {ctx.unit} （账套：001 {year}年账套）",
                f"期间：{year}-01-01至{year}-12-31 （单位：元）",
                f"科目：{code} {g['account_name'].iloc[0]}", "方案名称：默认方案"))
            head = "".join(f'<th rowspan="2">{h}</th>' for h in ("凭证字号", "摘要", "借方金额", "贷方金额", "方向", "余额"))
            table = ('<table class="grid-top" cellspacing="0" cellpadding="0" align="center" border="0">'
                     f'<tr><td align="center" colspan="{n_cols}"><h3 id="expTableTitle">明细账</h3></td></tr>'
                     f"{top}</table>"
                     '<table border="1" cellpadding="0" cellspacing="0" align="center">'
                     f'<thead><tr><th colspan="3" style="width:120px">日期</th>{head}</tr>'
                     '<tr><th class="editYear">年</th><th class="editYear">月</th><th class="editYear">日</th></tr>'
                     f"</thead><tbody>{''.join(body)}</tbody></table>")
            page = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
                    'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">'
                    '<head><meta charset="UTF-8"><style>td{text-align:left;}</style></head><body>'
                    f"{table}</body></html>")
            name = f"明细账_{year}_{code}.xls"
            (out_dir / name).write_text(page, encoding="utf-8")
            manifest.append(_manifest(f"{rel_prefix}{name}", "", "ledger", "html", 5, len(rows),
                                      "yonyou_gov_ledger_detail", "comma", "ymd_columns"))
    return manifest


# ------------------------------------------------------------------ 记账凭证表 / GB/T 24589
AUDIT_HEADER = ["行政区划代码", "行政区划名称", "会计年度", "单位代码", "单位名称", "电子账簿编号", "电子账簿名称",
                "会计体系", "会计月份", "记账凭证日期", "记账凭证种类", "记账凭证编号", "分录序号", "记账凭证摘要",
                "科目编码", "科目名称", "科目全称", "借方发生额", "贷方发生额", "对方科目编码", "对方科目名称", "币种",
                "借方外币发生额", "贷方外币发生额", "汇率", "数量", "单价", "结算方式", "附件数", "制单人员",
                "复核人员", "记账人员", "出纳人员", "财务主管", "源凭证号", "记账标志", "作废标志", "是否结转",
                "是否为预算账", "支付单据编号", "功能科目代码", "功能科目名称", "经济科目代码", "经济科目名称",
                "资金性质代码", "资金性质名称", "支付方式代码", "支付方式名称", "预算项目代码", "预算项目名称",
                "记账类型编号", "记账类型名称", "记账凭证行号"]


def _first_deleted(chunks) -> Iterator[tuple[pd.DataFrame, bool]]:
    """The chunks (deleted=False), then the first voucher again as a voided copy (True): the
    table lists voided vouchers with their flag."""
    first = None
    for chunk in _iter(chunks):
        if first is None and len(chunk):
            first = chunk[chunk["voucher_no"] == chunk["voucher_no"].iloc[0]]
        yield chunk, False
    if first is not None:
        yield first, True


def _write_audit_table(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """审计数据平台 财务基础表「记账凭证表」, the 政府会计 form (会计体系, 作废标志, 分录序号
    年-月-种类-凭证号-行号-体系, 记账凭证种类 财记 for 财务会计), as .xlsx; one voided voucher."""

    name = "记账凭证表.xlsx"
    wb = _workbook(out_dir / name, streaming=True)
    ws = wb.add_worksheet("记账凭证表")
    col = {h: j for j, h in enumerate(AUDIT_HEADER)}
    for h, j in col.items():
        ws.write_string(0, j, h)
    r = 1
    for chunk, deleted in _first_deleted(chunks):
        other = _other_side(chunk)
        for row, (o_code, o_name) in zip(chunk.itertuples(index=False), other, strict=True):
            d = pd.Timestamp(row.voucher_date)
            no = "9001" if deleted else voucher_no(row.voucher_no, "audit-table").split("-", 1)[1]
            full = str(row.account_name)
            cells = {"行政区划代码": "430100", "行政区划名称": ctx.city + "市", "会计年度": str(d.year),
                     "单位代码": str(FISCAL_UNIT_CODE), "单位名称": ctx.unit, "电子账簿编号": f"{FISCAL_UNIT_CODE}{d.year}",
                     "电子账簿名称": f"{ctx.unit}{d.year}", "会计体系": "财务会计", "会计月份": str(d.month),
                     "记账凭证日期": f"{d:%Y%m%d}", "记账凭证种类": "财记", "记账凭证编号": no,
                     "分录序号": f"{d.year}-{d.month:02d}-财记-{no}-{row.line_no}-01",
                     "记账凭证摘要": row.summary, "科目编码": str(row.account_code),
                     "科目名称": full.rsplit("-", 1)[-1], "科目全称": full, "对方科目编码": o_code,
                     "对方科目名称": o_name, "币种": "人民币", "附件数": "1", "制单人员": row.preparer,
                     "复核人员": row.approver, "记账人员": row.approver, "记账标志": "1",
                     "作废标志": "1" if deleted else "0", "是否结转": "0", "是否为预算账": "0",
                     "记账凭证行号": str(row.line_no)}
            for h, v in cells.items():
                if not _isna(v) and v != "":
                    ws.write_string(r, col[h], str(v))
            ws.write_number(r, col["借方发生额"], 0.0 if _isna(row.debit) else float(row.debit))
            ws.write_number(r, col["贷方发生额"], 0.0 if _isna(row.credit) else float(row.credit))
            ws.write_number(r, col["借方外币发生额"], 0)
            ws.write_number(r, col["贷方外币发生额"], 0)
            r += 1
    wb.close()
    return [_manifest(f"{rel_prefix}{name}", "记账凭证表", "ledger", "xlsx", 1, r - 1, "audit_voucher_table",
                      "native", "compact")]


def _other_side(chunk: pd.DataFrame) -> list[tuple[str, str]]:
    """对方科目 (code, name) of each line: the first account on the other side of its voucher."""
    side = chunk["debit"].notna().to_numpy()
    first: dict[tuple[str, bool], tuple[str, str]] = {}
    for v, s, code, nm in zip(chunk["voucher_no"], side, chunk["account_code"], chunk["account_name"], strict=True):
        first.setdefault((v, bool(s)), (str(code), str(nm)))
    return [first.get((v, not s), ("", "")) for v, s in zip(chunk["voucher_no"], side, strict=True)]


GBT_FIELDS = ["记账凭证日期", "会计年度", "会计期间号", "记账凭证类型编号", "记账凭证编号", "记账凭证行号",
              "记账凭证摘要", "科目编号", "辅助项1编号", "辅助项2编号", "辅助项3编号", "币种编码", "借方原币金额",
              "借方本币金额", "贷方原币金额", "贷方本币金额", "附件数", "制单人", "审核人", "记账人", "记账标志",
              "作废标志", "凭证来源系统"]


def _write_gbt24589_xml(ctx, chunks, out_dir: Path, rel_prefix: str) -> list[dict]:
    """GB/T 24589 总账接口文件 (XML, UTF-8): 电子账簿, 会计科目 and 记账凭证 records (element
    names of the standard's 记账凭证 record; the wrapper names 总账/记账凭证集 are not given by the
    sources); 辅助项N编号 codes only; one voided voucher (作废标志 1)."""
    from xml.sax.saxutils import escape

    name = "总账.xml"
    codes = _AuxCodes()
    accounts: dict[str, str] = {}
    n = 0
    tmp = out_dir / (name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk, deleted in _first_deleted(chunks):
            for row in chunk.itertuples(index=False):
                d = pd.Timestamp(row.voucher_date)
                accounts.setdefault(str(row.account_code), str(row.account_name))
                debit = 0.0 if _isna(row.debit) else float(row.debit)
                credit = 0.0 if _isna(row.credit) else float(row.credit)
                aux = [c for _cat, c, _nm in codes.entries(row.department, row.person, row.counterparty)]
                vals = {"记账凭证日期": f"{d:%Y%m%d}", "会计年度": str(d.year), "会计期间号": str(d.month),
                        "记账凭证类型编号": "记",
                        "记账凭证编号": "9001" if deleted else voucher_no(row.voucher_no, "gbt24589").split("-", 1)[1],
                        "记账凭证行号": str(row.line_no), "记账凭证摘要": "" if _isna(row.summary) else row.summary,
                        "科目编号": str(row.account_code), "币种编码": "CNY",
                        "借方原币金额": f"{debit:.2f}", "借方本币金额": f"{debit:.2f}",
                        "贷方原币金额": f"{credit:.2f}", "贷方本币金额": f"{credit:.2f}", "附件数": "1",
                        "制单人": row.preparer, "审核人": row.approver, "记账人": row.approver, "记账标志": "1",
                        "作废标志": "1" if deleted else "0", "凭证来源系统": "总账"}
                for k, c in enumerate(aux[:3], 1):
                    vals[f"辅助项{k}编号"] = c
                fh.write("<记账凭证>" + "".join(
                    f"<{k}>{escape(str(v))}</{k}>" if not _isna(v) and v != "" else f"<{k}/>"
                    for k in GBT_FIELDS for v in (vals.get(k, ""),)) + "</记账凭证>\n")
                n += 1
    with (out_dir / name).open("w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<总账>\n')
        out.write(f"<电子账簿><电子账簿编号>{FISCAL_UNIT_CODE}</电子账簿编号><电子账簿名称>{escape(ctx.unit)}账套"
                  f"</电子账簿名称><会计核算单位>{escape(ctx.unit)}</会计核算单位></电子账簿>\n<会计科目集>")
        for code, nm in sorted(accounts.items()):
            out.write(f"<会计科目><科目编号>{escape(code)}</科目编号><科目名称>{escape(nm)}</科目名称></会计科目>")
        out.write("</会计科目集>\n<记账凭证集>\n")
        with tmp.open(encoding="utf-8") as fh:
            for line in fh:
                out.write(line)
        out.write("</记账凭证集>\n</总账>\n")
    tmp.unlink()
    rel = f"{rel_prefix}{name}"
    return [_manifest(rel, "记账凭证", "ledger", "xml", 1, n, "gbt24589_voucher", "native", "compact"),
            _manifest(rel, "电子账簿", "", "xml", 1, 1, "metadata", "", ""),
            _manifest(rel, "会计科目", "", "xml", 1, len(accounts), "metadata", "", "")]


# --------------------------------------------------------------------------------- payroll
FISCAL_UNIT_CODE = 301001
FISCAL_BANK = "中国建设银行长沙分行"
MAIN_DEDUCTIONS = ["住房公积金", "个人所得税"]          # 代扣… columns of the 工资 sheet
SHEET_DEDUCTIONS = ["医疗保险", "养老保险", "职业年金", "失业保险"]  # the 扣款 sheet


def write_payroll_fiscal(ctx, frames: dict[str, pd.DataFrame], out_dir: Path,
                         rel_prefix: str = "") -> list[dict]:
    """财政统一发放工资: one workbook per month (工资 + 扣款 sheets); the second payment of an
    item in a month in that month's 补发 workbook. Returns manifest rows."""
    pay = frames["payroll"]
    ded = frames["payroll_deductions"]
    staff = frames["staff"].set_index("person_id")["status"].to_dict() if "status" in frames["staff"] else {}
    order = list(dict.fromkeys(pay["item"]))
    dup = pay.duplicated(["month", "person_id", "item"], keep="first")
    manifest = []
    months = sorted(set(pay["month"]))
    for m in months:
        main = pay[(pay["month"] == m) & ~dup]
        extra = pay[(pay["month"] == m) & dup]
        d = ded[ded["month"] == m]
        manifest += _fiscal_workbook(ctx, m, main, d, staff, order, out_dir, rel_prefix, "")
        if len(extra):
            manifest += _fiscal_workbook(ctx, m, extra, d.iloc[0:0], staff, order, out_dir, rel_prefix, "补发")
    return manifest


def _fiscal_workbook(ctx, month, pay: pd.DataFrame, ded: pd.DataFrame, status: dict, order: list[str],
                     out_dir: Path, rel_prefix: str, kind: str) -> list[dict]:
    import xlwt

    m = pd.Timestamp(month)
    suffix = f"（{kind}）" if kind else ""
    name = f"{m.year}年{m.month:02d}月财政统一发放工资明细表{suffix}.xls"
    items = [i for i in order if i in set(pay["item"])]
    people = pay.drop_duplicates("person_id")[["person_id", "name", "id_number", "bank_account"]]
    amt = pay.pivot_table(index="person_id", columns="item", values="amount", aggfunc="sum", sort=False)
    dd = ded.pivot_table(index="person_id", columns="item", values="amount", aggfunc="sum", sort=False)
    main_ded = [c for c in MAIN_DEDUCTIONS if c in dd.columns] if len(dd) else []
    sheet_ded = [c for c in SHEET_DEDUCTIONS if c in dd.columns] if len(dd) else []
    header = ["序号", "身份证号", "姓名", "单位代码", "单位名称", "人员状况", "代发银行", "银行账号", "执行时间",
              *items, "应发工资", *[f"代扣{c}" for c in main_ded], "实发工资"]
    rows, sums = [], np.zeros(len(items) + 2 + len(main_ded))
    ded_rows = []
    for n, p in enumerate(people.itertuples(index=False), 1):
        vals = [_cents(amt.at[p.person_id, i]) for i in items]
        gross = sum(vals)
        mains = [_cents(dd.at[p.person_id, c]) if p.person_id in dd.index else 0 for c in main_ded]
        others = [_cents(dd.at[p.person_id, c]) if p.person_id in dd.index else 0 for c in sheet_ded]
        net = gross - sum(mains) - sum(others)
        rows.append([n, p.id_number, p.name, FISCAL_UNIT_CODE, ctx.unit, status.get(p.person_id, "在职"),
                     FISCAL_BANK, p.bank_account, f"{m.year}.{m.month:02d}",
                     *[v / 100 if v else None for v in vals], gross / 100, *[v / 100 for v in mains], net / 100])
        sums += np.array([*vals, gross, *mains, net], dtype=float)
        if p.person_id in dd.index and sheet_ded:
            ded_rows.append([len(ded_rows) + 1, p.id_number, p.name, *[v / 100 for v in others],
                             sum(others) / 100])
    title = [f"{m.year}年{m.month}月财政统一发放工资明细表（{kind or '应发'}）",
             f"预算单位：{FISCAL_UNIT_CODE} {ctx.unit}", "金额单位：元"]
    total = [f"合计（{len(rows)}人）", *[None] * 8, *[round(s / 100, 2) for s in sums]]
    wb = xlwt.Workbook(encoding="utf-8")
    money = xlwt.easyxf(num_format_str="#,##0.00")
    _xls_sheet(wb.add_sheet("工资"), title, header, [*rows, total], money, first_money=9)
    rel = f"{rel_prefix}{name}"
    out = [_manifest(rel, "工资", "payroll", "xls", len(title) + 1, len(rows) + 1, "fiscal_payroll",
                     "native", "month_cn")]
    if ded_rows:
        dtotal = [f"合计（{len(ded_rows)}人）", None, None,
                  *[round(sum(r[3 + j] for r in ded_rows), 2) for j in range(len(sheet_ded) + 1)]]
        _xls_sheet(wb.add_sheet("扣款"), [], ["序号", "身份证号", "姓名", *sheet_ded, "合计"],
                   [*ded_rows, dtotal], money, first_money=3)
        out.append(_manifest(rel, "扣款", "payroll_deductions", "xls", 1, len(ded_rows) + 1,
                             "fiscal_payroll_deductions", "native", "month_cn"))
    wb.save(str(out_dir / name))
    return out


def _cents(v) -> int:
    return 0 if _isna(v) else round(float(v) * 100)


def _xls_sheet(ws, title: list[str], header: list[str], rows: list[list], money, first_money: int) -> None:
    for i, line in enumerate(title):
        ws.write(i, 0, line)
    r0 = len(title)
    for j, h in enumerate(header):
        ws.write(r0, j, h)
    for i, row in enumerate(rows, start=r0 + 1):
        for j, v in enumerate(row):
            if v is None:
                continue
            if j >= first_money and isinstance(v, float):
                ws.write(i, j, v, money)
            else:
                ws.write(i, j, v)


# --------------------------------------------------------------------------------- procurement
def published(contracts: pd.DataFrame) -> pd.Series:
    """Contracts procured by a 政府采购 method: published on ccgp.gov.cn."""
    return contracts["procurement_method"].isin(PUBLISHED_METHODS)


def split_procurement(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What stays in the unit's own registers when procurement comes from ccgp: contracts not
    published there, and the losing bids of the 开标记录 (the awards are published)."""
    out = dict(frames)
    out["contracts"] = frames["contracts"][~published(frames["contracts"])].reset_index(drop=True)
    out["bids"] = frames["bids"][~frames["bids"]["is_winner"].astype(bool)].reset_index(drop=True)
    return out


def write_procurement_ccgp(ctx, frames: dict[str, pd.DataFrame], out_dir: Path,
                           rel_prefix: str = "") -> list[dict]:
    """政府采购合同公告汇总 and 中标（成交）结果 as collected from ccgp.gov.cn, in one workbook."""

    rng = ctx.sub_rng("layouts-ccgp")
    c = frames["contracts"][published(frames["contracts"])].reset_index(drop=True)
    bids = frames["bids"]
    wins = bids[bids["is_winner"].astype(bool)].reset_index(drop=True)
    addr = dict(zip(frames["vendors"]["vendor"], frames["vendors"]["address"], strict=True))
    addr.update(dict(zip(bids["bidder"], bids["address"], strict=True)))
    name = "政府采购合同公告汇总.xlsx"
    wb = _workbook(out_dir / name)
    wan = wb.add_format({"num_format": "0.000000"})
    ws = wb.add_worksheet("合同公告")
    header = ["序号", "合同编号", "合同名称", "项目编号", "项目名称", "采购人（甲方）", "供应商（乙方）", "供应商地址",
              "主要标的名称", "合同金额（万元）", "采购方式", "合同签订日期", "合同公告日期"]
    for j, h in enumerate(header):
        ws.write_string(0, j, h)
    lag = rng.integers(1, 3, len(c))  # notices within two working days of signing
    for i, row in enumerate(c.itertuples(index=False)):
        r = i + 1
        sign = pd.Timestamp(row.sign_date)
        cells = [str(r), row.contract_no, row.contract_name, row.project_code, row.contract_name, ctx.unit,
                 row.vendor, addr.get(row.vendor), _subject(row.contract_name), None, row.procurement_method,
                 f"{sign:%Y年%m月%d日}", f"{sign + pd.Timedelta(days=int(lag[i])):%Y年%m月%d日}"]
        for j, v in enumerate(cells):
            if not _isna(v):
                ws.write_string(r, j, str(v))
        ws.write_number(r, 9, round(float(row.amount) / 10000, 6), wan)
    aw = wb.add_worksheet("中标（成交）结果")
    aheader = ["项目编号", "项目名称", "采购方式", "包号", "供应商名称", "供应商地址", "中标（成交）金额", "评审总得分",
               "公告日期"]
    for j, h in enumerate(aheader):
        aw.write_string(0, j, h)
    by_proj = c.drop_duplicates("project_code").set_index("project_code")
    score = np.round(rng.uniform(80, 96, len(wins)), 2)
    for i, row in enumerate(wins.itertuples(index=False)):
        r = i + 1
        k = by_proj.loc[row.project_code] if row.project_code in by_proj.index else None
        notice = "" if k is None else f"{pd.Timestamp(k['sign_date']) - pd.Timedelta(days=10):%Y年%m月%d日}"
        cells = [row.project_code, "" if k is None else k["contract_name"],
                 "" if k is None else k["procurement_method"], "1", row.bidder, row.address,
                 _award_amount(float(row.bid_amount)), f"{score[i]:g}", notice]
        for j, v in enumerate(cells):
            if not _isna(v) and v != "":
                aw.write_string(r, j, str(v))
    wb.close()
    return [_manifest(f"{rel_prefix}{name}", "合同公告", "contracts", "xlsx", 1, len(c), "ccgp_contracts", "wan_yuan", "cn"),
            _manifest(f"{rel_prefix}{name}", "中标（成交）结果", "bids", "xlsx", 1, len(wins), "ccgp_awards", "cell_unit", "cn")]


def _subject(contract_name: str) -> str:
    """主要标的名称: the object of the contract (its name without the year and place)."""
    s = re.sub(r"^\d{4}年", "", str(contract_name))
    s = re.sub(r"^[^\d]{2,4}片区", "", s)
    return re.sub(r"(项目|合同)$", "", s) or str(contract_name)


def _award_amount(x: float) -> str:
    """中标（成交）金额 as the result notices write it: whole hundreds of yuan in 万元
    (74.15万元), other amounts in yuan (672,639.00元)."""
    cents = round(x * 100)
    if cents % 10000 == 0:
        return f"{cents / 1_000_000:.4f}".rstrip("0").rstrip(".") + "万元"
    return f"{x:,.2f}元"
