"""Statistical ledger checks (L03 Benford, L04 round amounts, L06 year-end rush) on data built
to conform and to deviate, at sizes where the statistics mean something (thousands of lines,
generated set-based in DuckDB), run through the engine with default parameters."""

from __future__ import annotations

import pytest

from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import resolve_params, run_check

UNIT = "测试局"


@pytest.fixture()
def con(base):
    base.execute("DELETE FROM ledger")
    base.execute("DELETE FROM findings")
    base.execute("DELETE FROM evidence")
    base.execute("SELECT setseed(0.42)")
    return base


def add_lines(con, select_sql: str, params: dict | None = None) -> None:
    """Insert ledger lines from a SELECT giving (voucher_no, voucher_date, account_code,
    account_name, debit, counterparty, person)."""
    con.execute(
        f"""
        INSERT INTO ledger (unit, voucher_no, voucher_id, line_no, voucher_date, summary, account_code,
                            account_name, debit, counterparty, counterparty_norm, person, _key)
        SELECT '{UNIT}', voucher_no, voucher_no, 1, voucher_date, '付款', account_code, account_name,
               CAST(debit AS DECIMAL(18,2)), counterparty, counterparty, person, voucher_no || ' #1'
        FROM ({select_sql})
        """,
        params or {},
    )


def run(con, code: str, **overrides):
    spec = default_registry().get(code)
    con.execute("DELETE FROM findings WHERE check_id = ?", [code])
    con.execute("DELETE FROM evidence WHERE check_id = ?", [code])
    run_check(con, spec, resolve_params(con, spec, overrides), run_id="t")
    return con.execute(
        "SELECT entity_type, entity_key, rule, title FROM findings WHERE check_id = ? ORDER BY entity_key",
        [code],
    ).fetchall()


BENFORD = "pow(10, 1 + 4 * random())"  # log-uniform mantissa: exactly Benford in law
UNIFORM = "(1 + 8.999 * random()) * pow(10, 1 + floor(3 * random()))"  # first digits uniform


def accounts(con, prefix: str, n_accounts: int, per_account: int, amount_expr: str) -> None:
    add_lines(con, f"""
        SELECT '{prefix}' || a || '-' || i AS voucher_no,
               DATE '2024-01-01' + CAST(i % 360 AS INTEGER) AS voucher_date,
               '5001' || a AS account_code, '费用科目{prefix}' || a AS account_name,
               round({amount_expr}, 2) AS debit, NULL AS counterparty, NULL AS person
        FROM range({n_accounts}) t1(a), range({per_account}) t2(i)
    """)


def test_benford_conforming_accounts_not_flagged_and_distribution_kept(con):
    accounts(con, "c", 3, 2500, BENFORD)
    assert run(con, "L03") == []
    rows = con.execute(
        """SELECT entity_key, count(*), sum(observed), sum(expected), max(n), avg(abs(observed - expected))
           FROM benford_distribution WHERE test = 'first' AND entity_type = 'account' GROUP BY entity_key"""
    ).fetchall()
    assert len(rows) == 3
    for _key, digits, obs, exp, n, mad in rows:
        assert digits == 9 and obs == pytest.approx(1) and exp == pytest.approx(1) and n == 2500
        assert mad < 0.012  # Nigrini: close or acceptable
    two = con.execute(
        "SELECT count(*), max(n) FROM benford_distribution WHERE test = 'first_two' AND entity_type = 'unit'"
    ).fetchone()
    assert two == (90, 7500)


def test_benford_deviating_account_flagged_conforming_ones_not(con):
    accounts(con, "c", 2, 2000, BENFORD)
    accounts(con, "u", 1, 1500, UNIFORM)
    found = run(con, "L03", min_records_two_digit=10**9)
    assert [(f[0], f[1], f[2]) for f in found] == [("account", "50010 费用科目u0", "first_digit")]
    assert "超过不符合界限0.015" in found[0][3]
    n_ev = con.execute("SELECT count(*) FROM evidence WHERE check_id = 'L03'").fetchone()[0]
    assert n_ev == 20  # evidence_max lines on the most over-represented digit


def test_benford_needs_enough_records(con):
    accounts(con, "u", 1, 600, UNIFORM)
    assert run(con, "L03") == []  # 600 < 1000: not judged
    assert len(run(con, "L03", min_records=500)) == 1


