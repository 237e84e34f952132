"""The common expectation types evaluated in plain DuckDB SQL: a few passes per table.

GX runs one metric query (often several) per expectation, and importing it costs 6-8 s on
a quiet machine (more than validating 10M ledger lines). The generated suites use six
types; this module evaluates them with GX's semantics in **one aggregate query per table**
(every null count, range and value-set test of the table in one scan), plus one query per
raw-SQL rule and one small ``LIMIT`` query per *failed* rule for its example values:

| type | kwargs understood | result |
|---|---|---|
| ``expect_column_values_to_not_be_null`` | column, mostly | unexpected = nulls; percent of all rows |
| ``expect_column_values_to_be_between`` | column, min_value, max_value, strict_min, strict_max, mostly | nulls ignored; percent of non-null |
| ``expect_column_values_to_be_in_set`` | column, value_set, mostly | nulls ignored; percent of non-null |
| ``unexpected_rows_expectation`` | unexpected_rows_query (``{batch}`` = the table) | unexpected = rows returned |
| ``expect_table_columns_to_match_set`` | column_set, exact_match | from the catalog |
| ``expect_column_to_exist`` | column | from the catalog |

``mostly`` as in GX: success when the share of good values (of those counted) is at least
``mostly``. ``$PARAMETER`` values come from the suite parameters. Any other type, or any
other kwarg (``row_condition`` …), is left to GX (``supported`` returns False), so user
suites keep their full GX meaning; GX is imported only then, or for Data Docs.
"""

from __future__ import annotations

from xuncha_audit.db import of, quote

EXAMPLES = 5

_KWARGS = {
    "expect_column_values_to_not_be_null": {"column", "mostly"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min",
                                           "strict_max", "mostly"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "mostly"},
    "unexpected_rows_expectation": {"unexpected_rows_query"},
    "expect_table_columns_to_match_set": {"column_set", "exact_match"},
    "expect_column_to_exist": {"column"},
}


def supported(exp: dict) -> bool:
    allowed = _KWARGS.get(exp["type"])
    return allowed is not None and set(exp.get("kwargs", {})) <= allowed


def _param(value, params: dict):
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params[value["$PARAMETER"]]
    return value


def _plain(v):
    """Values as GX hands them over (Decimal and date objects; JSON-dumped with str)."""
    return v


def evaluate(con, table: str, exps: list[dict], params: dict, column_types: dict[str, str]) -> list[tuple]:
    """``[(exp, success, unexpected, element_count, details)]`` for the supported ``exps``."""
    out: list[tuple] = []
    t = quote(table)
    aggs: list[str] = ["count(*)"]
    binds: dict = {}
    plan: list[tuple[dict, int, str | None]] = []  # (exp, index of its aggregates, violation SQL)
    for k, exp in enumerate(exps):
        kw = exp.get("kwargs", {})
        etype = exp["type"]
        if etype in ("expect_table_columns_to_match_set", "expect_column_to_exist",
                     "unexpected_rows_expectation"):
            continue
        c = quote(kw["column"])
        ctype = column_types.get(kw["column"], "VARCHAR")
        if etype == "expect_column_values_to_not_be_null":
            plan.append((exp, len(aggs), f"{c} IS NULL"))
            aggs.append(f"count({c})")
            continue
        if etype == "expect_column_values_to_be_between":
            conds = []
            lo, hi = _param(kw.get("min_value"), params), _param(kw.get("max_value"), params)
            if lo is not None:
                binds[f"lo{k}"] = lo
                conds.append(f"{c} {'<=' if kw.get('strict_min') else '<'} CAST($lo{k} AS {ctype})")
            if hi is not None:
                binds[f"hi{k}"] = hi
                conds.append(f"{c} {'>=' if kw.get('strict_max') else '>'} CAST($hi{k} AS {ctype})")
            bad = " OR ".join(conds) or "false"
        else:  # in_set
            binds[f"set{k}"] = [str(v) for v in _param(kw.get("value_set"), params) or []]
            bad = f"NOT list_contains(CAST($set{k} AS {ctype}[]), {c})"
        bad = f"({c} IS NOT NULL AND ({bad}))"
        plan.append((exp, len(aggs), bad))
        aggs.append(f"count({c})")
        aggs.append(f"count_if({bad})")
    be = of(con)
    row = be.fetch_one(f"SELECT {', '.join(aggs)} FROM {t}", binds) if plan else [None]
    n = row[0]
    for exp, i, bad in plan:
        kw = exp["kwargs"]
        mostly = float(kw.get("mostly", 1.0))
        nonnull = row[i]
        if exp["type"] == "expect_column_values_to_not_be_null":
            unexpected, base = n - nonnull, n
        else:
            unexpected, base = row[i + 1], nonnull
        share_bad = unexpected / base if base else 0.0
        success = (1.0 - share_bad) >= mostly if base else True
        details: dict = {"unexpected_percent": round(100.0 * share_bad, 4)}
        if unexpected:
            if exp["type"] == "expect_column_values_to_not_be_null":
                details["examples"] = [None] * min(EXAMPLES, unexpected)
            else:
                used = {k: v for k, v in binds.items() if f"${k}" in bad}
                vals = be.fetch_all(f"SELECT {quote(kw['column'])} FROM {t} WHERE {bad} LIMIT {EXAMPLES}",
                                    used)
                details["examples"] = [_plain(v[0]) for v in vals]
            details = {"examples": details["examples"], "unexpected_percent": details["unexpected_percent"]}
        out.append((exp, success, unexpected, n, details))
    for exp in exps:
        kw = exp.get("kwargs", {})
        if exp["type"] == "unexpected_rows_expectation":
            sql = kw["unexpected_rows_query"].replace("{batch}", t)
            rows = be.fetch_records(sql)
            examples = [{k: _plain(v) for k, v in r.items()} for r in rows[:EXAMPLES]]
            out.append((exp, not rows, len(rows), None, {"examples": examples}))
        elif exp["type"] == "expect_table_columns_to_match_set":
            wanted = list(kw.get("column_set") or [])
            missing = [c for c in wanted if c not in column_types]
            extra = sorted(set(column_types) - set(wanted)) if kw.get("exact_match") else []
            details = {"missing_columns": missing} if missing else {}
            if extra:
                details["unexpected_columns"] = extra
            out.append((exp, not missing and not extra, len(missing) if missing else None, None, details))
        elif exp["type"] == "expect_column_to_exist":
            ok = kw["column"] in column_types
            out.append((exp, ok, None, None, {} if ok else {"missing_columns": [kw["column"]]}))
    return out


__all__ = ["EXAMPLES", "evaluate", "supported"]
