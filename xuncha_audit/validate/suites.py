"""Expectation suites: generated from the data contract, plus hand-written and user suites.

Layout of a suites directory (default: the repository's ``expectations/``)::

    expectations/<table>.json      one GX 1.x ExpectationSuite per canonical table, GENERATED
                                   from xuncha_audit/contract/tables.yaml (do not edit by hand:
                                   ``xuncha-audit validate generate-suites`` or
                                   ``python -m xuncha_audit.validate.suites``)
    expectations/cross_table.json  hand-written cross-table expectations (UnexpectedRows SQL);
                                   every expectation names the table it runs on in meta.table
    expectations/local/*.json      the user's own expectations (same format; the table is the
                                   suite name or meta.table); merged into the suites at run time

Merging: every expectation has a stable ``meta.id`` (``ledger.voucher_date.not_null``); a
user expectation with the id of an existing one replaces it, ``meta.disabled: true``
switches it off, any other user expectation is added. Each expectation carries
``meta.description_zh`` and ``meta.severity`` (critical | warning | info).

This module does not import great_expectations (it works on the JSON form of suites).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from xuncha_audit.contract import CONTRACT_PATH, Table, load_contract
from xuncha_audit.errors import ConfigError
from xuncha_audit.validate.descriptions import describe

GX_VERSION = "1.24.1"
REPO_SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
CROSS_TABLE_FILE = "cross_table.json"
LOCAL_DIR = "local"
SEVERITIES = ("critical", "warning", "info")
PERIOD_PARAMETERS = ("period_start", "period_end", "period_start_month")

# A non-null share this small means "at least one value": the column must not be entirely
# empty (an empty table passes). Bundled into the same aggregate query as the null count.
NOT_ALL_NULL_MOSTLY = 1e-9

# Transaction dates checked against the inspection period: every required date/month
# column. Severity per column where it differs from "warning" (contracts signed before the
# period are normal, payments on them fall inside it).
PERIOD_SEVERITY_OVERRIDES = {"contracts.sign_date": "info"}

# Key uniqueness within a unit, as one raw-SQL rule. GX's compound-columns-unique joins the
# table to its grouped counts (two heavy queries); grouping the 64-bit hash of (unit, _key)
# and comparing the actual strings only for colliding hashes is exact and faster.
UNIQUE_KEY_QUERY = (
    "WITH b AS NOT MATERIALIZED (SELECT unit, _key FROM {batch} WHERE _key IS NOT NULL), "
    "dup AS (SELECT hash(unit, _key) AS h FROM b GROUP BY 1 HAVING count(*) > 1) "
    "SELECT unit, _key, count(*) AS n FROM b WHERE hash(unit, _key) IN (SELECT h FROM dup) "
    "GROUP BY unit, _key HAVING count(*) > 1"
)

_EXPECTATION_KEYS = {"type", "kwargs", "meta", "description", "severity", "id", "notes",
                     "rendered_content", "result_format", "catch_exceptions", "windows"}
_META_KEYS_REQUIRED = ("id", "severity")


@dataclass
class TableSuite:
    """The merged suite of one table (JSON form) and what was left out."""

    table: str
    expectations: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_gx_dict(self) -> dict:
        return {
            "name": self.table,
            "id": None,
            "expectations": self.expectations,
            "meta": {"great_expectations_version": GX_VERSION},
            "notes": None,
        }


def _expectation(table: Table, etype: str, kwargs: dict, *, eid: str, severity: str) -> dict:
    description = describe(etype, kwargs, table.name)
    return {
        "type": etype,
        "kwargs": kwargs,
        "meta": {
            "id": f"{table.name}.{eid}",
            "severity": severity,
            "description_zh": description,
            "generated": True,
        },
        "description": description,
        "severity": severity,
    }


def generate_suite(table: Table) -> dict:
    """The generated GX suite (JSON dict) of one canonical table."""
    exps: list[dict] = []
    # 1. columns exist (one metadata query per table): the system columns and the key and
    #    required columns are critical, the optional contract columns a warning.
    critical_cols = ["unit", "_key"] + [
        c.name for c in table.column_list() if c.required or c.name in table.key
    ]
    optional_cols = [c.name for c in table.column_list() if c.name not in critical_cols]
    exps.append(_expectation(table, "expect_table_columns_to_match_set",
                             {"column_set": critical_cols, "exact_match": False},
                             eid="columns.required", severity="critical"))
    if optional_cols:
        exps.append(_expectation(table, "expect_table_columns_to_match_set",
                                 {"column_set": optional_cols, "exact_match": False},
                                 eid="columns.optional", severity="warning"))
    # 2. not null: every row (warning) and not the whole column (critical).
    exps.append(_expectation(table, "expect_column_values_to_not_be_null", {"column": "unit"},
                             eid="unit.not_null", severity="warning"))
    exps.append(_expectation(table, "expect_column_values_to_not_be_null", {"column": "_key"},
                             eid="_key.not_null", severity="warning"))
    exps.append(_expectation(table, "expect_column_values_to_not_be_null",
                             {"column": "_key", "mostly": NOT_ALL_NULL_MOSTLY},
                             eid="_key.not_all_null", severity="critical"))
    for col in table.column_list():
        if not col.required:
            continue
        exps.append(_expectation(table, "expect_column_values_to_not_be_null",
                                 {"column": col.name}, eid=f"{col.name}.not_null",
                                 severity="warning"))
        exps.append(_expectation(table, "expect_column_values_to_not_be_null",
                                 {"column": col.name, "mostly": NOT_ALL_NULL_MOSTLY},
                                 eid=f"{col.name}.not_all_null", severity="critical"))
    # 3. the record key is unique within a unit (see UNIQUE_KEY_QUERY).
    exps.append(_expectation(table, "unexpected_rows_expectation",
                             {"unexpected_rows_query": UNIQUE_KEY_QUERY},
                             eid="_key.unique_in_unit", severity="warning"))
    exps[-1]["meta"]["description_zh"] = exps[-1]["description"] = (
        "同一单位内记录键（_key：" + "＋".join(table.key) + "）不应重复（每行违规代表一个重复的键）"
    )
    # 4. lower bounds, allowed values.
    for col in table.column_list():
        if col.min is not None:
            exps.append(_expectation(table, "expect_column_values_to_be_between",
                                     {"column": col.name, "min_value": col.min},
                                     eid=f"{col.name}.min", severity="warning"))
        if col.values:
            exps.append(_expectation(table, "expect_column_values_to_be_in_set",
                                     {"column": col.name, "value_set": list(col.values)},
                                     eid=f"{col.name}.in_set", severity="warning"))
    # 5. transaction dates within the inspection period (suite parameters, bound at run time).
    for col in table.column_list():
        if not col.required or col.type not in ("date", "month"):
            continue
        start = "period_start_month" if col.type == "month" else "period_start"
        exps.append(_expectation(
            table, "expect_column_values_to_be_between",
            {"column": col.name, "min_value": {"$PARAMETER": start},
             "max_value": {"$PARAMETER": "period_end"}},
            eid=f"{col.name}.in_period",
            severity=PERIOD_SEVERITY_OVERRIDES.get(f"{table.name}.{col.name}", "warning"),
        ))
    return {
        "name": table.name,
        "id": None,
        "expectations": exps,
        "meta": {
            "great_expectations_version": GX_VERSION,
            "xuncha": {
                "table": table.name,
                "title_zh": table.title,
                "generated_from": "xuncha_audit/contract/tables.yaml",
                "contract_version": load_contract().version,
                "note": "由 xuncha-audit validate generate-suites 生成，请勿手工修改；"
                        "自定义规则请放在 expectations/local/*.json",
            },
        },
        "notes": None,
    }


def generate_suites() -> dict[str, dict]:
    """Every table's generated suite, by table name."""
    return {name: generate_suite(t) for name, t in load_contract().tables.items()}


