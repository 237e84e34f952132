"""Plotly figure builders shared by the HTML report and the notebooks.

Pure functions: a DataFrame in, a ``go.Figure`` out, no I/O. The findings frame has the
columns of the ``findings`` table (``area``, ``check_id``, ``check_name``, ``severity``,
``route``, ``amount``, ``period_start``); the profiles frame is
``xuncha_audit.findings.profiles.build_profiles``'s output.

The findings figures also take the frame already aggregated: a column ``n`` says how many
findings a row stands for, its ``amount`` is their sum and ``period_start`` their month
(``_Findings.rollup`` in ``findings/report.py``: a million findings drawn from a few thousand rows).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from xuncha_audit.vocabulary import AREA_ZH, ROUTES, SEVERITY_ZH

SEVERITY_COLORS = {"high": "#c0392b", "medium": "#e67e22", "low": "#7f8c8d"}
FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"


def _fig(traces: list, title: str, **layout) -> go.Figure:
    """One ``go.Figure`` call with the whole layout (``update_layout``/``update_xaxes`` calls
    cost ~4x more in validation)."""
    lay = {
        "title": {"text": title}, "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "legend": {"orientation": "h", "y": -0.2},
    }
    for axis in ("xaxis", "yaxis"):
        lay[axis] = {"gridcolor": "#eeeeee", "zerolinecolor": "#dddddd"}
        title_key = f"{axis}_title"
        if title_key in layout:
            lay[axis]["title"] = {"text": layout.pop(title_key)}
        if f"{axis}_type" in layout:
            lay[axis]["type"] = layout.pop(f"{axis}_type")
    lay.update(layout)
    return go.Figure(data=traces, layout=lay)


def _empty(title: str) -> go.Figure:
    return _fig([], title, annotations=[{"text": "无数据", "showarrow": False, "font": {"size": 16}}],
                xaxis={"visible": False}, yaxis={"visible": False})


def _count(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Findings per group: rows, or the sum of ``n`` where the frame is already aggregated."""
    if "n" in df.columns:
        return df.groupby(keys)["n"].sum()
    return df.groupby(keys).size()


def _area_zh(s: pd.Series) -> pd.Series:
    return s.map(AREA_ZH).fillna(s).fillna("未分类")


def findings_by_area_check(findings: pd.DataFrame) -> go.Figure:
    """Stacked bars: number of findings per area, one trace per check."""
    title = "各领域疑点数（按检查）"
    if findings.empty:
        return _empty(title)
    df = findings.assign(area_zh=_area_zh(findings["area"]),
                         label=findings["check_id"] + " " + findings["check_name"].fillna(""))
    counts = _count(df, ["label", "area_zh"]).rename("n").reset_index()
    areas = sorted(counts["area_zh"].unique())
    traces = []
    for label, part in counts.groupby("label", sort=True):
        n = part.set_index("area_zh")["n"].reindex(areas, fill_value=0)
        traces.append(go.Bar(name=label, x=areas, y=[int(v) for v in n]))
    return _fig(traces, title, barmode="stack", yaxis_title="疑点数")


def findings_by_severity_route(findings: pd.DataFrame) -> go.Figure:
    """Grouped bars: findings per route (display names), one trace per severity."""
    title = "按移送去向和风险等级的疑点数"
    if findings.empty:
        return _empty(title)
    route = findings["route"].map(ROUTES).fillna(findings["route"]).fillna("未定")
    counts = _count(findings.assign(route_zh=route), ["severity", "route_zh"])
    routes = [r for r in ROUTES.values() if r in set(route)] + sorted(set(route) - set(ROUTES.values()))
    traces = []
    for sev in ("high", "medium", "low"):
        if sev in counts.index.get_level_values(0):
            vals = counts.loc[sev].reindex(routes, fill_value=0)
            traces.append(go.Bar(name=f"{SEVERITY_ZH[sev]}风险", x=routes, y=[int(v) for v in vals],
                                 marker_color=SEVERITY_COLORS[sev]))
    return _fig(traces, title, barmode="group", yaxis_title="疑点数")


def amount_by_check(findings: pd.DataFrame) -> go.Figure:
    """Horizontal bars: amount at risk per check (yuan), largest at the top."""
    title = "各检查涉及金额（元）"
    df = findings[findings["amount"].notna()] if not findings.empty else findings
    if df.empty:
        return _empty(title)
    s = (df.assign(label=df["check_id"] + " " + df["check_name"].fillna(""),
                   amount=df["amount"].astype(float))
         .groupby("label")["amount"].sum().sort_values())
    bar = go.Bar(x=s.tolist(), y=s.index.tolist(), orientation="h",
                 hovertemplate="%{y}<br>%{x:,.2f} 元<extra></extra>")
    # One check often dwarfs the rest: a log axis keeps the small ones readable.
    spread = s[s > 0].max() / s[s > 0].min() if (s > 0).sum() > 1 else 1
    layout = {"xaxis_type": "log"} if spread > 100 else {}
    return _fig([bar], title, xaxis_title="元" + ("（对数刻度）" if layout else ""),
                height=max(300, 26 * len(s) + 120), **layout)


