"""Rank ladder normalisation."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit import standards as S
from xuncha_audit.errors import ConfigError
from xuncha_audit.standards.ranks import LADDER, normalize_rank, travel_tier


@pytest.mark.parametrize("raw, level, want", [
    # 2019 职务职级
    ("一级巡视员", "市级", "正厅级"), ("二级巡视员", "省级", "副厅级"),
    ("一级调研员", "市级", "正处级"), ("二级调研员", "县级", "正处级"),
    ("三级调研员", "市级", "副处级"), ("四级调研员", "市级", "副处级"),
    ("一级主任科员", "市级", "正科级"), ("二级主任科员", "市级", "正科级"),
    ("三级主任科员", "县级", "副科级"), ("四级主任科员", "市级", "副科级"),
    ("一级科员", "市级", "科员及以下"), ("二级科员", "县级", "科员及以下"),
    ("4级主任科员", "市级", "副科级"), (" 一级 调研员 ", "市级", "正处级"),
    # old titles
    ("巡视员", "省级", "正厅级"), ("副巡视员", "省级", "副厅级"), ("调研员", "市级", "正处级"),
    ("副调研员", "市级", "副处级"), ("主任科员", "市级", "正科级"), ("副主任科员", "市级", "副科级"),
    ("科员", "市级", "科员及以下"), ("办事员", "县级", "科员及以下"),
    ("正处长", "市级", "正处级"), ("处长", "省级", "正处级"), ("副处长", "中央", "副处级"),
    # explicit rank words
    ("正处级", "县级", "正处级"), ("副厅级", "市级", "副厅级"), ("正科级", None, "正科级"),
    ("县处级副职", "市级", "副处级"), ("局长（正处级）", "县级", "正处级"),
    # relative to the unit's level
    ("局长", "市级", "正处级"), ("副局长", "市级", "副处级"),
    ("局长", "省级", "正厅级"), ("厅长", "省级", "正厅级"), ("副厅长", "省级", "副厅级"),
    ("局长", "县级", "正科级"), ("副局长", "县级", "副科级"),
    ("司长", "中央", "正厅级"), ("局长", "中央", "正厅级"), ("副局长", "中央", "副厅级"), ("部长", "中央", "正部级"), ("副部长", "中央", "副部级"),
    ("主任", "市级", "正处级"), ("副主任", "市级", "副处级"), ("办公室主任", "市级", "正科级"),
    ("办公室主任", "省级", "正处级"), ("书记", "市级", "正处级"), ("党组书记、局长", "市级", "正处级"),
    ("科长", "市级", "正科级"), ("副科长", "市级", "副科级"), ("股长", "县级", "科员及以下"),
    ("纪检组长", "市级", "副处级"), ("镇长", "乡级", "正科级"),
    ("县长", "县级", "正处级"), ("市长", "市级", "正厅级"), ("副市长", "县级", "副处级"),
    ("地市级", None, None),
    # level spelled differently
    ("局长", "市", "正处级"), ("局长", "区县", "正科级"),
    # the higher of two readings wins
    ("副局长、一级调研员", "市级", "正处级"),
])
def test_normalize(raw, level, want):
    assert normalize_rank(raw, level) == want


# How rosters, HR exports and reimbursement forms really write ranks (issue 12): the short
# forms are the most common and must all map.
REAL_WORLD_FORMS = [
    # short forms, as a whole entry
    ("正处", "市级", "正处级"), ("副处", "市级", "副处级"), ("正科", "市级", "正科级"),
    ("副科", "县级", "副科级"), ("正厅", "省级", "正厅级"), ("副厅", "省级", "副厅级"),
    ("正部", "中央", "正部级"), ("副部", "中央", "副部级"), ("正县", "县级", "正处级"),
    ("副县", "县级", "副处级"), ("正乡", "乡级", "正科级"), ("副股", "县级", "科员及以下"),
    # decorations
    ("正处级干部", "市级", "正处级"), ("副科级干部", "市级", "副科级"), ("正处级领导职务", "市级", "正处级"),
    ("享受正处级待遇", "市级", "正处级"), ("副处（主持工作）", "市级", "副处级"), ("正科级实职", "县级", "正科级"),
    ("副处长级", "市级", "副处级"), ("正科长级", "市级", "正科级"),
    # rank groups without 正/副: the 正 rank (documented rule: the higher, lenient reading)
    ("处级", "市级", "正处级"), ("科级", "市级", "正科级"), ("处级干部", "市级", "正处级"),
    ("科级干部", "县级", "正科级"), ("厅级", "省级", "正厅级"), ("县处级", "市级", "正处级"),
    ("乡科级", "县级", "正科级"), ("厅局级", "省级", "正厅级"),
    # full terms
    ("县处级正职", "市级", "正处级"), ("县处级副职", "市级", "副处级"), ("乡科级正职", "县级", "正科级"),
    ("乡科级副职", "县级", "副科级"), ("厅局级副职", "省级", "副厅级"),
    # 2019 职级, every title
    ("一级巡视员", "省级", "正厅级"), ("二级巡视员", "省级", "副厅级"), ("一级调研员", "市级", "正处级"),
    ("二级调研员", "市级", "正处级"), ("三级调研员", "市级", "副处级"), ("四级调研员", "市级", "副处级"),
    ("一级主任科员", "市级", "正科级"), ("二级主任科员", "市级", "正科级"),
    ("三级主任科员", "市级", "副科级"), ("四级主任科员", "市级", "副科级"),
    ("一级科员", "市级", "科员及以下"), ("二级科员", "市级", "科员及以下"),
    # posts relative to the unit's level
    ("局长", "市级", "正处级"), ("副局长", "市级", "副处级"), ("局长", "省级", "正厅级"),
    ("局长", "县级", "正科级"), ("处长", "省级", "正处级"), ("副处长", "省级", "副处级"),
    ("科长", "市级", "正科级"), ("副科长", "市级", "副科级"), ("正局", "市级", "正处级"),
    ("副局", "市级", "副处级"), ("宣传部副部长", "市级", "副处级"),
    # full-width characters, digits and spaces
    ("正　处", "市级", "正处级"), ("正 处 级", "市级", "正处级"), ("４级主任科员", "市级", "副科级"),
    ("副处（正科级）", "市级", "副处级"), ("（副科）", "市级", "副科级"),
]


@pytest.mark.parametrize("raw, level, want", REAL_WORLD_FORMS)
def test_real_world_forms(raw, level, want):
    assert normalize_rank(raw, level) == want


@pytest.mark.parametrize("raw, kw, want", [
    # 主任: the unit's head where the unit or the department says so
    ("主任", {"unit": "某市卫生健康委员会"}, "正处级"),
    ("副主任", {"unit": "某市发展和改革委员会"}, "副处级"),
    ("主任", {"unit": "某市住房和城乡建设局", "department": "局领导"}, "正处级"),
    ("主任", {"unit": "某市住房和城乡建设局", "department": "办公室"}, "正科级"),
    ("副主任", {"unit": "某市住房和城乡建设局", "department": "办公室"}, "副科级"),
    # 主任 in a 局 without a department: which office it heads cannot be told
    ("主任", {"unit": "某市住房和城乡建设局"}, None),
    # the roster's 职务 column is read with the rank; the higher wins
    (None, {"position": "局长"}, "正处级"),
    ("", {"position": "副局长"}, "副处级"),
    ("一级科员", {"position": "科长"}, "正科级"),
    ("正科", {"position": "办公室主任"}, "正科级"),
])
def test_context_decides(raw, kw, want):
    assert normalize_rank(raw, "市级", **kw) == want


@pytest.mark.parametrize("raw", ["四级高级主办", "局长助理", "总工程师", "驾驶员", "专技十级", "副部长"])
def test_unrecognised_or_level_dependent_is_not_guessed(raw):
    # 副部长 is only placed with a level: at a 市级 unit it is a department's deputy (副处级)
    want = {"副部长": "副处级"}.get(raw)
    assert normalize_rank(raw, "市级") == want


@pytest.mark.parametrize("raw", [None, "", "  ", "司机", "驾驶员", "党支部书记", "nan", "局长"])
def test_unknown_is_none(raw):
    level = None if raw == "局长" else "市级"   # 局长 without a level cannot be placed
    assert normalize_rank(raw, level) is None


def test_user_mapping_wins_and_is_checked():
    m = {"首席专家": "正处级", "局长": "副厅级"}
    assert normalize_rank("首席专家", "市级", m) == "正处级"
    assert normalize_rank("局长", "市级", m) == "副厅级"
    assert normalize_rank("副局长", "市级", m) == "副处级"
    with pytest.raises(ConfigError):
        normalize_rank("首席专家", "市级", {"首席专家": "处级"})


def test_every_result_is_on_the_ladder():
    samples = ["一级巡视员", "局长", "副局长", "科员", "主任", "科长", "股长", "县长"]
    for lvl in ("中央", "省级", "市级", "县级", "乡级"):
        for s in samples:
            r = normalize_rank(s, lvl)
            assert r is None or r in LADDER


def test_travel_tier_and_ladder_table():
    assert travel_tier("副部级") == "部级"
    assert travel_tier("正厅级") == "司局级"
    assert travel_tier("正处级") == "其他"
    assert travel_tier(None) is None
    con = duckdb.connect()
    S.install(con, calendar_range=None)
    rows = con.execute("SELECT rank_norm, ordinal, travel_tier FROM std_rank_ladder ORDER BY ordinal"
                       ).fetchall()
    assert [r[0] for r in rows] == LADDER
    assert all(travel_tier(r[0]) == r[2] for r in rows)


def test_derived_rank_reads_position_department_and_unit():
    """Ingestion's rank_norm of the roster reads 职级 with 职务, 部门 and the unit's name."""
    from xuncha_audit.contract import create_tables
    from xuncha_audit.ingest.derive import derive_columns

    con = duckdb.connect()
    create_tables(con)
    con.execute("CREATE TABLE _units (unit VARCHAR, level VARCHAR, region VARCHAR, city VARCHAR)")
    con.execute("INSERT INTO _units VALUES ('某市住房和城乡建设局', '市级', '湖南', '长沙'), "
                "('某市卫生健康委员会', '市级', '湖南', '长沙')")
    rows = [  # (unit, person_id, rank, position, department, expected rank_norm)
        ("某市住房和城乡建设局", "A1", "正处", "局长", "局领导", "正处级"),
        ("某市住房和城乡建设局", "A2", None, "副局长", "局领导", "副处级"),
        ("某市住房和城乡建设局", "A3", None, "主任", "办公室", "正科级"),
        ("某市住房和城乡建设局", "A4", None, "主任", None, None),
        ("某市住房和城乡建设局", "A5", "副科", None, "人事科", "副科级"),
        ("某市卫生健康委员会", "B1", None, "主任", None, "正处级"),
        ("某市卫生健康委员会", "B2", "一级科员", None, "办公室", "科员及以下"),
    ]
    for u, pid, rank, pos, dept, _ in rows:
        con.execute("INSERT INTO staff (unit, person_id, name, rank, position, department) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [u, pid, "某" + pid, rank, pos, dept])
    derive_columns(con, "staff", level="市级")
    got = dict(con.execute("SELECT person_id, rank_norm FROM staff").fetchall())
    assert got == {pid: want for _, pid, *_x, want in rows}
