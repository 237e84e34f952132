"""Cannot judge" is not a finding: the rows a check marks with `_note` (docs/ARCHITECTURE.md §2).

The case files prove that these situations give no finding; these tests prove the check still says
why it did not judge — the `_note` rows the runner turns into one data-quality note per unit and
reason — so a missing standard or an unknown rank never reads as a silent pass.
"""

from __future__ import annotations

import pytest

from xuncha_audit.engine.cases import build_case_db, load_case_file
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import build_shared, resolve_params

REG = default_registry()


def _notes(code: str, case_name: str) -> list[tuple[str, str]]:
    spec = REG.get(code)
    [case] = [c for c in load_case_file(spec.path.parent / "cases" / f"{code}.yaml") if c.name == case_name]
    con = build_case_db(case)
    try:
        build_shared(con, spec.area, REG)
        params = resolve_params(con, spec, case.config)
        binds = {k: v for k, v in params.items() if k in spec.referenced_params()}
        rows = con.execute(f"SELECT entity_key, _note FROM ({spec.sql}) WHERE _note IS NOT NULL "
                           "ORDER BY 1, 2", binds).fetchall()
    finally:
        con.close()
    return rows


@pytest.mark.parametrize(("code", "case", "expected"), [
    ("O01", "pass_rank_unknown_is_a_note_not_a_finding", [("临时人员甲", "办公室使用人不在人员花名册中")]),
    ("O01", "pass_no_standard_for_the_level_on_the_day_is_a_note",
     [("pass_town_2010", "乡级在判断日期没有适用的办公用房面积标准")]),
    ("V02", "pass_category_without_standard_is_a_note_not_a_finding",
     [("湘ABIZ01", "类别「业务用车」在购置日期没有适用的配备标准"),
      ("湘ALDR01", "类别「领导干部用车」在购置日期没有适用的配备标准")]),
    ("V02", "pass_no_purchase_date", [("湘APASS3", "没有购置日期")]),
    ("P01", "pass_no_standard_in_force_is_a_note_not_a_finding",
     [("pass_old_c1", "签订日期没有适用的公开招标数额标准"), ("pass_old_c2", "签订日期没有适用的公开招标数额标准")]),
    ("R01", "pass_no_standard_before_2016_is_a_note_not_a_finding",
     [("张三", "该日期无适用的住宿费标准"), ("李四", "该日期无适用的住宿费标准")]),
    ("R02", "pass_no_rate_before_2014_is_a_note_not_a_finding",
     [("张三", "该日期无适用的伙食补助费、市内交通费标准")]),
    ("R03", "pass_no_standard_before_2014_is_a_note_not_a_finding", [("张三", "该日期无适用的交通工具等级标准")]),
    ("R07", "pass_no_standard_in_force_is_a_note_not_a_finding",
     [("李四", "开始日期无适用的会议费综合定额"), ("王五", "开始日期无适用的培训费综合定额"),
      ("赵六", "会议类别「五类」不在综合定额标准中")]),
])
def test_cannot_judge_rows_carry_a_note(code, case, expected):
    assert _notes(code, case) == expected


@pytest.mark.parametrize(("code", "case"), [
    ("O01", "pass_unknown_rank_within_the_lowest_standard"),   # judged: fine whatever the rank
    ("O01", "pass_same_room_under_the_2014_standard"),
    ("V02", "pass_exactly_at_cap"),
    ("P01", "pass_sum_one_cent_below_threshold"),
    ("R01", "flag_first_day_of_the_2016_table"),     # 2016-01-01 is the first night in force
    ("R02", "flag_first_day_of_the_531_rates"),
    ("R03", "flag_first_day_of_the_531_classes"),
    ("R07", "pass_2015_meeting_exactly_at_the_2013_cap"),
    ("R07", "pass_2015_training_exactly_at_the_523_cap"),
])
def test_judged_rows_carry_no_note(code, case):
    assert _notes(code, case) == []


def _std_notes(code: str, case_name: str) -> list[str]:
    """The `std_note` ("the value relied on is unverified") of the case's finding rows."""
    spec = REG.get(code)
    [case] = [c for c in load_case_file(spec.path.parent / "cases" / f"{code}.yaml") if c.name == case_name]
    con = build_case_db(case)
    try:
        build_shared(con, spec.area, REG)
        params = resolve_params(con, spec, case.config)
        binds = {k: v for k, v in params.items() if k in spec.referenced_params()}
        return [r[0] for r in con.execute(f"SELECT std_note FROM ({spec.sql}) WHERE _note IS NULL ORDER BY 1",
                                          binds).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize(("case", "expected"), [
    ("flag_2015_meeting_over_the_2013_cap_says_unverified",
     ["（所依据的综合定额取自财行〔2013〕286号《中央和国家机关会议费管理办法》第十条、第十五条，数值待核实）"]),
    ("flag_2015_training_over_the_523_cap",
     ["（所依据的综合定额取自财行〔2013〕523号《中央和国家机关培训费管理办法》（综合定额），数值待核实）"]),
    ("flag_2024_verified_cap_has_no_unverified_note", [""]),   # 214号 三类 is verified
])
def test_r07_says_when_the_cap_it_relied_on_is_unverified(case, expected):
    assert _std_notes("R07", case) == expected


@pytest.mark.parametrize(("case", "expected"), [
    ("flag_over_cap_changsha",
     ["（所依据的住宿费标准取自财行〔2016〕71号 附件《中央和国家机关工作人员赴地方差旅住宿费标准明细表》，数值待核实）"]),
    ("flag_verified_beijing_cap_has_no_unverified_note", [""]),
])
def test_r01_says_when_the_lodging_cap_it_relied_on_is_unverified(case, expected):
    assert _std_notes("R01", case) == expected


def test_a_needed_column_left_empty_by_the_layout_is_not_run_not_clean():
    """L07 needs 往来单位: a ledger whose layout carries none (明细账, 记账凭证表) leaves the column
    empty, and the unit is 未执行 with the reason, never a clean 0 findings."""
    import duckdb

    from xuncha_audit.contract import create_tables
    from xuncha_audit.engine.coverage import not_run_note, units_lacking

    con = duckdb.connect()
    try:
        create_tables(con)
        con.execute("CREATE TABLE _units AS SELECT * FROM (VALUES ('甲局'), ('乙局'), ('丙局')) t(unit)")
        con.execute("""INSERT INTO ledger (unit, voucher_date, counterparty, credit) VALUES
            ('甲局', DATE '2024-01-01', '长沙甲公司', 1), ('乙局', DATE '2024-01-01', ' ', 1),
            ('乙局', DATE '2024-01-02', NULL, 1)""")
        units, lacking = units_lacking(con, REG.get("L07"))
    finally:
        con.close()
    assert units == ["丙局", "乙局", "甲局"]
    assert sorted(lacking) == ["丙局", "乙局"]  # 丙局 has no ledger at all, 乙局 no counterparty
    assert lacking["乙局"][1] == "missing ledger.counterparty"
    assert "乙局未提供序时账的「往来单位」" in not_run_note(lacking)
