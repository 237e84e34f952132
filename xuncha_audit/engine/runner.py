"""Run checks on a DuckDB connection and write `findings`, `evidence` and `_check_runs`.

Set-based throughout: a check is one SQL statement (parameters bound), its rows are
grouped into findings in SQL, the finding sentence is rendered by a SQL expression compiled
from the check's template, and evidence records are attached with one UPDATE per source
table. A failing check is recorded (status ``error`` with the message) and the run goes on.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from xuncha_audit.db import Backend, DuckDBBackend, literal, of, quote
from xuncha_audit.dbsettings import out_of_resources_hint
from xuncha_audit.engine.derived import DERIVATIONS
from xuncha_audit.engine.registry import CheckSpec, Registry, default_registry
from xuncha_audit.errors import ConfigError, XunchaError
from xuncha_audit.vocabulary import AREAS

REQUIRED_OUTPUT = (
    "unit", "finding_key", "ev_table", "ev_key", "entity_type", "entity_key",
    "amount", "period_start", "period_end",
)
OPTIONAL_OUTPUT = ("rule", "persons")

FINDINGS_DDL = """
CREATE TABLE IF NOT EXISTS findings (
    finding_id VARCHAR, run_id VARCHAR, check_id VARCHAR, check_name VARCHAR,
    severity VARCHAR, area VARCHAR, unit VARCHAR, route VARCHAR, rule VARCHAR,
    title VARCHAR, amount DECIMAL(18,2), entity_type VARCHAR, entity_key VARCHAR,
    period_start DATE, period_end DATE, regulation VARCHAR, persons VARCHAR,
    details VARCHAR, status VARCHAR, note VARCHAR
)"""
EVIDENCE_DDL = """
CREATE TABLE IF NOT EXISTS evidence (
    finding_id VARCHAR, check_id VARCHAR, unit VARCHAR, source_table VARCHAR,
    record_key VARCHAR, record VARCHAR
)"""
CHECK_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS _check_runs (
    run_id VARCHAR, check_id VARCHAR, status VARCHAR, seconds DOUBLE, "rows" BIGINT,
    findings BIGINT, error VARCHAR, note VARCHAR
)"""

_TEMPLATE_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z0-9]+))?\}")
TEMPLATE_FORMATS = {
    "text": "CAST({x} AS VARCHAR)",
    "money": "format('{{:,.2f}}', CAST({x} AS DOUBLE))",
    "int": "CAST(CAST(round({x}) AS BIGINT) AS VARCHAR)",
    "num": "format('{{:g}}', CAST({x} AS DOUBLE))",
    "num1": "format('{{:.1f}}', CAST({x} AS DOUBLE))",
    "num2": "format('{{:.2f}}', CAST({x} AS DOUBLE))",
    "pct": "format('{{:.1f}}%', 100 * CAST({x} AS DOUBLE))",
    "date": "strftime(CAST({x} AS DATE), '%Y-%m-%d')",
    "month": "strftime(CAST({x} AS DATE), '%Y年%m月')",
}

CONFIG_KEYS = {"select", "ignore", "params"}


@dataclass
class CheckRun:
    check_id: str
    status: str  # ok | error | skipped
    seconds: float = 0.0
    rows: int = 0
    findings: int = 0
    error: str | None = None
    note: str | None = None
    notes: list[str] = field(default_factory=list)  # data-quality notes (_check_notes), as text
    units: list[str] = field(default_factory=list)  # the run's units (for _check_coverage)
    lacking: dict = field(default_factory=dict)  # unit -> (reason_zh, reason_en): not judged


@dataclass
class RunResult:
    run_id: str
    checks: list[CheckRun] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckRun]:
        return [c for c in self.checks if c.status == "error"]

    @property
    def total_findings(self) -> int:
        return sum(c.findings for c in self.checks)


