"""Audit sampling: reproducible, MUS selects by money (key items always), random by count."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from xuncha_audit.cli import app
from xuncha_audit.contract import create_tables
from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.sampling import draw, write_sample

# payments: one key item far above any interval, zero and NULL amounts that MUS cannot hit,
# a red (negative) entry sampled by its absolute value, many small lines.
SMALL = [(f"FK-{i:04d}", 1000.00 + i) for i in range(200)]
ROWS = [("FK-BIG", 5_000_000.00), ("FK-ZERO", 0.00), ("FK-NULL", None), ("FK-RED", -800_000.00), *SMALL]


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "s.duckdb"))
    create_tables(c, ["payments"])
    for no, amt in ROWS:
        c.execute(
            "INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, _key) "
            "VALUES ('某局', $no, 'HT-1', DATE '2024-03-01', $amt, $no)", {"no": no, "amt": amt})
    c.execute("CREATE TABLE evidence (finding_id VARCHAR, check_id VARCHAR, unit VARCHAR, "
              "source_table VARCHAR, record_key VARCHAR, record VARCHAR)")
    for no in ("FK-0001", "FK-0002", "FK-0003", "FK-0004", "FK-BIG"):
        c.execute("INSERT INTO evidence VALUES ('f1', 'P02', '某局', 'payments', $k, '{}')", {"k": no})
    yield c
    c.close()


def keys(sample) -> list[str]:
    return list(sample.rows["payment_no"])


def test_mus_is_reproducible_and_takes_key_items(con):
    for seed in range(12):
        s = draw(con, method="mus", size=10, seed=seed, table="payments")
        assert keys(s) == keys(draw(con, method="mus", size=10, seed=seed, table="payments"))
        assert "FK-BIG" in keys(s), "an amount above the interval is always selected"
        assert "FK-RED" in keys(s), "a red entry is sampled by its absolute value"
        assert not {"FK-ZERO", "FK-NULL"} & set(keys(s)), "zero/NULL amounts cannot be hit"
        assert int(s.rows["命中次数 hits"].sum()) == 10
        big = s.rows[s.rows["payment_no"] == "FK-BIG"].iloc[0]
        assert big["关键项目 key item"] == "是" and big["命中次数 hits"] >= 5
    assert s.params["金额为0或空的记录(不可能被抽中) zero/NULL"] == 2
    assert s.params["金额合计(绝对值) total"] == f"{5_000_000 + 800_000 + sum(a for _, a in SMALL):,.2f}"


def test_mus_probability_follows_money(con):
    # Unit 乙局: 50 lines of 1,000 and 50 of 3,000; size 20 -> interval 10,000, so a line is
    # picked with probability amount / interval: 0.1 and 0.3.
    for i in range(100):
        c_amt = 1000.00 if i % 2 else 3000.00
        con.execute("INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, _key) "
                    "VALUES ('乙局', $no, 'HT-2', DATE '2024-03-01', $amt, $no)",
                    {"no": f"Y-{i:03d}", "amt": c_amt})
    small = large = 0
    for seed in range(100):
        s = draw(con, method="mus", size=20, seed=seed, table="payments", unit="乙局")
        amounts = s.rows["amount"].astype(float)
        small += int((amounts == 1000).sum())
        large += int((amounts == 3000).sum())
    # expected 100 * 50 * 0.1 = 500 and 100 * 50 * 0.3 = 1,500 picks
    assert 440 < small < 560 and 1420 < large < 1580


def test_random_draws_distinct_records_reproducibly(con):
    a = draw(con, method="random", size=20, seed=3, table="payments")
    assert len(set(keys(a))) == 20
    assert keys(a) == keys(draw(con, method="random", size=20, seed=3, table="payments"))
    assert keys(a) != keys(draw(con, method="random", size=20, seed=4, table="payments"))
    assert len(draw(con, method="random", size=999, seed=1, table="payments").rows) == len(ROWS)


def test_sample_of_one_findings_evidence(con):
    s = draw(con, method="random", size=3, seed=1, finding="f1")
    assert set(keys(s)) <= {"FK-0001", "FK-0002", "FK-0003", "FK-0004", "FK-BIG"}
    assert s.params["总体记录数 records"] == 5
    with pytest.raises(XunchaError, match="没有疑点"):
        draw(con, method="random", size=3, seed=1, finding="nope")


def test_errors_are_messages(con):
    with pytest.raises(XunchaError, match="未知的数据表"):
        draw(con, method="mus", size=3, seed=1, table="nope")
    with pytest.raises(XunchaError, match="未导入"):
        draw(con, method="mus", size=3, seed=1, table="contracts")
    with pytest.raises(XunchaError, match="未知的抽样方法"):
        draw(con, method="stratified", size=3, seed=1, table="payments")
    with pytest.raises(XunchaError, match="--table 或 --finding"):
        draw(con, method="mus", size=3, seed=1)


def test_workbook_and_cli(con, tmp_path):
    db = tmp_path / "s.duckdb"
    con.close()
    out = tmp_path / "样本.xlsx"
    res = CliRunner().invoke(app, ["sample", "--db", str(db), "--table", "payments", "--size", "5",
                                   "--seed", "9", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "抽取" in res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["抽样说明", "样本"]
    info = {r[0]: r[1] for r in wb["抽样说明"].iter_rows(min_row=2, values_only=True)}
    assert info["随机种子 seed"] == "9" and "MUS" in info["抽样方法 method"]
    header = next(wb["样本"].iter_rows(max_row=1, values_only=True))
    assert header[0] == "抽样序号" and "核实结果" in header
    c2 = duckdb.connect(str(db), read_only=True)
    again = draw(c2, method="mus", size=5, seed=9, table="payments")
    c2.close()
    got = [r[header.index("payment_no")] for r in wb["样本"].iter_rows(min_row=2, values_only=True)]
    assert got == keys(again)
    bad = CliRunner().invoke(app, ["sample", "--db", str(db), "--table", "nope", "--out", str(out)])
    assert bad.exit_code == 2


def test_write_sample_rejects_directory(con, tmp_path):
    s = draw(con, method="random", size=2, seed=1, table="payments")
    with pytest.raises(XunchaError, match="目录"):
        write_sample(s, tmp_path)
