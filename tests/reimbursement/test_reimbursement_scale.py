"""Reimbursement checks R01-R08 beyond their YAML cases: the benchmark's generated tables at a
small scale (every check runs and finds its kind of problem) and Spark portability details."""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.engine.lint import lint_sql, to_spark
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import ensure_output_tables, resolve_params, run_check

ROOT = Path(__file__).resolve().parents[2]
R_CHECKS = default_registry().select(["reimbursement"])


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_reim", ROOT / "benchmarks" / "bench_reimbursement_checks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_all_eight_checks_present():
    assert [c.code for c in R_CHECKS] == [f"R0{i}" for i in range(1, 9)]


@pytest.mark.parametrize("spec", R_CHECKS, ids=lambda s: s.code)
def test_spark_translation_keeps_explode_unnested(spec):
    # Spark rejects a generator nested in an expression (upper(explode(...))).
    assert lint_sql(spec.sql) == []
    spark = to_spark(spec.sql)
    assert not re.search(r"\w\((?:\w+\()*EXPLODE\(", spark), spark


def test_generated_tables_every_check_runs_and_finds_its_problems():
    bench = _bench_module()
    con = duckdb.connect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bench.build(con, claims=3000, hosp=1000, meetings=400, units=3, staff_per_unit=40)
    ensure_output_tables(con)
    found = {}
    for spec in R_CHECKS:
        cr = run_check(con, spec, resolve_params(con, spec), run_id="t")
        assert cr.status == "ok"
        found[spec.code] = cr.findings
    assert all(n > 0 for n in found.values()), found
    # every finding has a sentence without unfilled placeholders, and an amount where one applies
    bad = con.execute("SELECT check_id, title FROM findings WHERE title IS NULL OR title LIKE '%{%'").fetchall()
    assert not bad
    rules = {r[0] for r in con.execute("SELECT DISTINCT rule FROM findings WHERE check_id = 'R04'").fetchall()}
    assert {"per_head", "companions", "no_letter", "prohibited_item", "private_venue"} <= {
        x for r in rules for x in (r or "").split(",")}
