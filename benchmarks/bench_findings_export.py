"""Benchmark: apply_triage + export_all on a synthetic run with many findings.

    .venv/bin/python benchmarks/bench_findings_export.py [n_findings] [evidence_per_finding]
    .venv/bin/python benchmarks/bench_findings_export.py 7000 130   # the issue-13 bureau: ~910k evidence

Prints the time of each step and the output sizes. No assertions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb


def build(con, n: int, k: int) -> None:
    con.execute("""CREATE TABLE findings AS
        SELECT substr(sha256(CAST(i AS VARCHAR)), 1, 16) AS finding_id, 'bench' AS run_id,
            'P0' || CAST(i % 8 AS VARCHAR) AS check_id, '检查' || CAST(i % 8 AS VARCHAR) AS check_name,
            ['high','medium','low'][1 + i % 3] AS severity,
            ['procurement','reimbursement','vehicles','office','payroll','ledger'][1 + i % 6] AS area,
            '单位' || CAST(i % 5 AS VARCHAR) AS unit, ['纪检监察','组织人事','反馈'][1 + i % 3] AS route,
            NULL::VARCHAR AS rule,
            '供应商' || CAST(i % 997 AS VARCHAR) || '在180天内签订合同，联系电话1381234' || lpad(CAST(i % 10000 AS VARCHAR), 4, '0') AS title,
            CAST(1000 + (i * 37) % 500000 AS DECIMAL(18,2)) AS amount, 'vendor' AS entity_type,
            '供应商' || CAST(i % 997 AS VARCHAR) AS entity_key,
            DATE '2024-01-01' + CAST(i % 365 AS INTEGER) AS period_start,
            DATE '2024-01-01' + CAST(i % 365 AS INTEGER) AS period_end,
            '《政府采购法》' AS regulation, '人员' || CAST(i % 300 AS VARCHAR) AS persons,
            NULL::VARCHAR AS details, '待核实' AS status, NULL::VARCHAR AS note
        FROM range(?) t(i)""", [n])
    con.execute("""CREATE TABLE evidence AS
        SELECT f.finding_id, f.check_id, f.unit, 'contracts' AS source_table,
            'HT-' || f.finding_id || '-' || CAST(j AS VARCHAR) AS record_key,
            json_object('contract_no', 'HT-' || f.finding_id || '-' || CAST(j AS VARCHAR),
                        'vendor', f.entity_key || '有限公司', 'amount', f.amount,
                        'sign_date', CAST(f.period_start AS VARCHAR), 'procurement_method', '询价')::VARCHAR AS record
        FROM findings f, range(?) r(j)""", [k])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from xuncha_audit.findings import export as ex
    from xuncha_audit.findings.triage import apply_triage

    d = Path(tempfile.mkdtemp(prefix="bench-findings-"))
    con = duckdb.connect(str(d / "b.duckdb"))
    build(con, n, k)
    t = time.perf_counter()
    apply_triage(con, d / "out")
    print(f"apply_triage ({n} findings): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    apply_triage(con, d / "out", run_id="bench-2")
    print(f"apply_triage rerun: {time.perf_counter() - t:.2f} s")
    timings: dict[str, float] = {}
    for name in ("create_views", "write_parquet", "write_csv", "write_workbook", "write_report",
                 "build_profiles", "mask_frame"):
        real = getattr(ex, name)

        def timed(*a, _real=real, _name=name, **kw):
            t0 = time.perf_counter()
            try:
                return _real(*a, **kw)
            finally:
                timings[_name] = timings.get(_name, 0.0) + time.perf_counter() - t0

        setattr(ex, name, timed)
    t, c = time.perf_counter(), time.process_time()
    res = ex.export_all(con, d / "out")
    total, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"export_all ({n} findings, {n * k} evidence rows, masked): {total:.2f} s wall, {cpu:.2f} s CPU")
    for name, sec in timings.items():
        print(f"  {name}: {sec:.2f} s")
    for name, path in sorted(res["files"].items()):
        print(f"  {name}: {path.stat().st_size / 1e6:.1f} MB")
    from xuncha_audit.findings.triage import import_workbook

    t = time.perf_counter()
    res = import_workbook(d / "out" / "findings.xlsx", d / "out")
    print(f"triage import of the workbook ({res['rows']} findings): {time.perf_counter() - t:.2f} s")
    print(f"output folder: {d / 'out'}")


if __name__ == "__main__":
    main()
