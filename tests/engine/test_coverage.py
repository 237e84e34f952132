"""Missing input is not clean; "cannot judge" is a note, not a finding (issue 12 items 3, 4)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.contract import create_tables
from xuncha_audit.engine.cases import CHECKS_DIR, build_case_db, load_case_file
from xuncha_audit.engine.coverage import needs_of, write_unit_tables
from xuncha_audit.engine.registry import default_registry, discover
from xuncha_audit.engine.runner import run_checks


def _engine_tests():
    """The helpers of test_engine.py (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_engine_tests", Path(__file__).with_name("test_engine.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HEADER, write_check = _engine_tests().HEADER, _engine_tests().write_check


@pytest.fixture()
def two_units():
    c = duckdb.connect()
    create_tables(c)
    c.execute("CREATE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    c.execute("INSERT INTO _units VALUES ('甲局', '市级', '湖南', '长沙'), ('乙局', '市级', '湖南', '长沙')")
    c.execute(
        """INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, _key) VALUES
        ('甲局', 'p1', 'C1', DATE '2024-01-02', 5000, 'p1')"""
    )
    yield c
    c.close()


def test_unit_without_the_input_is_not_run_not_clean(tmp_path, two_units):
    write_check(tmp_path)
    res = run_checks(two_units, registry=discover(tmp_path), run_id="r1")
    cr = res.checks[0]
    assert cr.status == "ok" and cr.findings == 1
    assert "乙局" in cr.note and "付款" in cr.note
    cov = dict(two_units.execute(
        "SELECT unit, status || '|' || coalesce(reason_zh, '') FROM _check_coverage WHERE run_id = 'r1'").fetchall())
    assert cov["甲局"] == "ok|"
    assert cov["乙局"].startswith("not_run|缺少 ") and "payments" in cov["乙局"]


def test_check_with_no_input_anywhere_is_not_run(tmp_path, two_units):
    two_units.execute("DELETE FROM payments")
    write_check(tmp_path)
    res = run_checks(two_units, registry=discover(tmp_path), run_id="r2")
    cr = res.checks[0]
    assert cr.status == "not_run" and cr.findings == 0
    assert two_units.execute("SELECT status FROM _check_runs WHERE run_id = 'r2'").fetchone()[0] == "not_run"
    assert two_units.execute(
        "SELECT count(*) FROM _check_coverage WHERE run_id = 'r2' AND status = 'not_run'").fetchone()[0] == 2


def test_needs_any_of_a_group(tmp_path, two_units):
    header = HEADER.replace("inputs: [payments]\n", "inputs: [payments, contracts]\nneeds: [[contracts, payments]]\n")
    write_check(tmp_path, header=header)
    two_units.execute("INSERT INTO contracts (unit, contract_no, _key) VALUES ('乙局', 'C9', 'C9')")
    res = run_checks(two_units, registry=discover(tmp_path), run_id="r3")
    assert res.checks[0].status == "ok" and not res.checks[0].note  # 乙局 has contracts: judged


def test_default_needs_is_first_canonical_input_plus_requires():
    reg = default_registry()
    assert needs_of(reg.get("H01")) == [("payroll",), ("staff",)]
    assert needs_of(reg.get("R05")) == [("travel_claims", "hospitality", "meetings")]


def test_unit_tables_lists_what_each_unit_supplied(two_units):
    write_unit_tables(two_units)
    rows = {(u, t): (n, s) for u, t, n, s in two_units.execute(
        'SELECT unit, table_name, "rows", supplied FROM _unit_tables').fetchall()}
    assert rows[("甲局", "payments")] == (1, True)
    assert rows[("乙局", "payments")] == (0, False)
    assert rows[("甲局", "payroll")] == (0, False)


def test_o01_unknown_rank_is_one_note_per_unit_and_reason():
    case = next(c for c in load_case_file(CHECKS_DIR / "office" / "cases" / "O01.yaml")
                if c.name == "pass_rank_unknown_is_a_note_not_a_finding")
    con = build_case_db(case)
    con.execute("INSERT INTO offices (unit, room_no, area_m2, occupants, _key) "
                "SELECT unit, 'r2', 15, '临时人员乙', 'r2' FROM offices LIMIT 1")
    res = run_checks(con, checks=[default_registry().get("O01")], run_id="n1")
    assert res.checks[0].findings == 0
    notes = con.execute("SELECT reason_zh, n, entity_type, examples FROM _check_notes WHERE run_id = 'n1'").fetchall()
    assert len(notes) == 1
    reason, n, etype, examples = notes[0]
    assert "不在人员花名册" in reason and n == 2 and etype == "person"
    assert examples == "临时人员乙、临时人员甲" or set(examples.split("、")) == {"临时人员甲", "临时人员乙"}
    assert any("2 人" in t for t in res.checks[0].notes)


def test_validation_fails_a_required_table_that_is_empty(two_units):
    from xuncha_audit.engine.coverage import record_required_empty, required_but_empty
    from xuncha_audit.validate.runner import VALIDATION_DDL

    two_units.execute(VALIDATION_DDL)
    reg = default_registry()
    missing = required_but_empty(two_units, [reg.get("H01"), reg.get("P07"), reg.get("R05")])
    tables = {t: codes for t, _title, codes in missing}
    assert tables["payroll"] == ["H01"] and tables["staff"] == ["H01"]
    assert tables["contracts"] == ["P07"]  # P07's first input; payments has a row
    assert tables["travel_claims"] == tables["hospitality"] == tables["meetings"] == ["R05"]
    assert "payments" not in tables
    record_required_empty(two_units, missing)
    rows = two_units.execute(
        "SELECT table_name, success, description_zh FROM _validation ORDER BY table_name").fetchall()
    assert {r[0] for r in rows} == set(tables) and not any(r[1] for r in rows)
    assert "H01" in dict((r[0], r[2]) for r in rows)["payroll"]
