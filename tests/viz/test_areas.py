"""Figure builders of xuncha_audit.viz.areas: their data, not their pixels; and the query
helpers of xuncha_audit.viz.data on a small hand-built database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest

from xuncha_audit.viz import areas as va
from xuncha_audit.viz import data as vd


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_benford_expected_frequencies_sum_to_one():
    first = va.benford_expected("first")
    two = va.benford_expected("first_two")
    assert first["digit"].tolist() == list(range(1, 10))
    assert two["digit"].tolist() == list(range(10, 100))
    assert first["expected"].sum() == pytest.approx(1.0)
    assert two["expected"].sum() == pytest.approx(1.0)
    assert first["expected"].iloc[0] == pytest.approx(np.log10(2))


def test_benford_bounds_and_chart_mark_digits_outside():
    exp = va.benford_expected("first")
    n = 1000
    observed = exp["expected"].copy()
    observed.iloc[3] += 0.10   # digit 4 far too frequent
    observed.iloc[0] -= 0.10
    dist = exp.assign(n=n, observed=observed, count=(observed * n).round())
    b = va.benford_bounds(dist)
    p = exp["expected"]
    half = 1.96 * np.sqrt(p * (1 - p) / n) + 1 / (2 * n)
    assert np.allclose(b["upper"], p + half)
    assert np.allclose(b["lower"], p - half)
    assert b.loc[b["outside"], "digit"].tolist() == [1, 4]
    fig = va.benford_chart(dist, "测试", ["f1"])
    bars = _trace(fig, "实际占比")
    red = [d for d, c in zip(bars.x, bars.marker.color, strict=True) if c == va.FLAG]
    assert red == [1, 4]
    assert list(_trace(fig, "本福特理论值").y) == pytest.approx(p.tolist())
    assert "n = 1000" in fig.layout.title.text
    assert va.finding_ids_of(fig) == ["f1"]


def _days():
    return pd.DataFrame({
        "date": [dt.date(2024, 10, 1), dt.date(2024, 10, 8), dt.date(2024, 10, 12),
                 dt.date(2024, 10, 14)],
        "amount": [300.0, 120.0, 50.0, 80.0],
        "n_records": [1, 1, 1, 1],
        "is_rest_day": [True, False, False, False],  # 10-01 national day; 10-12 is an adjusted workday
        "holiday_name": ["国庆节", None, None, None],
        "finding_ids": [["fA"], [], [], []],
    })


def test_calendar_grid_covers_every_day_and_keeps_the_official_rest_days():
    grid = va.calendar_grid(_days())
    assert grid["date"].min() == pd.Timestamp("2024-09-30")  # the Monday of the first week
    assert len(grid) == 15 and grid["date"].is_monotonic_increasing
    flags = grid.set_index(grid["date"].dt.strftime("%m-%d"))["is_rest_day"]
    assert flags["10-01"]            # holiday from the calendar
    assert not flags["10-12"]        # a Saturday that the calendar says is a workday
    assert flags["10-05"]            # weekend without costs: rest day by default
    assert grid.loc[grid["date"] == "2024-10-02", "amount"].item() == 0


def test_heatmap_marks_rest_days_with_costs():
    fig = va.cost_calendar_heatmap(_days())
    rest = _trace(fig, "休息日有费用")
    assert [c[0] for c in rest.customdata] == ["2024-10-01"]
    assert rest.customdata[0][1] == "国庆节" and rest.customdata[0][3] == "fA"
    assert list(rest.y) == ["周二"]
    heat = fig.data[0]
    assert list(heat.y) == [f"周{d}" for d in "一二三四五六日"]
    assert heat.z[1][0] == 300.0  # Tuesday of the week of 2024-09-30
    assert va.finding_ids_of(fig) == ["fA"]


def test_lodging_bars_carry_the_cap_of_their_city_and_tier():
    nights = pd.DataFrame({
        "record_key": ["a", "b", "c"], "claim_no": ["a", "b", "c"], "person": ["甲", "乙", "丙"],
        "rank_norm": ["科员及以下", "正厅级", "科员及以下"], "tier": ["其他", "司局级", "其他"],
        "destination": ["上海", "上海", "长沙"], "city": ["上海", "上海", "长沙"],
        "depart_date": [dt.date(2024, 3, 1)] * 3, "nights": [2, 1, 1],
        "lodging_amount": [1200.0, 700.0, 300.0], "per_night": [600.0, 700.0, 300.0],
        "cap": [500.0, 800.0, 350.0], "finding_ids": [["r1"], None, None],
    })
    fig = va.lodging_vs_cap(nights)
    caps = _trace(fig, "住宿费标准（每晚）")
    assert dict(zip(caps.x, caps.y, strict=True)) == {"上海｜其他": 500.0, "上海｜司局级": 800.0,
                                                      "长沙｜其他": 350.0}
    over = _trace(fig, "超标准（R01）")
    assert list(over.x) == ["上海｜其他"] and list(over.y) == [600.0]
    assert over.customdata[0][3] == 500.0 and over.customdata[0][4] == "r1"
    assert va.finding_ids_of(fig) == ["r1"]


def test_office_area_against_standard_by_rank():
    rooms = pd.DataFrame({
        "record_key": ["501", "502", "503"], "building": ["主楼"] * 3, "room_no": ["501", "502", "503"],
        "area_m2": [26.5, 18.0, 30.0], "n_occupants": [1, 1, 3], "per_person": [26.5, 18.0, 10.0],
        "occupants": ["甲", "乙", "丙、丁、戊"], "rank_norm": ["副处级", "正处级", None],
        "standard": [18.0, 24.0, None], "finding_ids": [["o1"], None, None],
    })
    fig = va.office_area_chart(rooms)
    bars = _trace(fig, "人均面积")
    assert list(bars.x[0]) == ["正处级", "副处级", "职级不明"]   # rank order, then unknown
    assert list(bars.y) == [18.0, 26.5, 10.0]
    assert list(bars.marker.color) == [va.BASE, va.FLAG, va.BASE]
    std = _trace(fig, "标准面积")
    assert list(std.y)[:2] == [24.0, 18.0]
    assert va.finding_ids_of(fig) == ["o1"]


def test_threshold_bunching_bins_and_flags():
    contracts = pd.DataFrame({
        "contract_no": ["a", "b", "c", "d"], "ratio": [0.96, 0.97, 0.3, 1.5],
        "finding_ids": [["p1"], None, None, None],
    })
    fig = va.threshold_bunching(contracts)
    assert list(_trace(fig, "被标记的合同").x) == [96.0]
    assert list(_trace(fig, "其他合同").x) == [97.0]   # 30% and 150% are outside the window
    flagged = [t.name for t in fig.data].index("被标记的合同")
    assert va.point_finding_ids(fig, flagged, [0]) == ["p1"]
    assert va.finding_ids_of(fig) == ["p1"]


def test_fleet_over_quota_is_red():
    fleet = pd.DataFrame({"unit": ["u", "u"], "category": ["一般公务用车", "执法执勤用车"],
                          "in_use": [3, 2], "quota": [2, 4], "plates": [["A", "B", "C"], ["D", "E"]],
                          "finding_ids": [["v1"], None]})
    fig = va.fleet_quota_chart(fleet)
    assert list(_trace(fig, "在用车辆").marker.color) == [va.FLAG, va.BASE]
    assert list(_trace(fig, "编制数").y) == [2, 4]
    assert _trace(fig, "在用车辆").customdata[0][0] == "A、B、C"


def test_network_layout_and_flagged_edges():
    links = pd.DataFrame({"bidder_a": ["甲", "甲"], "bidder_b": ["乙", "丙"],
                          "field": ["contact_phone", "bid_ip"], "field_zh": ["联系电话", "投标IP"],
                          "projects": [["X1"], ["X2"]], "n_projects": [1, 1],
                          "finding_ids": [["b1"], []]})
    fig = va.bidder_network(links)
    nodes = _trace(fig, "投标人")
    assert sorted(nodes.text) == ["丙", "乙", "甲"]
    red = _trace(fig, "涉及疑点的关系")
    assert len(red.x) == 3   # one segment: two ends and a gap
    assert va.finding_ids_of(fig) == ["b1"]


@pytest.mark.parametrize("builder", [
    va.split_tender_timeline, va.threshold_bunching, va.bidder_network,
    va.vendor_concentration_chart, va.lodging_vs_cap, va.hospitality_per_head,
    va.hospitality_companions, va.duplicate_invoice_chart, va.fleet_quota_chart,
    va.cost_calendar_heatmap, va.office_area_chart, va.payroll_reconciliation_chart,
    va.benford_chart, va.round_amounts_chart, va.rest_day_chart, va.december_share_chart,
    va.relation_graph, va.findings_scatter,
])
def test_empty_frames_give_an_empty_figure(builder):
    frame = pd.DataFrame(columns=["finding_ids", "ratio", "per_night", "per_head", "guests",
                                  "companions", "n", "date"])
    fig = builder(frame)
    assert [a.text for a in fig.layout.annotations] == ["无数据"]
    assert va.finding_ids_of(fig) == []


# ---------------------------------------------------------------- data helpers


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE _units AS SELECT * FROM (VALUES ('甲局', '市级', '湖南', '长沙'), ('乙局', '县级', '湖南', '长沙'))
            t(unit, level, region, city);
        CREATE TABLE findings (finding_id VARCHAR, check_id VARCHAR, check_name VARCHAR, severity VARCHAR,
            area VARCHAR, unit VARCHAR, route VARCHAR, rule VARCHAR, title VARCHAR, amount DECIMAL(18,2),
            entity_type VARCHAR, entity_key VARCHAR, period_start DATE, period_end DATE, persons VARCHAR,
            details VARCHAR, status VARCHAR);
        INSERT INTO findings VALUES
            ('f1', 'V01', '超编', 'high', 'vehicles', '甲局', '反馈', NULL, 't1', 10, 'unit', '甲局',
             '2024-01-01', '2024-01-31', '张三', '{"category": "一般公务用车"}', NULL),
            ('f2', 'R04', '接待', 'low', 'reimbursement', '乙局', '反馈', NULL, 't2', 20, 'person', '李四',
             '2024-06-01', '2024-06-01', NULL, '{}', NULL);
        CREATE TABLE evidence (finding_id VARCHAR, check_id VARCHAR, unit VARCHAR, source_table VARCHAR,
            record_key VARCHAR, record VARCHAR);
        INSERT INTO evidence VALUES ('f1', 'V01', '甲局', 'vehicles', '湘A1', '{"plate_no": "湘A1"}'),
            ('f2', 'R04', '乙局', 'hospitality', 'JD1', '{"handler": "张三"}');
        CREATE TABLE vehicles (unit VARCHAR, plate_no VARCHAR, category VARCHAR, status VARCHAR);
        INSERT INTO vehicles VALUES ('甲局', '湘A1', '一般公务用车', '在用'), ('甲局', '湘A2', '一般公务用车', '在用'),
            ('甲局', '湘A3', '一般公务用车', '已处置');
        CREATE TABLE vehicle_quota (unit VARCHAR, category VARCHAR, quota BIGINT);
        INSERT INTO vehicle_quota VALUES ('甲局', '一般公务用车', 1), ('甲局', '机要通信用车', 1);
    """)
    con.close()
    con = vd.connect(path)
    yield con
    con.close()


