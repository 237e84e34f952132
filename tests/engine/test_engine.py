"""Engine: header parsing, selection, parameter binding, findings/evidence, failures."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.contract import create_tables
from xuncha_audit.db import of
from xuncha_audit.engine.registry import discover, parse_check_file
from xuncha_audit.engine.runner import compile_template, run_checks, validate_check_config
from xuncha_audit.errors import ConfigError

HEADER = """\
/* ---
code: {code}
slug: {slug}
title_zh: 大额付款
title_en: Large payments
area: {area}
severity: high
route: 反馈
inputs: [payments]
evidence: [payments]
entity_type: contract
what_zh: 单笔付款超过限额。
why_zh: 测试用。
regulation: 测试依据
params:
  limit: {{type: decimal, default: 1000, min: 0, description_zh: 单笔付款限额}}
template: "合同{{entity_key}}付款{{amount:money}}元，超过{{limit:money}}元"
--- */
"""

GOOD_SQL = """
SELECT unit, payment_no AS finding_key, 'payments' AS ev_table, _key AS ev_key,
       'contract' AS entity_type, contract_no AS entity_key, amount,
       pay_date AS period_start, pay_date AS period_end
FROM payments WHERE amount > $limit
"""


def write_check(root: Path, code="P90", slug="big_payment", area="procurement", sql=GOOD_SQL, header=HEADER):
    d = root / area
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{code}_{slug}.sql"
    p.write_text(header.format(code=code, slug=slug, area=area) + textwrap.dedent(sql), encoding="utf-8")
    return p


@pytest.fixture()
def con():
    c = duckdb.connect()
    create_tables(c)
    c.execute(
        """
        INSERT INTO payments (unit, payment_no, contract_no, pay_date, amount, _key) VALUES
        ('甲局', 'flag_big', 'C1', DATE '2024-01-02', 5000, 'flag_big'),
        ('甲局', 'pass_small', 'C1', DATE '2024-01-03', 999, 'pass_small'),
        ('乙局', 'flag_big', 'C9', DATE '2024-02-02', 2000, 'flag_big')
        """
    )
    return c


def test_run_writes_findings_per_unit_with_bound_params(tmp_path, con):
    write_check(tmp_path)
    reg = discover(tmp_path)
    res = run_checks(con, registry=reg)
    assert [c.status for c in res.checks] == ["ok"]
    rows = con.execute("SELECT unit, title, amount, route, status FROM findings ORDER BY unit").fetchall()
    assert rows == [
        ("乙局", "合同C9付款2,000.00元，超过1,000.00元", 2000, "反馈", "待核实"),
        ("甲局", "合同C1付款5,000.00元，超过1,000.00元", 5000, "反馈", "待核实"),
    ]
    ev = con.execute("SELECT unit, source_table, record_key, record FROM evidence ORDER BY unit").fetchall()
    assert [r[:3] for r in ev] == [("乙局", "payments", "flag_big"), ("甲局", "payments", "flag_big")]
    assert '"contract_no":"C9"' in ev[0][3]
    # A config override is bound, not pasted: a higher limit leaves only the 5000 payment.
    res = run_checks(con, registry=reg, config={"params": {"P90": {"limit": 3000}}})
    assert res.total_findings == 1
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 1


def test_finding_ids_are_stable_and_unit_scoped(tmp_path, con):
    write_check(tmp_path)
    reg = discover(tmp_path)
    run_checks(con, registry=reg)
    first = sorted(r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall())
    run_checks(con, registry=reg)
    second = sorted(r[0] for r in con.execute("SELECT finding_id FROM findings").fetchall())
    assert first == second and len(set(first)) == 2  # same keys, different units -> different ids


def test_failing_check_is_reported_and_run_goes_on(tmp_path, con):
    write_check(tmp_path)
    write_check(tmp_path, code="P91", slug="broken", sql="SELECT unit, no_such_column FROM payments WHERE amount > $limit")
    res = run_checks(con, registry=discover(tmp_path))
    status = {c.check_id: c.status for c in res.checks}
    assert status == {"P90": "ok", "P91": "error"}
    assert "no_such_column" in res.failed[0].error
    logged = con.execute("SELECT check_id, status FROM _check_runs ORDER BY check_id").fetchall()
    assert logged == [("P90", "ok"), ("P91", "error")]


def test_missing_output_columns_is_an_error(tmp_path, con):
    write_check(tmp_path, sql="SELECT unit, amount FROM payments WHERE amount > $limit")
    res = run_checks(con, registry=discover(tmp_path))
    assert res.checks[0].status == "error" and "finding_key" in res.checks[0].error


def test_skip_tables_failing_validation(tmp_path, con):
    write_check(tmp_path)
    res = run_checks(con, registry=discover(tmp_path), skip_tables={"payments"})
    assert res.checks[0].status == "skipped" and "payments" in res.checks[0].error


def test_selection_by_code_prefix_area_and_unknown(tmp_path):
    write_check(tmp_path)
    write_check(tmp_path, code="L90", slug="ledger_demo", area="ledger")
    reg = discover(tmp_path)
    assert [c.code for c in reg.select(["P"])] == ["P90"]
    assert [c.code for c in reg.select(["ledger"])] == ["L90"]
    assert [c.code for c in reg.select(None, ["P90"])] == ["L90"]
    with pytest.raises(ConfigError):
        reg.select(["X01"])
    with pytest.raises(ConfigError):
        reg.select(["P99"])


def test_config_unknown_keys_and_bounds_rejected(tmp_path):
    write_check(tmp_path)
    reg = discover(tmp_path)
    with pytest.raises(ConfigError, match="未知字段"):
        validate_check_config({"selct": ["P"]}, reg)
    with pytest.raises(ConfigError, match="没有参数"):
        validate_check_config({"params": {"P90": {"limt": 5}}}, reg)
    with pytest.raises(ConfigError, match="小于下限"):
        validate_check_config({"params": {"P90": {"limit": -1}}}, reg)
    with pytest.raises(ConfigError, match="未知的检查编号"):
        validate_check_config({"params": {"P55": {"limit": 1}}}, reg)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: h.replace("severity: high", "severity: huge"), "严重程度"),
        (lambda h: h.replace("route: 反馈", "route: 别处"), "移送去向"),
        (lambda h: h.replace("title_en: Large payments\n", "title_en: x\ncolour: red\n"), "未知字段"),
        (lambda h: h.replace("description_zh: 单笔付款限额", "x: 1"), "未知字段"),
        (lambda h: h.replace("regulation: 测试依据\n", ""), "缺少字段"),
    ],
)
def test_bad_headers_rejected_naming_the_file(tmp_path, mutate, message):
    p = write_check(tmp_path, header=mutate(HEADER))
    with pytest.raises(ConfigError, match=message) as exc:
        parse_check_file(p)
    assert str(p) in exc.value.message()


def test_undeclared_and_unused_params_rejected(tmp_path):
    p = write_check(tmp_path, sql=GOOD_SQL.replace("$limit", "$other"))
    with pytest.raises(ConfigError, match="未声明"):
        parse_check_file(p)


DERIVED = "derived:\n  words_any: {{keywords_any: [sensitive]}}\ntemplate:"


@pytest.mark.parametrize(
    ("derived", "message"),
    [
        ("derived:\n  words_any: {{no_such_derivation: [sensitive]}}\ntemplate:", "派生方式只能是"),
        ("derived:\n  words_any: {{keywords_any: []}}\ntemplate:", "非空的文字列表"),
        ("derived:\n  limit: {{keywords_any: [sensitive]}}\ntemplate:", "与参数同名"),
        (DERIVED, "未在 SQL 中使用"),  # declared, not used
    ],
)
def test_bad_derived_values_rejected(tmp_path, derived, message):
    p = write_check(tmp_path, header=HEADER.replace("template:", derived))
    with pytest.raises(ConfigError, match=message):
        parse_check_file(p)


def test_derived_value_bound_from_the_standards_and_not_settable(tmp_path, con):
    """A ``derived:`` value is computed on the run's database (here the sensitive words as one
    alternation), bound like a parameter, kept out of the finding's sentence, and a config
    cannot set it."""
    from xuncha_audit import standards

    standards.install(con)
    sql = GOOD_SQL.replace("WHERE amount > $limit",
                           "WHERE amount > $limit AND regexp_matches('购茅台', $words_any) "
                           "AND NOT regexp_matches('办公用品', $words_any)")
    write_check(tmp_path, header=HEADER.replace("template:", DERIVED), sql=sql)
    reg = discover(tmp_path)
    assert reg.get("P90").derived == {"words_any": ("keywords_any", ("sensitive",))}
    res = run_checks(con, registry=reg)
    assert res.checks[0].status == "ok" and res.checks[0].findings == 2  # the two above the limit
    assert all("茅台" not in t for (t,) in con.execute("SELECT title FROM findings").fetchall())
    with pytest.raises(ConfigError, match="没有参数"):
        validate_check_config({"params": {"P90": {"words_any": "x"}}}, reg)


def test_file_name_and_folder_must_match(tmp_path):
    p = write_check(tmp_path, code="P90", slug="big_payment", area="procurement")
    p.rename(p.with_name("P90_other.sql"))
    with pytest.raises(ConfigError, match="文件名"):
        parse_check_file(p.with_name("P90_other.sql"))


def test_template_literals_are_bound_not_pasted():
    expr, binds = compile_template("名称'); DROP TABLE x; --{a}", {"a"})
    assert "DROP" not in expr and binds["_t0"].startswith("名称'")
    with pytest.raises(ConfigError):
        compile_template("{missing}", {"a"})
    with pytest.raises(ConfigError):
        compile_template("{a:weird}", {"a"})


def test_requires_drops_units_that_sent_no_reference_table(tmp_path, con):
    header = HEADER.replace("inputs: [payments]\n", "inputs: [payments, contracts]\nrequires: [contracts]\n")
    write_check(tmp_path, header=header)
    con.execute("INSERT INTO contracts (unit, contract_no, _key) VALUES ('甲局', 'C1', 'C1')")
    res = run_checks(con, registry=discover(tmp_path))
    assert con.execute("SELECT unit FROM findings").fetchall() == [("甲局",)]
    assert "乙局未提供合同台账" in res.checks[0].note
    assert con.execute("SELECT note FROM _check_runs").fetchone()[0] == res.checks[0].note


def test_evidence_records_attached_once_per_record_in_order(con):
    """Each cited record's JSON is made once and written into every evidence row citing it,
    in the evidence table's order; a record that has its JSON keeps it, a table outside the
    contract (or missing) leaves its rows without one, and no row is added or lost."""
    import json

    from xuncha_audit.engine.runner import attach_evidence_records, ensure_output_tables

    ensure_output_tables(con)
    con.execute(
        """INSERT INTO evidence VALUES
        ('f3', 'P90', '乙局', 'payments', 'flag_big', NULL),
        ('f1', 'P90', '甲局', 'payments', 'flag_big', NULL),
        ('f2', 'P91', '甲局', 'payments', 'flag_big', NULL),       -- the same record, another finding
        ('f4', 'P91', '甲局', 'payments', 'pass_small', '{"kept": 1}'),  -- attached before
        ('f5', 'P92', '甲局', 'not_a_table', 'x', NULL),
        ('f6', 'P92', '甲局', 'payments', 'no_such_key', NULL)""")
    attach_evidence_records(con)
    rows = con.execute("SELECT finding_id, record FROM evidence").fetchall()
    assert [r[0] for r in rows] == ["f3", "f1", "f2", "f4", "f5", "f6"]
    rec = {fid: (json.loads(r) if r else None) for fid, r in rows}
    assert rec["f3"]["contract_no"] == "C9" and float(rec["f3"]["amount"]) == 2000
    assert rec["f1"] == rec["f2"] and rec["f1"]["contract_no"] == "C1" and float(rec["f1"]["amount"]) == 5000
    assert rec["f4"] == {"kept": 1}
    assert rec["f5"] is None and rec["f6"] is None
    assert [r[0] for r in con.execute("DESCRIBE evidence").fetchall()] == [
        "finding_id", "check_id", "unit", "source_table", "record_key", "record"]


def test_shared_relations_read_by_an_areas_checks_then_dropped(tmp_path, con):
    """Two checks of one area read its shared relation, built once; once the area's last check
    has run it is dropped (run scratch: ``ledger_texts`` holds a ledger's every distinct text),
    and a later run builds it again."""
    shared = tmp_path / "procurement" / "_shared"
    shared.mkdir(parents=True)
    (shared / "big_payments.sql").write_text(
        "-- big_payments: payments above 1,000 yuan\nSELECT * FROM payments WHERE amount > 1000\n",
        encoding="utf-8")
    sql = GOOD_SQL.replace("FROM payments WHERE", "FROM big_payments WHERE")
    write_check(tmp_path, code="P90", sql=sql)
    write_check(tmp_path, code="P91", slug="big_payment_two", sql=sql)
    seen = []
    res = run_checks(con, registry=discover(tmp_path),
                     progress=lambda spec, cr: seen.append((spec.code, of(con).exists("big_payments", temporary=True))))
    assert [c.status for c in res.checks] == ["ok", "ok"]
    assert seen == [("P90", True), ("P91", False)]  # kept for P91, dropped after it
    assert con.execute("SELECT check_id, count(*) FROM findings GROUP BY 1 ORDER BY 1").fetchall() == [
        ("P90", 2), ("P91", 2)]
    res = run_checks(con, registry=discover(tmp_path))
    assert [c.findings for c in res.checks] == [2, 2] and not of(con).exists("big_payments", temporary=True)

