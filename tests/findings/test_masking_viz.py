"""Masking patterns and the Plotly figure builders (on their data, not pixels)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from xuncha_audit import viz
from xuncha_audit.findings.masking import mask_frame, mask_sql


@pytest.mark.parametrize(("raw", "masked"), [
    ("身份证430102198503071234号", "身份证430***********1234号"),
    ("43010219850307123X", "430***********123X"),
    ("电话13812345678,13912345678", "电话138****5678,139****5678"),
    ("卡号6222021234567890123", "卡号***************0123"),
    ("PZ2024000123 HT-20240105-001 700000.00 2024-01-05", "PZ2024000123 HT-20240105-001 700000.00 2024-01-05"),
    ('{"phone": "0731-88886666", "vendor": "甲"}', '{"phone": "****6666", "vendor": "甲"}'),
    ('{"身份证号": "43010219850307123X"}', '{"身份证号": "****123X"}'),
])
def test_mask_sql(raw, masked):
    assert duckdb.connect().execute(f"SELECT {mask_sql('?')}", [raw]).fetchone()[0] == masked


def test_mask_frame_keeps_numbers():
    df = pd.DataFrame({"a": ["13812345678", None], "n": [13812345678, 5]})
    out = mask_frame(df)
    assert out["a"].tolist()[0] == "138****5678" and pd.isna(out["a"].tolist()[1])
    assert out["n"].tolist() == [13812345678, 5]


FINDINGS = pd.DataFrame({
    "finding_id": ["a", "b", "c", "d"],
    "check_id": ["P01", "P01", "R01", "V02"],
    "check_name": ["拆分规避招标", "拆分规避招标", "差旅住宿超标准", "超标准配车"],
    "area": ["procurement", "procurement", "reimbursement", "vehicles"],
    "severity": ["high", "high", "medium", "high"],
    "route": ["纪检监察", "纪检监察", "反馈", "纪检监察"],
    "amount": [100.0, 50.0, None, 30.0],
    "period_start": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-01", "2024-03-02"]),
})


def test_findings_by_area_check():
    fig = viz.findings_by_area_check(FINDINGS)
    by = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert by["P01 拆分规避招标"]["采购与招投标"] == 2
    assert by["R01 差旅住宿超标准"]["报销"] == 1
    assert by["R01 差旅住宿超标准"]["采购与招投标"] == 0


def test_by_route_and_amount_and_timeline():
    fig = viz.findings_by_severity_route(FINDINGS)
    high = next(t for t in fig.data if t.name == "高风险")
    assert dict(zip(high.x, high.y, strict=True)) == {"移送纪检监察机关": 3, "反馈被巡察党组织": 0}
    fig = viz.amount_by_check(FINDINGS)
    assert dict(zip(fig.data[0].y, fig.data[0].x, strict=True)) == {"P01 拆分规避招标": 150.0, "V02 超标准配车": 30.0}
    fig = viz.spending_timeline(FINDINGS)
    proc = next(t for t in fig.data if t.name == "采购与招投标")
    assert list(proc.x) == ["2024-01-01"] and list(proc.y) == [150.0]
    assert fig.layout.xaxis.type == "date"  # months in time order, not in order of appearance
    later = FINDINGS.assign(period_start=pd.to_datetime(["2024-09-05", "2023-01-20", "2024-03-01", "2016-05-02"]),
                            area=["procurement", "procurement", "procurement", "vehicles"])
    for t in viz.spending_timeline(later).data:
        assert list(t.x) == sorted(t.x)
    fig = viz.findings_by_area_severity(FINDINGS)
    assert {t.name for t in fig.data} == {"高风险", "中风险"} and len(fig.data) <= 3
    high = next(t for t in fig.data if t.name == "高风险")
    assert dict(zip(high.y, high.x, strict=True)) == {"报销": 0, "公务用车": 1, "采购与招投标": 2}


def test_top_entities_and_profile_chart_and_empty():
    prof = pd.DataFrame({"subject_type_zh": ["人员", "供应商", "人员"], "name": ["张三", "甲公司", "李四"],
                         "unit": ["局", "局", "局"], "findings": [2, 1, 1], "amount": [10.0, 5.0, 0.0],
                         "risk_score": [5.0, 9.0, 1.0]})
    fig = viz.top_entities(prof, n=2)
    assert list(fig.data[0].x) == [5.0, 9.0]  # highest at the top of a horizontal bar chart
    assert list(fig.data[0].y)[-1].startswith("供应商｜甲公司")
    fig = viz.profile_chart(FINDINGS.iloc[:3], "张三")
    assert {t.name for t in fig.data} == {"高风险", "中风险"}
    empty = viz.findings_by_area_check(FINDINGS.iloc[0:0])
    assert not empty.data and empty.layout.annotations[0].text == "无数据"
    ll = pd.DataFrame({"file": ["a.xlsx"], "sheet": ["S1"], "rows_loaded": [8], "rows_quarantined": [2]})
    fig = viz.data_quality(ll)
    assert [list(t.y) for t in fig.data] == [[8], [2]]