def test_benford_first_two_digits_whole_ledger(con):
    accounts(con, "c", 4, 1500, BENFORD)
    assert run(con, "L03") == []
    # 15% of extra amounts just under 5,000: 49xx
    add_lines(con, """
        SELECT 'x-' || i AS voucher_no, DATE '2024-03-01' + CAST(i % 200 AS INTEGER) AS voucher_date,
               '5009' || (i % 40) AS account_code, '杂项' || (i % 40) AS account_name,
               round(4900 + 99 * random(), 2) AS debit, NULL AS counterparty, NULL AS person
        FROM range(1000) t(i)
    """)
    found = run(con, "L03")
    assert [(f[0], f[2]) for f in found] == [("unit", "first_two_digits")]
    assert "数字49" in found[0][3]


def round_data(con, vendor_round_share: float, vendor_n: int = 100) -> None:
    # 20 ordinary vendors, 150 lines each, ~5% exact thousands; one vendor under test
    add_lines(con, """
        SELECT 'b-' || v || '-' || i AS voucher_no, DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS voucher_date,
               '5001' || (i % 5) AS account_code, '费用' || (i % 5) AS account_name,
               CASE WHEN random() < 0.05 THEN 1000 * (1 + floor(20 * random()))
                    ELSE round(1000 + 20000 * random(), 2) + 0.01 END AS debit,
               '供应商' || v AS counterparty, NULL AS person
        FROM range(20) t1(v), range(150) t2(i)
    """)
    add_lines(con, f"""
        SELECT 'r-' || i AS voucher_no, DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS voucher_date,
               '5001' || (i % 5) AS account_code, '费用' || (i % 5) AS account_name,
               CASE WHEN i < {int(vendor_round_share * vendor_n)} THEN 1000 * (1 + i % 20)
                    ELSE round(1000 + 20000 * random(), 2) + 0.01 END AS debit,
               '待查服务中心' AS counterparty, NULL AS person
        FROM range({vendor_n}) t(i)
    """)


def test_round_amounts_deviating_vendor_flagged(con):
    round_data(con, 0.40)
    found = run(con, "L04")
    assert [(f[0], f[1]) for f in found] == [("vendor", "待查服务中心")]
    assert "100笔金额中40笔" in found[0][3]


def test_round_amounts_conforming_vendor_not_flagged(con):
    round_data(con, 0.06)  # about the unit's baseline of 5%
    assert run(con, "L04") == []


def year_data(con, december_factor: float) -> None:
    # 25 recurring accounts, noisy monthly spend around their own level, December like any month
    add_lines(con, """
        SELECT 'm-' || a || '-' || m || '-' || k AS voucher_no,
               make_date(2024, CAST(m AS INTEGER), CAST(1 + k * 5 AS INTEGER)) AS voucher_date,
               '5001' || a AS account_code, '费用' || a AS account_name,
               round((5000 + 1000 * a) * (0.6 + 0.8 * random()) / 4, 2) AS debit,
               NULL AS counterparty, NULL AS person
        FROM range(25) t1(a), range(1, 13) t2(m), range(4) t3(k)
    """)
    add_lines(con, f"""
        SELECT 'd-' || k AS voucher_no, make_date(2024, 12, CAST(10 + k AS INTEGER)) AS voucher_date,
               '500124' AS account_code, '费用24' AS account_name,
               round((5000 + 1000 * 24) * {december_factor - 1} / 5, 2) AS debit,
               NULL AS counterparty, NULL AS person
        FROM range(5) t(k)
    """)


def test_year_end_rush_flagged(con):
    year_data(con, 5.0)
    found = run(con, "L06")
    assert [f[1] for f in found] == ["500124 费用24"]


def test_year_end_steady_accounts_not_flagged(con):
    year_data(con, 1.5)
    assert run(con, "L06") == []


def test_round_amounts_bank_account_holding_every_amount_not_flagged(con):
    # every voucher also credits the bank: the bank account holds all amounts, so its
    # leave-one-out rest is empty and the unit's own share is its baseline
    round_data(con, 0.06)
    con.execute(
        """
        INSERT INTO ledger (unit, voucher_no, voucher_id, line_no, voucher_date, summary, account_code,
                            account_name, credit, _key)
        SELECT unit, voucher_no, voucher_id, 2, voucher_date, summary, '1002', '银行存款', debit,
               voucher_no || ' #2'
        FROM ledger
        """
    )
    assert run(con, "L04") == []