def test_findings_scope_by_unit_level_and_period(db):
    assert set(vd.findings(db)["finding_id"]) == {"f1", "f2"}
    assert vd.findings(db, vd.Scope(unit="甲局"))["finding_id"].tolist() == ["f1"]
    assert vd.findings(db, vd.Scope(level="县级"))["finding_id"].tolist() == ["f2"]
    assert vd.findings(db, vd.Scope(period_start="2024-02-01"))["finding_id"].tolist() == ["f2"]
    assert vd.findings(db, vd.Scope(period_end="2024-01-15"))["finding_id"].tolist() == ["f1"]
    assert vd.findings(db, area="reimbursement")["finding_id"].tolist() == ["f2"]


def test_evidence_for_keeps_the_order_asked(db):
    ev = vd.evidence_for(db, ["f2", "f1"])
    assert ev["finding_id"].tolist() == ["f2", "f1"]
    assert ev["record_key"].tolist() == ["JD1", "湘A1"]
    assert vd.evidence_for(db, []).empty


def test_evidence_table_in_chinese_with_the_json_flattened(db):
    ev = vd.evidence_table(db, ["f2", "f1"])
    assert list(ev.columns[:5]) == ["疑点编号", "检查", "疑点描述", "来源表", "记录编号"]
    assert "record" not in ev.columns and not any("{" in str(v) for v in ev.to_numpy().ravel())
    from xuncha_audit.findings.labels import column_labels

    plate, handler = column_labels()["vehicles"]["plate_no"], column_labels()["hospitality"]["handler"]
    assert ev[handler].tolist() == ["张三", ""] and ev[plate].tolist() == ["", "湘A1"]
    assert ev["来源表"].tolist()[1] != "vehicles"  # the table's Chinese name
    assert list(vd.evidence_table(db, []).columns) == ["疑点编号", "检查", "疑点描述", "来源表", "记录编号"]


