"""Portability lint for check SQL: the constructs that mistranslate silently on Spark.

A later issue runs the same catalogue on Apache Spark through sqlglot. These DuckDB
constructs translate without error but change meaning, so checks must not use them:

* ordered list aggregates — ``list(x ORDER BY y)``, ``array_agg(... ORDER BY ...)``,
  ``string_agg(... ORDER BY ...)``: Spark's collect_list ignores the order;
* day of week — ``dayofweek``, ``dow``/``isodow``, ``strftime(d, '%w')``: the numbering
  differs (DuckDB Sunday=0, Spark Sunday=1); use ``std_calendar`` instead;
* month/quarter/year ``datediff``/``date_diff``: DuckDB counts boundaries, Spark's
  months_between is fractional;
* ``date - date``: an integer in DuckDB, an interval in Spark; use ``datediff('day', a, b)``;
* DISTINCT window aggregates (``count(DISTINCT x) OVER``, ``string_agg(DISTINCT x) OVER``):
  Spark rejects them; aggregate per group and join back;
* ``format()``/``printf()``: Spark's FORMAT_STRING prints ``{:,.2f}`` literally; numbers, money
  and dates are formatted by the finding template (``{x:money}``, ``{x:date}``, ``{x:month}``);
* ``strftime`` with codes other than ``%Y %m %d %H %M %S``: the Java pattern differs;
* temporary or persistent tables (``CREATE [TEMP] TABLE``): Spark makes temp tables views, so
  nothing is materialised; a check is one SELECT, shared relations are materialised by the engine;
* ``range(a, b) t(x)`` as a table: sqlglot writes an invalid EXPLODE; use
  ``unnest(generate_series(a, b - 1))``;
* QUALIFY in a ``SELECT *`` (or ``t.*``) that also has ORDER BY or LIMIT: the translation
  (``xuncha_audit.db.dialect._qualify_with_star``) rewrites QUALIFY with a star only without
  them, and sqlglot's own rewrite repeats columns and leaks its helper ``_w``; list the columns
  or order outside;
* ``regexp_replace`` without the ``'g'`` flag (DuckDB replaces the first match, Spark every
  match) unless the pattern is anchored with ``^``; POSIX classes ``[[:alpha:]]`` (RE2 knows
  them, Java reads them as a plain character class);
* list slices ``x[a:b]``: passed through unchanged, which Spark cannot parse; use
  ``array_slice(x, a, b)`` (translated to Spark's ``slice`` with a length).

Also every check must partition by ``unit``.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from xuncha_audit.contract import load_contract

_LIST_AGGS = {"list", "string_agg", "listagg", "array_agg", "group_concat", "list_agg"}
_DOW_RE = re.compile(r"\b(dayofweek|isodow|dayname|weekday)\b|'(dow|isodow)'|%[wua]\b|%A", re.I)
_FORMAT_RE = re.compile(r"\b(format|printf)\s*\(", re.I)
_DDL_RE = re.compile(r"\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP|TEMPORARY\s+)?\s*(TABLE|VIEW)\b", re.I)
_RANGE_TABLE_RE = re.compile(r"\b(range|generate_series)\s*\([^()]*\)\s+(AS\s+)?\w+\s*\(", re.I)
_POSIX_CLASS_RE = re.compile(r"\[\[:[a-z]+:\]")
_SAFE_STRFTIME = {"%Y", "%m", "%d", "%H", "%M", "%S"}
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
    if _FORMAT_RE.search(text):
        problems.append("format()/printf() in SQL: Spark prints the pattern literally; format in the template")
    if _DDL_RE.search(text):
        problems.append("CREATE TABLE/VIEW in a check: Spark makes temp tables views; a check is one SELECT")
    if _RANGE_TABLE_RE.search(text):
        problems.append("range()/generate_series() as a table with column aliases: use unnest(generate_series(a, b))")
    if _POSIX_CLASS_RE.search(text):
        problems.append("POSIX class [[:name:]] in a regex: Java (Spark) reads it as a plain class; use \\p{...}")
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
        if isinstance(node, exp.Window) and node.find(exp.Distinct) is not None \
                and node.this.find(exp.Distinct) is not None:
            problems.append("DISTINCT window aggregate: Spark rejects it; aggregate per group and join back")
        if (isinstance(node, exp.Select) and node.args.get("qualify")
                and any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                        for e in node.expressions)
                and any(node.args.get(k) for k in ("order", "limit", "offset"))):
            problems.append("QUALIFY with * and ORDER BY/LIMIT in one SELECT: Spark gets repeated columns "
                            "and a stray _w; list the columns or order in an outer query")
        if isinstance(node, exp.RegexpReplace):
            modifiers = node.args.get("modifiers")
            pattern = node.expression
            anchored = isinstance(pattern, exp.Literal) and (
                pattern.this.startswith("^") or (pattern.this.endswith("$") and not pattern.this.endswith("\\$")))
            if not (modifiers is not None and "g" in modifiers.name) and not anchored:
                problems.append("regexp_replace without 'g': DuckDB replaces the first match, Spark every match")
        if isinstance(node, exp.Bracket) and any(isinstance(e, exp.Slice) for e in node.expressions):
            problems.append(f"list slice {node.sql('duckdb')}: Spark cannot parse it; use array_slice(x, a, b)")
        if isinstance(node, exp.TimeToStr):
            fmt = node.args.get("format")
            codes = set(re.findall(r"%-?[A-Za-z]", fmt.name)) if isinstance(fmt, exp.Literal) else {"?"}
            if codes - _SAFE_STRFTIME:
                problems.append(f"strftime codes {sorted(codes - _SAFE_STRFTIME)}: the Spark pattern differs; "
                                "format dates in the template")
        if isinstance(node, exp.Sub) and _is_dateish(node.left, date_cols) and _is_dateish(node.right, date_cols):
            problems.append(f"date - date ({node.sql('duckdb')}): use datediff('day', a, b)")
    return sorted(set(problems))


def to_spark(sql: str) -> str:
    """Translate a check query to Spark SQL as the Spark backend does (used by the portability test)."""
    from xuncha_audit.db.dialect import translate

    return translate(sql, "spark")
