"""User overrides: load_overrides, install(con, config), unknown keys rejected."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from xuncha_audit import standards as S
from xuncha_audit.errors import ConfigError

D = dt.date

GOOD = """
standards:
  params:
    travel.meal_daily: 90
    hospitality.per_head_cap_default: {value: 120, citation: 湘办发〔2014〕示例, verified: true}
  tables:
    std_lodging_caps:
      rows:
        - {region: 湖南, city: 长沙, tier: 其他, cap: 300, effective_from: 2020-01-01,
           citation: 湖南省差旅费管理办法（示例）, verified: true}
        - {region: 湖南, city: 张家界, tier: 其他, cap: 280, citation: 示例}
    hospitality:
      rows:
        - {region: 湖南, per_head_cap: 100}
    keywords:
      remove:
        - {list: sensitive, word: 月饼}
      rows:
        - {list: sensitive, word: 槟榔, category: 礼品礼金}
other_section_of_run_config: {anything: 1}
"""


@pytest.fixture()
def cfg(tmp_path):
    p = tmp_path / "std.yaml"
    p.write_text(GOOD, encoding="utf-8")
    return S.load_overrides(p)


def test_override_applies_from_its_effective_date(cfg):
    kw = dict(region="湖南", city="长沙", tier="其他")
    assert S.cap("lodging", D(2019, 12, 31), config=cfg, **kw) == 350   # built-in before
    assert S.cap("lodging", D(2020, 1, 1), config=cfg, **kw) == 300     # override after
    assert S.cap("lodging", D(2020, 1, 1), **kw) == 350                 # no config: built-in
    # a new city row for the province
    assert S.cap("lodging", D(2024, 1, 1), config=cfg, region="湖南", city="张家界",
                 tier="其他") == 280
    # other tiers untouched
    assert S.cap("lodging", D(2024, 1, 1), config=cfg, region="湖南", city="长沙",
                 tier="部级") == 800


def test_override_params_keywords_hospitality(cfg):
    assert S.get_param("travel.meal_daily", cfg) == 90
    assert S.get_param("travel.meal_daily") == 100
    assert S.get_param("hospitality.per_head_cap_default", cfg) == 120
    assert S.cap("hospitality", D(2024, 1, 1), config=cfg, region="湖南") == 100
    assert S.cap("hospitality", D(2024, 1, 1), config=cfg, region="江西") == 150
    words = {(r["list"], r["word"]) for r in S.rows("keywords", cfg)}
    assert ("sensitive", "月饼") not in words and ("sensitive", "槟榔") in words


def test_install_with_config_writes_rows_and_origin(cfg):
    con = duckdb.connect()
    S.install(con, cfg, calendar_range=(D(2024, 1, 1), D(2024, 1, 31)))
    rows = con.execute("""SELECT cap, effective_from, effective_to, origin FROM std_lodging_caps
        WHERE region='湖南' AND city='长沙' AND tier='其他' ORDER BY effective_from""").fetchall()
    assert [float(r[0]) for r in rows] == [350.0, 300.0]
    assert rows[0][2] == D(2019, 12, 31) and rows[1][3] == "config:std.yaml"
    # raw (unvalidated) dict config is accepted too
    S.install(con, {"params": {"ledger.round_multiple": 500}}, calendar_range=None)
    assert con.execute("SELECT value FROM std_params WHERE key='ledger.round_multiple'"
                       ).fetchone() == (500.0,)
    con.close()


@pytest.mark.parametrize("text, fragment", [
    ("foo: 1\n", "未知的键"),
    ("tables: {std_nothing: {rows: []}}\n", "未知的标准表"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 1, "
     "colour: red}]}}\n", "未知的列"),
    ("tables: {std_lodging_caps: {rowz: []}}\n", "未知的键"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, cap: 300}]}}\n", "缺少必填列"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 多}]}}\n",
     "不是有效的金额"),
    ("params: {x.y: {value: 1, colour: red}}\n", "未知的键"),
    ("params: {x.y: abc}\n", "不是有效的数值"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 300, "
     "start_md: 1301}]}}\n", "月*100+日"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 300, "
     "start_md: 1101, end_md: 331}]}}\n", "拆成两行"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 400, "
     "start_md: 701, end_md: 930, season: 旺季}]}}\n", "覆盖全年"),
    ("tables: {std_vehicle_caps: {rows: [{category: 机要通信用车, max_price: 1, "
     "effective_from: 2020-01-01, effective_to: 2019-01-01}]}}\n", "失效日早于生效日"),
    ("standards: {bad: 1}\n", "未知的键"),
    ("tables: {std_lodging_caps: {rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 300, "
     "effective_from: 2020-13-01}]}}\n", "日期"),
])
def test_bad_config_rejected(tmp_path, text, fragment):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        S.load_overrides(p)
    assert fragment in ei.value.zh
    assert ei.value.file == str(p)


def test_unknown_keys_rejected_by_install():
    with pytest.raises(ConfigError):
        S.install(duckdb.connect(), {"tabels": {}}, calendar_range=None)


def test_missing_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError):
        S.load_overrides(tmp_path / "nope.yaml")


def test_parse_overrides_of_run_config_section():
    cfg = S.parse_overrides({"params": {"travel.meal_daily": 95}}, source="run.yaml")
    assert S.get_param("travel.meal_daily", cfg) == 95
    with pytest.raises(ConfigError) as ei:
        S.parse_overrides({"parms": {}}, source="run.yaml")
    assert ei.value.file == "run.yaml"


def test_lodging_override_with_seasons(tmp_path):
    p = tmp_path / "seasons.yaml"
    p.write_text("""tables:
  std_lodging_caps:
    rows:
      - {region: 湖南, city: 张家界, tier: 其他, cap: 300, start_md: 101, end_md: 630, season: 淡季}
      - {region: 湖南, city: 张家界, tier: 其他, cap: 400, start_md: 701, end_md: 1031, season: 旺季}
      - {region: 湖南, city: 张家界, tier: 其他, cap: 300, start_md: 1101, end_md: 1231, season: 淡季}
""", encoding="utf-8")
    cfg = S.load_overrides(p)
    kw = dict(region="湖南", city="张家界", tier="其他", config=cfg)
    assert S.cap("lodging", D(2024, 6, 30), **kw) == 300
    assert S.cap("lodging", D(2024, 7, 1), **kw) == 400
    assert S.cap("lodging", D(2024, 10, 31), **kw) == 400
    assert S.cap("lodging", D(2024, 11, 1), **kw) == 300
