"""Benchmark V01–V06, O01–O02, H01–H03 on a province-sized data set (issue 5).

Default size: 1,000 units with 50,000 vehicles, 5,000,000 vehicle costs, 1,000,000 trips,
60,000 staff, 30,000 office rooms and 2,000,000 payroll lines, generated in DuckDB SQL
(range + hash), with a few per cent of each kind of violation so the checks have work.
Prints seconds per check, findings, and peak RSS.

    python benchmarks/bench_vehicles_office_payroll.py [--units 1000] [--vehicles 50000]
        [--costs 5000000] [--payroll 2000000] [--threads 2] [--db PATH]
"""

from __future__ import annotations

import argparse
import resource
import time

import duckdb

from xuncha_audit import standards
from xuncha_audit.contract import create_tables
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check


def build(con, units: int, vehicles: int, costs: int, payroll: int) -> None:
    create_tables(con, ["vehicles", "vehicle_quota", "vehicle_costs", "vehicle_trips", "staff", "offices",
                        "payroll"])
    con.execute("CREATE TABLE _units AS SELECT '单位' || i AS unit, '市级' AS level, '湖南' AS region, "
                "'长沙' AS city FROM range($n) t(i)", {"n": units})
    staff_per_unit = 60
    con.execute(
        """
        INSERT INTO staff (unit, person_id, name, id_number, rank, rank_norm, status, leave_date, _key)
        SELECT '单位' || (i % $u), 'E' || i, '员工' || i, '4399' || lpad(CAST(i AS VARCHAR), 14, '0'),
               r, r,
               CASE WHEN i % 50 = 0 THEN '退休' ELSE '在职' END,
               CASE WHEN i % 50 = 0 THEN DATE '2023-06-30' END, 'E' || i
        FROM (SELECT i, ['正处级', '副处级', '正科级', '副科级', '科员及以下'][1 + CAST(i % 5 AS INT)] AS r
              FROM range($n) t(i))
        """,
        {"u": units, "n": units * staff_per_unit},
    )
    con.execute(
        """
        INSERT INTO vehicles (unit, plate_no, category, displacement_l, purchase_price, purchase_date,
                              owner_unit, status, disposal_date, energy, _key)
        SELECT '单位' || (i % $u), '湘A' || lpad(CAST(i AS VARCHAR), 6, '0'),
               CASE WHEN i % 3 = 0 THEN '机要通信用车' ELSE '一般公务用车' END,
               CASE WHEN i % 40 = 0 THEN 2.0 ELSE 1.6 END,
               CASE WHEN i % 40 = 1 THEN 200000 ELSE 110000 END,
               DATE '2018-01-01' + CAST(i % 1500 AS INT),
               CASE WHEN hash(i * 31) % 25 = 0 THEN '下属中心' || (i % $u) END,
               CASE WHEN i % 20 = 0 THEN '已处置' ELSE '在用' END,
               CASE WHEN i % 20 = 0 THEN DATE '2023-01-31' END,
               CASE WHEN i % 30 = 0 THEN '纯电动' ELSE '汽油' END,
               '湘A' || lpad(CAST(i AS VARCHAR), 6, '0')
        FROM range($n) t(i)
        """,
        {"u": units, "n": vehicles},
    )
    con.execute(
        """
        INSERT INTO vehicle_quota (unit, category, quota, _key)
        SELECT unit, category, CAST(count(*) * 0.95 AS BIGINT), category
        FROM vehicles WHERE status = '在用' GROUP BY unit, category
        """
    )
    con.execute(
        """
        INSERT INTO vehicle_costs (unit, cost_no, plate_no, date, cost_type, amount, liters, _key)
        SELECT '单位' || (v % $u), 'C' || i,
               CASE WHEN i % 997 = 0 THEN '湘Z' || lpad(CAST(i % 9999 AS VARCHAR), 5, '0')
                    ELSE '湘A' || lpad(CAST(v AS VARCHAR), 6, '0') END,
               DATE '2023-01-01' + CAST(hash(i) % 730 AS INT),
               ['加油', '加油', '加油', '维修', '保险', '过路过桥', '停车'][1 + CAST(i % 7 AS INT)],
               100 + CAST(hash(i * 7) % 700 AS INT),
               CASE WHEN i % 7 < 3 THEN 20 + CAST(hash(i * 13) % 60 AS INT) END,
               'C' || i
        FROM (SELECT i, i % $nv AS v FROM range($n) t(i))
        """,
        {"u": units, "nv": vehicles, "n": costs},
    )
    con.execute(
        """
        INSERT INTO vehicle_trips (unit, trip_no, plate_no, date, driver, user, _key)
        SELECT '单位' || (v % $u), 'T' || i, '湘A' || lpad(CAST(v AS VARCHAR), 6, '0'),
               DATE '2023-01-01' + CAST(hash(i * 3) % 730 AS INT), '司机' || (i % 100),
               '员工' || (v % $u + $u * CAST(i % 60 AS BIGINT)), 'T' || i
        FROM (SELECT i, i % $nv AS v FROM range($n) t(i))
        """,
        {"u": units, "nv": vehicles, "n": costs // 5},
    )
    con.execute(
        """
        INSERT INTO offices (unit, room_no, area_m2, occupants, use, _key)
        SELECT '单位' || (i % $u), 'R' || i,
               CASE WHEN i % 15 = 0 THEN 40 ELSE 16 END,
               '员工' || (i % $u + $u * CAST((i / $u) % 60 AS BIGINT))
                 || CASE WHEN i % 2 = 0 THEN '、员工' || (i % $u + $u * CAST(((i / $u) + 30) % 60 AS BIGINT)) ELSE '' END,
               CASE WHEN i % 10 = 0 THEN '会议' ELSE '办公' END, 'R' || i
        FROM range($n) t(i)
        """,
        {"u": units, "n": units * 30},
    )
    # Two items a month per person, plus 过节费 in September: about `payroll` lines in all.
    months = max(1, round((payroll / (units * staff_per_unit) - 1) / 2))
    con.execute(
        """
        INSERT INTO payroll (unit, month, person_id, name, item, amount, bank_account, _key)
        SELECT s.unit, m.month, s.person_id, s.name, it.item,
               CASE it.item WHEN '基本工资' THEN 5000 WHEN '绩效工资' THEN 3000 ELSE 800 END,
               '6222' || lpad(substr(s.person_id, 2), 12, '0'),
               CAST(m.month AS VARCHAR) || '|' || s.person_id || '|' || it.item
        FROM staff s
        CROSS JOIN (SELECT DATE '2023-07-01' + to_months(CAST(k AS INT)) AS month FROM range($m) t(k)) m
        CROSS JOIN (SELECT unnest(['基本工资', '绩效工资', '过节费']) AS item) it
        WHERE it.item <> '过节费' OR month(m.month) = 9
        """,
        {"m": months},
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--vehicles", type=int, default=50_000)
    ap.add_argument("--costs", type=int, default=5_000_000)
    ap.add_argument("--payroll", type=int, default=2_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--db", default=":memory:")
    args = ap.parse_args()

    con = duckdb.connect(args.db)
    con.execute(f"SET threads = {int(args.threads)}")
    t0 = time.perf_counter()
    build(con, args.units, args.vehicles, args.costs, args.payroll)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
              for t in ("vehicles", "vehicle_costs", "vehicle_trips", "staff", "offices", "payroll")}
    print(f"data built in {time.perf_counter() - t0:.1f} s: {counts}")
    standards.install(con)
    ensure_output_tables(con)
    total = 0.0
    print(f"{'check':<6}{'seconds':>10}{'rows':>12}{'findings':>10}")
    for spec in default_registry().select(["vehicles", "office", "payroll"]):
        params = resolve_params(con, spec)
        cr = run_check(con, spec, params, run_id="bench")
        total += cr.seconds
        print(f"{spec.code:<6}{cr.seconds:>10.2f}{cr.rows:>12,}{cr.findings:>10,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all V/O/H checks: {total:.1f} s; peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
