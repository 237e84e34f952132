"""Suites: generated from the contract, committed, described in Chinese; user files merged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xuncha_audit.contract import load_contract
from xuncha_audit.errors import ConfigError
from xuncha_audit.validate.descriptions import TEMPLATES_ZH, describe
from xuncha_audit.validate.suites import (
    REPO_SUITES_DIR,
    SEVERITIES,
    dump_suite,
    generate_suites,
    load_suites,
    uses_period,
)

CROSS = REPO_SUITES_DIR / "cross_table.json"


def test_committed_suites_match_the_contract():
    """Regenerate with `xuncha-audit validate generate-suites` when tables.yaml changes."""
    for name, suite in generate_suites().items():
        path = REPO_SUITES_DIR / f"{name}.json"
        assert path.exists(), f"missing {path}"
        assert path.read_text(encoding="utf-8") == dump_suite(suite), (
            f"{path} is stale: run `xuncha-audit validate generate-suites`")
    assert set(generate_suites()) == set(load_contract().tables)


def test_every_expectation_has_meta_and_a_known_type():
    suites = load_suites()
    ids = set()
    for table, ts in suites.items():
        assert ts.expectations, table
        for exp in ts.expectations:
            meta = exp["meta"]
            assert meta["severity"] in SEVERITIES
            assert exp["severity"] == meta["severity"]
            assert re.search(r"[\u4e00-\u9fff]", meta["description_zh"]), meta
            assert meta["id"] not in ids
            ids.add(meta["id"])
            assert exp["type"] in TEMPLATES_ZH


def test_generated_rules_follow_the_contract():
    contract = load_contract()
    suites = load_suites()
    ids = {t: {e["meta"]["id"]: e for e in ts.expectations} for t, ts in suites.items()}
    for name, table in contract.tables.items():
        for col in table.column_list():
            if col.required:
                assert ids[name][f"{name}.{col.name}.not_all_null"]["meta"]["severity"] == "critical"
                assert f"{name}.{col.name}.not_null" in ids[name]
            if col.min is not None:
                assert ids[name][f"{name}.{col.name}.min"]["kwargs"]["min_value"] == col.min
            if col.values:
                got = ids[name][f"{name}.{col.name}.in_set"]["kwargs"]["value_set"]
                assert got == list(col.values)
        assert f"{name}._key.unique_in_unit" in ids[name]
        required = ids[name][f"{name}.columns.required"]["kwargs"]["column_set"]
        assert set(table.key) <= set(required)
    # payroll months are checked against the month of the period start
    month = ids["payroll"]["payroll.month.in_period"]["kwargs"]
    assert month["min_value"] == {"$PARAMETER": "period_start_month"}
    assert uses_period(ids["payroll"]["payroll.month.in_period"])
    assert ids["contracts"]["contracts.sign_date.in_period"]["meta"]["severity"] == "info"
    # payroll amounts may be negative (deductions): no min rule
    assert "payroll.amount.min" not in ids["payroll"]


def test_cross_table_rules_are_anchored():
    data = json.loads(CROSS.read_text(encoding="utf-8"))
    tables = {e["meta"]["table"] for e in data["expectations"]}
    assert tables == {"payments", "vehicle_costs", "vehicle_trips", "ledger", "travel_claims",
                      "meetings"}
    for exp in data["expectations"]:
        assert exp["type"] == "unexpected_rows_expectation"
        assert "{batch}" in exp["kwargs"]["unexpected_rows_query"]


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_local_files_add_replace_disable(tmp_path):
    extra = _write(tmp_path / "x.json", {"name": "vehicles", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "model"}},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "status", "value_set": ["在用"]},
         "meta": {"id": "vehicles.status.in_set", "severity": "info"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "purchase_price"},
         "meta": {"id": "vehicles.purchase_price.min", "disabled": True}},
    ]})
    suites = load_suites(extra_dirs=[extra], tables=["vehicles"])
    by_id = {e["meta"]["id"]: e for e in suites["vehicles"].expectations}
    assert "vehicles.purchase_price.min" not in by_id
    assert by_id["vehicles.status.in_set"]["kwargs"]["value_set"] == ["在用"]
    assert by_id["vehicles.status.in_set"]["meta"]["severity"] == "info"
    added = [e for e in suites["vehicles"].expectations if e["kwargs"].get("column") == "model"]
    assert len(added) == 1
    assert added[0]["meta"]["severity"] == "warning"  # default for user rules
    assert added[0]["meta"]["description_zh"] == "「model（品牌型号）」列每一行都应有值（不为空）"
    assert str(extra) in suites["vehicles"].sources


@pytest.mark.parametrize(("content", "needle"), [
    ({"name": "nosuchtable", "expectations": [{"type": "expect_column_to_exist",
                                               "kwargs": {"column": "a"}}]}, "未知的数据表"),
    ({"name": "ledger", "expectations": [{"type": "expect_column_to_exist",
                                          "kwargs": {"column": "a"},
                                          "meta": {"severity": "fatal"}}]}, "严重程度"),
    ({"name": "ledger", "expectations": [{"type": "expect_column_to_exist",
                                          "kwargs": {"column": "a"}, "colour": 1}]}, "未知键"),
    ({"name": "ledger"}, "expectations"),
])
def test_bad_user_files_are_errors(tmp_path, content, needle):
    bad = _write(tmp_path / "bad.json", content)
    with pytest.raises(ConfigError) as err:
        load_suites(extra_dirs=[bad], tables=["ledger"])
    assert needle in err.value.zh
    assert err.value.file == str(bad)


def test_invalid_json_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{\n "name": "ledger",\n "expectations": [,]\n}', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_suites(extra_dirs=[bad], tables=["ledger"])
    assert err.value.row == 3


def test_missing_extra_dir_is_an_error(tmp_path):
    with pytest.raises(ConfigError):
        load_suites(extra_dirs=[tmp_path / "nope"], tables=["ledger"])


def test_suites_generated_in_memory_without_repo_dir(tmp_path):
    suites = load_suites(suites_dir=tmp_path, tables=["offices"])
    assert len(suites["offices"].expectations) == len(generate_suites()["offices"]["expectations"])


def test_descriptions_render_parameters():
    assert describe("expect_column_values_to_be_between",
                    {"column": "pay_date", "min_value": {"$PARAMETER": "period_start"},
                     "max_value": {"$PARAMETER": "period_end"}}, "payments") == (
        "「pay_date（付款日期）」应在巡察期间起始日与巡察期间截止日之间")
    assert describe("expect_column_values_to_not_be_null",
                    {"column": "amount", "mostly": 0.95}, "payments") == (
        "「amount（付款金额）」列至少 95% 的行应有值")
    assert describe("expect_column_values_to_be_in_set",
                    {"column": "kind", "value_set": ["会议", "培训"]}, "meetings") == (
        "「kind（类型）」应为以下取值之一：会议、培训")
    assert "expect_foo" in describe("expect_foo", {}, None)
