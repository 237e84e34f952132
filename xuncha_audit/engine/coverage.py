"""What a run could judge: which tables each unit supplied, which checks ran for which
unit, and the data-quality notes checks emit instead of findings.

- ``_unit_tables(unit, table_name, table_title, rows, files, supplied)``: one row per unit
  and canonical table (``supplied`` = the unit has at least one row of it).
- ``_check_coverage(run_id, check_id, unit, status, status_zh, reason_zh, reason_en)``: one
  row per check and unit. status: ``ok`` 已执行 | ``not_run`` 未执行 (an input it needs is
  absent or empty for the unit: reason 缺少 工资表（payroll）) | ``skipped`` 跳过 (an input
  failed a critical validation) | ``error`` 出错.
- ``_check_notes(run_id, check_id, unit, reason_zh, n, entity_type, examples)``: "cannot
  judge" notes, one per check, unit and reason ("60 人职级无法识别"): rows of a check's
  query with a non-NULL ``_note`` column (see docs/ARCHITECTURE.md §2).

What a check needs (``needs_of``): its ``needs:`` header when it has one (a list whose
items are a table, or a list of tables of which any one will do), else the first canonical
table of ``inputs`` plus every ``requires`` table. An item ``table.column`` needs a value
in that column: a layout that cannot carry it (a 明细账 without 往来单位) leaves the column
empty, and a check built on it must say 未执行 for the unit, not find nothing.
"""

from __future__ import annotations

import json

from xuncha_audit.contract import load_contract
from xuncha_audit.db import of

COVERAGE_STATUS_ZH = {"ok": "已执行", "not_run": "未执行", "skipped": "跳过", "error": "出错"}

UNIT_TABLES_DDL = """
CREATE OR REPLACE TABLE _unit_tables (
    unit VARCHAR, table_name VARCHAR, table_title VARCHAR, "rows" BIGINT, files BIGINT,
    supplied BOOLEAN
)"""
COVERAGE_DDL = """
CREATE TABLE IF NOT EXISTS _check_coverage (
    run_id VARCHAR, check_id VARCHAR, unit VARCHAR, status VARCHAR, status_zh VARCHAR,
    reason_zh VARCHAR, reason_en VARCHAR
)"""
NOTES_DDL = """
CREATE TABLE IF NOT EXISTS _check_notes (
    run_id VARCHAR, check_id VARCHAR, unit VARCHAR, reason_zh VARCHAR, n BIGINT,
    entity_type VARCHAR, examples VARCHAR
)"""
NOTE_COLUMN = "_note"
NOTE_EXAMPLES = 5


def ensure_coverage_tables(con) -> None:
    be = of(con)
    be.execute(COVERAGE_DDL)
    be.execute(NOTES_DDL)


