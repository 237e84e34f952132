"""Standards data, install, lookup by date/season/region, overrides."""

from __future__ import annotations

import csv
import datetime as dt
import time

import duckdb
import pytest

from xuncha_audit import standards as S
from xuncha_audit.errors import ConfigError

D = dt.date


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    S.install(c, calendar_range=(D(2024, 1, 1), D(2024, 12, 31)))
    yield c
    c.close()


def test_every_table_installed_with_architecture_columns(con):
    required = {
        "std_params": {"key", "value", "unit_of_measure", "citation", "verified"},
        "std_places": {"name", "city", "region", "kind"},
        "std_lodging_caps": {"region", "city", "tier", "start_md", "end_md", "season", "cap",
                             "effective_from", "effective_to", "citation", "verified"},
        "std_travel_allowances": {"region", "item", "daily_rate", "effective_from", "effective_to",
                                  "citation", "verified"},
        "std_transport_classes": {"pattern", "mode", "class_level", "class_name"},
        "std_travel_entitlement": {"tier", "mode", "max_class_level", "citation", "verified"},
        "std_meeting_caps": {"kind", "class", "per_person_day", "max_days", "max_attendees",
                             "effective_from", "effective_to", "citation", "verified"},
        "std_hospitality_caps": {"region", "per_head_cap", "citation", "verified"},
        "std_office_area": {"level", "rank_norm", "area_m2", "citation", "verified"},
        "std_vehicle_caps": {"category", "max_price", "max_displacement_l", "energy",
                             "effective_from", "effective_to", "citation", "verified"},
        "std_procurement_thresholds": {"scope", "region", "level", "category", "kind", "threshold",
                                       "effective_from", "effective_to", "citation", "verified"},
        "std_keywords": {"list", "word", "category", "exclusions"},
        "std_pay_items": {"item", "approved", "category", "citation"},
        "std_tourist_destinations": {"place", "city", "region"},
        "std_rank_ladder": {"rank_norm", "ordinal", "travel_tier"},
        "std_calendar": {"date", "is_rest_day", "is_holiday", "is_adjusted_workday",
                         "holiday_name", "source"},
    }
    for table, cols in required.items():
        have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        assert cols <= have, (table, cols - have)
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table


def test_lodging_covers_36_regions_each_with_other_row_and_full_year(con):
    regions = con.execute("SELECT count(DISTINCT region) FROM std_lodging_caps").fetchone()[0]
    assert regions == 36
    missing = con.execute("""
        SELECT DISTINCT region FROM std_lodging_caps
        EXCEPT SELECT region FROM std_lodging_caps WHERE city = '其他'""").fetchall()
    assert missing == []
    # every (region, city, tier) covers each day of a leap year exactly once
    gaps = con.execute("""
        WITH days AS (SELECT month(d) * 100 + day(d) AS md
                      FROM range(DATE '2024-01-01', DATE '2025-01-01', INTERVAL 1 DAY) t(d)),
        keys AS (SELECT DISTINCT region, city, tier FROM std_lodging_caps)
        SELECT k.region, k.city, k.tier, d.md, count(c.cap) AS n
        FROM keys k CROSS JOIN days d
        LEFT JOIN std_lodging_caps c ON c.region = k.region AND c.city = k.city
             AND c.tier = k.tier AND d.md BETWEEN c.start_md AND c.end_md
        GROUP BY ALL HAVING count(c.cap) <> 1""").fetchall()
    assert gaps == []
    assert {r[0] for r in con.execute("SELECT DISTINCT tier FROM std_lodging_caps").fetchall()} \
        == {"部级", "司局级", "其他"}


def test_lodging_known_values():
    on = D(2024, 5, 1)
    assert S.cap("lodging", on, region="北京", city="其他", tier="部级") == 1100
    assert S.cap("lodging", on, region="北京", city="其他", tier="司局级") == 650
    assert S.cap("lodging", on, region="湖南", city="长沙", tier="其他") == 350
    assert S.cap("lodging", on, region="湖南", city="株洲", tier="其他") == 330   # falls back to 其他
    assert S.cap("lodging", on, region="广东", city="珠海", tier="其他") == 450
    assert S.cap("lodging", on, region="广东", city="韶关", tier="其他") == 420


def test_lodging_season_boundaries():
    kw = dict(region="河北", city="秦皇岛", tier="其他")       # 旺季 7-8月
    assert S.cap("lodging", D(2024, 6, 30), **kw) == 350
    assert S.cap("lodging", D(2024, 7, 1), **kw) == 500
    assert S.cap("lodging", D(2024, 8, 31), **kw) == 500
    assert S.cap("lodging", D(2024, 9, 1), **kw) == 350
    sanya = dict(region="海南", city="三亚", tier="司局级")   # 旺季 10-4月, over new year
    assert S.cap("lodging", D(2024, 12, 31), **sanya) == 720
    assert S.cap("lodging", D(2025, 1, 1), **sanya) == 720
    assert S.cap("lodging", D(2024, 4, 30), **sanya) == 720
    assert S.cap("lodging", D(2024, 5, 1), **sanya) == 600
    luoyang = dict(region="河南", city="洛阳", tier="部级")   # 4月-5月上旬
    assert S.cap("lodging", D(2024, 5, 10), **luoyang) == 1200
    assert S.cap("lodging", D(2024, 5, 11), **luoyang) == 800
    haikou = dict(region="海南", city="海口", tier="其他")    # 11-2月 incl. 29 Feb
    assert S.cap("lodging", D(2024, 2, 29), **haikou) == 450
    assert S.cap("lodging", D(2024, 3, 1), **haikou) == 350