def dump_suite(suite: dict) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=2) + "\n"


def write_suites(out_dir: Path = REPO_SUITES_DIR) -> list[Path]:
    """Write the generated suites to ``out_dir/<table>.json``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, suite in generate_suites().items():
        path = out_dir / f"{name}.json"
        path.write_text(dump_suite(suite), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- loading and merging


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"期望规则文件不是有效的 JSON：{exc.msg}",
            f"invalid JSON in expectation file: {exc}",
            file=str(path), row=exc.lineno,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise ConfigError(
            "期望规则文件应为 GX 期望套件（含 expectations 列表）",
            "expectation file must be a GX ExpectationSuite with an 'expectations' list",
            file=str(path),
        )
    return data


def _check_expectation(exp: dict, path: Path, index: int, table: str | None) -> dict:
    """Validate one expectation's JSON and fill meta defaults (id, severity, description_zh)."""
    where = {"file": str(path), "column": f"expectations[{index}]"}
    if not isinstance(exp, dict) or "type" not in exp:
        raise ConfigError("期望规则缺少 type", "expectation lacks 'type'", **where)
    unknown = set(exp) - _EXPECTATION_KEYS
    if unknown:
        raise ConfigError(f"期望规则含未知键：{sorted(unknown)}",
                          f"unknown expectation keys {sorted(unknown)}", **where)
    exp = json.loads(json.dumps(exp))  # deep copy
    kwargs = exp.setdefault("kwargs", {})
    meta = exp.setdefault("meta", {}) or {}
    exp["meta"] = meta
    severity = meta.get("severity") or exp.get("severity") or "warning"
    if severity not in SEVERITIES:
        raise ConfigError(f"严重程度「{severity}」无效，应为 critical、warning 或 info",
                          f"bad severity {severity!r}", **where)
    meta["severity"] = severity
    exp["severity"] = severity
    meta.setdefault("description_zh", describe(exp["type"], kwargs, table))
    if not meta.get("id"):
        target = kwargs.get("column") or "+".join(kwargs.get("column_list", [])) or "table"
        meta["id"] = f"{table or meta.get('table')}.{target}.{exp['type']}.{path.stem}.{index}"
    return exp