def validate_check_config(config: dict | None, registry: Registry) -> dict:
    """Check the `checks` section of a run config: unknown keys, codes and params are errors.

    Shape::

        select: [P, R01]          # codes, prefixes or areas (default: all)
        ignore: [L03]
        params:
          P01: {window_days: 90}
    """
    config = dict(config or {})
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"checks 配置有未知字段 {sorted(unknown)}", f"unknown checks config keys {sorted(unknown)}")
    for key in ("select", "ignore"):
        val = config.get(key)
        if val is not None and (not isinstance(val, list) or not all(isinstance(v, str) for v in val)):
            raise ConfigError(f"checks.{key} 应为字符串列表", f"checks.{key} must be a list of strings")
    registry.select(config.get("select"), config.get("ignore"))  # raises on unknown tokens
    params = config.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError("checks.params 应为映射", "checks.params must be a mapping")
    for code, values in params.items():
        spec = registry.get(str(code))
        if not isinstance(values, dict):
            raise ConfigError(f"checks.params.{code} 应为映射", f"checks.params.{code} must be a mapping")
        for name, value in values.items():
            if name not in spec.params:
                raise ConfigError(
                    f"检查 {spec.code} 没有参数「{name}」（可用：{', '.join(spec.params) or '无'}）",
                    f"check {spec.code} has no parameter {name!r}",
                )
            spec.params[name].coerce(value, check=spec.code)
    return config


def resolve_params(con, spec: CheckSpec, overrides: dict | None = None) -> dict[str, object]:
    """Parameter values for one check: override, else default, else the standards' value;
    then the values the engine derives from the loaded standards (``derived:``, not settable)."""
    overrides = overrides or {}
    for name in overrides:
        if name not in spec.params:
            raise ConfigError(f"检查 {spec.code} 没有参数「{name}」", f"check {spec.code} has no parameter {name!r}")
    values: dict[str, object] = {}
    for name, p in spec.params.items():
        if name in overrides:
            raw = overrides[name]
        elif p.default_from:
            row = _std_param(con, p.default_from)
            if row is None:
                raise ConfigError(
                    f"检查 {spec.code} 的参数 {name} 取自标准值 {p.default_from}，但标准库中没有该项",
                    f"std_params has no key {p.default_from!r} (needed by {spec.code}.{name})",
                )
            raw = row
        else:
            raw = p.default
        values[name] = p.coerce(raw, check=spec.code)
    for name, (kind, args) in spec.derived.items():
        values[name] = DERIVATIONS[kind](con, args)
    return values


def _std_param(con, key: str):
    try:
        row = of(con).fetch_one("SELECT value FROM std_params WHERE key = ?", [key])
    except Exception:
        return None
    return None if row is None else row[0]


def compile_title(spec: CheckSpec, available: set[str]) -> tuple[str, dict[str, object]]:
    """The finding-sentence expression of a check: its template, or one per rule (chosen by
    the finding's first rule) when the check declares per-rule templates."""
    if not spec.rule_templates:
        return compile_template(spec.template, available)
    if "rule" not in available:
        raise ConfigError(f"检查 {spec.code} 按子规则定义模板，但查询结果没有 rule 字段",
                          f"check {spec.code} has per-rule templates but no rule column")
    whens, binds = [], {}
    # a template for a combination of rules (``price,displacement``) first, then by first rule
    items = sorted(spec.rule_templates.items(), key=lambda kv: "," not in kv[0])
    for i, (rule, template) in enumerate(items):
        expr, b = compile_template(template, available, prefix=f"_r{i}t")
        binds.update(b)
        binds[f"_r{i}"] = rule
        test = f"rule = $_r{i}" if "," in rule else f"split_part(rule, ',', 1) = $_r{i}"
        whens.append(f"WHEN {test} THEN {expr}")
    return f"CASE {' '.join(whens)} ELSE rule END", binds


def compile_template(template: str, available: set[str], *, prefix: str = "_t") -> tuple[str, dict[str, object]]:
    """Compile a finding-sentence template into a SQL expression with bound literals.

    ``{name}`` or ``{name:fmt}`` (fmt in TEMPLATE_FORMATS) refers to a column of the
    finding-level relation; the literal text between placeholders is bound as parameters
    ``$_t0, $_t1, ...`` so nothing is pasted into SQL.
    """
    parts: list[str] = []
    binds: dict[str, object] = {}
    pos = 0
    for m in _TEMPLATE_RE.finditer(template):
        if m.start() > pos:
            name = f"{prefix}{len(binds)}"
            binds[name] = template[pos:m.start()]
            parts.append(f"${name}")
        col, fmt = m.group(1), m.group(2) or "text"
        if col not in available:
            raise ConfigError(
                f"模板引用了不存在的字段「{col}」", f"template refers to unknown column {col!r}"
            )
        if fmt not in TEMPLATE_FORMATS:
            raise ConfigError(f"模板格式「{fmt}」不支持", f"unknown template format {fmt!r}")
        parts.append("coalesce(" + TEMPLATE_FORMATS[fmt].format(x=f'"{col}"') + ", '')")
        pos = m.end()
    if pos < len(template):
        name = f"{prefix}{len(binds)}"
        binds[name] = template[pos:]
        parts.append(f"${name}")
    return ("concat(" + ", ".join(parts) + ")" if parts else "''"), binds