def _existing_tables(con) -> set[str]:
    return {r[0] for r in of(con).fetch_all(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema()")}


def write_unit_tables(con) -> None:
    """``_unit_tables``: for every unit of the run and every canonical table, the rows and
    files it supplied (0 = not supplied)."""
    be = of(con)
    contract = load_contract()
    have = _existing_tables(con)
    be.execute(UNIT_TABLES_DDL)
    tables = [t for t in contract.tables if t in have]
    if not tables:
        return
    counts = " UNION ALL ".join(
        f"SELECT unit, '{t}' AS table_name, count(*) AS n FROM \"{t}\" GROUP BY unit" for t in tables)
    titles = " UNION ALL ".join(
        f"SELECT '{t}' AS table_name, ? AS table_title" for t in tables)
    units = "SELECT unit FROM _units" if "_units" in have else "SELECT NULL AS unit WHERE false"
    files = ("SELECT unit, table_name, count(DISTINCT file) AS files FROM _load_log "
             "WHERE rows_loaded > 0 GROUP BY ALL" if "_load_log" in have
             else "SELECT NULL AS unit, NULL AS table_name, 0 AS files WHERE false")
    be.execute(
        f"""INSERT INTO _unit_tables
        WITH c AS ({counts}), u AS ({units} UNION SELECT unit FROM c), t AS ({titles}),
             f AS ({files})
        SELECT u.unit, t.table_name, t.table_title, coalesce(c.n, 0), coalesce(f.files, 0),
               coalesce(c.n, 0) > 0
        FROM u CROSS JOIN t
        LEFT JOIN c ON c.unit = u.unit AND c.table_name = t.table_name
        LEFT JOIN f ON f.unit = u.unit AND f.table_name = t.table_name
        WHERE u.unit IS NOT NULL
        ORDER BY u.unit, t.table_name""",
        [contract.table(t).title for t in tables],
    )


def needs_of(spec) -> list[tuple[str, ...]]:
    """The groups of tables a check needs per unit; any table of a group will do."""
    contract = load_contract()
    declared = getattr(spec, "needs", None)
    if declared:
        return [tuple(g) if isinstance(g, (list, tuple)) else (g,) for g in declared]
    groups: list[tuple[str, ...]] = []
    first = next((t for t in spec.inputs if t in contract.tables), None)
    if first:
        groups.append((first,))
    for t in spec.requires:
        if (t,) not in groups:
            groups.append((t,))
    return groups


def need_parts(item: str) -> tuple[str, str | None]:
    """(table, column or None) of a ``needs:`` item ``table`` or ``table.column``."""
    t, _, c = item.partition(".")
    return t, c or None


def _title(item: str) -> str:
    t, c = need_parts(item)
    try:
        if c:  # a column: 序时账（明细账）的「往来单位」
            col = load_contract().table(t).columns[c]
            return f"{_title(t)}的「{col.aliases[0] if col.aliases else c}」"
        return load_contract().table(t).title
    except Exception:
        return item


def _present_sql(item: str) -> str:
    """Units having rows of a needed table, or a value in a needed ``table.column``."""
    t, c = need_parts(item)
    sql = f"SELECT DISTINCT '{item}' AS t, unit FROM \"{t}\""
    return sql if c is None else sql + f" WHERE nullif(trim(CAST(\"{c}\" AS VARCHAR)), '') IS NOT NULL"


def group_text(group: tuple[str, ...]) -> tuple[str, str]:
    zh = "或".join(_title(t) for t in group)
    return f"缺少 {zh}（{'/'.join(group)}）", f"missing {' or '.join(group)}"


def units_lacking(con, spec, presence: dict | None = None) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """(all units of the run, {unit: (reason_zh, reason_en)} for units lacking a needed
    table). A table absent from the database counts as empty.

    ``presence``: a dict kept for one run of the checks (``run_checks`` passes one): which
    units each table has is read once per run, not once per check (36 scans of a province's
    ledger otherwise)."""
    be = of(con)
    cache = {} if presence is None else presence

    def units_in(key: str, sql: str) -> set[str]:
        if key not in cache:
            cache[key] = {r[-1] for r in be.fetch_all(sql) if r[-1] is not None}
        return cache[key]

    have = {r[0] for r in be.fetch_all(
        "SELECT table_name FROM duckdb_tables() WHERE temporary OR "
        "(database_name = current_database() AND schema_name = current_schema())")}
    groups = needs_of(spec)
    tables = sorted({t for g in groups for t in g if need_parts(t)[0] in have})
    present = {t: units_in(t, _present_sql(t)) for t in tables}  # a table's units, or a column's
    units = set().union(*(units_in(t, f'SELECT DISTINCT unit FROM "{t}"')
                          for t in {need_parts(t)[0] for t in tables}))
    if "_units" in have:
        units |= units_in("_units", "SELECT DISTINCT unit FROM _units")
    if not units:
        return [], {}
    lacking: dict[str, list[tuple[str, str]]] = {}
    for g in groups:
        for u in sorted(units):
            if not any(u in present.get(t, set()) for t in g):
                lacking.setdefault(u, []).append(group_text(g))
    return sorted(units), {u: ("；".join(r[0] for r in rs), "; ".join(r[1] for r in rs))
                           for u, rs in lacking.items()}


def not_run_note(lacking: dict[str, tuple[str, str]]) -> str | None:
    """One Chinese sentence per reason: which units were not judged and why."""
    if not lacking:
        return None
    by_reason: dict[str, list[str]] = {}
    for u, (zh, _en) in sorted(lacking.items()):
        by_reason.setdefault(zh, []).append(u)
    return "；".join(f"{'、'.join(us)}{zh.replace('缺少 ', '未提供', 1)}，本检查未判断"
                    for zh, us in by_reason.items())


def record_coverage(con, run_id: str, check_id: str, status: str, units: list[str],
                    lacking: dict[str, tuple[str, str]], reason: str | None = None) -> None:
    """Write one `_check_coverage` row per unit for a check of this run."""
    be = of(con)
    ensure_coverage_tables(con)
    be.execute("DELETE FROM _check_coverage WHERE run_id = ? AND check_id = ?", [run_id, check_id])
    rows = []
    for u in units:
        if status in ("skipped", "error"):
            st, zh, en = status, reason, reason
        elif u in lacking:
            st, (zh, en) = "not_run", lacking[u]
        else:
            st, zh, en = "ok", None, None
        rows.append((run_id, check_id, u, st, COVERAGE_STATUS_ZH[st], zh, en))
    if rows:
        be.execute_many("INSERT INTO _check_coverage VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def take_notes(con, run_id: str, check_id: str, res: str, entity_type: str) -> list[str]:
    """Move the rows of the result table ``res`` that carry a ``_note`` into
    ``_check_notes`` (one row per unit and reason, counting distinct entities) and delete
    them from ``res``. Returns the notes as console lines."""
    be = of(con)
    ensure_coverage_tables(con)
    be.execute("DELETE FROM _check_notes WHERE run_id = ? AND check_id = ?", [run_id, check_id])
    be.execute(
        f"""INSERT INTO _check_notes
        SELECT $run_id, $check, unit, "{NOTE_COLUMN}", count(DISTINCT coalesce(entity_key, finding_key)),
               coalesce(min(entity_type), $etype),
               array_to_string(list_slice(list_sort(list(DISTINCT coalesce(entity_key, finding_key))), 1, {NOTE_EXAMPLES}), '、')
        FROM "{res}" WHERE "{NOTE_COLUMN}" IS NOT NULL
        GROUP BY unit, "{NOTE_COLUMN}" """,
        {"run_id": run_id, "check": check_id, "etype": entity_type},
    )
    be.execute(f'DELETE FROM "{res}" WHERE "{NOTE_COLUMN}" IS NOT NULL')
    return [note_text(u, reason, n, et, ex) for u, reason, n, et, ex in be.fetch_all(
        "SELECT unit, reason_zh, n, entity_type, examples FROM _check_notes "
        "WHERE run_id = ? AND check_id = ? ORDER BY unit, reason_zh", [run_id, check_id])]


ENTITY_COUNTER_ZH = {"person": "人", "vendor": "家供应商", "account": "个科目", "vehicle": "辆车",
                     "room": "间办公室", "unit": "个单位", "contract": "份合同", "project": "个项目"}


def note_text(unit: str, reason: str, n: int, entity_type: str | None, examples: str | None) -> str:
    counter = ENTITY_COUNTER_ZH.get(entity_type or "", "条")
    ex = f"（如 {examples}{' 等' if n > NOTE_EXAMPLES else ''}）" if examples else ""
    return f"{unit}：{n} {counter}{reason}，未作判断{ex}"


def required_but_empty(con, specs) -> list[tuple[str, str, list[str]]]:
    """Tables the selected checks need that hold no row at all (for any unit): (table,
    title, [check ids]). A group of alternatives counts only when all of them are empty."""
    have = _existing_tables(con)
    counts: dict[str, int] = {}

    def rows(t: str) -> int:
        if t not in counts:
            counts[t] = (of(con).scalar(f"SELECT count(*) FROM ({_present_sql(t)})")
                         if need_parts(t)[0] in have else 0)
        return counts[t]

    need: dict[str, list[str]] = {}
    for spec in specs:
        for group in needs_of(spec):
            if all(rows(t) == 0 for t in group):
                for t in group:
                    need.setdefault(t, []).append(spec.code)
    return [(t, _title(t), sorted(set(codes))) for t, codes in sorted(need.items())]


REQUIRED_EXPECTATION = "xuncha_required_table_not_empty"


def record_required_empty(con, missing: list[tuple[str, str, list[str]]]) -> None:
    """One failed `_validation` row per required table that is empty (validation must not
    say "all rules passed" on tables that were never supplied). Severity ``warning``: the
    checks that need it are 未执行 (see `_check_coverage`), not skipped as broken."""
    be = of(con)
    if not missing or "_validation" not in _existing_tables(con):
        return
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    be.execute("DELETE FROM _validation WHERE expectation = ?", [REQUIRED_EXPECTATION])
    for t, title, codes in missing:
        be.execute(
            "INSERT INTO _validation BY NAME SELECT ? AS run_at, ? AS table_name, ? AS expectation, "
            "? AS expectation_id, NULL AS \"column\", 'warning' AS severity, false AS success, "
            "0 AS unexpected_count, 0 AS element_count, ? AS description_zh, ? AS details",
            [now, t, REQUIRED_EXPECTATION, f"required:{t}",
             f"必需的数据表为空：{title}（{t}）未提供或没有一行数据，需要它的检查 {'、'.join(codes)} 未执行",
             json.dumps({"checks": codes, "rows": 0}, ensure_ascii=False)],
        )
