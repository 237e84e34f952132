"""Check test cases: tiny inline tables in YAML, expected findings by their evidence keys.

File: ``xuncha_audit/checks/<area>/cases/<CODE>.yaml`` (see docs/ARCHITECTURE.md §2)::

    check: P01
    context: {level: 市级, region: 湖南, city: 长沙}
    cases:
      flag_two_small_contracts:
        config: {window_days: 180}
        tables:
          contracts:
            - {contract_no: flag_c1, vendor: 甲公司, amount: 600000, ...}
        expect:
          - [contracts:flag_c1, contracts:flag_c2]
      pass_tendered:
        tables: {...}
        expect: []

Each expected finding is the set of its evidence records as ``table:key``; the runner
compares the set of expected findings with the set the check produced, so a missing
finding, an extra finding, or a finding citing the wrong records all fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from xuncha_audit.contract import create_tables, load_contract
from xuncha_audit.db import of, quote
from xuncha_audit.engine.registry import CHECKS_DIR, CheckSpec, default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check
from xuncha_audit.errors import ConfigError

DEFAULT_UNIT = "测试单位"
DEFAULT_CONTEXT = {"level": "市级", "region": "湖南", "city": "长沙"}
_FILE_KEYS = {"check", "context", "cases"}
_CASE_KEYS = {"config", "tables", "expect", "context", "description", "expect_titles"}
_CONTEXT_KEYS = {"level", "region", "city", "units", "standards"}


@dataclass
class Case:
    check: str
    name: str
    tables: dict[str, list[dict]]
    expect: list[frozenset[str]]
    config: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    expect_titles: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.check}:{self.name}"


# libyaml where installed: the 72 case files took ~7 s to parse in pure Python per process
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_case_file(path: Path) -> list[Case]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    bad = set(data) - _FILE_KEYS
    if bad:
        raise ConfigError(f"用例文件有未知字段 {sorted(bad)}", f"unknown keys {sorted(bad)}", file=str(path))
    check = data.get("check")
    file_ctx = data.get("context") or {}
    cases = []
    for name, c in (data.get("cases") or {}).items():
        bad = set(c) - _CASE_KEYS
        if bad:
            raise ConfigError(f"用例 {name} 有未知字段 {sorted(bad)}", f"case {name}: unknown keys {sorted(bad)}",
                              file=str(path))
        if not (name.startswith("flag_") or name.startswith("pass_")):
            raise ConfigError(f"用例名 {name} 应以 flag_ 或 pass_ 开头", f"case {name}: must start flag_/pass_",
                              file=str(path))
        ctx = {**DEFAULT_CONTEXT, **file_ctx, **(c.get("context") or {})}
        bad = set(ctx) - _CONTEXT_KEYS
        if bad:
            raise ConfigError(f"用例 {name} 的 context 有未知字段 {sorted(bad)}", "unknown context keys",
                              file=str(path))
        expect = [frozenset(str(k) for k in group) for group in (c.get("expect") or [])]
        cases.append(Case(
            check=check, name=name, tables=c.get("tables") or {}, expect=expect,
            config=c.get("config") or {}, context=ctx, expect_titles=c.get("expect_titles") or [],
            path=path,
        ))
    return cases


def all_case_files(root: Path = CHECKS_DIR) -> list[Path]:
    return sorted(root.glob("*/cases/*.yaml"))


def bundle_cases(cases: list[Case]) -> list[Case]:
    """The cases of a check that share config and standards, merged into one bureau of many
    units: each case's units renamed ``<case>|<unit>`` (rows without a unit go to the case's
    first unit), so the cases stay apart wherever a check works per unit. The differential
    tests run a check once per bundle on each engine instead of once per case (a Spark job
    costs seconds whatever its size); what they compare is the two engines on the same
    tables, not the expected findings (each case is checked alone for those)."""
    import json

    groups: dict[tuple, list[Case]] = {}
    for c in cases:
        # level, region and city travel with each unit (``_units``); standards do not
        key = (c.check, json.dumps(c.config, sort_keys=True, default=str),
               json.dumps(c.context.get("standards"), sort_keys=True, default=str))
        groups.setdefault(key, []).append(c)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(members[0])
            continue
        tables: dict[str, list[dict]] = {}
        units = []
        for c in members:
            own = c.context.get("units") or [{"unit": DEFAULT_UNIT}]
            place = {k: c.context[k] for k in ("level", "region", "city")}
            units += [{**place, **u, "unit": f"{c.name}|{u['unit']}"} for u in own]
            for tname, rows in c.tables.items():
                merged = tables.setdefault(tname, [])
                for row in rows or []:
                    merged.append({**row, "unit": f"{c.name}|{row.get('unit') or own[0]['unit']}"})
        first = members[0]
        out.append(Case(check=first.check, name=f"{first.name}+{len(members) - 1}", tables=tables,
                        expect=[], config=first.config, context={**first.context, "units": units},
                        path=first.path))
    return out


def build_case_db(case: Case) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the case's tables, derived columns and the standards."""
    from xuncha_audit import standards
    from xuncha_audit.ingest.derive import derive_columns

    contract = load_contract()
    con = duckdb.connect()
    create_tables(con)
    ctx = case.context
    units = ctx.get("units") or [{"unit": DEFAULT_UNIT, "level": ctx["level"], "region": ctx["region"],
                                  "city": ctx["city"]}]
    of(con).execute("CREATE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    for u in units:
        of(con).execute("INSERT INTO _units VALUES (?, ?, ?, ?)",
                        [u["unit"], u.get("level", ctx["level"]), u.get("region", ctx["region"]),
                     u.get("city", ctx["city"])])
    for tname, rows in case.tables.items():
        table = contract.table(tname)
        if not rows:
            continue
        allowed = set(table.columns) | {"unit"}
        for i, row in enumerate(rows):
            bad = set(row) - allowed
            if bad:
                raise ConfigError(f"用例 {case.id} 表 {tname} 第 {i + 1} 行有未知列 {sorted(bad)}",
                                  f"unknown columns {sorted(bad)}", file=str(case.path))
        df = pd.DataFrame(rows)
        df["_source_row"] = range(1, len(df) + 1)
        df["_source_file"] = f"case:{case.name}"
        for col in df.columns:
            if df[col].dtype == object or str(df[col].dtype).startswith("str"):
                df[col] = df[col].astype(object).where(df[col].notna(), None)
        cols = ", ".join(quote(c) for c in df.columns)
        with of(con).registered("_case_rows", df):
            of(con).execute(f"INSERT INTO {quote(tname)} ({cols}) SELECT {cols} FROM _case_rows")
    for tname, rows in case.tables.items():  # empty tables need no derived columns
        if rows:
            derive_columns(con, tname, level=ctx["level"], unit=units[0]["unit"])
    standards.install(con, ctx.get("standards"))
    ensure_output_tables(con)
    return con


def run_case(case: Case, spec: CheckSpec | None = None, *, backend=None,
             workdir: Path | None = None) -> tuple[list[frozenset[str]], list[str]]:
    """Run one case; return the findings as evidence-key sets, and their titles.

    ``backend``: another engine to run the check on (e.g. a ``SparkBackend``); the case's
    tables are handed to it as Parquet files under ``workdir``.
    """
    rows = case_findings(case, spec, backend=backend, workdir=workdir)
    return [frozenset(r["evidence"]) for r in rows], [r["title"] for r in rows]


def case_findings(case: Case, spec: CheckSpec | None = None, *, backend=None,
                  workdir: Path | None = None) -> list[dict]:
    """Run one case and return its findings in full (id, title, amount, rule, persons,
    details, evidence keys), sorted by id — what the differential tests compare."""
    from xuncha_audit.engine.runner import build_shared, needed_shared

    registry = default_registry()
    spec = spec or registry.get(case.check)
    con = build_case_db(case)
    try:
        params = resolve_params(con, spec, case.config)
        if backend is not None:
            import tempfile

            from xuncha_audit.db.handover import hand_over, tables_read_by

            with tempfile.TemporaryDirectory(dir=workdir) as folder:
                hand_over(con, backend, tables_read_by([spec], registry), folder)
                build_shared(con, spec.area, registry, rebuild=True, backend=backend,
                             only=needed_shared(spec, registry))
                run_check(con, spec, params, run_id="case", backend=backend)
        else:
            run_check(con, spec, params, run_id="case")
        rows = of(con).fetch_all(
            """
            SELECT f.finding_id, f.title, f.amount, f.rule, f.persons, f.entity_type, f.entity_key,
                   f.period_start, f.period_end, f.details,
                   list(e.source_table || ':' || e.record_key ORDER BY e.source_table, e.record_key)
            FROM findings f JOIN evidence e USING (finding_id)
            GROUP BY ALL ORDER BY f.finding_id
            """
        )
    finally:
        con.close()
    names = ["finding_id", "title", "amount", "rule", "persons", "entity_type", "entity_key",
             "period_start", "period_end", "details", "evidence"]
    return [dict(zip(names, r, strict=True)) for r in rows]
