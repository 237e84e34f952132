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