def ensure_output_tables(con) -> None:
    of(con).execute(FINDINGS_DDL)
    of(con).execute(EVIDENCE_DDL)
    of(con).execute(CHECK_RUNS_DDL)
    of(con).execute("ALTER TABLE _check_runs ADD COLUMN IF NOT EXISTS note VARCHAR")  # databases of 0.1 runs
    from xuncha_audit.engine.coverage import ensure_coverage_tables

    ensure_coverage_tables(con)


def drop_units_missing(con, spec: CheckSpec, res: str, lacking: dict | None = None) -> str | None:
    """Remove the results of units that lack a table the check needs (``needs:``, or its
    first input and its ``requires`` tables; see engine/coverage.py): those units are
    未执行, not clean. Returns a Chinese note naming the units and tables (None when none)."""
    from xuncha_audit.engine.coverage import not_run_note, units_lacking

    if lacking is None:
        lacking = units_lacking(con, spec)[1]
    if lacking:
        of(con).execute(f'DELETE FROM "{res}" WHERE unit IN (SELECT unnest($u))', {"u": sorted(lacking)})
    return not_run_note(lacking)


def needed_shared(spec: CheckSpec, registry: Registry) -> set[str]:
    """The area's shared relations a check reads, directly or through another relation."""
    rels = {r.name: r for r in registry.shared.get(spec.area, [])}
    needed: set[str] = set()
    todo = [spec.sql]
    while todo:
        text = todo.pop()
        for name, rel in rels.items():
            if name not in needed and re.search(rf"\b{re.escape(name)}\b", text):
                needed.add(name)
                todo.append(rel.sql)
    return needed


def build_shared(con, area: str, registry: Registry | None = None, *, rebuild: bool = False,
                 backend: Backend | None = None, only: set[str] | None = None) -> None:
    """Materialise the area's shared relations (``<area>/_shared/*.sql``) as temp tables.

    ``rebuild=False`` keeps relations already present on this connection (a run rebuilds
    them once at its start, so checks of one area reuse them). ``backend``: the engine that
    runs the checks (default: DuckDB on ``con``); Spark materialises them as checkpointed views.
    ``only``: build just these relations (those one check needs).
    """
    registry = registry or default_registry()
    be = backend or of(con)
    for rel in registry.shared.get(area, []):
        if only is not None and rel.name not in only:
            continue
        if not rebuild and be.exists(rel.name, temporary=True):
            continue
        be.create_table_as(rel.name, rel.sql, temp=True)


def drop_shared(con, area: str, registry: Registry | None = None, *, backend: Backend | None = None) -> None:
    """Drop the area's shared relations once its last check has run: they are the run's
    scratch, not outputs, and one of them holds every distinct text of the ledger
    (``ledger_texts``: ~2M texts upper-cased, a few hundred MB on a 4M-line ledger), which
    would otherwise stay in memory through the other areas' checks, triage and export."""
    registry = registry or default_registry()
    be = backend or of(con)
    for rel in registry.shared.get(area, []):
        if be.exists(rel.name, temporary=True):
            be.drop(rel.name)


def finding_id(code: str, unit: str | None, keys) -> str | None:
    """The stable id of a finding: its check, unit and the sorted set of its evidence keys.

    ``keys`` are ``table:record_key`` strings. Computed in Python (the same on every engine),
    identical to the ids of earlier releases (``substr(sha256(code|unit|sorted keys), 1, 16)``)
    so triage stores carry over.
    """
    if unit is None:
        return None
    text = f"{code}|{unit}|{','.join(sorted(set(keys)))}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _finding_ids(con, code: str, res: str):
    """An Arrow table (unit, finding_key, finding_id) for the result table ``res``."""
    import pyarrow as pa

    tbl = of(con).fetch_arrow(
        f"SELECT unit, finding_key, list(DISTINCT ev_table || ':' || ev_key) AS _keys FROM {quote(res)} "
        "WHERE ev_key IS NOT NULL GROUP BY unit, finding_key",
    )
    ids = [finding_id(code, u, keys) for u, keys in
           zip(tbl.column("unit").to_pylist(), tbl.column("_keys").to_pylist(), strict=True)]
    return tbl.drop_columns(["_keys"]).append_column("finding_id", pa.array(ids, pa.string()))