def test_lodging_by_place_text_resolves_city_and_region():
    on = D(2024, 8, 1)
    assert S.cap("lodging", on, place="内蒙古满洲里市", tier="部级") == 1200
    assert S.cap("lodging", on, place="大连市甘井子区", tier="其他") == 420   # 计划单列市
    assert S.cap("lodging", on, place="天津市和平区", tier="其他") == 380     # 中心城区
    assert S.cap("lodging", on, place="天津市宁河区", tier="其他") == 320
    assert S.cap("lodging", on, place="吉林省吉林市", tier="其他") == 420     # not the province
    assert S.cap("lodging", on, place="火星", tier="其他") is None


def test_region_fallback_for_allowances_and_hospitality():
    on = D(2024, 1, 1)
    assert S.cap("meal", on, region="西藏") == 120
    assert S.cap("meal", on, region="湖南") == 100
    assert S.cap("local_transport", on, region="新疆") == 80
    assert S.cap("hospitality", on, region="湖南", city="长沙") == 150
    rows = S.lookup("meal", on, region="青海")
    assert rows[0]["region"] == "青海" and len(rows) == 1


def test_effective_date_change_vehicle_and_tender():
    assert S.cap("vehicle", D(2017, 12, 4), category="一般公务用车") == 180000
    # after the 2017 reform 一般公务用车 is judged as 其他按照规定配备的公务用车 (18万, 待核实), not left without a cap
    assert S.cap("vehicle", D(2017, 12, 5), category="一般公务用车") == 180000
    assert S.cap("vehicle", D(2017, 12, 5), category="领导干部用车") is None
    assert S.cap("vehicle", D(2017, 12, 5), category="机要通信用车") == 120000
    assert S.cap("vehicle", D(2017, 12, 4), category="机要通信用车") is None
    kw = dict(scope="地方", level="市级", category="工程", kind="must_tender")
    assert S.cap("procurement", D(2018, 5, 31), **kw) == 2000000
    assert S.cap("procurement", D(2018, 6, 1), **kw) == 4000000
    assert S.cap("procurement", D(2024, 1, 1), scope="中央", category="货物",
                 kind="procurement_limit") == 1000000
    assert S.cap("procurement", D(2024, 1, 1), scope="地方", level="市级", category="服务",
                 kind="procurement_limit") == 300000


def test_office_area_maps_positions_to_rank_ladder():
    on = D(2020, 1, 1)
    assert S.cap("office_area", on, level="市级", rank_norm="正厅级") == 42
    assert S.cap("office_area", on, level="市级", rank_norm="正处级") == 24
    assert S.cap("office_area", on, level="市级", rank_norm="副处级") == 18
    assert S.cap("office_area", on, level="市级", rank_norm="正科级") == 9
    assert S.cap("office_area", on, level="县级", rank_norm="正科级") == 18
    assert S.cap("office_area", on, level="省级", rank_norm="正厅级") == 30


def test_meeting_training_params():
    on = D(2024, 3, 1)
    assert S.cap("meeting", on, **{"class": "三类"}) == 550
    assert S.lookup("meeting", on, **{"class": "四类"})[0]["max_attendees"] == 50
    assert S.cap("training", on, **{"class": "一类"}) == 760
    assert S.get_param("hospitality.companions_small_group_max") == 3
    assert S.get_param("procurement.split_window_days") == 180
    with pytest.raises(ConfigError):
        S.get_param("no.such.key")


def test_required_params_present():
    needed = ["procurement.overpay_tolerance", "procurement.bunching_low",
              "procurement.split_window_days", "procurement.new_vendor_days",
              "procurement.concentration_count", "procurement.concentration_share",
              "hospitality.small_group_size", "hospitality.companions_small_group_max",
              "hospitality.companion_divisor", "travel.meal_daily", "travel.meal_daily_high",
              "travel.local_transport_daily", "vehicle.default_tank_l",
              "ledger.duplicate_window_days", "ledger.round_multiple",
              "ledger.cash_withdrawal_large", "meeting.max_days_default"]
    for k in needed:
        assert isinstance(S.get_param(k), float), k
    assert S.get_param("procurement.overpay_tolerance") == 0.005


