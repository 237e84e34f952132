"""政府会计制度 平行记账: budget lines (6xxx-8xxx) repeat the 财务会计 booking of an event; the
amount-based ledger checks count an event once."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from xuncha_audit import standards
from xuncha_audit.contract import create_tables
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import run_checks
from xuncha_audit.ingest.derive import derive_columns


def _ledger(con, unit, lines):
    for n, (d, vno, code, name, debit, credit) in enumerate(lines):
        con.execute(
            "INSERT INTO ledger (unit, voucher_date, voucher_no, account_code, account_name, debit, credit, "
            "summary, _source_row) VALUES (?, ?, ?, ?, ?, ?, ?, '付办公费', ?)",
            [unit, d, vno, code, name, debit, credit, n])


def _gov_year(unit, december_factor, budget=True):
    lines = []
    for m in range(1, 13):
        for k in range(4):
            amt = 10000.0 * (december_factor if m == 12 else 1) + k
            d = dt.date(2024, m, 5 + k)
            vno = f"记-{k + 1}"
            lines += [(d, vno, "500101", "业务活动费用-办公费", amt, None),
                      (d, vno, "101101", "零余额账户用款额度", None, amt)]
            if budget:
                lines += [(d, vno, "720101", "行政支出-办公费", amt, None),
                          (d, vno, "800101", "资金结存-零余额", None, amt)]
    return lines


@pytest.fixture
def con():
    c = duckdb.connect()
    create_tables(c)
    c.execute("CREATE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    yield c
    c.close()


def test_budget_lines_tagged_only_in_a_parallel_ledger(con):
    _ledger(con, "政府单位", _gov_year("政府单位", 1)[:4])
    _ledger(con, "企业", [(dt.date(2024, 1, 5), "记-1", "6602", "管理费用", 5.0, None),
                         (dt.date(2024, 1, 5), "记-1", "1002", "银行存款", None, 5.0)])
    _ledger(con, "只有预算账", [(dt.date(2024, 1, 5), "记-1", "7201", "行政支出", 5.0, None),
                              (dt.date(2024, 1, 5), "记-1", "8001", "资金结存", None, 5.0)])
    derive_columns(con, "ledger")
    got = con.execute("SELECT unit, account_code, book FROM ledger ORDER BY unit, account_code").fetchall()
    assert got == [
        ("企业", "1002", "财务会计"), ("企业", "6602", "财务会计"),  # 企业会计准则: 6xxx = 损益类
        ("只有预算账", "7201", "财务会计"), ("只有预算账", "8001", "财务会计"),  # one book only: all counts
        ("政府单位", "101101", "财务会计"), ("政府单位", "500101", "财务会计"),
        ("政府单位", "720101", "预算会计"), ("政府单位", "800101", "预算会计"),
    ]


def test_year_end_rush_counted_once_in_a_parallel_ledger(con):
    _ledger(con, "政府单位", _gov_year("政府单位", 6.0))
    derive_columns(con, "ledger")
    standards.install(con)
    reg = default_registry().select(["L06"])
    run_checks(con, reg, run_id="t")
    accounts = [r[0] for r in con.execute("SELECT entity_key FROM findings").fetchall()]
    # the 财务会计 expense account only, not its 预算会计 twin 720101 行政支出
    assert accounts == ["500101 业务活动费用-办公费"]
