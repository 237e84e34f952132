"""The sample job through real export layouts (issue 11): the generator writes the bureau's
ledger as 用友 U8 序时账 (.xlsx, 方向 + 金额, 凭证号数 restarting every month, 合计 row) and as
金蝶 KIS 凭证引出 (GBK CSV, 凭证字 + 凭证号 restarting every month, 1,234.56 amounts); the real
pipeline must load it through the layout and find every planted ledger flag, no unplanted one
from the exact ledger checks, and no near-miss — as on the generic sample."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from xuncha_audit.config import RunConfig
from xuncha_audit.pipeline import run_pipeline
from xuncha_audit.synth import generate
from xuncha_audit.synth.evaluate import evaluate

CRISP_LEDGER = {"L01", "L02", "L05", "L07", "L08"}


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "layout_name"), [("u8", "u8_journal"), ("kis", "kis_voucher")])
def test_sample_job_through_a_real_layout(tmp_path, layout, layout_name):
    data = tmp_path / "data"
    generate(data, seed=20241, scale="sample", layout=layout)
    cfg = RunConfig(unit="某市住房和城乡建设局", level="市级", region="湖南", city="长沙",
                    period_start=date(2023, 1, 1), period_end=date(2024, 12, 31))
    result = run_pipeline(data, tmp_path / "out", cfg, select=["ledger", "P"], validate=False)
    con = duckdb.connect(str(result.db_path), read_only=True)
    try:
        log = con.execute("SELECT layout, rows_read, rows_loaded, rows_quarantined, rows_summary "
                          "FROM _load_log WHERE table_name = 'ledger'").fetchall()
        assert len(log) == 1 and log[0][0] == layout_name and log[0][3] == 0, log
        # voucher numbers restart every month and still stay apart
        n_months = con.execute(
            "SELECT count(DISTINCT voucher_id) - count(DISTINCT voucher_no) FROM ledger").fetchone()[0]
        assert n_months > 0
        assert con.execute("SELECT count(*) FROM _load_issues").fetchone()[0] == 0  # totals, balance
        scores = evaluate(con, data / "_answer_key").set_index("check")
    finally:
        con.close()
    ledger = scores[scores.index.str.startswith("L")]
    missed = ledger[ledger["detected"] < ledger["planted"]]
    assert missed.empty, missed[["planted", "detected", "missed_groups"]].to_string()
    crisp = ledger[ledger.index.isin(CRISP_LEDGER)]
    assert (crisp["unexpected"] == 0).all(), crisp[["findings", "unexpected"]].to_string()
    assert (scores["near_miss_hits"] == 0).all(), scores[["near_miss_hits"]].to_string()
