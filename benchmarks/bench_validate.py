"""Benchmark: validate 1M and 10M ledger lines with the GX suites, in DuckDB.

Builds the ledger directly in DuckDB with SQL (range() + random()), two lines per voucher
(debit and credit), a few planted broken rows, then times ``validate_database`` on the
ledger table (GX imported and warmed up beforehand, so the figure is validation only).

    .venv/bin/python benchmarks/bench_validate.py [--sizes 1000000,10000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from xuncha_audit.contract import create_tables

BUILD_SQL = """
INSERT INTO ledger (unit, _key, voucher_date, voucher_no, line_no, summary, account_code,
                    account_name, debit, credit, _source_file, _source_row)
SELECT 'bench_unit',
       'V' || (i // 2) || '|' || (i % 2 + 1),
       DATE '2024-01-01' + CAST(floor(random() * 365) AS INTEGER),
       'V' || (i // 2),
       i % 2 + 1,
       '摘要' || (i % 1000),
       CASE WHEN i % 2 = 0 THEN '5001' ELSE '1002' END,
       CASE WHEN i % 2 = 0 THEN '业务活动费用' ELSE '银行存款' END,
       CASE WHEN i % 2 = 0 THEN CAST(100 + (i // 2) % 9000 AS DECIMAL(18,2)) END,
       CASE WHEN i % 2 = 1 THEN CAST(100 + (i // 2) % 9000 AS DECIMAL(18,2)) END,
       'bench.csv', i + 2
FROM range($n) t(i)
"""
# Planted problems: 3 lines dated before the period, one voucher out of balance.
BREAK_SQL = """
UPDATE ledger SET voucher_date = DATE '2023-06-30' WHERE _key IN ('V1|1', 'V2|1', 'V3|1');
UPDATE ledger SET debit = debit + 1 WHERE _key = 'V10|1';
"""


def build(path: Path, n: int) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect(str(path))
    create_tables(con)
    con.execute(BUILD_SQL, {"n": n})
    con.execute(BREAK_SQL)
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--dir", default=None, help="where to build the DuckDB files (temp dir)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    t0 = time.perf_counter()
    import great_expectations  # noqa: F401

    from xuncha_audit.validate import validate_database

    print(f"import great_expectations: {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        warm = Path(tmp) / "warm.duckdb"
        build(warm, 10)
        validate_database(warm, tables=["ledger"], period=("2024-01-01", "2024-12-31"))
        for n in sizes:
            path = Path(tmp) / f"ledger_{n}.duckdb"
            built = build(path, n)
            t1 = time.perf_counter()
            report = validate_database(path, tables=["ledger"],
                                       period=("2024-01-01", "2024-12-31"))
            ledger_s = time.perf_counter() - t1
            t2 = time.perf_counter()
            validate_database(path, period=("2024-01-01", "2024-12-31"))
            full_s = time.perf_counter() - t2
            fails = {o.expectation_id: o.unexpected_count for o in report.failures}
            print(f"{n:>11,} ledger lines: built in {built:.1f} s; "
                  f"validate ledger {ledger_s:.2f} s; all 16 tables (others empty) "
                  f"{full_s:.2f} s; {len(report.outcomes)} expectations; failures {fails}")
            path.unlink()


if __name__ == "__main__":
    main()