def _table_of(suite: dict, exp: dict, path: Path, known: set[str]) -> str:
    table = (exp.get("meta") or {}).get("table") or suite.get("name")
    if table not in known:
        raise ConfigError(
            f"期望规则指向未知的数据表「{table}」（套件名或 meta.table 应为标准表名）",
            f"expectation names unknown table {table!r}", file=str(path),
        )
    return table


def load_suites(
    suites_dir: Path | None = None,
    extra_dirs: list[Path] | tuple[Path, ...] = (),
    tables: list[str] | None = None,
) -> dict[str, TableSuite]:
    """The merged suite of every table: generated + cross_table + local (+ extra dirs).

    When ``suites_dir`` has no ``<table>.json`` (e.g. an installed package without the
    repository), the table's suite is generated from the contract in memory.
    """
    contract = load_contract()
    known = set(contract.tables)
    names = [t for t in contract.tables if tables is None or t in tables]
    base = Path(suites_dir) if suites_dir is not None else REPO_SUITES_DIR
    merged: dict[str, TableSuite] = {}
    by_id: dict[str, dict[str, int]] = {}
    for name in names:
        path = base / f"{name}.json"
        if path.exists():
            suite = _read_json(path)
            source = str(path)
        else:
            suite = generate_suite(contract.tables[name])
            source = f"{CONTRACT_PATH.name} (generated in memory)"
        ts = TableSuite(table=name, sources=[source])
        for i, exp in enumerate(suite["expectations"]):
            ts.expectations.append(_check_expectation(exp, path, i, name))
        by_id[name] = {e["meta"]["id"]: i for i, e in enumerate(ts.expectations)}
        merged[name] = ts

    files: list[Path] = []
    if (base / CROSS_TABLE_FILE).exists():
        files.append(base / CROSS_TABLE_FILE)
    for d in [base / LOCAL_DIR, *[Path(x) for x in extra_dirs]]:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files.extend(sorted(d.glob("*.json")))
        elif d != base / LOCAL_DIR:
            raise ConfigError(f"找不到期望规则目录「{d}」", f"no such suites dir {d}", file=str(d))
    for path in files:
        suite = _read_json(path)
        for i, raw in enumerate(suite["expectations"]):
            table = _table_of(suite, raw, path, known)
            if table not in merged:
                continue
            exp = _check_expectation(raw, path, i, table)
            ts = merged[table]
            if str(path) not in ts.sources:
                ts.sources.append(str(path))
            pos = by_id[table].get(exp["meta"]["id"])
            if pos is not None:
                ts.expectations[pos] = exp  # replace (or disable) the expectation
            else:
                by_id[table][exp["meta"]["id"]] = len(ts.expectations)
                ts.expectations.append(exp)
    for ts in merged.values():
        ts.expectations = [e for e in ts.expectations if not e["meta"].get("disabled")]
    return merged


def uses_period(exp: dict) -> bool:
    """Whether an expectation takes a period suite parameter."""
    return any(
        isinstance(v, dict) and v.get("$PARAMETER") in PERIOD_PARAMETERS
        for v in exp.get("kwargs", {}).values()
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m xuncha_audit.validate.suites [OUT_DIR]``: write the generated suites."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else REPO_SUITES_DIR
    for path in write_suites(out):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