def test_keywords_exclusions_and_transport_patterns(con):
    ex = con.execute("SELECT exclusions FROM std_keywords WHERE list='sensitive' AND word='酒'"
                     ).fetchone()[0].split(",")
    assert "酒店" in ex
    ex = con.execute("SELECT exclusions FROM std_keywords WHERE word='烟' AND list='sensitive'"
                     ).fetchone()[0].split(",")
    assert "烟台" in ex
    for lst in ("sensitive", "prohibited_item", "private_venue", "vague_summary",
                "slush_counterparty", "hospitality_word", "cash_withdrawal"):
        assert con.execute("SELECT count(*) FROM std_keywords WHERE list=?", [lst]).fetchone()[0] > 2
    pats = {r[0] for r in con.execute("SELECT pattern FROM std_transport_classes").fetchall()}
    assert {"头等舱", "公务舱", "商务舱", "经济舱", "商务座", "特等座", "一等座", "G字头一等座",
            "二等座", "软卧", "硬卧", "软座", "硬座", "动卧", "一等舱", "二等舱", "三等舱"} <= pats
    # a 司局级 official may take 一等座 but not 商务座
    row = con.execute("""SELECT e.max_class_level >= t.class_level FROM std_travel_entitlement e
        JOIN std_transport_classes t ON t.mode = e.mode
        WHERE e.tier='司局级' AND t.pattern='商务座'""").fetchone()
    assert row == (False,)


def test_places_cover_every_prefecture_and_region(con):
    n_regions = con.execute("SELECT count(DISTINCT region) FROM std_places "
                            "WHERE kind='region' AND region NOT IN ('香港','澳门','台湾')").fetchone()[0]
    assert n_regions == 31
    n_cities = con.execute("SELECT count(DISTINCT full_name) FROM std_places WHERE kind='city' "
                           "AND adcode LIKE '%00'").fetchone()[0]
    assert n_cities >= 330
    rows = con.execute("SELECT city, region FROM std_places WHERE name='海拉尔'").fetchall()
    assert rows == [("呼伦贝尔", "内蒙古")]
    # every lodging city row is reachable from some place
    unreachable = con.execute("""
        SELECT DISTINCT region, city FROM std_lodging_caps WHERE city <> '其他'
        EXCEPT SELECT region, lodging_city FROM std_places""").fetchall()
    assert unreachable == []


def test_tourist_destinations(con):
    got = dict(con.execute("SELECT place, region FROM std_tourist_destinations").fetchall())
    for p in ("张家界", "黄山", "九寨沟", "三亚", "桂林", "丽江", "西双版纳", "大理", "峨眉山",
              "武夷山", "泰山", "北戴河"):
        assert p in got
    assert got["张家界"] == "湖南"


def test_verified_flags_and_citations_present():
    for name, spec in S.TABLES.items():
        if "verified" not in spec.columns:
            continue
        for r in S.rows(name):
            assert r["verified"] in (True, False), name
            assert r["citation"], (name, r)
    # 待核实 rows exist and are marked
    assert any(r["verified"] is False for r in S.rows("hospitality"))


def test_install_is_fast_when_cached():
    c = duckdb.connect()
    S.install(c)
    t = time.perf_counter()
    for _ in range(3):
        S.install(c)
    assert (time.perf_counter() - t) / 3 < 1.0
    c.close()


def test_data_files_parse_with_declared_columns():
    for spec in S.TABLES.values():
        with (S.DATA_DIR / spec.file).open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert set(spec.columns) - {"lodging_city"} <= set(header), spec.file


def test_snapshot_changes_with_config():
    a = S.snapshot()
    b = S.snapshot({"params": {"travel.meal_daily": 90}})
    assert a["sha256"] != b["sha256"]
    assert b["overridden_tables"] == ["std_params"]
    assert a["tables"]["std_lodging_caps"]["rows"] == 774
    assert a == S.snapshot()


def test_region_row_beats_level_row_in_procurement():
    on = D(2024, 1, 1)
    assert S.cap("procurement", on, scope="地方", region="四川", level="市级", category="货物",
                 kind="open_tender") == 4000000
    assert S.cap("procurement", on, scope="地方", region="湖南", level="市级", category="货物",
                 kind="open_tender") == 1000000


def test_cross_table_consistency(con):
    # tourist destinations point at real (city, region) pairs of std_places
    bad = con.execute("""SELECT place, city, region FROM std_tourist_destinations t
        WHERE NOT EXISTS (SELECT 1 FROM std_places p WHERE p.city = t.city AND p.region = t.region)
        """).fetchall()
    assert bad == []
    # tiers used by lodging / entitlement are the ladder's travel tiers
    tiers = {r[0] for r in con.execute("SELECT DISTINCT travel_tier FROM std_rank_ladder").fetchall()}
    for table in ("std_lodging_caps", "std_travel_entitlement"):
        got = {r[0] for r in con.execute(f"SELECT DISTINCT tier FROM {table}").fetchall()}
        assert got == tiers, table
    # office area ranks are ladder ranks; every level has a row for every rank
    missing = con.execute("""SELECT l.level, r.rank_norm
        FROM (SELECT DISTINCT level FROM std_office_area) l CROSS JOIN std_rank_ladder r
        WHERE r.ordinal >= CASE l.level WHEN '中央' THEN 1 WHEN '省级' THEN 1 WHEN '市级' THEN 3
                                        WHEN '县级' THEN 5 ELSE 7 END
          AND NOT EXISTS (SELECT 1 FROM std_office_area o WHERE o.level = l.level
                          AND o.rank_norm = r.rank_norm)""").fetchall()
    assert missing == []