def test_fleet_vs_quota_counts_vehicles_in_use(db):
    f = vd.fleet_vs_quota(db).set_index("category")
    assert f.loc["一般公务用车", "in_use"] == 2 and f.loc["一般公务用车", "quota"] == 1
    assert list(f.loc["一般公务用车", "finding_ids"]) == ["f1"]
    assert f.loc["机要通信用车", "in_use"] == 0


def test_person_findings_through_persons_and_evidence(db):
    assert set(vd.person_findings(db, "张三")["finding_id"]) == {"f1", "f2"}
    assert vd.person_findings(db, "王五").empty


def test_missing_tables_give_empty_frames(db):
    for frame in (vd.split_tender_groups(db), vd.bidder_links(db), vd.lodging_nights(db),
                  vd.office_area(db), vd.payroll_reconciliation(db), vd.benford(db),
                  vd.relation_edges(db), vd.rest_day_postings(db)):
        assert frame.empty


def test_connect_is_read_only(db, tmp_path):
    with pytest.raises(duckdb.Error):
        db.execute("CREATE TABLE x (a INT)")
    from xuncha_audit.errors import XunchaError

    with pytest.raises(XunchaError):
        vd.connect(tmp_path / "missing.duckdb")


def test_point_finding_ids_read_the_last_customdata_column():
    fig = va.fleet_quota_chart(pd.DataFrame({
        "unit": ["u", "u"], "category": ["a", "b"], "in_use": [3, 1], "quota": [2, 1],
        "plates": [["A"], ["B"]], "finding_ids": [["v1", "v2"], None]}))
    assert va.point_finding_ids(fig, 0, [0, 1]) == ["v1", "v2"]
    assert va.point_finding_ids(fig, 1, [0]) == []          # quota bars carry no ids


