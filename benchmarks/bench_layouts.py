"""Load-rate benchmark through real export layouts (issue 11).

Writes N ledger lines as

* a 用友 U8 序时账 .xlsx: title rows, 日期 ``2024.01.05``, 凭证号数 ``记-0001`` restarting every
  month, 方向 借/贷 + one 金额 column, 辅助项, a 合计 row (layout ``u8_journal``);
* a 金蝶 KIS 凭证引出 GBK CSV: 凭证字 + 凭证号 restarting every month, 分录序号, amounts written
  ``657,971.04`` (layout ``kis_voucher``);

loads each with ``xuncha_audit.ingest.load_folder`` and prints seconds and rows/s, the layout
used and the row accounting. It also times layout recognition on its own: recognition looks at
the first 40 rows of a sheet (``Sheet.head``) only, so its time does not grow with the file.

    .venv/bin/python benchmarks/bench_layouts.py                    # 1M lines each
    .venv/bin/python benchmarks/bench_layouts.py --lines 200000
    .venv/bin/python benchmarks/bench_layouts.py --lines 200000 --only kis
"""

from __future__ import annotations

import argparse
import codecs
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

SUMMARIES = ["购买办公用品", "报销差旅费", "支付物业费", "公务接待", "发放工资", "采购电脑", "车辆加油", "会议费"]
ACCOUNTS = [("500101", "业务活动费用-办公费"), ("500102", "业务活动费用-差旅费"),
            ("500103", "业务活动费用-物业管理费"), ("500104", "业务活动费用-会议费")]
CREDIT = [("1011", "零余额账户用款额度"), ("1002", "银行存款")]
VENDORS = ["长沙甲科技有限公司", "（湖南）乙商贸有限责任公司", "丙建设集团股份有限公司", "丁酒店管理有限公司"]

# two lines per voucher; ~4,000 vouchers a month, numbered from 1 every month
GEN_SQL = """
SELECT i,
       make_date(CAST(2023 + i // 2 // 4000 // 12 AS INTEGER), CAST(i // 2 // 4000 % 12 + 1 AS INTEGER),
                 CAST(1 + (i // 2 % 4000) // 150 AS INTEGER)) AS d,
       i // 2 // 4000 AS m, i // 2 % 4000 + 1 AS no, i % 2 AS side,
       (hash(i // 2) % 5000000) / 100.0 + 1 AS amount
FROM range($n) t(i)
"""


