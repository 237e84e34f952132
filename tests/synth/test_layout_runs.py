"""The sample job through real export layouts (issue 11): the generator writes the bureau's
tables as real systems export them (:mod:`xuncha_audit.synth.layouts`) and the real pipeline
must load them through the shipped layouts and find what it finds on the generic sample.

* ledger: 用友 U8 序时账, 金蝶 K3 WISE 凭证引出, 金蝶 KIS 凭证引出, 金蝶 EAS 凭证查询 — every
  planted ledger flag found, nothing unplanted from the exact ledger checks, no near-miss;
* payroll: 财政统一发放工资 (one workbook a month, 工资 + 扣款 sheets, a 补发 workbook) — every
  planted payroll flag found, deductions loaded as deductions (equal to what was generated),
  never as pay items;
* procurement: 政府采购合同公告 + 中标（成交）结果 — every contract and award loaded once with
  its exact amount (合同金额（万元）, 74.15万元); the published notices carry no 采购类别, 需求部门
  or credit code, so a planted flag may be missed only where its evidence came from ccgp.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from xuncha_audit.app.pipeline import run_pipeline
from xuncha_audit.config import RunConfig
from xuncha_audit.synth import generate, generate_unit
from xuncha_audit.synth.core import SynthContext
from xuncha_audit.synth.evaluate import evaluate
from xuncha_audit.synth.layouts import LayoutChoice, published

CRISP_LEDGER = {"L01", "L02", "L05", "L07", "L08"}
CRISP_PAYROLL = {"H01", "H02", "H03", "H04"}
SEED = 20241


def _run(tmp_path, select, **layouts):
    data = tmp_path / "data"
    generate(data, seed=SEED, scale="sample", **layouts)
    cfg = RunConfig(unit="某市住房和城乡建设局", level="市级", region="湖南", city="长沙",
                    period_start=date(2023, 1, 1), period_end=date(2024, 12, 31))
    result = run_pipeline(data, tmp_path / "out", cfg, select=select, validate=False)
    return data, duckdb.connect(str(result.db_path), read_only=True)


def _assert_accounting(con):
    bad = con.execute(
        "SELECT file, sheet FROM _load_log WHERE rows_read <> rows_loaded + rows_quarantined "
        "+ rows_summary + rows_deleted + rows_skipped").fetchall()
    assert bad == []


def _assert_all_found(scores, prefix, crisp):
    area = scores[scores.index.str.startswith(prefix)]
    assert len(area) and (area["planted"] > 0).all()
    missed = area[area["detected"] < area["planted"]]
    assert missed.empty, missed[["planted", "detected", "missed_groups"]].to_string()
    exact = area[area.index.isin(crisp)]
    assert (exact["unexpected"] == 0).all(), exact[["findings", "unexpected"]].to_string()
    assert (scores["near_miss_hits"] == 0).all(), scores[["near_miss_hits"]].to_string()


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "layout_name"), [
    ("u8", "u8_journal"), ("k3", "k3_wise_voucher"), ("kis", "kis_voucher"), ("eas", "eas_voucher")])
def test_sample_job_through_a_real_ledger_layout(tmp_path, layout, layout_name):
    data, con = _run(tmp_path, ["ledger", "P"], layout=layout)
    try:
        log = con.execute("SELECT layout, rows_read, rows_loaded, rows_quarantined, rows_summary, rows_deleted "
                          "FROM _load_log WHERE table_name = 'ledger'").fetchall()
        assert [r[0] for r in log] == [layout_name] and log[0][3] == 0, log
        man = pd.read_csv(data / "_answer_key" / "manifest.csv")
        assert log[0][1] == man.loc[man["table"] == "ledger", "data_rows"].sum()
        if layout == "eas":  # the query lists a deleted voucher: counted, not loaded
            assert log[0][5] > 0
        # voucher numbers restart every month and still stay apart
        n_months = con.execute(
            "SELECT count(DISTINCT voucher_id) - count(DISTINCT voucher_no) FROM ledger").fetchone()[0]
        assert n_months > 0
        assert con.execute("SELECT count(*) FROM _load_issues").fetchone()[0] == 0  # totals, balance
        ctx = SynthContext(seed=SEED, scale="sample")
        frames, _ = generate_unit(ctx)
        want = frames["ledger"][["debit", "credit"]].sum().round(2)
        got = con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone()
        assert [Decimal(str(v)) for v in want] == list(got)
        _assert_accounting(con)
        scores = evaluate(con, data / "_answer_key").set_index("check")
    finally:
        con.close()
    _assert_all_found(scores, "L", CRISP_LEDGER)


@pytest.mark.slow
def test_sample_job_through_the_fiscal_payroll_layout(tmp_path):
    data, con = _run(tmp_path, ["payroll"], payroll_layout="fiscal")
    try:
        layouts = dict(con.execute("SELECT layout, count(*) FROM _load_log WHERE table_name LIKE 'payroll%' "
                                   "GROUP BY 1").fetchall())
        assert set(layouts) == {"fiscal_payroll", "fiscal_payroll_deductions"}, layouts
        assert con.execute("SELECT count(*) FROM _quarantine WHERE table_name LIKE 'payroll%'").fetchone()[0] == 0
        # every person's items add up to 应发, every 合计 row to its sheet
        assert con.execute("SELECT count(*) FROM _load_issues WHERE table_name LIKE 'payroll%'").fetchone()[0] == 0
        _assert_accounting(con)
        ctx = SynthContext(seed=SEED, scale="sample")
        frames, _ = generate_unit(ctx)
        pay = con.execute("SELECT item, sum(amount) FROM payroll GROUP BY 1").fetchall()
        want_pay = frames["payroll"].groupby("item")["amount"].sum().round(2)
        assert {i: Decimal(str(v)) for i, v in want_pay.items()} == dict(pay)
        ded = con.execute("SELECT month, id_number, regexp_replace(item, '^代扣', ''), amount "
                          "FROM payroll_deductions").fetchall()
        gen = frames["payroll_deductions"]
        gen = gen[gen["amount"] != 0]
        want = sorted((pd.Timestamp(m).date(), i, it, Decimal(f"{a:.2f}"))
                      for m, i, it, a in gen[["month", "id_number", "item", "amount"]].itertuples(index=False))
        assert sorted(ded) == want
        # a deduction is never a pay item
        assert con.execute("SELECT count(*) FROM payroll p JOIN (SELECT DISTINCT item FROM payroll_deductions) d "
                           "USING (item)").fetchone()[0] == 0
        scores = evaluate(con, data / "_answer_key").set_index("check")
    finally:
        con.close()
    _assert_all_found(scores, "H", CRISP_PAYROLL)


@pytest.mark.slow
def test_sample_job_through_the_ccgp_procurement_layouts(tmp_path):
    data, con = _run(tmp_path, ["procurement"], procurement_layout="ccgp")
    try:
        log = con.execute("SELECT layout, table_name, sum(rows_loaded) FROM _load_log "
                          "WHERE table_name IN ('contracts', 'bids') GROUP BY ALL").fetchall()
        ctx = SynthContext(seed=SEED, scale="sample")
        frames, _ = generate_unit(ctx)
        c, b = frames["contracts"], frames["bids"]
        pub = published(c)
        by = {(lay, t): n for lay, t, n in log}
        assert by[("ccgp_contracts", "contracts")] == pub.sum()
        assert by[("ccgp_awards", "bids")] == b["is_winner"].sum()
        # every contract loaded once with its exact amount (万元 notices and yuan register alike)
        got = dict(con.execute("SELECT contract_no, amount FROM contracts").fetchall())
        assert got == {k: Decimal(f"{v:.2f}") for k, v in zip(c["contract_no"], c["amount"], strict=True)}
        got = {(p, w): (a, bool(x)) for p, w, a, x in con.execute(
            "SELECT project_code, bidder, bid_amount, is_winner FROM bids").fetchall()}
        assert got == {(p, w): (Decimal(f"{a:.2f}"), bool(x)) for p, w, a, x in
                       b[["project_code", "bidder", "bid_amount", "is_winner"]].itertuples(index=False)}
        _assert_accounting(con)
        scores = evaluate(con, data / "_answer_key").set_index("check")
        ev = con.execute("SELECT finding_id, check_id, source_table, record_key FROM evidence").df()
    finally:
        con.close()
    # what the notices do not carry (采购类别, 需求部门, 信用代码) may cost a flag whose evidence
    # came from them; a flag whose records all stayed in the unit's registers is always found
    ak = pd.read_csv(data / "_answer_key" / "answer_key.csv", dtype=str)
    ccgp_keys = {("contracts", k) for k in c.loc[pub, "contract_no"]}
    ccgp_keys |= {("bids", f"{p}|{w}") for p, w in b.loc[b["is_winner"], ["project_code", "bidder"]].itertuples(
        index=False)}
    proc = scores[scores.index.str.startswith("P")]
    assert (proc["planted"] > 0).all()
    # the missing 采购类别 is inferred from the contract name (施工/维修工程 -> 工程, 物业服务 -> 服务):
    # no works contract measured against the goods threshold, nothing of P02/P03/P06 missed
    by_cat = proc.loc[["P02", "P03", "P06"]]
    assert (by_cat["unexpected"] == 0).all(), by_cat[["findings", "unexpected"]].to_string()
    assert (by_cat["detected"] == by_cat["planted"]).all(), by_cat[["planted", "detected"]].to_string()
    for code, row in proc.iterrows():
        for group in row["missed_groups"].split():
            recs = ak[(ak["check_code"] == code) & (ak["finding_group"] == group)]
            assert any((t, k) in ccgp_keys for t, k in zip(recs["table"], recs["key"], strict=True)), \
                f"{code} {group} missed although none of its records came from ccgp"
    planted = {(t, k) for t, k in zip(ak["table"], ak["key"], strict=True)}
    for fid, g in ev[ev["check_id"].str.startswith("P")].groupby("finding_id"):
        recs = set(zip(g["source_table"], g["record_key"], strict=True))
        if not recs & planted:
            assert recs & ccgp_keys, f"{g['check_id'].iloc[0]} {fid}: unplanted finding on register records"
    assert (scores["near_miss_hits"] == 0).all(), scores[["near_miss_hits"]].to_string()


def test_unknown_layout_choices_are_errors_in_chinese():
    from xuncha_audit.errors import XunchaError

    for kw, word in (({"ledger": "sap"}, "序时账"), ({"payroll": "u8"}, "工资"), ({"procurement": "x"}, "采购")):
        with pytest.raises(XunchaError) as e:
            LayoutChoice(**kw)
        assert word in e.value.zh and "可选" in e.value.zh


def test_cli_rejects_an_unknown_layout(tmp_path, capsys):
    from xuncha_audit.synth.__main__ import main

    assert main(["--out", str(tmp_path / "x"), "--payroll-layout", "excel"]) == 2
    assert "未知的工资导出版式「excel」" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# --- the ledger layouts without 辅助核算 columns (明细账, 记账凭证表, GB/T 24589) -------------
MORE_LEDGER = [("u8-detail", "u8_ledger_detail"), ("yonyou-gov", "yonyou_gov_ledger_detail"),
               ("audit-table", "audit_voucher_table"), ("gbt24589", "gbt24589_voucher")]
# What each of them cannot carry, and the ledger checks that therefore cannot find (all of)
# their planted flags. None of the four has a counterparty, department or person column: a
# 明细账 prints one account's lines (对方科目 is an account, not a 往来单位), the 记账凭证表 has
# no 辅助核算 columns, GB/T 24589 holds 辅助项N编号 codes only (their names are in other records).
# So L02 (slush fund: the counterparty) is found only where its summary gives it away, and L07
# (duplicate payments: same counterparty) not at all. GB/T 24589 has 科目编号 only (the names
# are in the 会计科目 records): L08 (account misuse by account name) finds nothing there.
CANNOT_RUN = {"u8-detail": {"L02", "L07"}, "yonyou-gov": {"L02", "L07"}, "audit-table": {"L02", "L07"},
              "gbt24589": {"L02", "L07", "L08"}}


def _generated_ledger():
    ctx = SynthContext(seed=SEED, scale="sample")
    frames, _ = generate_unit(ctx)
    return ctx, frames["ledger"]


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "layout_name"), MORE_LEDGER)
def test_ledger_written_in_a_layout_without_aux_columns_loads_as_generated(tmp_path, layout, layout_name):
    import shutil

    from xuncha_audit.ingest.loader import load_folder
    from xuncha_audit.synth import layouts as real
    from xuncha_audit.synth.core import keys_of
    from xuncha_audit.synth.layouts import ledger_key

    data = tmp_path / "data"
    generate(data, seed=SEED, scale="sample", layout=layout)
    man = pd.read_csv(data / "_answer_key" / "manifest.csv", dtype={"sheet": str})
    ledger_files = sorted(set(man.loc[man["table"] == "ledger", "file"]))
    led = tmp_path / "ledger"  # load the ledger files only (the other tables are the generic ones)
    led.mkdir()
    for f in ledger_files:
        shutil.copy(data / f, led / f)
    load_folder(led, tmp_path / "x.duckdb", unit="某市住房和城乡建设局")
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    try:
        log = con.execute("SELECT layout, rows_read, rows_loaded, rows_quarantined, rows_summary, rows_deleted, "
                          "rows_skipped, status FROM _load_log WHERE table_name = 'ledger'").fetchall()
        assert {r[0] for r in log} == {layout_name} and {r[7] for r in log} == {"ok"}, log
        read, loaded, quarantined, summary, deleted, skipped = (sum(r[i] for r in log) for i in range(1, 7))
        assert read == loaded + quarantined + summary + deleted + skipped
        assert quarantined == 0
        assert read == man.loc[man["table"] == "ledger", "data_rows"].sum()
        _assert_accounting(con)
        assert con.execute("SELECT count(*) FROM _load_issues").fetchone()[0] == 0  # 本月合计 rows, balance
        ctx, gen = _generated_ledger()
        assert loaded == len(gen)
        if layout in real.DETAIL_LAYOUTS:  # 期初余额, 本月合计, 本年累计 counted, not loaded
            assert summary > 0 and deleted == 0
        else:  # one voided voucher listed with its flag
            assert deleted == (gen["voucher_no"] == gen["voucher_no"].iloc[0]).sum() and summary == 0
        want = gen[["debit", "credit"]].sum().round(2)
        got = con.execute("SELECT sum(debit), sum(credit) FROM ledger").fetchone()
        assert [Decimal(str(v)) for v in want] == list(got)
        # voucher numbers restart every month and still stay apart: one voucher_id per voucher
        assert con.execute("SELECT count(DISTINCT voucher_id) FROM ledger").fetchone()[0] == gen["voucher_no"].nunique()
        assert con.execute("SELECT count(DISTINCT voucher_id) - count(DISTINCT voucher_no) FROM ledger"
                           ).fetchone()[0] > 0
        # every generated line loads under the key the answer key gives it (a 明细账 numbers a
        # voucher's lines account by account), with its account and money
        lines = None
        if layout in real.DETAIL_LAYOUTS:
            real._detail_lines(ctx, [gen])
            lines = ctx.shared["ledger_lines"]
        want = pd.DataFrame({"key": [ledger_key(k, layout, lines) for k in keys_of("ledger", gen)],
                             "account_code": gen["account_code"].to_numpy(),
                             "debit": gen["debit"].round(2).to_numpy(), "credit": gen["credit"].round(2).to_numpy()})
        got = con.execute("SELECT _key AS key, account_code, CAST(debit AS DOUBLE) AS debit, "
                          "CAST(credit AS DOUBLE) AS credit FROM ledger").df()
        m = want.merge(got, on="key", how="outer", suffixes=("", "_got"), indicator=True)
        assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
        assert (m["account_code"] == m["account_code_got"]).all()
        for c in ("debit", "credit"):
            assert ((m[c].fillna(0) - m[f"{c}_got"].fillna(0)).abs() < 0.005).all()
        ak = pd.read_csv(data / "_answer_key" / "answer_key.csv", dtype=str)
        assert set(ak.loc[ak["table"] == "ledger", "key"]) <= set(got["key"])
    finally:
        con.close()


@pytest.mark.slow
def test_sample_job_through_the_audit_voucher_table(tmp_path):
    """The one full run of these four: the checks that can run find every planted flag; those
    listed in CANNOT_RUN lack the columns they need (the layout carries no counterparty)."""
    data, con = _run(tmp_path, ["ledger"], layout="audit-table")
    try:
        assert [r[0] for r in con.execute("SELECT DISTINCT layout FROM _load_log WHERE table_name = 'ledger'"
                                          ).fetchall()] == ["audit_voucher_table"]
        _assert_accounting(con)
        scores = evaluate(con, data / "_answer_key").set_index("check")
        # the layout has no 往来单位: L07 says 未执行 for the unit, not a clean 0 findings
        assert con.execute("SELECT DISTINCT status, reason_en FROM _check_coverage WHERE check_id = 'L07'"
                           ).fetchall() == [("not_run", "missing ledger.counterparty")]
    finally:
        con.close()
    cannot = CANNOT_RUN["audit-table"]
    _assert_all_found(scores[~scores.index.isin(cannot)], "L", CRISP_LEDGER)
    # what is lost is lost for want of the counterparty, and nothing is reported in its place
    lost = scores[scores.index.isin(cannot)]
    assert (lost["detected"] < lost["planted"]).all() and (lost["unexpected"] == 0).all()
