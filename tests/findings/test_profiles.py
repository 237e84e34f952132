"""Profiles: who appears in which findings, roles, leaders, the documented risk score."""

from __future__ import annotations

import math

import duckdb
import pytest

from xuncha_audit.findings.profiles import build_profiles, leading_cadres


@pytest.fixture
def con(run_db):
    c = duckdb.connect(str(run_db))
    yield c
    c.close()


def _row(df, name, unit=None):
    sel = df[df["name"] == name]
    if unit:
        sel = sel[sel["unit"] == unit]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_people_keyed_by_unit_and_name_with_roles(con):
    p = build_profiles(con)
    people = p[p["subject_type"] == "person"]
    assert not people.duplicated(["name", "unit"]).any()
    zhang = _row(people, "张三", "市交通运输局")
    assert zhang["findings"] == 2  # P01 (persons) and R01 (claimant)
    assert set(zhang["roles"].split("、")) == {"报销人", "涉及人员", "疑点对象"}
    assert zhang["amount"] == pytest.approx(2100000 + 1250)
    assert zhang["high"] == 1 and zhang["medium"] == 1
    # the same name in another unit is another person
    assert _row(people, "张三", "市林业局")["findings"] == 1
    zhao = _row(people, "赵六")
    assert "经办人" in zhao["roles"]  # from the evidence record's handler field
    li = _row(people, "李四")
    assert "投标联系人" in li["roles"]


def test_vendors_grouped_by_normalised_name(con):
    p = build_profiles(con)
    vendors = p[p["subject_type"] == "vendor"]
    jia = _row(vendors, "长沙甲科技有限公司")  # entity_key 长沙甲科技 + evidence vendor: one vendor
    assert jia["findings"] == 1 and set(jia["roles"].split("、")) == {"供应商", "疑点对象"}
    assert "+1工程有限公司" in set(vendors["name"])


def test_risk_score_formula(con):
    p = build_profiles(con)
    zhang = _row(p[p["subject_type"] == "person"], "张三", "市交通运输局")
    expected = 3 + 2 + math.log(1 + (2100000 + 1250) / 10000) + 0.5 * (2 - 1)
    assert zhang["risk_score"] == pytest.approx(round(expected, 2))
    assert p["risk_score"].is_monotonic_decreasing


def test_leading_cadres_from_staff(con):
    cadres = leading_cadres(con)
    assert list(cadres["name"]) == ["王五", "孙八"]  # 正处级 局长; 副局长 by position
    wang = cadres.iloc[0]
    assert wang["findings"] == 2 and wang["position"] == "局长"
    assert cadres.iloc[1]["findings"] == 0


def test_finding_persons_table_is_used_when_present(con):
    fid = con.execute("SELECT finding_id FROM findings WHERE check_id = 'V02'").fetchone()[0]
    con.execute("CREATE TABLE finding_persons (finding_id VARCHAR, name VARCHAR, role VARCHAR)")
    con.execute("INSERT INTO finding_persons VALUES (?, '周九', '审批人')", [fid])
    p = build_profiles(con)
    zhou = _row(p, "周九")
    assert zhou["roles"] == "审批人" and zhou["unit"] == "市林业局"


def test_no_staff_table(con):
    con.execute("DROP TABLE staff")
    assert leading_cadres(con).empty
    assert not build_profiles(con)["is_leader"].any()


def test_broad_or_named_findings_do_not_sweep_in_evidence_people(con):
    import json

    con.execute("""INSERT INTO findings (finding_id, run_id, check_id, check_name, severity, area,
        unit, route, title, amount, entity_type, entity_key)
        VALUES ('h03broad00000000', 'run-1', 'H03', '违规发放津补贴', 'medium', 'payroll', '市林业局',
                '反馈', '全局发放未批准津贴', 24000, 'unit', '市林业局'),
               ('r05named00000000', 'run-1', 'R05', '公务接待', 'low', 'reimbursement', '市林业局',
                '反馈', '接待超标', 100, 'person', '周九')""")
    con.execute("UPDATE findings SET persons = '周九' WHERE finding_id = 'r05named00000000'")
    for i in range(12):
        con.execute("INSERT INTO evidence VALUES ('h03broad00000000', 'H03', '市林业局', 'payroll', ?, ?)",
                    [f"2024-01|P{i}|津贴", json.dumps({"name": f"员工{i}", "item": "津贴"}, ensure_ascii=False)])
    con.execute("INSERT INTO evidence VALUES ('r05named00000000', 'R05', '市林业局', 'hospitality', 'JD-9', ?)",
                [json.dumps({"record_no": "JD-9", "handler": "钱七"}, ensure_ascii=False)])
    p = build_profiles(con)
    names = set(p["name"])
    assert not any(n.startswith("员工") for n in names)  # 12 payees: about the unit
    assert "钱七" not in names  # the check named 周九; the record's handler is not added
    assert _row(p, "周九")["roles"] == "涉及人员、疑点对象"


