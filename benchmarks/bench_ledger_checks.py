"""Benchmark the ledger checks (L01-L08) on 10M generated ledger lines.

Generates the ledger directly in DuckDB SQL (range() + hash, deterministic): two-line vouchers
(an expense or receivable debit and a bank/cash credit) spread over several units and two
years, with realistic summaries (a few sensitive, vague, hospitality ones), accounts,
counterparties (a few unions, associations), persons, some rest-day dates, Benford-
like amounts with 2% round ones, some repeated payments, plus a payments table linking
installments and a staff table. Derived columns (_key, counterparty_norm) are filled in the
same statement. Then runs every L check through the engine and prints seconds, rows and
findings per check and the peak RSS.

    .venv/bin/python benchmarks/bench_ledger_checks.py [--lines 10000000] [--units 20] [--db path]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings

import duckdb

from xuncha_audit import standards
from xuncha_audit.contract import create_tables
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check

# (summary, debit account code, debit account name); the credit side is bank or cash
SUMMARIES = [
    ("购办公用品", "500101", "业务活动费用-办公费"), ("付打印纸款", "500101", "业务活动费用-办公费"),
    ("付年度工作会议费", "500102", "业务活动费用-会议费"), ("会议用餐", "500102", "业务活动费用-会议费"),
    ("付宣传册印刷费", "500103", "业务活动费用-印刷费"), ("付劳务费", "500104", "业务活动费用-劳务费"),
    ("报销差旅费", "500105", "业务活动费用-差旅费"), ("赴烟台出差酒店住宿费", "500105", "业务活动费用-差旅费"),
    ("付培训费", "500106", "业务活动费用-培训费"), ("付物业管理费", "500107", "业务活动费用-物业管理费"),
    ("付车辆维修费", "500108", "业务活动费用-维修费"), ("付邮电费", "500109", "业务活动费用-邮电费"),
    ("付咨询费", "500110", "业务活动费用-咨询费"), ("付工程款", "2302", "应付账款"),
    ("付设备款", "2302", "应付账款"), ("公务接待工作餐", "500111", "业务活动费用-公务接待费"),
    ("购酒精消毒用品", "500101", "业务活动费用-办公费"), ("付专用材料费", "500112", "业务活动费用-专用材料费"),
    ("拨付工会经费", "500113", "业务活动费用-工会经费"), ("付委托业务费", "500114", "业务活动费用-委托业务费"),
    # rarer red flags (picked with low weight below)
    ("购中秋月饼", "500101", "业务活动费用-办公费"), ("接待检查组晚餐", "500102", "业务活动费用-会议费"),
    ("付往来款", "1218", "其他应收款"), ("提取现金", "1001", "库存现金"), ("购茅台酒", "500111", "业务活动费用-公务接待费"),
]
N_COMMON = 20


def generate(con, lines: int, units: int) -> None:
    vouchers = lines // 2
    per_unit = vouchers // units
    con.execute(
        """CREATE OR REPLACE TABLE _units AS
           SELECT '单位' || lpad(CAST(u AS VARCHAR), 3, '0') AS unit, '市级' AS level, '湖南' AS region,
                  '长沙' AS city
           FROM range($n) t(u)""",
        {"n": units},
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _summ (i INTEGER, summary VARCHAR, code VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO _summ VALUES (?, ?, ?, ?)", [(i, *s) for i, s in enumerate(SUMMARIES)])
    con.execute(
        """
        INSERT INTO staff (unit, person_id, name, department, _key)
        SELECT u.unit, 'S' || s, '职工' || s, '科室' || (s % 10), 'S' || s
        FROM _units u, range(100) t(s)
        """
    )
    # dates: working days of 2023-2024 by the official calendar; 1 voucher in 300 on any day
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _days AS
        SELECT row_number() OVER (ORDER BY date) - 1 AS i, date FROM std_calendar
        WHERE date BETWEEN DATE '2023-01-01' AND DATE '2024-12-31' AND NOT is_rest_day
        """
    )
    n_days = con.execute("SELECT count(*) FROM _days").fetchone()[0]
    # vouchers: v within unit; h = a per-voucher hash driving every random choice
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _v AS
        SELECT x.unit, x.v, x.h,
               CASE WHEN x.h % 300 = 7 THEN DATE '2023-01-01' + CAST(x.h % 730 AS INTEGER)
                    ELSE dd.date END AS d
        FROM (SELECT u.unit, v, hash(u.unit || '|' || v) AS h,
                     CAST(hash(u.unit || '|' || v || '|d') % $n_days AS BIGINT) AS di
              FROM _units u, range($per_unit) t(v)) x
        JOIN _days dd ON dd.i = x.di
        """,
        {"per_unit": per_unit, "n_days": n_days},
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _vx AS
        SELECT v.*,
               -- 1 in 500 vouchers carries a red-flag summary, else a common one
               CASE WHEN h % 500 = 0 THEN $n_common + CAST((h // 500) % ($n_all - $n_common) AS INTEGER)
                    ELSE CAST(h % $n_common AS INTEGER) END AS si,
               -- Benford-like amounts (log-uniform 10 .. 1,000,000); 2% round thousands; 1 in 2000 repeated
               -- (one hash of a distinct string per attribute: hash(a, b, 'x') values with different 'x' are correlated)
               CASE WHEN hash(unit || '|' || v || '|r') % 50 = 0 THEN 1000 * (1 + hash(unit || '|' || v || '|k') % 200)
                    ELSE round(pow(10, 1 + 5 * (hash(unit || '|' || v || '|a') % 1000000) / 1000000.0), 2) END AS amt,
               CASE WHEN hash(unit || '|' || v || '|c') % 400 = 0 THEN '机关工会委员会'
                    WHEN hash(unit || '|' || v || '|c') % 997 = 1 THEN '建筑业协会'
                    ELSE '长沙供应商' || (hash(unit || '|' || v || '|p') % 300) || '号有限公司' END AS cp,
               '职工' || (hash(unit || '|' || v || '|m') % 100) AS person
        FROM _v v
        """,
        {"n_common": N_COMMON, "n_all": len(SUMMARIES)},
    )
    # repeated payments: every 2000th voucher copies the amount and vendor of the previous one
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _vy AS
        SELECT unit, v, d, si, person,
               CASE WHEN v % 2000 = 1 THEN lag(amt) OVER w ELSE amt END AS amt,
               CASE WHEN v % 2000 = 1 THEN lag(cp) OVER w ELSE cp END AS cp
        FROM _vx
        WINDOW w AS (PARTITION BY unit ORDER BY v)
        """
    )
    con.execute(
        """
        INSERT INTO ledger (unit, voucher_no, line_no, voucher_date, summary, account_code, account_name,
                            debit, credit, counterparty, counterparty_norm, person, preparer, _key)
        SELECT y.unit, 'V' || y.v, x.line_no, y.d, s.summary,
               CASE WHEN x.line_no = 1 THEN s.code ELSE '1002' END,
               CASE WHEN x.line_no = 1 THEN s.name ELSE '银行存款' END,
               CASE WHEN x.line_no = 1 THEN CAST(y.amt AS DECIMAL(18,2)) END,
               CASE WHEN x.line_no = 2 THEN CAST(y.amt AS DECIMAL(18,2)) END,
               CASE WHEN x.line_no = 1 THEN y.cp END,
               CASE WHEN x.line_no = 1 THEN replace(y.cp, '有限公司', '') END,
               y.person, '会计' || (y.v % 3),
               'V' || y.v || '|' || x.line_no
        FROM _vy y
        JOIN _summ s ON s.i = y.si
        CROSS JOIN (SELECT 1 AS line_no UNION ALL SELECT 2) x
        """
    )
    # payments: installments of contracts linked to every 1000th voucher pair
    con.execute(
        """
        INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, voucher_no, _key)
        SELECT unit, 'FK' || v, 'HT' || (v // 2000), d, CAST(amt AS DECIMAL(18,2)), 'V' || v, 'FK' || v
        FROM _vy WHERE v % 1000 IN (0, 1)
        """
    )
    for t in ("_v", "_vx", "_vy", "_summ", "_days"):
        con.execute(f"DROP TABLE {t}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--db", default=None, help="DuckDB file (default: a temporary file)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="bench_ledger_"), "bench.duckdb")
    con = duckdb.connect(db)
    t0 = time.perf_counter()
    create_tables(con)
    standards.install(con)
    generate(con, args.lines, args.units)
    ensure_output_tables(con)
    n = con.execute("SELECT count(*) FROM ledger").fetchone()[0]
    print(f"generated {n:,} ledger lines in {args.units} units in {time.perf_counter() - t0:.1f} s ({db})")
    # wall seconds depend on what else runs on the machine; CPU seconds (all DuckDB threads) less so
    print(f"{'check':<6} {'wall s':>8} {'CPU s':>8} {'rows':>10} {'findings':>9}  peak RSS MB")
    total = cpu_total = 0.0
    for spec in default_registry().select(["ledger"]):
        params = resolve_params(con, spec)
        c0 = time.process_time()
        cr = run_check(con, spec, params, run_id="bench")
        cpu = time.process_time() - c0
        total += cr.seconds
        cpu_total += cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{spec.code:<6} {cr.seconds:8.2f} {cpu:8.2f} {cr.rows:10,} {cr.findings:9,}  {rss:10.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all L checks: {total:.1f} s wall, {cpu_total:.1f} s CPU; peak RSS {rss:.0f} MB")
    con.close()


if __name__ == "__main__":
    main()