def _sorted_distinct(col: str, sep: str) -> str:
    """``string_agg(DISTINCT col, sep ORDER BY col)`` written the way every engine reads alike
    (what ``db.dialect`` makes of an unordered string_agg): no sqlglot parse of the statement,
    which cost ~15 ms per check, more than running it."""
    return f"nullif(array_to_string(list_sort(list_distinct(list(\"{col}\"))), '{sep}'), '')"


def _materialise_result(con, be: Backend, res: str, sql: str, binds: dict) -> None:
    """The check's rows as temp table ``res`` on ``con`` (run on the backend, fetched back)."""
    if isinstance(be, DuckDBBackend) and be.con is con:
        be.create_table_as(res, sql, binds, temp=True)
        return
    # read once: fetched straight back, no need to materialise it on the other engine first
    _copy_in(con, res, be.fetch_arrow(sql, binds), temp=True)


def _copy_in(con, name: str, table, *, temp: bool) -> None:
    """Store an Arrow table in DuckDB as table ``name`` (replacing it)."""
    view = f"_arrow_{name}"
    with of(con).registered(view, table):
        of(con).create_table_as(name, f"SELECT * FROM {quote(view)}", temp=temp)


def run_check(con, spec: CheckSpec, params: dict[str, object], run_id: str,
              registry: Registry | None = None, *, backend: Backend | None = None,
              presence: dict | None = None) -> CheckRun:
    """Run one check and append its findings and evidence. Raises on failure.

    ``con`` is the DuckDB database that receives findings and evidence; ``backend`` the engine
    that runs the check's SQL (default: DuckDB on ``con``). Whatever the engine, the rows come
    back to ``con`` and findings are assembled there, the same way.
    """
    from xuncha_audit.engine.coverage import NOTE_COLUMN, not_run_note, take_notes, units_lacking

    t0 = time.perf_counter()
    units, lacking = units_lacking(con, spec, presence)
    if units and len(lacking) == len(units):  # no unit supplied what the check needs
        return CheckRun(spec.code, "not_run", time.perf_counter() - t0, note=not_run_note(lacking),
                        units=units, lacking=lacking)
    be = backend or of(con)
    registry = registry or default_registry()
    build_shared(con, spec.area, registry, backend=be, only=needed_shared(spec, registry))
    if spec.python:
        module = importlib.import_module(f"xuncha_audit.checks.{spec.area}.{spec.python}")
        module.prepare(be, dict(params))
        if not (isinstance(be, DuckDBBackend) and be.con is con):
            for table in getattr(module, "OUTPUTS", ()):  # e.g. benford_distribution for notebooks
                _copy_in(con, table, be.fetch_arrow(f"SELECT * FROM {quote(table)}"), temp=False)
    res = f"_res_{spec.code}"
    binds = {k: v for k, v in params.items() if k in spec.referenced_params()}
    _materialise_result(con, be, res, spec.sql, binds)
    note = drop_units_missing(con, spec, res, lacking)
    cols = of(con).columns(res)
    notes = take_notes(con, run_id, spec.code, res, spec.entity_type) if NOTE_COLUMN in cols else []
    cols = [c for c in cols if c != NOTE_COLUMN]
    missing = [c for c in REQUIRED_OUTPUT if c not in cols]
    if missing:
        raise XunchaError(
            f"检查 {spec.code} 的查询结果缺少字段 {missing}",
            f"check {spec.code} output lacks columns {missing}",
            file=str(spec.path),
        )
    n_rows = of(con).scalar(f'SELECT count(*) FROM "{res}"')
    extra = [c for c in cols if c not in REQUIRED_OUTPUT and c not in OPTIONAL_OUTPUT]
    has_rule = "rule" in cols
    has_persons = "persons" in cols

    extra_sel = "".join(f', min("{c}") AS "{c}"' for c in extra)
    details = (
        "json_object(" + ", ".join(f"'{c}', min(\"{c}\")" for c in extra) + ")" if extra else "NULL"
    )
    fk = f"_fk_{spec.code}"
    ids = f"_ids_{spec.code}"
    with of(con).registered(ids, _finding_ids(con, spec.code, res)):
        of(con).create_table_as(fk, f"""
            SELECT * FROM (
                SELECT r.unit, r.finding_key, any_value(i.finding_id) AS finding_id,
                    max(amount) AS amount, min(period_start) AS period_start,
                    max(period_end) AS period_end, min(entity_type) AS entity_type,
                    min(entity_key) AS entity_key,
                    {_sorted_distinct("rule", ",") if has_rule else "NULL"} AS rule,
                    {_sorted_distinct("persons", "、") if has_persons else "NULL"} AS persons,
                    {details} AS details
                    {extra_sel}
                FROM "{res}" r JOIN "{ids}" i
                  ON i.unit = r.unit AND i.finding_key IS NOT DISTINCT FROM r.finding_key
                WHERE ev_key IS NOT NULL
                GROUP BY r.unit, r.finding_key
            )
            QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY finding_key) = 1
            """)
    fk_cols = set(of(con).columns(fk))
    shown = [p for p in params if p not in spec.derived]  # a derived pattern is no finding's text
    title_expr, title_binds = compile_title(spec, fk_cols | set(shown))
    # Parameters may appear in the template: expose them as bound columns.
    pcols = [p for p in shown if p not in fk_cols]
    param_sel = "".join(f', ${p} AS "{p}"' for p in pcols)
    of(con).execute(
        f"""
        INSERT INTO findings
        SELECT finding_id, $run_id, $code, $name, $severity, $area, unit, $route, rule,
               {title_expr}, amount, entity_type, entity_key, period_start, period_end,
               $regulation, persons, details, '待核实', NULL
        FROM (SELECT *{param_sel} FROM "{fk}")
        """,
        {
            "run_id": run_id, "code": spec.code, "name": spec.title_zh,
            "severity": spec.severity, "area": spec.area, "route": spec.route,
            "regulation": spec.regulation, **title_binds, **{p: params[p] for p in pcols},
        },
    )
    of(con).execute(
        f"""
        INSERT INTO evidence
        SELECT DISTINCT f.finding_id, $code, r.unit, r.ev_table, r.ev_key, NULL
        FROM "{res}" r JOIN "{fk}" f ON r.unit = f.unit AND r.finding_key = f.finding_key
        WHERE r.ev_key IS NOT NULL
        """,
        {"code": spec.code},
    )
    n_findings = of(con).scalar(f'SELECT count(*) FROM "{fk}"')
    of(con).execute(f'DROP TABLE IF EXISTS "{res}"')
    of(con).execute(f'DROP TABLE IF EXISTS "{fk}"')
    return CheckRun(spec.code, "ok", time.perf_counter() - t0, int(n_rows), int(n_findings), note=note,
                    notes=notes, units=units, lacking=lacking)


