"""Benchmark the procurement checks (P01-P08) at 1M contracts-and-payments rows.

Generates the canonical tables directly in DuckDB SQL (range() + hash, deterministic), with
derived columns (_key, *_norm) filled in the same statement, installs the standards, then runs
every procurement check through the engine and prints seconds, rows and findings per check and
the peak RSS.

    .venv/bin/python benchmarks/bench_procurement_checks.py [--rows 1000000] [--units 200] [--db path]
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import duckdb

from xuncha_audit import standards
from xuncha_audit.contract import create_tables
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check

METHODS = ["公开招标", "询价", "竞争性谈判", "竞争性磋商", "直接采购", "自行采购", "单一来源", "框架协议", "邀请招标"]
OBJECTS = ["办公电脑", "复印机", "档案密集架", "执法记录仪", "物业管理服务", "信息系统运维服务", "法律顾问服务",
           "办公楼维修工程", "道路改造工程", "绿化养护", "保洁服务", "安保服务", "课题研究", "宣传品印制",
           "网络设备", "空调设备", "办公家具", "应急物资", "检测仪器", "数据治理服务"]


def generate(con, rows: int, units: int) -> dict[str, int]:
    """Contracts (40%) and payments (60%) = rows; bids, vendors, staff, relations alongside."""
    n_contracts = int(rows * 0.4)
    per_unit = max(1, n_contracts // units)
    vendors_per_unit = max(20, per_unit // 7)
    staff_per_unit = 100
    con.execute(
        """CREATE TABLE _units AS
           SELECT '单位' || lpad(CAST(u AS VARCHAR), 4, '0') AS unit,
                  ['市级', '县级', '省级', '市级'][1 + u % 4] AS level, '湖南' AS region, '长沙' AS city
           FROM range($n) t(u)""",
        {"n": units},
    )
    # vendors: 1 in 40 registered recently, 1 in 500 with a staff member's phone
    con.execute(
        """
        INSERT INTO vendors (unit, vendor, vendor_norm, vendor_id, legal_rep, shareholders, phone,
                             address, bank_account, registered_date, _key)
        SELECT u.unit, '长沙供应商' || v || '号有限公司', '长沙供应商' || v || '号',
               '9143' || lpad(CAST(hash(u.unit, v) % 100000000000000 AS VARCHAR), 14, '0'),
               '法人' || v, '法人' || v || '、股东' || v,
               CASE WHEN v % 500 = 7 THEN '139' || lpad(CAST(v % $ns AS VARCHAR), 8, '0')
                    ELSE '137' || lpad(CAST(hash(u.unit, v, 'p') % 100000000 AS VARCHAR), 8, '0') END,
               '长沙市某路' || v || '号', '6217' || lpad(CAST(hash(u.unit, v, 'b') % 1000000000000 AS VARCHAR), 12, '0'),
               CASE WHEN v % 40 = 3 THEN DATE '2023-06-01' ELSE DATE '2015-01-01' + CAST(v % 1500 AS INTEGER) END,
               '9143' || lpad(CAST(hash(u.unit, v) % 100000000000000 AS VARCHAR), 14, '0')
        FROM _units u, range($nv) t(v)
        """,
        {"nv": vendors_per_unit, "ns": staff_per_unit},
    )
    con.execute(
        """
        INSERT INTO staff (unit, person_id, name, department, phone, bank_account, _key)
        SELECT u.unit, 'S' || s, '职工' || s, '科室' || (s % 10),
               '139' || lpad(CAST(s AS VARCHAR), 8, '0'), '6228' || lpad(CAST(s AS VARCHAR), 12, '0'), 'S' || s
        FROM _units u, range($ns) t(s)
        """,
        {"ns": staff_per_unit},
    )
    con.execute(
        """
        INSERT INTO relations (unit, person_id, name, relative_name, relation, relative_employer,
                               relative_employer_norm, _key)
        SELECT u.unit, 'S' || s, '职工' || s,
               CASE WHEN r = 0 AND s % 25 = 0 THEN '法人' || (s * 3) ELSE '亲属' || s || '_' || r END,
               ['配偶', '父亲', '子女'][1 + r], '某单位', '某单位',
               'S' || s || '|' || CASE WHEN r = 0 AND s % 25 = 0 THEN '法人' || (s * 3) ELSE '亲属' || s || '_' || r END
        FROM _units u, range($ns) t(s), range(2) q(r)
        """,
        {"ns": staff_per_unit},
    )
    con.execute(
        """
        INSERT INTO contracts (unit, contract_no, contract_name, vendor, vendor_norm, vendor_id, amount,
                               sign_date, procurement_method, category, department, project_code, _key)
        SELECT unit, no, name, '长沙供应商' || v || '号有限公司', '长沙供应商' || v || '号',
               CASE WHEN h % 7 = 0 THEN NULL
                    ELSE '9143' || lpad(CAST(hash(unit, v) % 100000000000000 AS VARCHAR), 14, '0') END,
               amount, sign_date, method, category, '科室' || (h % 10),
               CASE WHEN method IN ('公开招标', '邀请招标') THEN 'ZB-' || no END, no
        FROM (
            SELECT u.unit, 'HT' || lpad(CAST(c AS VARCHAR), 7, '0') AS no, hash(u.unit, c) AS h,
                   (hash(u.unit, c, 'v') % $nv) AS v,
                   ($o)[1 + CAST(hash(u.unit, c, 'o') % 20 AS INTEGER)] || '（第' || (c % 5 + 1) || '批）' AS name,
                   CAST(round(exp(9.5 + (hash(u.unit, c, 'a') % 10000) / 10000.0 * 5.5), 2) AS DECIMAL(18, 2)) AS amount,
                   DATE '2023-01-01' + CAST(hash(u.unit, c, 'd') % 730 AS INTEGER) AS sign_date,
                   ($m)[1 + CAST(hash(u.unit, c, 'm') % 9 AS INTEGER)] AS method,
                   ['货物', '服务', '工程'][1 + CAST(hash(u.unit, c, 'c') % 3 AS INTEGER)] AS category
            FROM _units u, range($pu) t(c)
        )
        """,
        {"pu": per_unit, "nv": vendors_per_unit, "o": OBJECTS, "m": METHODS},
    )
    con.execute(
        """
        INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, _key)
        SELECT c.unit, c.contract_no || '-' || k, c.contract_no,
               c.sign_date + CAST(hash(c.unit, c.contract_no, k) % 200 AS INTEGER) - CASE WHEN hash(c.contract_no, k) % 300 = 0 THEN 30 ELSE 0 END,
               CAST(c.amount * CASE WHEN hash(c.unit, c.contract_no) % 250 = 0 THEN 0.6 ELSE 0.5 END AS DECIMAL(18, 2)),
               c.contract_no || '-' || k
        FROM contracts c, range(2) t(k)
        WHERE k = 0 OR hash(c.unit, c.contract_no, 'two') % 2 = 0
        """
    )
    con.execute(
        """
        INSERT INTO bids (unit, project_code, bidder, bidder_norm, bidder_id, bid_amount, is_winner,
                          contact_person, contact_phone, address, bank_account, bid_ip, doc_fingerprint, _key)
        SELECT c.unit, c.project_code, vname, vnorm, NULL,
               CAST(c.amount * (1 + k * 0.04 + (hash(c.contract_no, k) % 100) / 10000.0) AS DECIMAL(18, 2)),
               k = 0, '联系人' || vv,
               CASE WHEN hash(c.project_code) % 50 = 0 AND k IN (1, 2)  -- 1 project in 50: shared phone
                    THEN '135' || lpad(CAST(hash(c.project_code) % 100000000 AS VARCHAR), 8, '0')
                    ELSE '136' || lpad(CAST(hash(c.unit, vv) % 100000000 AS VARCHAR), 8, '0') END,
               '地址' || vv, '6200' || vv, '10.' || (hash(c.unit, vv) % 250) || '.1.' || (vv % 250),
               'FP' || hash(c.unit, vv) % 1000000, c.project_code || '|' || vname
        FROM (
            SELECT c.*, k,
                   CASE WHEN k = 0 THEN CAST(regexp_extract(c.vendor_norm, '([0-9]+)', 1) AS BIGINT)
                        ELSE (hash(c.contract_no, k, 'b') % $nv) END AS vv
            FROM contracts c, range(1 + CAST(hash(c.contract_no, 'n') % 5 AS INTEGER) + 2) t(k)
            WHERE c.project_code IS NOT NULL
        ) c, LATERAL (SELECT '长沙供应商' || c.vv || '号有限公司' AS vname, '长沙供应商' || c.vv || '号' AS vnorm)
        QUALIFY row_number() OVER (PARTITION BY c.unit, c.project_code, vname ORDER BY k) = 1
        """,
        {"nv": vendors_per_unit},
    )
    counts = {}
    for t in ("contracts", "payments", "bids", "vendors", "staff", "relations"):
        counts[t] = con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    return counts


def _cpu() -> float:
    """CPU seconds of this process (all threads): on a shared machine wall time overstates the cost."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="contracts + payments rows")
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    con = duckdb.connect(args.db)
    con.execute(f"SET threads = {int(args.threads)}")
    create_tables(con)
    t0 = time.perf_counter()
    counts = generate(con, args.rows, args.units)
    print(f"generated in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{k}={v:,}" for k, v in counts.items())
          + f" (contracts+payments={counts['contracts'] + counts['payments']:,}, units={args.units})")
    standards.install(con)
    ensure_output_tables(con)
    total = total_cpu = 0.0
    print(f"{'check':<6}{'seconds':>10}{'cpu_s':>10}{'rows':>12}{'findings':>10}")
    for spec in default_registry().select(["procurement"]):
        params = resolve_params(con, spec)
        t, c0 = time.perf_counter(), _cpu()
        cr = run_check(con, spec, params, run_id="bench")
        dt, dc = time.perf_counter() - t, _cpu() - c0
        total += dt
        total_cpu += dc
        print(f"{spec.code:<6}{dt:>10.2f}{dc:>10.2f}{cr.rows:>12,}{cr.findings:>10,}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total {total:.2f} s wall, {total_cpu:.2f} s CPU (user+sys, all threads); peak RSS {rss_mb:,.0f} MB")


if __name__ == "__main__":
    main()