@pytest.mark.parametrize("order", ["short-first", "long-first"])
def test_vendor_name_written_as_often_two_ways_is_the_longer_on_every_run(con, order):
    """湖南卓越装饰有限公司 and 湖南卓越装饰有限责任公司 share a key and are written as often:
    the profile names the longer, whichever was stored first (mode() named the one it met
    first, which on a large run is up to the threads)."""
    names = ["湖南卓越装饰有限公司", "湖南卓越装饰有限责任公司"]
    if order == "long-first":
        names.reverse()
    for i, name in enumerate(names):
        con.execute("""INSERT INTO findings (finding_id, run_id, check_id, check_name, severity, area,
                       unit, entity_type, entity_key, amount)
                       VALUES (?, 'run-1', 'P01', '拆分规避招标', 'low', 'procurement', '市交通运输局',
                               'vendor', ?, 10)""", [f"p01-tie-{i}", name])
    vendors = build_profiles(con).query("subject_type == 'vendor'")
    tied = vendors[vendors["name"].str.startswith("湖南卓越装饰")]
    assert list(tied["name"]) == ["湖南卓越装饰有限责任公司"] and tied.iloc[0]["findings"] == 2


def test_list_fields_split_and_trimmed_and_one_record_gives_every_field(con):
    """A record is read once for all its fields: an office's 使用人 list gives one person per
    name (separators 、,，;；/ and spaces around names), a ledger line both its person and its
    counterparty; a record that is not JSON and a list left empty give no one."""
    import json

    con.execute("""INSERT INTO findings (finding_id, run_id, check_id, check_name, severity, area,
        unit, route, title, amount, entity_type, entity_key)
        VALUES ('o01list000000000', 'run-1', 'O01', '办公用房超标', 'medium', 'office', '市林业局',
                '反馈', '超标', NULL, 'office', '301'),
               ('l07both000000000', 'run-1', 'L07', '重复付款', 'high', 'ledger', '市林业局',
                '反馈', '重复', 500, 'voucher', 'v1')""")
    rows = [
        ('o01list000000000', 'O01', 'offices', '301',
         json.dumps({"room_no": "301", "occupants": "吴一、 郑二 ,冯三；陈四/ 褚五 "}, ensure_ascii=False)),
        ('o01list000000000', 'O01', 'offices', '302', json.dumps({"room_no": "302", "occupants": None})),
        ('o01list000000000', 'O01', 'offices', '303', '{not json: 卫六'),
        ('l07both000000000', 'L07', 'ledger', 'v1 #1',
         json.dumps({"person": "蒋七", "counterparty": "长沙乙贸易有限公司"}, ensure_ascii=False)),
    ]
    for fid, check, table, key, rec in rows:
        con.execute("INSERT INTO evidence VALUES (?, ?, '市林业局', ?, ?, ?)", [fid, check, table, key, rec])
    p = build_profiles(con)
    for name in ("吴一", "郑二", "冯三", "陈四", "褚五"):
        assert _row(p, name, "市林业局")["roles"] == "使用人", name
    assert not any("卫六" in n for n in p["name"])
    assert _row(p, "蒋七", "市林业局")["roles"] == "经办人/往来个人"
    vendor = _row(p[p["subject_type"] == "vendor"], "长沙乙贸易有限公司")
    assert vendor["roles"] == "往来单位" and vendor["findings"] == 1
