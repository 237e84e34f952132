"""Differential tests: every case of every check gives identical findings on DuckDB and Spark.

Identical means the same finding ids (so a triage store carries over), titles, amounts, rules,
persons, periods, details and evidence records. The case's tables go to Spark as Parquet, as in
a real ``--engine spark`` run.
"""

from __future__ import annotations

import pytest

from xuncha_audit.engine.cases import all_case_files, case_findings, load_case_file

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

# Known divergences, the follow-up of issue 14 (not strict: a case that already agrees passes):
# O01: its 1999-table / as_of cases find nothing on Spark (4 of 13 cases; its numbers are formatted by
# templates now, V02's too, and V02 is identical). P01 unions INT with
# BIGINT (Spark refuses), P02's translation makes an ambiguous `_w`, P03 finds nothing on Spark
# (the unit_thresholds shared relation translates differently) — all seen on 2026-12-02.
NOT_YET_PORTABLE = {"O01", "P01", "P02", "P03"}
CASES = [
    pytest.param(case, marks=pytest.mark.xfail(strict=False, reason=f"{case.check}: known Spark divergence"))
    if case.check in NOT_YET_PORTABLE else case
    for path in all_case_files() for case in load_case_file(path)
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: getattr(c, "id", None))
def test_case_identical_on_spark(case, spark_backend, tmp_path):
    duck = case_findings(case)
    spark = case_findings(case, backend=spark_backend, workdir=tmp_path)
    assert spark == duck