def test_drilldown_widget_shows_evidence_of_clicked_points(db, capsys):
    fig = va.fleet_quota_chart(vd.fleet_vs_quota(db))
    box = va.drilldown(fig, db)
    fw, _out = box.children
    assert [t.name for t in fw.data] == [t.name for t in fig.data]

    points = SimpleNamespace(trace_index=0, point_inds=[list(fw.data[0].x).index("一般公务用车")])
    fw.data[0]._click_callbacks[0](fw.data[0], points, None)
    # Outside a kernel the Output widget does not capture: the evidence table is printed.
    assert "湘A1" in capsys.readouterr().out


def test_findings_scatter_one_point_per_finding_with_amount():
    f = pd.DataFrame({
        "finding_id": ["a", "b", "c", "d"], "check_id": ["P01", "R01", "V01", "L03"],
        "severity": ["high", "medium", "high", "low"], "area": ["procurement"] * 4,
        "entity_key": ["x"] * 4, "title": ["t"] * 4, "amount": [100.0, 5000.0, None, 0.0],
        "period_start": [dt.date(2024, 1, 1)] * 4,
    })
    fig = va.findings_scatter(f)
    assert {t.name: len(t.x) for t in fig.data} == {"高风险": 1, "中风险": 1}
    assert va.finding_ids_of(fig) == ["b", "a"]      # largest amount first
    assert fig.layout.yaxis.type == "log"


def test_every_trace_with_ids_keeps_them_in_the_last_customdata_column():
    """point_finding_ids (live drill-down) reads the last column: a figure built from a frame
    whose only finding id is 'fX' yields 'fX' for the flagged point."""
    rooms = pd.DataFrame({
        "record_key": ["501"], "building": ["主楼"], "room_no": ["501"], "area_m2": [30.0],
        "n_occupants": [1], "per_person": [30.0], "occupants": ["甲"], "rank_norm": ["正处级"],
        "standard": [24.0], "finding_ids": [["fX"]]})
    fig = va.office_area_chart(rooms)
    assert va.point_finding_ids(fig, 0, [0]) == ["fX"]
    assert fig.data[0].customdata[0][4] == "主楼"