def write_u8_xlsx(path: Path, n: int) -> float:
    import xlsxwriter

    t = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(GEN_SQL, {"n": n}).fetchall()
    con.close()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("序时账")
    ws.write_string(0, 0, "序时账")
    ws.write_string(1, 0, "核算单位：某市某局")
    header = ["日期", "凭证号数", "科目编码", "科目名称", "摘要", "方向", "数量", "外币", "金额", "辅助项"]
    for j, h in enumerate(header):
        ws.write_string(2, j, h)
    total = 0
    r = 3
    for i, d, _m, no, side, amount in rows:
        code, name = ACCOUNTS[i // 2 % 4] if side == 0 else CREDIT[i // 2 % 2]
        ws.write_string(r, 0, d.strftime("%Y.%m.%d"))
        ws.write_string(r, 1, f"记-{no:04d}")
        ws.write_string(r, 2, code)
        ws.write_string(r, 3, name)
        ws.write_string(r, 4, SUMMARIES[i // 2 % 8])
        ws.write_string(r, 5, "借" if side == 0 else "贷")
        ws.write_number(r, 8, amount)
        if side == 0:
            ws.write_string(r, 9, f"部门:办公室;往来单位:{VENDORS[i // 2 % 4]}")
            total += round(amount * 100)
        r += 1
    ws.write_string(r, 0, "合计")
    ws.write_number(r, 8, total / 100)
    wb.close()
    return time.perf_counter() - t


def write_kis_csv(path: Path, n: int) -> float:
    t = time.perf_counter()
    utf8 = path.with_suffix(".utf8.csv")
    con = duckdb.connect()
    con.execute(
        f"""COPY (
            SELECT strftime(d, '%Y-%m-%d') AS "日期", '记' AS "凭证字", CAST(no AS VARCHAR) AS "凭证号",
                   '1' AS "附件数", CAST(side + 1 AS VARCHAR) AS "分录序号",
                   {sql_list(SUMMARIES)}[1 + i // 2 % 8] AS "摘要",
                   CASE WHEN side = 0 THEN {sql_list([a[0] for a in ACCOUNTS])}[1 + i // 2 % 4]
                        ELSE {sql_list([c[0] for c in CREDIT])}[1 + i // 2 % 2] END AS "科目代码",
                   CASE WHEN side = 0 THEN {sql_list([a[1] for a in ACCOUNTS])}[1 + i // 2 % 4]
                        ELSE {sql_list([c[1] for c in CREDIT])}[1 + i // 2 % 2] END AS "科目名称",
                   CASE WHEN side = 0 THEN format('{{:,.2f}}', amount) ELSE '' END AS "借方金额",
                   CASE WHEN side = 1 THEN format('{{:,.2f}}', amount) ELSE '' END AS "贷方金额",
                   '' AS "客户",
                   CASE WHEN side = 0 THEN {sql_list(VENDORS)}[1 + i // 2 % 4] ELSE '' END AS "供应商",
                   '' AS "职员", '' AS "项目", '办公室' AS "部门", '' AS "存货",
                   format('{{:,.2f}}', amount) AS "原币金额", 'RMB' AS "币别", '1' AS "汇率"
            FROM ({GEN_SQL})
        ) TO '{utf8}' (HEADER, DELIMITER ',')""",
        {"n": n},
    )
    con.close()
    enc = codecs.getincrementalencoder("gbk")()
    with utf8.open("r", encoding="utf-8") as fin, path.open("wb") as fout:
        while chunk := fin.read(4 << 20):
            fout.write(enc.encode(chunk))
    utf8.unlink()
    return time.perf_counter() - t


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def time_recognition(folder: Path) -> tuple[float, str]:
    """Recognition alone, on the first rows of the (already read) sheet."""
    from xuncha_audit.ingest.layouts import load_layouts, recognise
    from xuncha_audit.ingest.sources import read_source

    path = next(p for p in folder.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        sheets = read_source(path, Path(tmp))
        layouts = load_layouts()
        t = time.perf_counter()
        for _ in range(100):
            rec = recognise(layouts, path.name, sheets[0].name, sheets[0].head)
        return (time.perf_counter() - t) / 100, rec.layout.name if rec else "-"


def bench(kind: str, n: int, work: Path) -> None:
    from xuncha_audit.ingest.loader import load_folder

    folder = work / kind
    folder.mkdir()
    path = folder / ("序时账.xlsx" if kind == "u8" else "凭证引出.csv")
    wrote = write_u8_xlsx(path, n) if kind == "u8" else write_kis_csv(path, n)
    size = path.stat().st_size / 1e6
    rec_s, rec_name = time_recognition(folder)
    db = work / f"{kind}.duckdb"
    t = time.perf_counter()
    report = load_folder(folder, db, unit="某市某局")
    secs = time.perf_counter() - t
    (e,) = report.entries
    con = duckdb.connect(str(db), read_only=True)
    vouchers = con.execute("SELECT count(DISTINCT voucher_id) FROM ledger").fetchone()[0]
    issues = con.execute("SELECT count(*) FROM _load_issues").fetchone()[0]
    con.close()
    print(f"{kind:4s} {n:>9,} lines  file {size:7.1f} MB (written in {wrote:6.1f} s)  "
          f"load {secs:7.1f} s = {n / secs:>9,.0f} lines/s  layout {e.layout}  "
          f"read {e.rows_read:,} loaded {e.rows_loaded:,} quarantined {e.rows_quarantined:,} "
          f"summary {e.rows_summary:,}  vouchers {vouchers:,}  load issues {issues}  "
          f"recognition {rec_s * 1000:.2f} ms ({rec_name}, on the first 40 rows)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["u8", "kis"], default=None)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_layouts_"))
    try:
        print(f"bench_layouts {time.strftime('%Y-%m-%d %H:%M')} — {a.lines:,} ledger lines per layout")
        for kind in ([a.only] if a.only else ["kis", "u8"]):
            bench(kind, a.lines, work)
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
