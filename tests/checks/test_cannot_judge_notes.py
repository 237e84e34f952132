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
])
def test_cannot_judge_rows_carry_a_note(code, case, expected):
    assert _notes(code, case) == expected


@pytest.mark.parametrize(("code", "case"), [
    ("O01", "pass_unknown_rank_within_the_lowest_standard"),   # judged: fine whatever the rank
    ("O01", "pass_same_room_under_the_2014_standard"),
    ("V02", "pass_exactly_at_cap"),
    ("P01", "pass_sum_one_cent_below_threshold"),
])
def test_judged_rows_carry_no_note(code, case):
    assert _notes(code, case) == []
