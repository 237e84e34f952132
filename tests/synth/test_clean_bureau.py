"""A bureau written the way real ones write, with and without planted red flags (issue 12).

The clean bureau (``python -m xuncha_audit.synth --clean``) is the sample bureau with no plant:
short rank forms, the standard 工资表 columns, retirees paid 离退休费, rent paid on the 15th of
every month, 8-digit invoices under their codes. Every crisp check must flag nothing in it. A
planted bureau on a fresh seed must be scored like the committed sample: every plant found,
nothing unplanted flagged by a crisp check, no near-miss hit.

The runs load with the real ingestion and run the real checks (no GX, no exports: the sample
run covers those), so the module stays quick.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from xuncha_audit import standards
from xuncha_audit.app.pipeline import data_date_range
from xuncha_audit.engine.runner import run_checks
from xuncha_audit.ingest.loader import load_folder
from xuncha_audit.synth import generate
from xuncha_audit.synth.evaluate import evaluate

# Exact rules (tests/test_sample_run.py keeps the same list): they must flag nothing unplanted.
CRISP = {
    "P01", "P03", "P04", "P05", "P07", "P08",
    "R01", "R02", "R03", "R04", "R05", "R07",
    "L01", "L02", "L05", "L07", "L08",
    "V01", "V02", "V03", "V04", "V05", "V06", "O01", "O02", "H01", "H02", "H03", "H04",
}

pytestmark = [pytest.mark.xdist_group("clean_bureau"), pytest.mark.slow]


def _run(data: Path, db: Path) -> duckdb.DuckDBPyConnection:
    load_folder(data, db, unit="某市住房和城乡建设局", level="市级", region="湖南", city="长沙")
    con = duckdb.connect(str(db))
    standards.install(con, None, calendar_range=data_date_range(con))
    result = run_checks(con)
    failed = {c.check_id: c.error for c in result.checks if c.status != "ok"}
    assert not failed, failed
    return con


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    data = out / "data"
    # through the command line, as a user would
    subprocess.run([sys.executable, "-m", "xuncha_audit.synth", "--out", str(data), "--seed", "20241",
                    "--scale", "sample", "--clean"], check=True, capture_output=True)
    con = _run(data, out / "clean.duckdb")
    yield data, con
    con.close()


def test_clean_bureau_has_no_answer(clean):
    data, _ = clean
    assert pd.read_csv(data / "_answer_key" / "answer_key.csv").empty


def test_clean_bureau_is_written_like_a_real_one(clean):
    _, con = clean
    ranks = {r[0] for r in con.execute("SELECT DISTINCT rank FROM staff").fetchall()}
    assert {"正处", "副处", "正科", "副科"} & ranks, ranks
    # every rank of the roster is recognised
    assert con.execute("SELECT count(*) FROM staff WHERE rank IS NOT NULL AND rank_norm IS NULL"
                       ).fetchone()[0] == 0
    items = {r[0] for r in con.execute("SELECT DISTINCT item FROM payroll").fetchall()}
    assert {"津贴补贴", "规范津贴补贴", "岗位津贴", "车改补贴", "离退休费"} <= items, items
    rent_months = con.execute(
        "SELECT count(DISTINCT date_trunc('month', voucher_date)) FROM ledger "
        "WHERE counterparty = '长沙某置业有限公司' AND debit = 36800").fetchone()[0]
    assert rent_months == 24
    coded = con.execute("SELECT count(*) FROM travel_claims WHERE invoice_code IS NOT NULL").fetchone()[0]
    assert coded > 0


def test_crisp_checks_flag_nothing_in_the_clean_bureau(clean):
    _, con = clean
    got = con.execute("SELECT check_id, count(*) AS n, min(title) AS example FROM findings "
                      "GROUP BY check_id ORDER BY check_id").df()
    bad = got[got["check_id"].isin(CRISP)]
    assert bad.empty, "findings in the clean bureau:\n" + bad.to_string()


def test_planted_bureau_on_a_fresh_seed(tmp_path):
    data = tmp_path / "data"
    generate(data, seed=11, scale="sample")
    con = _run(data, tmp_path / "planted.duckdb")
    try:
        scores = evaluate(con, data / "_answer_key").set_index("check")
    finally:
        con.close()
    missed = scores[(scores["planted"] > 0) & (scores["detected"] < scores["planted"])]
    assert missed.empty, missed.to_string()
    crisp = scores[scores.index.isin(CRISP) & (scores["unexpected"] > 0)]
    assert crisp.empty, "unplanted findings:\n" + crisp[["findings", "unexpected"]].to_string()
    near = scores[scores["near_miss_hits"] > 0]
    assert near.empty, near.to_string()
