"""profile_chart: bars per check and severity, counted and summed as a pandas groupby would."""

from __future__ import annotations

import math

import pandas as pd

from xuncha_audit import viz


def test_profile_chart_counts_distinct_findings_and_sums_every_row():
    df = pd.DataFrame({
        "finding_id": ["R01-1", "R01-1", "R01-2", "P01-9", "P01-9", "L07-3", "L07-4"],
        "check_id": ["R01", "R01", "R01", "P01", "P01", "L07", "L07"],
        "check_name": ["住宿超标", "住宿超标", "住宿超标", None, None, "重复付款", "重复付款"],
        "severity": ["medium", "medium", "high", "high", "high", "medium", None],
        "amount": [100.5, 100.5, None, 3000.0, 0.25, 12.0, 99.0],
    })
    fig = viz.profile_chart(df, "张三")
    bars = {t.name: list(zip(t.x, t.y, t.customdata, strict=True)) for t in fig.data}
    # the same as pandas: groupby (label, severity), nunique ids, sum of amounts (NaN as 0);
    # a row without a severity is in no bar
    expect = (df.assign(label=df["check_id"] + " " + df["check_name"].fillna(""),
                        amount=df["amount"].astype(float).fillna(0.0))
              .groupby(["label", "severity"]).agg(n=("finding_id", "nunique"), amount=("amount", "sum"))
              .reset_index())
    for sev, zh in (("high", "高风险"), ("medium", "中风险")):
        part = expect[expect["severity"] == sev]
        got = bars[zh]
        assert [g[0] for g in got] == part["label"].tolist()
        assert [g[1] for g in got] == part["n"].tolist()
        assert all(math.isclose(g[2], a) for g, a in zip(got, part["amount"], strict=True))
    assert "低风险" not in bars
    assert bars["高风险"] == [("P01 ", 1, 3000.25), ("R01 住宿超标", 1, 0.0)]
