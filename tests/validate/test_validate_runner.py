"""validate_database on good and deliberately broken DuckDB files: exact failures and counts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from validate_testdata import BROKEN_FAILURES, BROKEN_SQL, PERIOD, build_db

from xuncha_audit.contract import load_contract
from xuncha_audit.validate.runner import VALIDATION_COLUMNS, validate_database

# Great Expectations is imported once per worker (~8 s): its tests share one worker. Only the
# tests that need GX itself ask for ``gx_loaded`` (data docs, slow tier); the others validate
# through the plain-SQL evaluator, as a run without data docs does.
pytestmark = pytest.mark.xdist_group("gx")


@pytest.fixture(scope="module")
def good_report(good_db):
    return validate_database(good_db, period=PERIOD)


@pytest.fixture(scope="module")
def broken_report(broken_db):
    return validate_database(broken_db, period=PERIOD)


def test_good_data_passes_everything(good_report):
    assert good_report.failures == []
    assert good_report.failed_tables == set()
    assert good_report.success
    counts = good_report.summary_counts()
    assert counts["not_evaluated"] == 0
    assert counts["evaluated"] == counts["passed"] == len(good_report.outcomes)
    # every table of the data contract has a suite and was validated (17 with payroll_deductions)
    assert sorted(good_report.tables) == sorted(load_contract().tables)


def test_good_data_counts_are_real(good_report):
    """Rows were actually counted (not the empty results of the GX/DuckDB bug)."""
    by_id = {o.expectation_id: o for o in good_report.outcomes}
    assert by_id["ledger.voucher_date.not_null"].element_count == 7
    assert by_id["ledger.voucher_date.not_null"].unexpected_count == 0
    assert by_id["contracts.category.in_set"].element_count == 3
    assert by_id["payments.contract_exists"].unexpected_count == 0  # 'c2 ' matches C2
    assert by_id["vehicle_costs.plate_exists"].unexpected_count == 0  # 湘a 12345 == 湘A12345
    # empty tables pass their row-level rules without a query and their schema rules in GX
    empty = by_id["offices.area_m2.min"]
    assert (empty.success, empty.element_count, empty.details) == (True, 0, {"empty_table": True})
    assert by_id["offices.columns.required"].success is True


def test_broken_data_exact_failures(broken_report):
    got = {o.expectation_id: o.unexpected_count for o in broken_report.failures}
    assert got == BROKEN_FAILURES


def test_broken_data_details(broken_report):
    by_id = {o.expectation_id: o for o in broken_report.failures}
    period = by_id["ledger.voucher_date.in_period"]
    assert period.severity == "warning"
    assert period.element_count == 9
    assert sorted(period.details["examples"]) == ["2023-12-31", "2025-01-01"] or sorted(
        str(x) for x in period.details["examples"]) == ["2023-12-31", "2025-01-01"]
    assert by_id["contracts.category.in_set"].column == "category"
    assert sorted(by_id["contracts.category.in_set"].details["examples"]) == ["其他", "杂项"]
    assert by_id["contracts.sign_date.in_period"].severity == "info"
    assert by_id["payments.contract_exists"].details["examples"] == [
        {"unit": "A", "_key": "P2", "contract_no": "C9"}]
    assert by_id["ledger.voucher_balanced"].details["examples"] == [
        {"unit": "A", "voucher_no": "V1", "debit_minus_credit": 10}]
    assert "巡察期间" in period.description_zh


def test_critical_failure_names_the_right_table(broken_report):
    assert broken_report.failed_tables == {"hospitality"}
    assert broken_report.critical_tables == {"hospitality"}
    assert not broken_report.success
    [crit] = broken_report.critical_failures["hospitality"]
    assert crit.expectation_id == "hospitality.date.not_all_null"
    assert crit.element_count == 2
    msg = broken_report.skip_message_zh("hospitality")
    assert "hospitality" in msg and "不能整列为空" in msg


def test_validation_table_written(broken_report, broken_db):
    con = duckdb.connect(str(broken_db), read_only=True)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE _validation").fetchall()]
        rows = con.execute(
            "SELECT expectation_id, unexpected_count, severity, details FROM _validation "
            "WHERE NOT success ORDER BY expectation_id").fetchall()
        total = con.execute("SELECT count(*) FROM _validation").fetchone()[0]
    finally:
        con.close()
    assert cols == list(VALIDATION_COLUMNS)
    assert {r[0]: r[1] for r in rows} == BROKEN_FAILURES
    assert total == len(broken_report.outcomes)
    details = {r[0]: json.loads(r[3]) for r in rows}
    assert details["ledger.voucher_date.in_period"]["unexpected_percent"] == pytest.approx(22.2222)


def test_missing_key_column_is_critical_and_dependents_not_evaluated(tmp_path):
    db = build_db(tmp_path / "nokey.duckdb", BROKEN_SQL)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE meetings DROP COLUMN record_no")
    con.execute("ALTER TABLE offices DROP COLUMN room_no")  # offices is empty
    con.execute("INSERT INTO meetings (unit, _key, start_date, amount) "
                "VALUES ('A', NULL, DATE '2024-02-02', 10)")
    con.close()
    report = validate_database(db, period=PERIOD, tables=["meetings", "payroll", "offices"])
    assert report.tables == ["payroll", "meetings", "offices"]
    assert report.failed_tables == {"meetings", "offices"}
    [office] = report.critical_failures["offices"]
    assert (office.expectation_id, office.column) == ("offices.columns.required", "room_no")
    assert office.details == {"empty_table": True, "missing_columns": ["room_no"]}
    crit = {o.expectation_id: o for o in report.critical_failures["meetings"]}
    assert set(crit) == {"meetings.columns.required", "meetings._key.not_all_null"}
    assert crit["meetings.columns.required"].details["missing_columns"] == ["record_no"]
    assert crit["meetings.columns.required"].column == "record_no"
    skipped = {o.expectation_id for o in report.outcomes if o.success is None}
    assert skipped == {"meetings.record_no.not_null", "meetings.record_no.not_all_null"}


def test_without_period_the_period_rules_are_not_evaluated(broken_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(broken_db, db)
    report = validate_database(db, tables=["ledger", "payroll"])
    not_run = {o.expectation_id for o in report.outcomes if o.success is None}
    assert not_run == {"ledger.voucher_date.in_period", "payroll.month.in_period"}
    assert any("巡察期间" in n for n in report.notes_zh)
    assert {o.expectation_id for o in report.failures} == {
        "ledger.voucher_balanced", "ledger._key.unique_in_unit", "ledger.voucher_no.not_null"}
    # a re-run replaces the rows of the tables it validated, others stay
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM _validation WHERE table_name = 'ledger'").fetchone()[0]
    others = con.execute("SELECT count(*) FROM _validation WHERE table_name = 'staff'").fetchone()[0]
    con.close()
    assert n == sum(1 for o in report.outcomes if o.table_name == "ledger")
    assert others > 0


def test_user_expectations_are_merged(good_db, tmp_path):
    """expectations/local/*.json style files: add, replace by id, disable — no code change."""
    suites = tmp_path / "suites"
    shutil.copytree(Path(__file__).resolve().parents[2] / "expectations", suites,
                    ignore=shutil.ignore_patterns("local"))
    (suites / "local").mkdir()
    (suites / "local" / "ours.json").write_text(json.dumps({
        "name": "ledger",
        "expectations": [
            {"type": "expect_column_values_to_be_in_set",
             "kwargs": {"column": "summary", "value_set": ["购办公用品", "付款"]},
             "meta": {"severity": "critical", "description_zh": "摘要只能是本单位的规范摘要"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "unit"},
             "meta": {"id": "ledger.unit.not_null", "disabled": True}},
        ],
    }, ensure_ascii=False), encoding="utf-8")
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"name": "team_rules", "expectations": [
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "amount", "max_value": 100},
         "meta": {"table": "contracts", "id": "contracts.amount.small"}},
    ]}), encoding="utf-8")
    report = validate_database(good_db, period=PERIOD, tables=["ledger", "contracts"],
                               suites_dir=suites, extra_suites=[extra])
    by_id = {o.expectation_id: o for o in report.outcomes}
    assert "ledger.unit.not_null" not in by_id
    ours = [o for o in report.failures if o.table_name == "ledger"]
    assert len(ours) == 1
    assert ours[0].unexpected_count == 2  # the two 差旅 lines of unit B
    assert ours[0].severity == "critical"
    assert ours[0].description_zh == "摘要只能是本单位的规范摘要"
    assert report.failed_tables == {"ledger"}
    small = by_id["contracts.amount.small"]
    assert (small.success, small.unexpected_count, small.severity) == (False, 1, "warning")
    assert small.description_zh == "「amount（合同金额）」不应大于100"


def test_reuses_an_open_connection(good_db, tmp_path):
    """The run can keep its own connection open and pass it in."""
    db = tmp_path / "open.duckdb"
    shutil.copy(good_db, db)
    con = duckdb.connect(str(db))
    try:
        report = validate_database(db, period=PERIOD, tables=["payments"], con=con)
        n = con.execute("SELECT count(*) FROM _validation WHERE table_name = 'payments'"
                        ).fetchone()[0]
        assert con.execute("SELECT count(*) FROM payments").fetchone()[0] == 3  # still open
    finally:
        con.close()
    assert report.failures == []
    assert n == len(report.outcomes)


@pytest.mark.slow  # data docs need Great Expectations itself (~10 s to import): the full tier
def test_data_docs_built(gx_loaded, broken_db, tmp_path):
    db = tmp_path / "docs.duckdb"
    shutil.copy(broken_db, db)
    report = validate_database(db, period=PERIOD, tables=["payments"], out_dir=tmp_path / "out")
    assert report.data_docs_index == tmp_path / "out" / "data_docs" / "index.html"
    assert report.data_docs_index.exists()
    pages = list((tmp_path / "out" / "data_docs" / "validations").rglob("*.html"))
    assert pages and "payments" in pages[0].as_posix()
    assert not (Path.cwd() / "gx").exists()
    assert {o.expectation_id for o in report.failures} == {"payments.contract_exists"}
