"""Benchmark: the reimbursement checks R01-R08 on reimbursement tables matching ~10M ledger lines.

    .venv/bin/python benchmarks/bench_reimbursement_checks.py [--claims 500000] [--hospitality 200000]
        [--meetings 50000] [--units 200] [--staff-per-unit 100] [--db PATH] [--threads N]

The tables are generated directly in DuckDB SQL (range() + hash(), no Python row loops) with a
realistic mix: destinations as cities, districts, tourist spots and unknown places; seasonal
cities; ranks on the claim or only on the roster; invoice lists; a few per cent of each kind of
violation. Prints load time, seconds and findings per check, the time to attach evidence records,
and the peak RSS of the process (resource.getrusage). No assertions.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import duckdb

DESTS = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "武汉", "成都", "西安", "郑州", "长沙", "长沙市岳麓区",
    "浏阳市", "株洲", "湘潭", "岳阳", "常德", "衡阳", "张家界", "武陵源区", "三亚", "海口", "桂林", "阳朔",
    "黄山", "丽江", "拉萨", "西宁", "乌鲁木齐", "张家口", "秦皇岛", "承德", "青岛", "大连", "天津市和平区",
    "重庆", "贵阳", "昆明", "南宁", "合肥", "南昌", "福州", "厦门", "济南", "太原", "石家庄", "呼和浩特",
    "哈尔滨", "长春", "沈阳", "兰州", "银川", "湖南省长沙市", "河北省张家口市", "某地", "外省某县",
]
CLASSES = ["高铁二等座"] * 60 + ["飞机经济舱"] * 25 + ["火车硬卧"] * 10 + [
    "G字头一等座", "飞机公务舱", "高铁商务座", "软卧", "超级经济舱", "动卧"]
REASONS = ["参加全省业务工作会议", "汇报工作", "对接项目", "考察学习", "调研", "业务交流", "参加培训"]
VENUES = ["局机关食堂", "某宾馆餐厅", "某酒楼", "某饭店", "某酒店中餐厅"] * 8 + ["某私人会所", "湘江山庄", "景区管委会食堂"]
ITEMS = ["工作餐（家常菜）"] * 60 + ["家常菜、茅台2瓶", "中华烟1条、家常菜", "烟台苹果、米饭", "酒店工作餐"]
MVENUES = ["局机关会议室"] * 6 + ["张家界国际大酒店", "黄山某山庄", "长沙某宾馆"]
RANKS = ["科员及以下", "副科级", "正科级", "副处级", "正处级", "副厅级", "正厅级"]


def _pick(col_list: str, expr: str) -> str:
    return f"{col_list}[1 + CAST(({expr}) % len({col_list}) AS INTEGER)]"


def build(con, claims: int, hosp: int, meetings: int, units: int, staff_per_unit: int) -> None:
    from xuncha_audit import standards
    from xuncha_audit.contract import create_tables

    create_tables(con)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        standards.install(con)
    con.execute("CREATE OR REPLACE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    con.execute("""INSERT INTO _units SELECT '单位' || CAST(u AS VARCHAR), '市级',
        CASE WHEN u % 5 = 0 THEN '广东' ELSE '湖南' END, CASE WHEN u % 5 = 0 THEN '广州' ELSE '长沙' END
        FROM range($n) t(u)""", {"n": units})
    p = {"dests": DESTS, "classes": CLASSES, "reasons": REASONS, "venues": VENUES, "items": ITEMS,
         "mvenues": MVENUES, "ranks": RANKS}
    con.execute(f"""INSERT INTO staff (unit, person_id, name, rank, rank_norm, _key)
        SELECT '单位' || CAST(u AS VARCHAR), 'P' || CAST(s AS VARCHAR), '人员' || CAST(s AS VARCHAR),
            {_pick('$ranks', 'hash(u * 1000 + s)')}, {_pick('$ranks', 'hash(u * 1000 + s)')}, 'P' || CAST(s AS VARCHAR)
        FROM range($units) a(u), range($spu) b(s)""", {"units": units, "spu": staff_per_unit, "ranks": RANKS})
    con.execute(f"""
        INSERT INTO travel_claims (unit, claim_no, person, rank, rank_norm, destination, depart_date, return_date,
            nights, lodging_amount, meal_allowance, local_transport_allowance, transport_amount,
            transport_class, reason, invoice_no, _key)
        SELECT unit, claim_no, person, rank_norm, rank_norm, destination, depart_date,
            CAST(depart_date + CAST(len - 1 AS INTEGER) AS DATE),
            CASE WHEN h2 % 2 = 0 THEN len - 1 END,
            CAST((len - 1) * CASE WHEN h3 % 50 = 0 THEN 900 ELSE 150 + h3 % 180 END AS DECIMAL(18, 2)),
            CAST(len * CASE WHEN h4 % 25 = 0 THEN 130 ELSE 100 END AS DECIMAL(18, 2)),
            CAST(len * CASE WHEN h4 % 40 = 1 THEN 100 ELSE 80 END AS DECIMAL(18, 2)),
            CAST(300 + h5 % 2500 AS DECIMAL(18, 2)),
            {_pick('$classes', 'h5')}, {_pick('$reasons', 'h6')},
            CASE WHEN h6 % 100 = 0 THEN lpad(CAST((i - 1) * 7 + 10000000 AS VARCHAR), 8, '0')
                 WHEN h6 % 10 = 1 THEN lpad(CAST(i * 7 + 10000000 AS VARCHAR), 8, '0') || '、'
                     || lpad(CAST(i * 7 + 90000000 AS VARCHAR), 8, '0')
                 ELSE lpad(CAST(i * 7 + 10000000 AS VARCHAR), 8, '0') END,
            claim_no
        FROM (
            SELECT i, '单位' || CAST(i % $units AS VARCHAR) AS unit, 'CL' || CAST(i AS VARCHAR) AS claim_no,
                '人员' || CAST(hash(i, 1) % $spu AS VARCHAR) AS person,
                CASE WHEN hash(i, 2) % 3 = 0 THEN NULL ELSE {_pick('$ranks', 'hash(i, 3)')} END AS rank_norm,
                {_pick('$dests', 'hash(i, 4)')} AS destination,
                CAST(DATE '2023-01-01' + CAST(hash(i, 5) % 720 AS INTEGER) AS DATE) AS depart_date,
                1 + CAST(hash(i, 6) % 5 AS INTEGER) AS len,
                hash(i, 7) AS h2, hash(i, 8) AS h3, hash(i, 9) AS h4, hash(i, 10) AS h5, hash(i, 11) AS h6
            FROM range($n) t(i)
        )""", {"n": claims, "units": units, "spu": staff_per_unit, **{k: p[k] for k in ("dests", "classes", "reasons", "ranks")}})
    # hospitality mostly on working days (3 % on any day), as in a real bureau
    con.execute("""CREATE OR REPLACE TEMP TABLE _bench_workdays AS
        SELECT date, CAST(row_number() OVER (ORDER BY date) - 1 AS BIGINT) AS n FROM std_calendar
        WHERE NOT is_rest_day AND date BETWEEN DATE '2023-01-01' AND DATE '2024-12-31'""")
    con.execute(f"""
        INSERT INTO hospitality (unit, record_no, date, guest_unit, guests, companions, amount, meals, venue,
            has_official_letter, items, handler, invoice_no, _key)
        SELECT '单位' || CAST(i % $units AS VARCHAR), 'JD' || CAST(i AS VARCHAR),
            CASE WHEN hash(i, 20) % 33 = 0 THEN CAST(DATE '2023-01-01' + CAST(hash(i, 21) % 720 AS INTEGER) AS DATE)
                 ELSE w.date END,
            '来访单位' || CAST(i % 97 AS VARCHAR),
            g, c, CAST((g + c) * CASE WHEN hash(i, 22) % 50 = 0 THEN 300 ELSE 40 + hash(i, 22) % 100 END
                AS DECIMAL(18, 2)), 1,
            {_pick('$venues', 'hash(i, 23)')}, hash(i, 24) % 20 <> 0, {_pick('$items', 'hash(i, 25)')},
            '人员' || CAST(hash(i, 26) % $spu AS VARCHAR),
            CASE WHEN hash(i, 27) % 200 = 0 THEN lpad(CAST(i * 7 + 10000000 AS VARCHAR), 8, '0')
                 ELSE lpad(CAST(i * 7 + 50000000 AS VARCHAR), 8, '0') END,
            'JD' || CAST(i AS VARCHAR)
        FROM (SELECT i, 1 + CAST(hash(i, 28) % 14 AS INTEGER) AS g, CASE WHEN hash(i, 29) % 50 = 0 THEN 6 ELSE CAST(hash(i, 29) % 4 AS INTEGER) END AS c,
                  hash(i, 21) % (SELECT count(*) FROM _bench_workdays) AS wn
              FROM range($n) t(i)) x
        JOIN _bench_workdays w ON w.n = x.wn""", {"n": hosp, "units": units, "spu": staff_per_unit, "venues": VENUES, "items": ITEMS})
    con.execute(f"""
        INSERT INTO meetings (unit, record_no, name, kind, class, start_date, end_date, days, attendees, amount,
            venue, reason, handler, invoice_no, _key)
        SELECT '单位' || CAST(i % $units AS VARCHAR), 'HY' || CAST(i AS VARCHAR),
            CASE WHEN hash(i, 31) % 4 = 0 THEN '业务交流学习会' ELSE '工作会议' END,
            CASE WHEN hash(i, 32) % 3 = 0 THEN '培训' ELSE '会议' END,
            ['二类', '三类', '四类'][1 + CAST(hash(i, 33) % 3 AS INTEGER)], s,
            CAST(s + CAST(d - 1 AS INTEGER) AS DATE), d, a, CAST(a * d * CASE WHEN hash(i, 34) % 30 = 0 THEN 800 ELSE 250 + hash(i, 34) % 300 END
                AS DECIMAL(18, 2)),
            {_pick('$mvenues', 'hash(i, 35)')}, NULL, '人员' || CAST(hash(i, 36) % $spu AS VARCHAR),
            lpad(CAST(i * 7 + 70000000 AS VARCHAR), 8, '0'), 'HY' || CAST(i AS VARCHAR)
        FROM (SELECT i, CAST(DATE '2023-01-01' + CAST(hash(i, 37) % 720 AS INTEGER) AS DATE) AS s,
                CASE WHEN hash(i, 38) % 20 = 0 THEN 3 ELSE 1 + CAST(hash(i, 38) % 2 AS INTEGER) END AS d, 10 + CAST(hash(i, 39) % 190 AS INTEGER) AS a
              FROM range($n) t(i))""", {"n": meetings, "units": units, "spu": staff_per_unit, "mvenues": MVENUES})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=500_000)
    ap.add_argument("--hospitality", type=int, default=200_000)
    ap.add_argument("--meetings", type=int, default=50_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--staff-per-unit", type=int, default=300)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = DuckDB default)")
    ap.add_argument("--db", type=Path, default=None)
    a = ap.parse_args()

    from xuncha_audit.engine.registry import default_registry
    from xuncha_audit.engine.runner import (
        attach_evidence_records,
        ensure_output_tables,
        resolve_params,
        run_check,
    )

    db = a.db or Path(tempfile.mkdtemp(prefix="bench-reim-")) / "b.duckdb"
    con = duckdb.connect(str(db))
    if a.threads:
        con.execute(f"SET threads = {int(a.threads)}")
    t = time.perf_counter()
    build(con, a.claims, a.hospitality, a.meetings, a.units, a.staff_per_unit)
    print(f"generated {a.claims:,} travel claims, {a.hospitality:,} hospitality, {a.meetings:,} meetings, "
          f"{a.units} units x {a.staff_per_unit} staff in {time.perf_counter() - t:.1f} s  (db {db})")
    ensure_output_tables(con)
    reg = default_registry()
    total = 0.0
    for spec in reg.select(["reimbursement"]):
        params = resolve_params(con, spec)
        cr = run_check(con, spec, params, run_id="bench")
        total += cr.seconds
        print(f"{spec.code} {spec.slug:<26} {cr.seconds:7.2f} s  {cr.rows:>8,} evidence rows  {cr.findings:>8,} findings")
    t = time.perf_counter()
    attach_evidence_records(con)
    print(f"attach evidence records          {time.perf_counter() - t:7.2f} s")
    print(f"all R checks                     {total:7.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
