"""Spark local[2] next to DuckDB: the vehicle, office and payroll checks on province-sized data.

The data are those of ``bench_vehicles_office_payroll.py`` (1,000 units; vehicles, costs, trips,
staff, office rooms, payroll, generated in DuckDB SQL). Each engine runs V01–V06, O01–O02,
H01–H03; the script prints seconds per check on each engine, the Parquet hand-over time, and
whether both engines found the same findings (ids), the machine's load average before and after,
and the peak RSS of the Python process (DuckDB and the Spark driver's Python side) and of the
Spark JVM. Spark needs Java 17+.

    python benchmarks/bench_spark.py [--units 1000] [--vehicles 50000] [--costs 5000000]
        [--payroll 2000000] [--master local[2]] [--threads 2] [--driver-memory 4g]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from xuncha_audit import standards
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check

HERE = Path(__file__).resolve().parent
CODES = ["V01", "V02", "V03", "V04", "V05", "V06", "O01", "O02", "H01", "H02", "H03"]


def _data_builder():
    spec = importlib.util.spec_from_file_location("bench_vop", HERE / "bench_vehicles_office_payroll.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _jvm_peak_mb(session) -> float | None:
    """Peak resident memory of the Spark JVM (VmHWM of the gateway process), in MB."""
    try:
        pid = session.sparkContext._gateway.proc.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError, ValueError):
        return None
    return None


def run_all(con, backend, label: str) -> dict[str, tuple[float, int]]:
    registry = default_registry()
    con.execute("DELETE FROM findings; DELETE FROM evidence")
    out = {}
    for code in CODES:
        spec = registry.get(code)
        params = resolve_params(con, spec)
        t0 = time.perf_counter()
        cr = run_check(con, spec, params, run_id=label, registry=registry, backend=backend)
        out[code] = (time.perf_counter() - t0, cr.findings)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--vehicles", type=int, default=50_000)
    ap.add_argument("--costs", type=int, default=5_000_000)
    ap.add_argument("--payroll", type=int, default=2_000_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--driver-memory", default="4g",
                    help="spark.driver.memory: the rows of a check come back through the driver "
                         "(V04 at province size is ~1M rows; Spark's 1g default loses the task result)")
    args = ap.parse_args()

    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; load average {_load()}")
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    t0 = time.perf_counter()
    _data_builder()(con, args.units, args.vehicles, args.costs, args.payroll)
    standards.install(con)
    ensure_output_tables(con)
    print(f"data: {args.units} units, {args.vehicles} vehicles, {args.costs} vehicle costs, "
          f"{args.payroll} payroll lines; built in {time.perf_counter() - t0:.1f} s")

    duck = run_all(con, None, "duckdb")
    duck_ids = {r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall()}

    from xuncha_audit.db.handover import hand_over, tables_read_by
    from xuncha_audit.db.spark import SparkBackend, start_session

    t0 = time.perf_counter()
    session = start_session(args.master, conf={"spark.driver.memory": args.driver_memory})
    session.sparkContext.setLogLevel("ERROR")
    backend = SparkBackend(session)
    t_start = time.perf_counter() - t0
    registry = default_registry()
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        handed = hand_over(con, backend, tables_read_by([registry.get(c) for c in CODES], registry), folder)
        t_hand = time.perf_counter() - t0
        spark = run_all(con, backend, "spark")
    spark_ids = {r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall()}
    jvm_mb = _jvm_peak_mb(session)
    import pyspark

    session.stop()

    rows = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in sorted(handed)}
    print("rows handed over:", ", ".join(f"{t} {n}" for t, n in rows.items()), f"(total {sum(rows.values())})")
    print(f"Spark {pyspark.__version__} {args.master}: session start {t_start:.1f} s; Parquet hand-over of {len(handed)} tables "
          f"{t_hand:.1f} s")
    print(f"{'check':6} {'DuckDB s':>9} {'Spark s':>9} {'findings':>9}")
    for code in CODES:
        print(f"{code:6} {duck[code][0]:9.2f} {spark[code][0]:9.2f} {duck[code][1]:9d}"
              + ("" if duck[code][1] == spark[code][1] else f"  (Spark: {spark[code][1]})"))
    print(f"{'total':6} {sum(v[0] for v in duck.values()):9.2f} {sum(v[0] for v in spark.values()):9.2f} "
          f"{len(duck_ids):9d}")
    print("same finding ids on both engines:", duck_ids == spark_ids,
          "" if duck_ids == spark_ids else f"(only DuckDB {len(duck_ids - spark_ids)}, "
          f"only Spark {len(spark_ids - duck_ids)})")
    py_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: Python process (DuckDB + driver) {py_mb:.0f} MB, Spark JVM "
          + (f"{jvm_mb:.0f} MB" if jvm_mb is not None else "unknown"))
    print(f"load average at the end {_load()}")


if __name__ == "__main__":
    main()
