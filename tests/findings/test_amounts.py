"""The headline amount counts each evidence record once (issue 12 item 6)."""

from __future__ import annotations

import json

import duckdb

from xuncha_audit.findings.amounts import headline, write_amount_dedup

U = "某局"


def _con(findings):
    con = duckdb.connect()
    con.execute("CREATE TABLE findings (finding_id VARCHAR, check_id VARCHAR, unit VARCHAR, amount DECIMAL(18,2))")
    con.execute("CREATE TABLE evidence (finding_id VARCHAR, check_id VARCHAR, unit VARCHAR, source_table VARCHAR, "
                "record_key VARCHAR, record VARCHAR)")
    for fid, check, amount, records in findings:
        con.execute("INSERT INTO findings VALUES (?, ?, ?, ?)", [fid, check, U, amount])
        for table, key, rec_amount in records:
            con.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
                        [fid, check, U, table, key, json.dumps({"amount": rec_amount} if rec_amount is not None else {})])
    return con


def c(key, amount=100):
    return ("contracts", key, amount)


def test_contracts_cited_by_p01_p02_p06_count_once():
    con = _con([
        ("p01", "P01", 300, [c("A"), c("B"), c("C")]),           # split group
        ("p02g", "P02", 300, [c("A"), c("B"), c("C")]),          # bunching group ...
        ("p02a", "P02", 100, [c("A")]),                          # ... and each contract
        ("p06", "P06", 400, [c("A"), c("B"), c("C"), c("D")]),   # vendor concentration
    ])
    write_amount_dedup(con)
    h = headline(con)
    assert h["amount_raw"] == 1100
    assert h["amount_dedup"] == 400  # A, B, C, D once each
    assert h["records"] == 4 and h["records_cited_twice"] == 3
    assert "去重" in h["label_zh"]
    by = dict(con.execute("SELECT check_id, amount_dedup FROM amount_by_check").fetchall())
    assert float(by["P02"]) == 300  # within P02 the group and the single contract overlap


def test_excess_and_full_amount_on_one_claim_take_the_larger():
    con = _con([
        ("r01", "R01", 50, [("travel_claims", "X", 1000)]),     # lodging 50 over the cap
        ("r05", "R05", 1000, [("travel_claims", "X", 1000)]),   # the same claim paid twice
        ("h03", "H03", 30, [("payroll", "p1", 10), ("payroll", "p2", 20)]),
        ("o01", "O01", None, [("offices", "r1", None)]),
    ])
    write_amount_dedup(con)
    h = headline(con)
    assert h["amount_raw"] == 1080 and h["amount_dedup"] == 1030


def test_no_shared_records_means_no_change_and_even_split_without_amounts():
    con = _con([
        ("a", "L01", 90, [("ledger", "1", None), ("ledger", "2", None), ("ledger", "3", None)]),
        ("b", "L07", 60, [("ledger", "3", None), ("ledger", "4", None)]),
    ])
    write_amount_dedup(con)
    h = headline(con)
    # ledger 3 gets 30 from L01 and 30 from L07: counted once (30), so 150 - 30.
    assert h["amount_raw"] == 150 and h["amount_dedup"] == 120
    assert h["amount_dedup"] <= h["amount_raw"]


def test_totals_are_summed_as_exact_decimals_whatever_the_order():
    """Each record's amount and each check's shares are exact decimals before they are
    summed: a sum of doubles depends on the order DuckDB's threads add them in (a province's
    deduplicated total came out ….39 on one run and ….40 on the next). Thirds of a cent
    summed in two orders give the same totals, equal to the exact decimal sum."""
    from decimal import Decimal

    findings = [(f"f{i}", "P01", Decimal("10000000.00"), [c(f"K{i}a", 1), c(f"K{i}b", 1), c(f"K{i}c", 1)])
                for i in range(40)]
    totals = []
    for order in (findings, findings[::-1]):
        con = _con(order)
        write_amount_dedup(con)
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name = '_amount_records'").fetchall())
        assert types["amount"].startswith("DECIMAL")
        by = con.execute("SELECT amount_dedup FROM amount_by_check").fetchone()[0]
        totals.append((headline(con)["amount_dedup"], by))
    assert totals[0] == totals[1]
    # each finding's 10,000,000.00 split in three: 3,333,333.33 per record, 120 records
    assert totals[0][0] == float(Decimal("3333333.33") * 120)
    assert totals[0][1] == Decimal("400000000.00")
