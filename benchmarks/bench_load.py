"""Load-rate benchmark: ledger lines from a GBK CSV and from an .xlsx.

Generates (vectorised, in DuckDB) N ledger lines with Chinese headers and realistic value
formats (``1,234.56`` amounts, ``2024/3/5`` dates, company names), writes them as a GBK
CSV (and optionally an .xlsx), loads each with ``xuncha_audit.ingest.load_folder`` and prints
rows/s beside DuckDB's own ``read_csv`` rate on the same data in UTF-8 (the floor: reading
without transcoding, parsing, quarantine or derivation).

    .venv/bin/python benchmarks/bench_load.py                       # 1M and 5M CSV, 1M xlsx
    .venv/bin/python benchmarks/bench_load.py --csv 1000000 --xlsx 0
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

HEADER = ["凭证日期", "凭证号", "摘要", "科目编码", "科目名称", "借方金额", "贷方金额",
          "往来单位", "部门", "经办人", "制单人"]

GEN_SQL = """
SELECT
    -- working days only (Monday to Friday from Monday 2023-01-02), as bookkeepers post; the
    -- public holidays that fall on weekdays remain, a few rest-day vouchers a year as in life.
    -- 4,000 lines a day over 1,000 working days (to 2026-10), then the same days again: a
    -- 50M-line ledger must not run decades past the inspection period (the loader rightly
    -- quarantines dates more than 10 years after it: 37.5M of 50M lines before this cycle)
    strftime(DATE '2023-01-02' + CAST((i // 4000) % 1000 // 5 * 7 + (i // 4000) % 1000 % 5 AS INTEGER),
             '%Y/%-m/%-d') AS "凭证日期",
    '记-' || CAST(i // 4 AS VARCHAR) AS "凭证号",
    ['购买办公用品', '报销差旅费', '支付物业费', '公务接待', '发放工资', '采购电脑', '车辆加油',
     '会议费'][1 + i % 8] AS "摘要",
    ['5001', '5002', '1002', '2202'][1 + (i // 2) % 4] AS "科目编码",
    ['办公费', '差旅费', '银行存款', '应付账款'][1 + (i // 2) % 4] AS "科目名称",
    CASE WHEN i % 2 = 0 THEN format('{:,.2f}', (hash(i) % 5000000) / 100.0) ELSE '' END AS "借方金额",
    CASE WHEN i % 2 = 1 THEN format('{:,.2f}', (hash(i - 1) % 5000000) / 100.0) ELSE '' END AS "贷方金额",
    ['长沙甲科技有限公司', '（湖南）乙商贸有限责任公司', '丙建设集团股份有限公司', '',
     '丁酒店管理有限公司'][1 + i % 5] AS "往来单位",
    ['办公室', '财务科', '综合科', '后勤中心'][1 + i % 4] AS "部门",
    ['张三', '李 四', '王五', '赵六', '钱七'][1 + i % 5] AS "经办人",
    ['会计甲', '会计乙'][1 + i % 2] AS "制单人"
FROM range($n) AS r(i)
"""


def generate_csv(n: int, dest_dir: Path) -> tuple[Path, Path]:
    """Write ``n`` lines as UTF-8 (reference) and GBK (``序时账.csv``); returns both paths."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    utf8 = dest_dir.parent / f"ledger_{n}_utf8.csv"
    con = duckdb.connect()
    con.execute(f"COPY ({GEN_SQL}) TO '{utf8}' (HEADER, DELIMITER ',')", {"n": n})
    con.close()
    gbk = dest_dir / "序时账.csv"
    with utf8.open(encoding="utf-8", newline="") as fin, gbk.open("w", encoding="gbk", newline="") as fout:
        while chunk := fin.read(8 << 20):
            fout.write(chunk)
    return utf8, gbk


def generate_xlsx(n: int, dest_dir: Path) -> Path:
    """Write ``n`` lines to ``序时账.xlsx`` (xlsxwriter, constant memory)."""
    import xlsxwriter

    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / "序时账.xlsx"
    con = duckdb.connect()
    reader = con.sql(GEN_SQL, params={"n": n}).to_arrow_reader(100_000)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("序时账")
    ws.write_row(0, 0, HEADER)
    r = 1
    for batch in reader:
        cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*cols, strict=True):
            ws.write_row(r, 0, row)
            r += 1
    wb.close()
    con.close()
    return path


def duckdb_rate(utf8: Path, n: int) -> float:
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{utf8}', all_varchar = true)")
    dt = time.perf_counter() - t
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == n
    con.close()
    return n / dt


def load_rate(data_dir: Path, db: Path, n: int) -> tuple[float, float]:
    from xuncha_audit.ingest.loader import load_folder

    if db.exists():
        db.unlink()
    t = time.perf_counter()
    report = load_folder(data_dir, db, unit="基准单位")
    dt = time.perf_counter() - t
    assert report.rows_loaded == n, (report.rows_loaded, report.rows_quarantined, report.entries)
    return n / dt, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=int, nargs="*", default=[1_000_000, 5_000_000])
    ap.add_argument("--xlsx", type=int, default=1_000_000, help="0 = skip")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="xuncha_bench_"))
    print(f"工作目录 workdir: {work}")
    print(f"{'数据':<22}{'行数':>12}{'生成(s)':>10}{'导入(s)':>10}{'导入 行/秒':>14}{'DuckDB read_csv 行/秒':>24}")
    try:
        for n in args.csv:
            d = work / f"csv_{n}"
            t = time.perf_counter()
            utf8, gbk = generate_csv(n, d)
            gen = time.perf_counter() - t
            rate, secs = load_rate(d, work / f"csv_{n}.duckdb", n)
            ref = duckdb_rate(utf8, n)
            mb = gbk.stat().st_size / 1e6
            print(f"{'GBK CSV (' + f'{mb:.0f} MB)':<22}{n:>12,}{gen:>10.1f}{secs:>10.1f}{rate:>14,.0f}{ref:>24,.0f}")
        if args.xlsx:
            n = args.xlsx
            d = work / f"xlsx_{n}"
            t = time.perf_counter()
            x = generate_xlsx(n, d)
            gen = time.perf_counter() - t
            rate, secs = load_rate(d, work / f"xlsx_{n}.duckdb", n)
            mb = x.stat().st_size / 1e6
            print(f"{'xlsx (' + f'{mb:.0f} MB)':<22}{n:>12,}{gen:>10.1f}{secs:>10.1f}{rate:>14,.0f}{'-':>24}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