def record_check_coverage(con, run_id: str, spec: CheckSpec, cr: CheckRun,
                          presence: dict | None = None) -> None:
    """``_check_coverage``: one row per unit saying whether this check judged it."""
    from xuncha_audit.engine.coverage import record_coverage, units_lacking

    units, lacking = cr.units, cr.lacking
    if not units:
        units, lacking = units_lacking(con, spec, presence)
    record_coverage(con, run_id, cr.check_id, cr.status, units, lacking, reason=cr.error)


def attach_evidence_records(con) -> None:
    """Fill `evidence.record` with a JSON object of each cited record's contract columns.

    Each cited record's JSON is made once (a record is evidence of several findings), and
    the evidence table is written again with them, in its order: an UPDATE of each source
    table's evidence rows held its ~900,000 changed texts at a province (4.9 s; rewritten
    1.4 s). A record keeps the JSON it has (checks run earlier, with ``--select``)."""
    from xuncha_audit.contract import load_contract

    contract = load_contract()
    be = of(con)
    tables = [r[0] for r in be.fetch_all(
        "SELECT DISTINCT source_table FROM evidence WHERE record IS NULL ORDER BY 1")]
    existing = {r[0] for r in be.fetch_all("SELECT table_name FROM information_schema.tables")}
    parts = []
    for t in tables:
        if t not in contract.tables or t not in existing:
            continue
        obj = ", ".join(f"'{c}', \"{c}\"" for c in contract.table(t).columns)
        # one JSON per cited key (min: the same one on every run, should a key repeat)
        parts.append(
            f"""SELECT {literal(t)} AS source_table, t.unit, t._key AS record_key,
                       min(CAST(json_object({obj}) AS VARCHAR)) AS rec
                FROM "{t}" t SEMI JOIN (SELECT unit, record_key FROM evidence
                                        WHERE source_table = {literal(t)} AND record IS NULL) e
                  ON e.unit = t.unit AND e.record_key = t._key
                GROUP BY t.unit, t._key""")
    if not parts:
        return
    be.execute("CREATE OR REPLACE TEMP TABLE _xa_records AS " + " UNION ALL ".join(parts))
    try:
        be.execute(
            """CREATE OR REPLACE TABLE evidence AS
            SELECT e.finding_id, e.check_id, e.unit, e.source_table, e.record_key,
                   coalesce(e.record, r.rec) AS record
            FROM evidence e
            LEFT JOIN _xa_records r
              ON r.source_table = e.source_table AND r.unit = e.unit AND r.record_key = e.record_key
            ORDER BY e.rowid""")
    finally:
        be.execute("DROP TABLE IF EXISTS _xa_records")


