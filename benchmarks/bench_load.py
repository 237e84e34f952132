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


# A ledger as wide as a real bureau's, for the one-large-ledger benchmark (GEN_SQL above has 4
# accounts, 5 people, 4 counterparties and 8 summaries: every grouping of a check is a handful
# of huge groups and every text column compresses to a tiny dictionary, which no real ledger
# does). Here: 30 expense and asset accounts of the government chart (政府会计制度 科目 5001
# 业务活动费用 with 经济分类 sub-accounts, 5101, 1601, 1215, 2307) each split by 12 departments
# (360 account codes), 4 credit accounts, 400 people, 3,000 counterparties, summaries written
# from the account, the person or counterparty, the month and a bill number (nearly every one
# different), amounts log-uniform from 20 to 300,000 yuan with one in ten rounded to thousands;
# vouchers of 4 lines (two debits, two credits, balanced), numbered per month as U8 numbers them.
WIDE_EXPENSES = [
    ("500101", "办公费", "购买办公用品"), ("500102", "印刷费", "印制宣传资料"), ("500103", "咨询费", "支付咨询费"),
    ("500105", "水费", "缴纳水费"), ("500106", "电费", "缴纳电费"), ("500107", "邮电费", "支付通讯费"),
    ("500108", "物业管理费", "支付物业费"), ("500109", "差旅费", "报销差旅费"), ("500111", "维修（护）费", "支付维修费"),
    ("500112", "租赁费", "支付租赁费"), ("500113", "会议费", "支付会议费"), ("500114", "培训费", "支付培训费"),
    ("500115", "公务接待费", "公务接待"), ("500117", "专用材料费", "购买专用材料"), ("500126", "劳务费", "支付劳务费"),
    ("500127", "委托业务费", "支付委托业务费"), ("500128", "工会经费", "拨付工会经费"),
    ("500131", "公务用车运行维护费", "车辆加油及维修"), ("500139", "其他交通费用", "报销市内交通费"),
    ("500199", "其他商品和服务支出", "支付其他费用"), ("510101", "基本工资", "发放基本工资"),
    ("510102", "津贴补贴", "发放津贴补贴"), ("510103", "奖金", "发放年终一次性奖金"), ("510107", "绩效工资", "发放绩效工资"),
    ("510108", "机关事业单位基本养老保险缴费", "缴纳养老保险"), ("510113", "住房公积金", "缴纳住房公积金"),
    ("160101", "房屋及构筑物", "房屋修缮"), ("160102", "通用设备", "采购办公设备"), ("1215", "其他应收款", "个人借款"),
    ("2307", "其他应付款", "退还保证金"),
]
# expenses paid to a person (reimbursements, loans, pay): no counterparty, the person named
WIDE_PERSONAL = ("500109", "500115", "500139", "510101", "510102", "510103", "510107", "1215")
WIDE_DEPTS = ["办公室", "财务科", "综合科", "后勤中心", "法规科", "规划科", "执法大队", "信息中心", "人事科",
              "纪检组", "工会", "机关党委"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
          "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "红梅", "国庆", "文斌", "玉兰"]
_CITIES = ["长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "益阳", "郴州", "永州", "怀化", "娄底", "邵阳", "北京",
           "广州", "深圳", "武汉", "南昌", "杭州", "成都", "（湖南）"]
_NAMES = ["华信", "中科", "宏达", "恒通", "金桥", "鑫源", "瑞丰", "天成", "博远", "新世纪", "长城", "东方", "海纳",
          "卓越", "正和", "润泽", "聚力", "同创", "兴业", "永安", "安达", "明德", "启航", "汇智", "众联", "锦程",
          "远大", "嘉禾", "盛世", "佳美"]
_TRADES = ["科技", "商贸", "建设", "物业管理", "酒店管理", "印务", "信息技术", "文化传媒", "汽车服务", "餐饮管理"]
_FORMS = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "经营部"]


def _sql_list(items) -> str:
    return "[" + ", ".join("'" + str(x).replace("'", "''") + "'" for x in items) + "]"


