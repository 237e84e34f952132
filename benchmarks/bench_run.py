"""Whole-run benchmark (issue 13): the product against DuckDB's floor and a pandas notebook.

For a bureau of N units written by the generator (``xuncha_audit.synth``, sample scale per
unit, one sub-folder per unit), in one go:

1. **floor** — DuckDB reads every export once: CSV through ``read_csv`` (transcoded to UTF-8
   in Python first when the file is GBK/GB18030), xlsx/xls through fastexcel (calamine) into
   Arrow and into a DuckDB table. No parsing of values, no checks: the cost of reading.
2. **run** — ``xuncha-audit run`` as a user runs it (a child process), with the seconds of each
   step (load, standards, validate, checks, export) from the run's own JSON log.
3. **pandas** — a plain pandas notebook: read every file with pandas, rename the headers it
   knows, and run five checks written plainly (P01 split contracts, R01 lodging over a flat
   cap, L07 duplicate payments, V04 rest-day vehicle costs without a trip, H01 payroll names
   not on the roster). Simplified rules, same data volume: the yardstick the issue names.

Each phase runs in its own child process; wall seconds, CPU seconds (user + system) and
peak RSS come from ``os.wait4`` of that child. Ratios are printed on wall time and on CPU
time (on a shared machine the CPU ratio is the steadier figure).

Generation is the slow part (the generator writes ~15k rows per unit in ~10-20 s): with
``--distinct K`` only K units are generated and the other unit folders are hard-linked
copies under new unit names (same rows, different unit) — a province of 1,000 units in
minutes instead of hours. The data set is cached under ``--workdir`` and reused.

    .venv/bin/python benchmarks/bench_run.py --units 10
    .venv/bin/python benchmarks/bench_run.py --units 100 --distinct 20
    .venv/bin/python benchmarks/bench_run.py --units 1000 --distinct 20     # a province
    .venv/bin/python benchmarks/bench_run.py --ledger-lines 50000000 --memory-limit 3GB
                                                    # one unit, a 50M-line GBK ledger: spilling
    .venv/bin/python benchmarks/bench_run.py --ledger-lines 4000000 --ledger-shape wide
                                                    # one unit, a ledger as varied as a real one
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent


# ----------------------------------------------------------------------------- data


def generate(dest: Path, units: int, distinct: int, seed: int) -> dict:
    """Generate (or reuse) ``units`` unit folders under ``dest``; return a description."""
    from xuncha_audit.synth import generate as synth_generate
    from xuncha_audit.synth.core import unit_names

    stamp = dest / "_bench.json"
    if stamp.exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("units") == units and info.get("distinct") == distinct and info.get("seed") == seed:
            return info
        shutil.rmtree(dest)
    k = max(1, min(units, distinct))
    t = time.perf_counter()
    base = dest.parent / f"_base_{k}_{seed}"
    if not (base / "_answer_key" / "manifest.csv").exists():
        if base.exists():
            shutil.rmtree(base)
        synth_generate(base, seed=seed, scale="sample", units=max(k, 2))  # >= 2: one folder per unit
    gen_s = time.perf_counter() - t
    names = unit_names(units)
    src_units = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("_"))[:k]
    dest.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        src = src_units[i % k]
        dst = dest / name
        if dst.exists():
            continue
        dst.mkdir()
        for f in src.iterdir():
            if f.is_file():
                os.link(f, dst / f.name)
    files = [p for p in dest.rglob("*") if p.is_file() and not p.name.startswith("_")]
    info = {"units": units, "distinct": k, "seed": seed, "files": len(files),
            "bytes": sum(p.stat().st_size for p in files), "generate_seconds": round(gen_s, 1)}
    stamp.write_text(json.dumps(info), encoding="utf-8")
    return info


def generate_big_ledger(dest: Path, lines: int, shape: str = "narrow") -> dict:
    """One unit whose ledger is ``lines`` lines of GBK CSV (for the spilling benchmark).
    ``shape``: "narrow" (``bench_load.GEN_SQL``: 4 accounts, 5 people, 4 counterparties — the
    figures since 2026-12-03 were measured on it) or "wide" (``bench_load.GEN_SQL_WIDE``: 364
    accounts, 400 people, 3,000 counterparties, summaries nearly all different, as real ledgers)."""
    sys.path.insert(0, str(HERE))
    from bench_load import generate_csv

    stamp = dest / "_bench.json"
    if stamp.exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("ledger_lines") == lines and info.get("shape", "narrow") == shape:
            return info
        shutil.rmtree(dest)
    t = time.perf_counter()
    utf8, gbk = generate_csv(lines, dest, wide=shape == "wide")
    utf8.unlink()
    info = {"units": 1, "ledger_lines": lines, "shape": shape, "files": 1, "bytes": gbk.stat().st_size,
            "generate_seconds": round(time.perf_counter() - t, 1)}
    stamp.write_text(json.dumps(info), encoding="utf-8")
    return info


# the pandas notebook holds every cell as a Python string: ~1 GB per million ledger lines
PANDAS_MAX_LEDGER_LINES = 10_000_000


def data_files(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*")
                  if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(data).parts)
                  and p.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm", ".xls"))


def sniff_encoding(path: Path) -> str:
    head = path.open("rb").read(1 << 16)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a character cut at the end of the sample
            return "utf-8"
        return "gb18030"


# ----------------------------------------------------------------------------- phases (children)


def phase_floor(data: Path) -> dict:
    """Read every export once into DuckDB (all text): the floor."""
    import duckdb
    import fastexcel

    con = duckdb.connect()
    rows = 0
    tmp = Path(tempfile.mkdtemp(prefix="xuncha_floor_"))
    try:
        for n, path in enumerate(data_files(data)):
            if path.suffix.lower() in (".csv", ".txt"):
                enc = sniff_encoding(path)
                src = path
                if enc not in ("utf-8", "utf-8-sig"):
                    src = tmp / f"{n}.csv"
                    with path.open(encoding=enc, errors="replace", newline="") as fin, \
                            src.open("w", encoding="utf-8", newline="") as fout:
                        while chunk := fin.read(8 << 20):
                            fout.write(chunk)
                con.execute(f"CREATE TABLE t{n} AS SELECT * FROM read_csv(?, all_varchar = true, "
                            "header = false, null_padding = true, strict_mode = false)", [str(src)])
                if src != path:
                    src.unlink()
            else:
                reader = fastexcel.read_excel(str(path))
                for s, name in enumerate(reader.sheet_names):
                    sheet = reader.load_sheet(name, header_row=None)
                    tbl = sheet.to_arrow()  # noqa: F841  (read by DuckDB's replacement scan)
                    con.execute(f"CREATE TABLE t{n}_{s} AS SELECT * FROM tbl")
            for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE ?",
                                    [f"t{n}%"]).fetchall():
                rows += con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                con.execute(f'DROP TABLE "{t}"')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"rows": rows}


def phase_pandas(data: Path) -> dict:
    """A plain pandas notebook: read everything, five checks. Returns per-check counts."""
    import warnings

    import numpy as np
    import pandas as pd

    from xuncha_audit.contract import load_contract

    warnings.simplefilter("ignore")
    contract = load_contract()
    alias: dict[str, dict[str, str]] = {}  # header -> {table: column}
    for t in contract.tables.values():
        for c in t.column_list():
            for a in (c.name, *c.aliases):
                alias.setdefault(a, {}).setdefault(t.name, c.name)
    unit_aliases = {"单位", "所属单位", "单位名称", "预算单位"}

    def clean(v) -> str:
        return re.sub(r"[（(].*?[)）]", "", str(v)).strip()

    def header_row(df: pd.DataFrame) -> int:
        best, best_i = -1, 0
        for i in range(min(len(df), 10)):
            hits = sum(1 for v in df.iloc[i] if clean(v) in alias)
            if hits > best:
                best, best_i = hits, i
        return best_i

    def frame(raw: pd.DataFrame) -> tuple[str | None, pd.DataFrame]:
        h = header_row(raw)
        cols = [clean(v) for v in raw.iloc[h]]
        df = raw.iloc[h + 1:].reset_index(drop=True)
        df.columns = [f"c{i}" for i in range(len(cols))]
        votes: dict[str, int] = {}
        for c in cols:
            for t in alias.get(c, {}):
                votes[t] = votes.get(t, 0) + 1
        table = max(votes, key=votes.get) if votes else None
        rename: dict[str, str] = {}
        for i, c in enumerate(cols):
            if c in unit_aliases and "unit" not in rename.values():
                rename[f"c{i}"] = "unit"
            elif table and table in alias.get(c, {}) and alias[c][table] not in rename.values():
                rename[f"c{i}"] = alias[c][table]
        return table, df[list(rename)].rename(columns=rename)

    tables: dict[str, list[pd.DataFrame]] = {}
    rows = 0
    for path in data_files(data):
        unit = path.parent.name if path.parent != data else "本单位"
        if path.suffix.lower() in (".csv", ".txt"):
            raws = [pd.read_csv(path, encoding=sniff_encoding(path), header=None, dtype=str,
                                on_bad_lines="skip", engine="c", encoding_errors="replace")]
        else:
            import fastexcel  # pandas' own Excel readers (calamine, xlrd) are not installed

            reader = fastexcel.read_excel(str(path))
            raws = [reader.load_sheet(n, header_row=None).to_pandas().astype(str)
                    for n in reader.sheet_names]
        for raw in raws:
            if raw.empty:
                continue
            table, df = frame(raw)
            rows += len(df)
            if table is None:
                continue
            if "unit" not in df.columns:
                df["unit"] = unit
            tables.setdefault(table, []).append(df)
    t = {k: pd.concat(v, ignore_index=True) for k, v in tables.items()}

    def num(s: pd.Series) -> pd.Series:
        s = s.astype(str).str.replace(r"[,￥¥元\s]", "", regex=True)
        wan = s.str.endswith("万")
        v = pd.to_numeric(s.str.rstrip("万"), errors="coerce")
        return v.where(~wan, v * 10000)

    def day(s: pd.Series) -> pd.Series:
        s = s.astype(str).str.replace(r"[年月.]", "-", regex=True).str.replace("日", "")
        serial = pd.to_numeric(s, errors="coerce")
        d = pd.to_datetime(s, errors="coerce", format="mixed")
        return d.where(serial.isna() | (serial > 100000),
                       pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D"))

    def col(df, name):
        return df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index)

    out = {}
    # P01: same unit, vendor and category; contracts each under 1M within 180 days summing >= 1M
    c = t.get("contracts", pd.DataFrame())
    if len(c):
        c = c.assign(amount=num(col(c, "amount")), sign_date=day(col(c, "sign_date")),
                     vendor=col(c, "vendor").astype(str).str.replace(r"有限(责任)?公司|[\s（）()]", "", regex=True))
        c = c[c.amount < 1_000_000].reset_index().rename(columns={"index": "cid"})
        m = c.merge(c, on=["unit", "vendor"], suffixes=("", "_b"))
        m = m[(m.cid != m.cid_b) & ((m.sign_date_b - m.sign_date).dt.days.between(0, 180))]
        g = m.groupby(["unit", "vendor", "cid"]).agg(total=("amount_b", "sum"), first=("amount", "first"))
        out["P01"] = int(((g.total + g["first"]) >= 1_000_000).groupby(level=[0, 1]).any().sum())
    # R01: lodging per night above a flat cap by rank tier
    tc, st = t.get("travel_claims", pd.DataFrame()), t.get("staff", pd.DataFrame())
    if len(tc):
        tc = tc.assign(lodging=num(col(tc, "lodging_amount")), d0=day(col(tc, "depart_date")),
                       d1=day(col(tc, "return_date")))
        nights = (tc.d1 - tc.d0).dt.days.clip(lower=1)
        rank = st[["unit", "name", "rank"]].drop_duplicates(["unit", "name"]) if len(st) and "rank" in st else None
        if rank is not None:
            tc = tc.merge(rank, left_on=["unit", "claimant"], right_on=["unit", "name"], how="left") \
                if "claimant" in tc else tc
        cap = np.where(col(tc, "rank").astype(str).str.contains("厅|局长"), 650, 500)
        out["R01"] = int((tc.lodging.to_numpy() / nights.to_numpy() > cap).sum())
    # L07: same unit, counterparty and amount paid twice within 30 days (ledger credits)
    lg = t.get("ledger", pd.DataFrame())
    if len(lg):
        lg = lg.assign(amt=num(col(lg, "credit")), d=day(col(lg, "voucher_date")))
        lg = lg[(lg.amt >= 1000) & col(lg, "counterparty").notna()]
        lg = lg.sort_values(["unit", "counterparty", "amt", "d"])
        gap = lg.groupby(["unit", "counterparty", "amt"]).d.diff().dt.days
        out["L07"] = int((gap <= 30).sum())
    # V04: vehicle costs on a weekend with no trip that day
    vc, vt = t.get("vehicle_costs", pd.DataFrame()), t.get("vehicle_trips", pd.DataFrame())
    if len(vc):
        vc = vc.assign(d=day(col(vc, "date")).dt.normalize(), plate=col(vc, "plate").astype(str).str.upper())
        vc = vc[vc.d.dt.dayofweek >= 5]
        if len(vt):
            trips = vt.assign(d=day(col(vt, "start_date")).dt.normalize(),
                              plate=col(vt, "plate").astype(str).str.upper())[["unit", "plate", "d"]]
            vc = vc.merge(trips.drop_duplicates(), on=["unit", "plate", "d"], how="left", indicator=True)
            vc = vc[vc["_merge"] == "left_only"]
        out["V04"] = len(vc)
    # H01: payroll names not on the roster (by ID number when present, else by name)
    pr = t.get("payroll", pd.DataFrame())
    if len(pr) and len(st):
        who = pr[["unit", "name"]].dropna().drop_duplicates()
        roster = st[["unit", "name"]].dropna().drop_duplicates().assign(on=True)
        out["H01"] = int(who.merge(roster, on=["unit", "name"], how="left").on.isna().sum())
    return {"rows": rows, "findings": out}


def run_child(argv: list[str], env: dict | None = None, log: Path | None = None) -> dict:
    """Run ``argv`` as a child; wall, CPU and peak RSS from os.wait4."""
    t = time.perf_counter()
    with (log.open("wb") if log else open(os.devnull, "wb")) as err:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime,
            "rss_mb": ru.ru_maxrss / 1024, "rc": p.returncode, "stdout": out.decode("utf-8", "replace")}


def run_phase(phase: str, data: Path) -> dict:
    r = run_child([sys.executable, __file__, "--phase", phase, str(data)])
    if r["rc"] != 0:
        raise SystemExit(f"phase {phase} failed (exit {r['rc']})")
    r.update(json.loads(r.pop("stdout").strip().splitlines()[-1]))
    return r


def run_product(data: Path, out: Path, env_extra: dict, extra_args: list[str]) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, **env_extra}
    argv = [str(BIN / "xuncha-audit"), "run", str(data), "--out", str(out), "--level", "市级",
            "--region", "湖南", "--city", "长沙", "--period-start", "2023-01-01",
            "--period-end", "2024-12-31", *extra_args]
    r = run_child(argv, env=env, log=out.parent / (out.name + ".stderr.txt"))
    r.pop("stdout")
    steps, rows, findings, evidence, errors = {}, None, None, None, []
    logf = out / "xuncha.log.jsonl"
    if logf.exists():
        for line in logf.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("msg") == "run finished":
                steps = rec.get("seconds", {})
            if rec.get("level") == "ERROR":
                errors.append(str(rec.get("error") or rec.get("msg")))
    db = out / "xuncha.duckdb"
    if db.exists():
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            # a run that failed leaves a database without some of these tables
            have = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "_load_log" in have:
                rows = con.execute("SELECT sum(rows_loaded) FROM _load_log").fetchone()[0]
            if "findings" in have:
                findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
            if "evidence" in have:
                evidence = con.execute("SELECT count(*) FROM evidence").fetchone()[0]
    r.update(steps=steps, rows_loaded=rows, findings=findings, evidence=evidence, errors=errors)
    return r


# ----------------------------------------------------------------------------- main


def machine() -> str:
    import platform

    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.node()} · {os.cpu_count()} CPU · {mem:.0f} GB RAM · Python {platform.python_version()}"
            f" · load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, nargs="*", default=[10, 100],
                    help="bureau sizes in units (default: 10 100; a province: 1000)")
    ap.add_argument("--distinct", type=int, default=20, help="units actually generated (others are copies)")
    ap.add_argument("--seed", type=int, default=20241)
    ap.add_argument("--ledger-lines", type=int, default=0,
                    help="instead of units: one unit with a GBK ledger of this many lines (spilling)")
    ap.add_argument("--ledger-shape", choices=["narrow", "wide"], default="narrow",
                    help="the large ledger's variety: narrow (4 accounts, 5 people; the history's "
                         "figures) or wide (364 accounts, 400 people, 3,000 counterparties)")
    ap.add_argument("--memory-limit", default=None, help="XUNCHA_MEMORY_LIMIT for the run (e.g. 2GB)")
    ap.add_argument("--threads", default=None, help="XUNCHA_THREADS for the run")
    ap.add_argument("--skip", nargs="*", default=[], choices=["floor", "pandas", "run"])
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "xuncha_bench_run")
    ap.add_argument("--phase", nargs=2, metavar=("PHASE", "DIR"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.phase:
        fn = {"floor": phase_floor, "pandas": phase_pandas}[a.phase[0]]
        print(json.dumps(fn(Path(a.phase[1])), ensure_ascii=False))
        return 0

    env_extra = {}
    if a.memory_limit:
        env_extra["XUNCHA_MEMORY_LIMIT"] = a.memory_limit
    if a.threads:
        env_extra["XUNCHA_THREADS"] = a.threads
    print(f"# xuncha-audit whole-run benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# machine: {machine()}")
    print(f"# workdir: {a.workdir}")
    cases = [("ledger", a.ledger_lines)] if a.ledger_lines else [("units", n) for n in a.units]
    for kind, n in cases:
        wide = kind == "ledger" and a.ledger_shape == "wide"
        case = f"ledger_{'wide_' if wide else ''}{n}" if kind == "ledger" else f"units_{n}"
        data = a.workdir / case
        t = time.perf_counter()
        info = generate_big_ledger(data, n, a.ledger_shape) if kind == "ledger" else generate(
            data, n, a.distinct, a.seed)
        label = f"{'wide ' if wide else ''}ledger lines" if kind == "ledger" else "units"
        print(f"\n## {n:,} {label}: {info['files']} files, "
              f"{info['bytes'] / 1e6:.0f} MB (prepared in {time.perf_counter() - t:.0f} s; "
              f"{info.get('distinct', 1)} distinct units generated)")
        res = {}
        if "floor" not in a.skip:
            res["floor"] = run_phase("floor", data)
        if "pandas" not in a.skip and (kind != "ledger" or n <= PANDAS_MAX_LEDGER_LINES):
            res["pandas"] = run_phase("pandas", data)
        elif "pandas" not in a.skip:
            print(f"(pandas baseline not run: a ledger of over {PANDAS_MAX_LEDGER_LINES:,} lines does not fit "
                  "in memory as pandas strings)")
        if "run" not in a.skip:
            extra = ["--unit", "基准单位"] if kind == "ledger" else []
            res["run"] = run_product(data, a.workdir / f"out_{case}", env_extra, extra)
        print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'phase':<28}{'rows':>12}{'wall s':>10}{'CPU s':>10}{'peak RSS MB':>13}")
        for name, label in (("floor", "floor (DuckDB reads all)"), ("pandas", "pandas, 5 checks"),
                            ("run", "xuncha-audit run")):
            if name in res:
                r = res[name]
                rows = r.get("rows") if name != "run" else r.get("rows_loaded")
                print(f"{label:<28}{rows or 0:>12,}{r['wall']:>10.1f}{r['cpu']:>10.1f}{r['rss_mb']:>13,.0f}")
        if "run" in res:
            r = res["run"]
            for step, s in r["steps"].items():
                print(f"  — {step:<24}{'':>12}{s:>10.1f}")
            print(f"  findings {r['findings']}, evidence rows {r['evidence']}, exit {r['rc']}")
            for err in r.get("errors", []):
                print(f"  error: {err[:3000]}")
            for base in ("floor", "pandas"):
                if base in res:
                    b = res[base]
                    print(f"ratio run/{base}: wall {r['wall'] / b['wall']:.2f}×, CPU {r['cpu'] / b['cpu']:.2f}×")
        if "pandas" in res:
            print(f"pandas findings (simplified rules): {res['pandas']['findings']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