def run_checks(
    con,
    checks: list[CheckSpec] | None = None,
    *,
    config: dict | None = None,
    run_id: str | None = None,
    skip_tables: set[str] | frozenset[str] = frozenset(),
    registry: Registry | None = None,
    progress=None,
    backend: Backend | None = None,
) -> RunResult:
    """Run the selected checks; replace their previous findings; keep going past failures.

    ``config`` is the `checks` section of the run config (see validate_check_config).
    ``skip_tables``: tables that failed a critical validation; checks reading them are
    skipped with a clear reason. ``progress(spec, CheckRun)`` is called after each check.
    ``backend``: the engine that runs the checks' SQL (default DuckDB on ``con``; see
    ``xuncha_audit.db``); findings, evidence and ``_check_runs`` are written to ``con``.
    """
    registry = registry or default_registry()
    config = validate_check_config(config, registry)
    if checks is None:
        checks = registry.select(config.get("select"), config.get("ignore"))
    run_id = run_id or datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    ensure_output_tables(con)
    result = RunResult(run_id)
    codes = [c.code for c in checks]
    of(con).execute("DELETE FROM evidence WHERE check_id IN (SELECT unnest($c))", {"c": codes})
    of(con).execute("DELETE FROM findings WHERE check_id IN (SELECT unnest($c))", {"c": codes})
    param_cfg = {str(k).upper(): v for k, v in (config.get("params") or {}).items()}
    built: set[str] = set()
    presence: dict = {}  # units per table, read once (the checks do not change their inputs)
    last_of_area = {spec.area: i for i, spec in enumerate(checks)}
    for i, spec in enumerate(checks):
        blocked = sorted(set(spec.inputs) & set(skip_tables))
        if blocked:
            cr = CheckRun(spec.code, "skipped", error=f"输入表 {blocked} 未通过关键校验，跳过本检查 "
                          f"(input tables {blocked} failed critical validation)")
        else:
            t0 = time.perf_counter()
            try:
                if spec.area not in built:  # fresh shared relations for this run's data
                    built.add(spec.area)
                    build_shared(con, spec.area, registry, rebuild=True, backend=backend)
                params = resolve_params(con, spec, param_cfg.get(spec.code))
                cr = run_check(con, spec, params, run_id, registry, backend=backend, presence=presence)
            except Exception as exc:
                msg = exc.message() if isinstance(exc, XunchaError) else f"{type(exc).__name__}: {exc}"
                hint = out_of_resources_hint(exc)
                msg = f"{hint}。{msg}" if hint else msg
                cr = CheckRun(spec.code, "error", time.perf_counter() - t0, error=msg)
        of(con).execute(
            "INSERT INTO _check_runs BY NAME SELECT ? AS run_id, ? AS check_id, ? AS status, ? AS seconds, "
            '? AS "rows", ? AS findings, ? AS error, ? AS note',
            [run_id, cr.check_id, cr.status, cr.seconds, cr.rows, cr.findings, cr.error, cr.note],
        )
        record_check_coverage(con, run_id, spec, cr, presence)
        result.checks.append(cr)
        if i == last_of_area[spec.area] and spec.area in built:
            drop_shared(con, spec.area, registry, backend=backend)
        if progress:
            progress(spec, cr)
    attach_evidence_records(con)
    return result


__all__ = [
    "AREAS",
    "CheckRun",
    "RunResult",
    "attach_evidence_records",
    "compile_template",
    "compile_title",
    "ensure_output_tables",
    "finding_id",
    "resolve_params",
    "run_check",
    "run_checks",
    "validate_check_config",
]