GEN_SQL_WIDE = f"""
WITH l AS (
    SELECT i, i // 4 AS v, i % 4 AS ln, (i // 4000) % 1000 AS d, (i // 4000) // 1000 AS cycle
    FROM range($n) AS r(i)
), h AS (
    -- each choice from its own hash (unsigned: as BIGINT, top bit dropped, it indexes lists)
    SELECT *, CAST(hash(v, 'kind') >> 1 AS BIGINT) AS h_kind, CAST(hash(v, 'second') >> 1 AS BIGINT) AS h_second,
           CAST(hash(v, 'dept') >> 1 AS BIGINT) AS h_dept, CAST(hash(v, 'person') >> 1 AS BIGINT) % 400 AS person_no,
           CAST(hash(v, 'cp') >> 1 AS BIGINT) % 3000 AS cp_no,
           CAST(hash(v, ln % 2, 'amt') >> 1 AS BIGINT) AS h_amt, CAST(hash(v, ln % 2, 'round') >> 1 AS BIGINT) AS h_round,
           CAST(hash(v, ln % 2, 'bill') >> 1 AS BIGINT) AS h_bill, CAST(hash(v, ln, 'credit') >> 1 AS BIGINT) AS h_credit,
           CAST(hash(d) >> 1 AS BIGINT) AS h_day
    FROM l
), k AS (
    SELECT *, DATE '2023-01-02' + CAST(d // 5 * 7 + d % 5 AS INTEGER) AS dt,
           CASE WHEN ln % 2 = 0 THEN 1 + h_kind % {len(WIDE_EXPENSES)}
                ELSE 1 + (h_kind + 1 + h_second % 3) % {len(WIDE_EXPENSES)} END AS e,
           1 + h_dept % {len(WIDE_DEPTS)} AS dept,
           {_sql_list(_SURNAMES)}[1 + person_no % {len(_SURNAMES)}]
             || {_sql_list(_GIVEN)}[1 + person_no // {len(_SURNAMES)}] AS person,
           {_sql_list(_CITIES)}[1 + cp_no % {len(_CITIES)}]
             || {_sql_list(_NAMES)}[1 + cp_no // {len(_CITIES)} % {len(_NAMES)}]
             || {_sql_list(_TRADES)}[1 + (cp_no // 600 + cp_no % 7) % {len(_TRADES)}]
             || {_sql_list(_FORMS)}[1 + cp_no // 600 % {len(_FORMS)}] AS cp,
           exp(ln(20) + (h_amt % 100000) / 100000.0 * (ln(300000) - ln(20))) AS raw_amt
    FROM h
), a AS (
    SELECT *, {_sql_list(x[0] for x in WIDE_EXPENSES)}[e] AS code,
           list_contains({_sql_list(WIDE_PERSONAL)}, {_sql_list(x[0] for x in WIDE_EXPENSES)}[e]) AS personal,
           CASE WHEN h_round % 10 = 0 THEN greatest(1000, round(raw_amt / 1000) * 1000) ELSE round(raw_amt, 2) END AS amt
    FROM k
)
SELECT
    strftime(dt, '%Y/%-m/%-d') AS "凭证日期",
    '记-' || CAST(cycle * 40000 + 1000 * day(dt) + v % 1000 + 1 AS VARCHAR) AS "凭证号",
    {_sql_list(x[2] for x in WIDE_EXPENSES)}[e] || ' ' || CASE WHEN personal THEN person ELSE cp END
      || ' ' || strftime(dt, '%Y年%-m月') || ' 票号' || CAST(h_bill % 100000000 AS VARCHAR) AS "摘要",
    CASE WHEN ln < 2 THEN code || '.' || lpad(CAST(dept AS VARCHAR), 2, '0')
         WHEN personal THEN '1011'
         ELSE ['100201', '1011', '2302', '2307'][1 + h_credit % 4] END AS "科目编码",
    CASE WHEN ln < 2 THEN {_sql_list(x[1] for x in WIDE_EXPENSES)}[e]
         WHEN personal THEN '零余额账户用款额度'
         ELSE ['银行存款—基本户', '零余额账户用款额度', '应付账款', '其他应付款'][1 + h_credit % 4] END AS "科目名称",
    CASE WHEN ln < 2 THEN format('{{:,.2f}}', amt) ELSE '' END AS "借方金额",
    CASE WHEN ln >= 2 THEN format('{{:,.2f}}', amt) ELSE '' END AS "贷方金额",
    CASE WHEN personal THEN '' ELSE cp END AS "往来单位",
    {_sql_list(WIDE_DEPTS)}[dept] AS "部门",
    person AS "经办人",
    ['会计甲', '会计乙', '出纳丙'][1 + h_day % 3] AS "制单人"
FROM a
"""


def generate_csv(n: int, dest_dir: Path, *, wide: bool = False) -> tuple[Path, Path]:
    """Write ``n`` lines as UTF-8 (reference) and GBK (``序时账.csv``); returns both paths.
    ``wide``: the ledger of :data:`GEN_SQL_WIDE` (real-sized charts and counterparties)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    utf8 = dest_dir.parent / f"ledger_{'wide_' if wide else ''}{n}_utf8.csv"
    con = duckdb.connect()
    con.execute(f"COPY ({GEN_SQL_WIDE if wide else GEN_SQL}) TO '{utf8}' (HEADER, DELIMITER ',')", {"n": n})
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