def spending_timeline(findings: pd.DataFrame) -> go.Figure:
    """Monthly amount of flagged spending (by the finding's start date), one line per area,
    on a date axis (months in time order, whatever order the areas' data come in)."""
    title = "疑点涉及金额月度分布"
    if findings.empty:
        return _empty(title)
    df = findings[findings["amount"].notna() & findings["period_start"].notna()]
    if df.empty:
        return _empty(title)
    df = df.assign(month=pd.to_datetime(df["period_start"]).dt.to_period("M").dt.to_timestamp(),
                   area_zh=_area_zh(df["area"]), amount=df["amount"].astype(float))
    g = df.groupby(["area_zh", "month"])["amount"].sum().reset_index()
    traces = []
    for area, part in g.groupby("area_zh"):
        part = part.sort_values("month")
        traces.append(go.Scatter(name=area, x=part["month"].dt.strftime("%Y-%m-%d").tolist(),
                                 y=part["amount"].tolist(), mode="lines+markers",
                                 hovertemplate="%{x|%Y-%m}<br>%{y:,.2f} 元<extra>" + str(area) + "</extra>"))
    return _fig(traces, title, yaxis_title="元", xaxis_type="date",
                xaxis={"type": "date", "tickformat": "%Y-%m", "gridcolor": "#eeeeee"})


def findings_by_area_severity(findings: pd.DataFrame) -> go.Figure:
    """Horizontal stacked bars: findings per area, split by severity (three colours)."""
    title = "各领域疑点数（按风险等级）"
    if findings.empty:
        return _empty(title)
    df = findings.assign(area_zh=_area_zh(findings["area"]))
    counts = _count(df, ["area_zh", "severity"])
    order = _count(df, ["area_zh"]).sort_values().index.tolist()
    traces = []
    for sev in ("high", "medium", "low"):
        vals = [int(counts.get((a, sev), 0)) for a in order]
        if any(vals):
            traces.append(go.Bar(name=f"{SEVERITY_ZH[sev]}风险", y=order, x=vals, orientation="h",
                                 marker_color=SEVERITY_COLORS[sev]))
    return _fig(traces, title, barmode="stack", xaxis_title="疑点数",
                height=max(260, 36 * len(order) + 140))


def top_entities(profiles: pd.DataFrame, n: int = 15) -> go.Figure:
    """Horizontal bars: the ``n`` people and vendors with the highest risk score."""
    title = f"风险评分前 {n} 的人员和供应商"
    if profiles.empty:
        return _empty(title)
    top = profiles.nlargest(n, "risk_score").iloc[::-1]
    labels = (top["subject_type_zh"] + "｜" + top["name"].astype(str) + "（"
              + top["unit"].fillna("").astype(str) + "）")
    bar = go.Bar(
        x=top["risk_score"].tolist(), y=labels.tolist(), orientation="h",
        customdata=list(zip(top["findings"].tolist(), top["amount"].tolist(), strict=True)),
        hovertemplate="%{y}<br>评分 %{x}<br>疑点 %{customdata[0]} 个<br>金额 %{customdata[1]:,.2f} 元<extra></extra>",
    )
    return _fig([bar], title, xaxis_title="风险评分", height=max(300, 28 * len(top) + 120))


def profile_chart(person_findings: pd.DataFrame, name: str) -> go.Figure:
    """One person's findings: bars of count per check, coloured by the highest severity."""
    title = f"{name}：涉及疑点"
    if person_findings.empty:
        return _empty(title)
    # (label, severity) -> finding ids, amounts: a person has tens of findings, and a pandas
    # groupby per person (the report draws one chart for each of up to 50 cadres) cost ~10 ms
    groups: dict[tuple[str, str], tuple[set, list]] = {}
    check_names = person_findings["check_name"].fillna("").astype(str).tolist()
    amounts = person_findings["amount"].astype(float).fillna(0.0).tolist()
    for cid, cname, sev, fid, amt in zip(person_findings["check_id"].astype(str).tolist(), check_names,
                                         person_findings["severity"].tolist(),
                                         person_findings["finding_id"].tolist(), amounts, strict=True):
        ids, amts = groups.setdefault((cid + " " + cname, sev), (set(), []))
        ids.add(fid)
        amts.append(amt)
    traces = []
    for sev in ("high", "medium", "low"):
        part = sorted((label, len(ids), math.fsum(amts)) for (label, s), (ids, amts) in groups.items() if s == sev)
        if part:
            traces.append(go.Bar(
                name=f"{SEVERITY_ZH[sev]}风险", x=[p[0] for p in part], y=[p[1] for p in part],
                marker_color=SEVERITY_COLORS[sev], customdata=[p[2] for p in part],
                hovertemplate="%{x}<br>%{y} 个，%{customdata:,.2f} 元<extra></extra>"))
    return _fig(traces, title, barmode="stack", yaxis_title="疑点数", height=320)


def data_quality(load_log: pd.DataFrame) -> go.Figure:
    """Stacked bars per input file: rows loaded vs rows quarantined."""
    title = "各文件导入行数（入库 / 隔离）"
    if load_log.empty:
        return _empty(title)
    label = load_log["file"].astype(str) + load_log["sheet"].map(lambda s: f"［{s}］" if isinstance(s, str) and s else "")
    traces = [
        go.Bar(name="入库", x=label.tolist(), y=load_log["rows_loaded"].fillna(0).astype(int).tolist(),
               marker_color="#27ae60"),
        go.Bar(name="隔离", x=label.tolist(),
               y=load_log["rows_quarantined"].fillna(0).astype(int).tolist(), marker_color="#c0392b"),
    ]
    return _fig(traces, title, barmode="stack", yaxis_title="行数")
