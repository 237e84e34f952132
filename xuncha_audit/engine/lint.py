"""Portability lint for check SQL: the constructs that mistranslate silently on Spark.

A later issue runs the same catalogue on Apache Spark through sqlglot. These DuckDB
constructs translate without error but change meaning, so checks must not use them:

* ordered list aggregates — ``list(x ORDER BY y)``, ``array_agg(... ORDER BY ...)``,
  ``string_agg(... ORDER BY ...)``: Spark's collect_list ignores the order;
* day of week — ``dayofweek``, ``dow``/``isodow``, ``strftime(d, '%w')``: the numbering
  differs (DuckDB Sunday=0, Spark Sunday=1); use ``std_calendar`` instead;
* month/quarter/year ``datediff``/``date_diff``: DuckDB counts boundaries, Spark's
  months_between is fractional;
* ``date - date``: an integer in DuckDB, an interval in Spark; use ``datediff('day', a, b)``.

Also every check must partition by ``unit``.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from xuncha_audit.contract import load_contract

_LIST_AGGS = {"list", "string_agg", "listagg", "array_agg", "group_concat", "list_agg"}
_DOW_RE = re.compile(r"\b(dayofweek|isodow|dayname|weekday)\b|'(dow|isodow)'|%[wua]\b|%A", re.I)
_MONTH_DIFF_RE = re.compile(r"\bdate_?diff\s*\(\s*'(month|months|quarter|year|years|mm|yy)'", re.I)


def _date_columns() -> set[str]:
    names = {"date", "month", "d", "day"}
    for t in load_contract().tables.values():
        for c in t.columns.values():
            if c.type in ("date", "month"):
                names.add(c.name)
    return names


def _is_dateish(node: exp.Expression, date_cols: set[str]) -> bool:
    if isinstance(node, exp.Paren):
        return _is_dateish(node.this, date_cols)
    if isinstance(node, exp.Column):
        n = node.name.lower()
        return n in date_cols or n.endswith("_date") or n.endswith("_day")
    if isinstance(node, exp.Cast):
        return node.to.is_type("date")
    return isinstance(node, (exp.CurrentDate, exp.DateTrunc, exp.TsOrDsToDate, exp.StrToDate))


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def lint_sql(sql: str, *, require_unit: bool = True) -> list[str]:
    """Problems found in one check's SQL (empty list = portable).

    ``require_unit=False`` for shared relations that are not per unit (e.g. calendar counts);
    a check's own query must always partition by unit.
    """
    problems: list[str] = []
    text = _strip_comments(sql)
    if _DOW_RE.search(text):
        problems.append("day-of-week function: use std_calendar (is_rest_day) instead")
    if _MONTH_DIFF_RE.search(text):
        problems.append("month/quarter/year datediff: compare dates or use day differences")
    if require_unit and not re.search(r"\bunit\b", text):
        problems.append("the query never mentions unit: checks must partition by unit")
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        return [*problems, f"sqlglot cannot parse the query: {exc}"]
    date_cols = _date_columns()
    for node in tree.walk():
        name = ""
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
        elif isinstance(node, (exp.ArrayAgg, exp.GroupConcat)):
            name = "array_agg"
        if name in _LIST_AGGS and (node.find(exp.Order) is not None):
            problems.append(f"ordered list aggregate ({name} ... ORDER BY): order is lost on Spark")
        if isinstance(node, (exp.DayOfWeek, exp.DayOfWeekIso)):
            problems.append("day-of-week function: use std_calendar (is_rest_day) instead")
        if isinstance(node, exp.DateDiff):
            unit = ((node.args.get("unit") and node.args["unit"].name) or "day").lower()
            if unit not in ("day", "days", "d"):
                problems.append(f"datediff in {unit}: compare dates or use day differences")
        if isinstance(node, exp.Sub) and _is_dateish(node.left, date_cols) and _is_dateish(node.right, date_cols):
            problems.append(f"date - date ({node.sql('duckdb')}): use datediff('day', a, b)")
    return sorted(set(problems))


def to_spark(sql: str) -> str:
    """Translate a check query to Spark SQL (used by the portability test)."""
    return sqlglot.transpile(_strip_comments(sql), read="duckdb", write="spark")[0]
