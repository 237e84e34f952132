"""The portability lint flags every construct that sqlglot translates to Spark wrongly."""

from __future__ import annotations

import importlib

import pytest

from xuncha_audit.engine.lint import lint_sql
from xuncha_audit.engine.registry import default_registry

BAD = {
    "distinct window": "SELECT unit, count(DISTINCT x) OVER (PARTITION BY unit) FROM t",
    "distinct window agg": "SELECT unit, string_agg(DISTINCT x, '、') OVER (PARTITION BY unit) FROM t",
    "ordered string_agg": "SELECT unit, string_agg(x, ',' ORDER BY x) FROM t GROUP BY unit",
    "money format": "SELECT unit, format('{:,.2f}', a) FROM t",
    "printf": "SELECT unit, printf('%.2f', a) FROM t",
    "temp table": "CREATE TEMP TABLE x AS SELECT unit FROM t",
    "table": "CREATE OR REPLACE TABLE x AS SELECT unit FROM t",
    "range table": "SELECT unit, d FROM t, range(1, 10) r(d)",
    "regexp first match": "SELECT unit, regexp_replace(a, 'x', '') FROM t",
    "posix class": "SELECT unit FROM t WHERE regexp_matches(a, '[[:alpha:]]')",
    "strftime month name": "SELECT unit, strftime(d, '%b %d') FROM t",
    "date minus date": "SELECT unit, end_date - start_date FROM t",
    "month datediff": "SELECT unit, datediff('month', a_date, b_date) FROM t",
    "day of week": "SELECT unit, dayofweek(pay_date) FROM t",
    "no unit": "SELECT a FROM t",
    "list slice": "SELECT unit, list_sort(list(a))[1:5] FROM t GROUP BY unit",
    "qualify star with limit": "SELECT * FROM t QUALIFY row_number() OVER (PARTITION BY unit ORDER BY a) = 1 LIMIT 5",
    "qualify t.star with order": "SELECT t.*, 1 AS x FROM t QUALIFY rank() OVER (PARTITION BY unit ORDER BY a) = 1 "
                                 "ORDER BY unit",
}
GOOD = [
    "SELECT unit, sum(a) OVER (PARTITION BY unit) FROM t",
    "SELECT unit, regexp_replace(a, 'x', '', 'g'), regexp_replace(a, '^已', '') FROM t",
    "SELECT unit, strftime(d, '%Y-%m-%d') FROM t",
    "SELECT unit, array_to_string(list_sort(list_distinct(list(x))), '、') FROM t GROUP BY unit",
    "SELECT unit, unnest(generate_series(1, 9)) AS d FROM t",
    "SELECT unit, datediff('day', a_date, b_date) FROM t",
    "SELECT unit, array_slice(list_sort(list(a)), 1, 5), list(a)[1] FROM t GROUP BY unit",
    "SELECT b.*, t.kind FROM b JOIN t USING (unit) QUALIFY row_number() OVER (PARTITION BY unit ORDER BY a) = 1",
    "SELECT unit, a FROM t QUALIFY row_number() OVER (PARTITION BY unit ORDER BY a) = 1 ORDER BY unit LIMIT 5",
]


@pytest.mark.parametrize("name", BAD)
def test_lint_flags(name):
    assert lint_sql(BAD[name]), name


@pytest.mark.parametrize("sql", GOOD)
def test_lint_passes(sql):
    assert lint_sql(sql) == []


def test_python_helpers_of_checks_are_portable():
    """SQL run by a check's python helper (L03's Benford table) obeys the same lint."""
    helpers = [c for c in default_registry() if c.python]
    assert helpers
    for spec in helpers:
        module = importlib.import_module(f"xuncha_audit.checks.{spec.area}.{spec.python}")
        assert lint_sql(module._SQL) == [], spec.code
