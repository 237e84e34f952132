"""Per-area Plotly figures for the notebooks (procurement, reimbursement, vehicles and offices,
payroll, ledger forensics, profiles).

Pure functions: a DataFrame from :mod:`xuncha_audit.viz.data` in, a ``go.Figure`` out. Every
point's hover shows its record key and the ids of the findings citing it; the figure keeps
those finding ids, most important first, in ``fig.layout.meta["finding_ids"]`` so
:func:`show` can print the evidence rows under it (the drill-down of a static notebook) and
:func:`drilldown` can show the evidence of the points a user clicks or selects (live kernel
with ipywidgets).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from xuncha_audit.viz.figures import FONT, SEVERITY_COLORS

FLAG = SEVERITY_COLORS["high"]
BASE = "#4a78a8"
CAP = "#2c3e50"
WEEKDAYS_ZH = ["一", "二", "三", "四", "五", "六", "日"]
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}


# ---------------------------------------------------------------- helpers


def _layout(fig: go.Figure, title: str, **kw) -> go.Figure:
    """The look of :mod:`xuncha_audit.viz.figures` (font, white background, legend below)."""
    fig.update_layout(
        title={"text": title}, font={"family": FONT, "size": 13},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        margin={"l": 60, "r": 20, "t": 60, "b": 60}, legend={"orientation": "h", "y": -0.2}, **kw)
    fig.update_xaxes(gridcolor="#eeeeee", zerolinecolor="#dddddd")
    fig.update_yaxes(gridcolor="#eeeeee", zerolinecolor="#dddddd")
    return fig


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="无数据", showarrow=False, font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title)


def ids_text(ids) -> str:
    """A list (finding ids, plates, holiday names) as hover text: joined with 、, '—' when empty."""
    if ids is None or (pd.api.types.is_scalar(ids) and pd.isna(ids)):
        return "—"
    if isinstance(ids, str):
        return ids or "—"
    ids = [str(i) for i in list(ids) if i is not None]
    return "、".join(ids) if ids else "—"


def _has_ids(s: pd.Series) -> pd.Series:
    return s.map(lambda v: ids_text(v) != "—").astype(bool)


def _collect_ids(*series: pd.Series) -> list[str]:
    """Distinct finding ids in the order they first appear."""
    seen: dict[str, None] = {}
    for s in series:
        for v in s.dropna():
            if isinstance(v, str):
                seen.setdefault(v, None)
            else:
                for i in v:
                    if i is not None:
                        seen.setdefault(str(i), None)
    return list(seen)


def _meta(fig: go.Figure, ids: list[str]) -> go.Figure:
    fig.update_layout(meta={"finding_ids": list(ids)})
    return fig


def finding_ids_of(fig: go.Figure) -> list[str]:
    """The finding ids a figure carries (most important first)."""
    meta = fig.layout.meta
    if isinstance(meta, dict):
        return list(meta.get("finding_ids") or [])
    return []


def _nodata(title: str) -> go.Figure:
    return _meta(_empty(title), [])


# ---------------------------------------------------------------- overview


def findings_scatter(findings: pd.DataFrame) -> go.Figure:
    """Every finding with an amount on a date axis (its start date), coloured by severity,
    log amount axis; hover: finding id, check, entity and title."""
    from xuncha_audit.vocabulary import AREA_ZH

    title = "疑点时间线（每个点是一个疑点，按涉及金额）"
    df = findings[findings["amount"].notna() & findings["period_start"].notna()] \
        if not findings.empty else findings
    if df.empty:
        return _nodata(title)
    df = df.assign(amount=df["amount"].astype(float))
    df = df[df["amount"] > 0]
    if df.empty:
        return _nodata(title)
    fig = go.Figure()
    for sev in ("high", "medium", "low"):
        part = df[df["severity"] == sev]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["period_start"].tolist(), y=part["amount"].tolist(), mode="markers",
            name=f"{SEVERITY_ZH[sev]}风险", marker={"color": SEVERITY_COLORS[sev], "size": 10, "opacity": 0.8},
            customdata=np.stack([part["check_id"].astype(str), part["area"].map(AREA_ZH).fillna("").astype(str),
                                 part["entity_key"].fillna("").astype(str),
                                 part["title"].fillna("").astype(str).str.slice(0, 60),
                                 part["finding_id"].astype(str)], axis=-1),
            hovertemplate="%{customdata[0]}（%{customdata[1]}）｜%{customdata[2]}<br>%{customdata[3]}"
                          "<br>%{x}，%{y:,.2f} 元<br>疑点 %{customdata[4]}<extra></extra>")
    _layout(fig, title, xaxis_title="疑点起始日期", yaxis_title="涉及金额（元，对数）", yaxis_type="log")
    return _meta(fig, _collect_ids(df.sort_values("amount", ascending=False)["finding_id"]))


# ---------------------------------------------------------------- procurement


def split_tender_timeline(groups: pd.DataFrame) -> go.Figure:
    """P01 groups: each group's contracts on a date axis (markers = single contracts, line =
    the group's running total), with the threshold the group reaches as a dashed line."""
    title = "拆分规避招标：合同组累计金额与限额标准"
    if groups.empty:
        return _nodata(title)
    fig = go.Figure()
    for i, (fid, g) in enumerate(groups.groupby("finding_id", sort=False)):
        g = g.sort_values("sign_date")
        name = f"组{i + 1}｜{str(g['subject'].iloc[0] or '')[:18]}"
        custom = np.stack([g["record_key"].astype(str), g["vendor"].astype(str),
                           g["contract_name"].fillna("").astype(str), g["amount"],
                           np.full(len(g), fid)], axis=-1)
        fig.add_scatter(x=g["sign_date"], y=g["cum_amount"], mode="lines+markers", name=name,
                        legendgroup=fid, customdata=custom,
                        hovertemplate="合同 %{customdata[0]}｜%{customdata[2]}<br>供应商 %{customdata[1]}"
                                      "<br>本份 %{customdata[3]:,.2f} 元，组累计 %{y:,.2f} 元"
                                      "<br>疑点 %{customdata[4]}<extra></extra>")
        thr = g["threshold"].dropna()
        if len(thr):
            fig.add_scatter(x=[g["sign_date"].min(), g["sign_date"].max()], y=[thr.iloc[0]] * 2,
                            mode="lines", line={"dash": "dash", "color": CAP, "width": 1},
                            legendgroup=fid, showlegend=False, name=f"{name} 限额",
                            hovertemplate=f"限额标准 {thr.iloc[0]:,.0f} 元<extra></extra>")
    _layout(fig, title, xaxis_title="签订日期", yaxis_title="累计金额（元）")
    return _meta(fig, _collect_ids(groups["finding_id"]))


def threshold_bunching(contracts: pd.DataFrame, low: float = 0.5, high: float = 1.2,
                       bin_width: float = 0.05) -> go.Figure:
    """Histogram of contract amount / tender threshold between ``low`` and ``high``: bunching
    just below 100% is the red flag. Contracts cited by a finding are a separate red series."""
    title = "合同金额相对公开招标数额标准的分布（紧贴标准之下扎堆）"
    df = contracts[contracts["ratio"].notna()] if not contracts.empty else contracts
    df = df[(df["ratio"] >= low) & (df["ratio"] < high)] if not df.empty else df
    if df.empty:
        return _nodata(title)
    flagged = _has_ids(df["finding_ids"])
    bins = {"start": low, "end": high, "size": bin_width}
    fig = go.Figure()
    for mask, name, color in ((~flagged, "其他合同", BASE), (flagged, "被标记的合同", FLAG)):
        part = df[mask]
        fig.add_histogram(
            x=(part["ratio"] * 100).tolist(), xbins={k: v * 100 for k, v in bins.items()},
            name=name, marker_color=color,
            customdata=part["finding_ids"].map(ids_text).tolist(),  # live drill-down of a bin
            hovertemplate="标准的 %{x}%<br>%{y} 份合同<extra></extra>")
    fig.add_vline(x=100, line_dash="dash", line_color=CAP, annotation_text="标准 100%")
    _layout(fig, title, barmode="stack", xaxis_title="合同金额 / 公开招标数额标准（%）",
            yaxis_title="合同数")
    top = df[flagged].sort_values("ratio", ascending=False)
    return _meta(fig, _collect_ids(top["finding_ids"]))


def _circle_layout(nodes: list[str]) -> dict[str, tuple[float, float]]:
    n = max(len(nodes), 1)
    return {node: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n))
            for i, node in enumerate(nodes)}


def _network(edges: pd.DataFrame, src: str, dst: str, label_col: str, kinds: dict[str, str],
             kind_colors: dict[str, str], title: str) -> go.Figure:
    """Node-link figure on a circle: edge midpoints carry the hover (label and findings)."""
    nodes = pd.concat([edges[[src, kinds["src"]]].set_axis(["node", "kind"], axis=1),
                       edges[[dst, kinds["dst"]]].set_axis(["node", "kind"], axis=1)]
                      ).drop_duplicates("node").sort_values(["kind", "node"])
    pos = _circle_layout(nodes["node"].tolist())
    e = edges.assign(x0=edges[src].map(lambda n: pos[n][0]), y0=edges[src].map(lambda n: pos[n][1]),
                     x1=edges[dst].map(lambda n: pos[n][0]), y1=edges[dst].map(lambda n: pos[n][1]))
    flagged = _has_ids(e["finding_ids"])
    fig = go.Figure()
    for mask, color, name in ((~flagged, "#b0b7bf", "关系"), (flagged, FLAG, "涉及疑点的关系")):
        part = e[mask]
        if part.empty:
            continue
        xs = np.column_stack([part["x0"], part["x1"], np.full(len(part), np.nan)]).ravel()
        ys = np.column_stack([part["y0"], part["y1"], np.full(len(part), np.nan)]).ravel()
        fig.add_scatter(x=xs.tolist(), y=ys.tolist(), mode="lines", line={"color": color, "width": 2},
                        hoverinfo="skip", name=name)
        fig.add_scatter(x=((part["x0"] + part["x1"]) / 2).tolist(),
                        y=((part["y0"] + part["y1"]) / 2).tolist(), mode="markers",
                        marker={"size": 9, "color": color, "symbol": "diamond"}, showlegend=False,
                        customdata=np.stack([part[src].astype(str), part[dst].astype(str),
                                             part[label_col].astype(str),
                                             part["finding_ids"].map(ids_text)], axis=-1),
                        hovertemplate="%{customdata[0]} — %{customdata[1]}<br>%{customdata[2]}"
                                      "<br>疑点 %{customdata[3]}<extra></extra>")
    for kind, part in nodes.groupby("kind", sort=True):
        fig.add_scatter(x=[pos[n][0] for n in part["node"]], y=[pos[n][1] for n in part["node"]],
                        mode="markers+text", text=part["node"].tolist(), textposition="top center",
                        marker={"size": 14, "color": kind_colors.get(kind, BASE)}, name=kind,
                        hovertemplate="%{text}<extra>" + kind + "</extra>")
    _layout(fig, title, height=620)
    fig.update_xaxes(visible=False, range=[-1.5, 1.5])
    fig.update_yaxes(visible=False, range=[-1.3, 1.3], scaleanchor="x")
    return _meta(fig, _collect_ids(e.loc[flagged, "finding_ids"]))


def bidder_network(links: pd.DataFrame) -> go.Figure:
    """Bidders linked by a shared contact (phone, contact person, address, account, IP, file
    fingerprint); red links are cited by a P04 finding."""
    title = "投标人共用联系方式关系图"
    if links.empty:
        return _nodata(title)
    e = links.assign(src_kind="投标人", dst_kind="投标人",
                     label=links["field_zh"] + "（项目 " + links["projects"].map(
                         lambda p: "、".join(map(str, p))) + "）")
    return _network(e, "bidder_a", "bidder_b", "label", {"src": "src_kind", "dst": "dst_kind"},
                    {"投标人": BASE}, title)


def vendor_concentration_chart(conc: pd.DataFrame, n: int = 15) -> go.Figure:
    """The ``n`` vendors with the largest share of the contract amount: competitive and
    non-competitive (single source, direct purchase ...) parts; red outline = finding."""
    title = f"供应商集中度（合同金额前 {n} 名）"
    if conc.empty:
        return _nodata(title)
    top = conc.nlargest(n, "amount").iloc[::-1]
    comp = top["amount"] - top["noncompetitive_amount"]
    flagged = _has_ids(top["finding_ids"])
    custom = np.stack([top["n_contracts"], top["share"] * 100, top["finding_ids"].map(ids_text)], axis=-1)
    hover = ("%{y}<br>%{x:,.2f} 元<br>%{customdata[0]} 份合同，占合同总额 %{customdata[1]:.1f}%"
             "<br>疑点 %{customdata[2]}<extra></extra>")
    fig = go.Figure()
    fig.add_bar(y=top["vendor"].tolist(), x=comp.tolist(), orientation="h", name="竞争性方式",
                marker_color=BASE, customdata=custom, hovertemplate=hover)
    fig.add_bar(y=top["vendor"].tolist(), x=top["noncompetitive_amount"].tolist(), orientation="h",
                name="非竞争性方式", marker_color="#e67e22", customdata=custom, hovertemplate=hover,
                marker_line={"color": [FLAG if f else "rgba(0,0,0,0)" for f in flagged], "width": 2})
    _layout(fig, title, barmode="stack", xaxis_title="合同金额（元）",
            height=max(320, 26 * len(top) + 140))
    return _meta(fig, _collect_ids(top.iloc[::-1]["finding_ids"]))


# ---------------------------------------------------------------- reimbursement


def lodging_vs_cap(nights: pd.DataFrame) -> go.Figure:
    """Lodging cost per night of each claim by destination city and rank tier, with the cap
    per night in force (short dark bars); claims cited by R01 in red."""
    title = "差旅住宿费：每晚费用与标准（按城市、职级档次）"
    df = nights[nights["per_night"].notna()] if not nights.empty else nights
    if df.empty:
        return _nodata(title)
    df = df.assign(group=df["city"].astype(str) + "｜" + df["tier"].astype(str))
    order = sorted(df["group"].unique())
    flagged = _has_ids(df["finding_ids"])
    fig = go.Figure()
    for mask, name, color in ((~flagged, "报销单", BASE), (flagged, "超标准（R01）", FLAG)):
        part = df[mask]
        fig.add_scatter(
            x=part["group"].tolist(), y=part["per_night"].tolist(), mode="markers", name=name,
            marker={"color": color, "size": 9, "opacity": 0.8},
            customdata=np.stack([part["record_key"].astype(str), part["person"].astype(str),
                                 part["nights"], part["cap"], part["finding_ids"].map(ids_text)], axis=-1)
            if len(part) else None,
            hovertemplate="报销单 %{customdata[0]}（%{customdata[1]}）<br>%{customdata[2]} 晚，"
                          "每晚 %{y:,.2f} 元<br>标准 %{customdata[3]} 元/晚<br>疑点 %{customdata[4]}"
                          "<extra></extra>")
    caps = df.groupby("group")["cap"].max().dropna()
    fig.add_scatter(x=caps.index.tolist(), y=caps.tolist(), mode="markers", name="住宿费标准（每晚）",
                    marker={"symbol": "line-ew-open", "size": 28, "color": CAP, "line": {"width": 3, "color": CAP}},
                    hovertemplate="%{x}<br>标准 %{y:,.0f} 元/晚<extra></extra>")
    _layout(fig, title, xaxis_title="目的地｜职级档次", yaxis_title="每晚住宿费（元）",
            xaxis={"categoryorder": "array", "categoryarray": order})
    top = df[flagged].assign(excess=df["per_night"] - df["cap"]).sort_values("excess", ascending=False)
    return _meta(fig, _collect_ids(top["finding_ids"]))


def hospitality_per_head(h: pd.DataFrame) -> go.Figure:
    """Hospitality cost per head and meal over time (marker size = companions), with the cap."""
    title = "公务接待：人均每餐费用与陪餐人数"
    df = h[h["per_head"].notna()] if not h.empty else h
    if df.empty:
        return _nodata(title)
    flagged = _has_ids(df["finding_ids"])
    fig = go.Figure()
    for mask, name, color in ((~flagged, "接待记录", BASE), (flagged, "被标记的接待（R04/R05/R06）", FLAG)):
        part = df[mask]
        fig.add_scatter(
            x=part["date"].tolist(), y=part["per_head"].tolist(), mode="markers", name=name,
            marker={"color": color, "size": (6 + 3 * part["companions"].fillna(0)).clip(upper=30).tolist(),
                    "opacity": 0.8},
            customdata=np.stack([part["record_key"].astype(str), part["guest_unit"].fillna("").astype(str),
                                 part["guests"].fillna(0), part["companions"].fillna(0),
                                 part["amount"], part["finding_ids"].map(ids_text)], axis=-1)
            if len(part) else None,
            hovertemplate="记录 %{customdata[0]}｜%{customdata[1]}<br>接待 %{customdata[2]} 人，陪餐 "
                          "%{customdata[3]} 人，合计 %{customdata[4]:,.2f} 元<br>人均每餐 %{y:,.2f} 元"
                          "<br>疑点 %{customdata[5]}<extra></extra>")
    cap = df["cap"].dropna()
    if len(cap):
        fig.add_hline(y=float(cap.iloc[0]), line_dash="dash", line_color=CAP,
                      annotation_text=f"标准 {float(cap.iloc[0]):,.0f} 元/人·餐")
    _layout(fig, title, xaxis_title="接待日期", yaxis_title="人均每餐（元）")
    top = df[flagged].sort_values("per_head", ascending=False)
    return _meta(fig, _collect_ids(top["finding_ids"]))


def hospitality_companions(h: pd.DataFrame, small_group_max: int = 3) -> go.Figure:
    """Companions against guests per record: above the line companions outnumber guests."""
    title = "公务接待：接待对象人数与陪餐人数"
    df = h[h["guests"].notna() & h["companions"].notna()] if not h.empty else h
    if df.empty:
        return _nodata(title)
    flagged = _has_ids(df["finding_ids"])
    fig = go.Figure()
    for mask, name, color in ((~flagged, "接待记录", BASE), (flagged, "被标记的接待", FLAG)):
        part = df[mask]
        fig.add_scatter(x=part["guests"].tolist(), y=part["companions"].tolist(), mode="markers",
                        name=name, marker={"color": color, "size": 10, "opacity": 0.7},
                        customdata=np.stack([part["record_key"].astype(str),
                                             part["finding_ids"].map(ids_text)], axis=-1)
                        if len(part) else None,
                        hovertemplate="记录 %{customdata[0]}<br>接待 %{x} 人，陪餐 %{y} 人"
                                      "<br>疑点 %{customdata[1]}<extra></extra>")
    m = float(max(df["guests"].max(), df["companions"].max(), small_group_max)) + 1
    fig.add_scatter(x=[0, m], y=[0, m], mode="lines", line={"dash": "dot", "color": CAP},
                    name="陪餐 = 接待对象", hoverinfo="skip")
    _layout(fig, title, xaxis_title="接待对象人数", yaxis_title="陪餐人数")
    return _meta(fig, _collect_ids(df.loc[flagged, "finding_ids"]))


def duplicate_invoice_chart(dups: pd.DataFrame) -> go.Figure:
    """R05 findings: the amount of each cited record, grouped by finding (bars side by side)."""
    title = "重复报销：同一发票或重叠行程的报销记录"
    if dups.empty:
        return _nodata(title)
    df = dups.assign(label=dups["finding_id"] + "｜" + dups["invoice_no"].fillna("").astype(str),
                     record_amount=dups["record_amount"].fillna(0))
    fig = go.Figure(go.Bar(
        x=df["label"].tolist(), y=df["record_amount"].tolist(), marker_color=FLAG,
        text=df["record_key"].astype(str).tolist(), textposition="inside",
        customdata=np.stack([df["source_table"].astype(str), df["record_key"].astype(str),
                             df["record_date"].fillna("").astype(str), df["finding_id"]], axis=-1),
        hovertemplate="%{customdata[0]}：%{customdata[1]}（%{customdata[2]}）<br>%{y:,.2f} 元"
                      "<br>疑点 %{customdata[3]}<extra></extra>"))
    _layout(fig, title, barmode="group", xaxis_title="疑点｜发票号", yaxis_title="记录金额（元）")
    return _meta(fig, _collect_ids(df["finding_id"]))


# ---------------------------------------------------------------- vehicles and offices


def fleet_quota_chart(fleet: pd.DataFrame) -> go.Figure:
    """Vehicles in use against the approved quota per category (red = over quota)."""
    title = "公务用车：在用车辆数与编制数"
    if fleet.empty:
        return _nodata(title)
    over = fleet["in_use"] > fleet["quota"].fillna(0)
    custom = np.stack([fleet["plates"].map(ids_text),
                       fleet["finding_ids"].map(ids_text)], axis=-1)
    fig = go.Figure()
    fig.add_bar(x=fleet["category"].tolist(), y=fleet["in_use"].tolist(), name="在用车辆",
                marker_color=[FLAG if o else BASE for o in over], customdata=custom,
                hovertemplate="%{x}：在用 %{y} 辆<br>%{customdata[0]}<br>疑点 %{customdata[1]}<extra></extra>")
    fig.add_bar(x=fleet["category"].tolist(), y=fleet["quota"].fillna(0).tolist(), name="编制数",
                marker_color="#95a5a6", hovertemplate="%{x}：编制 %{y} 辆<extra></extra>")
    _layout(fig, title, barmode="group", yaxis_title="辆")
    return _meta(fig, _collect_ids(fleet.loc[over, "finding_ids"], fleet["finding_ids"]))


def calendar_grid(days: pd.DataFrame) -> pd.DataFrame:
    """Every day from the first to the last cost day (Monday-aligned weeks) with its amount
    (0 when none), rest-day flag, holiday name and findings: the heatmap's cells."""
    cols = ["date", "week", "weekday", "amount", "is_rest_day", "holiday_name", "finding_ids"]
    if days.empty:
        return pd.DataFrame(columns=cols)
    d = days.assign(date=pd.to_datetime(days["date"]))
    start = d["date"].min() - pd.Timedelta(days=int(d["date"].min().day_of_week))
    grid = pd.DataFrame({"date": pd.date_range(start, d["date"].max(), freq="D")})
    grid = grid.merge(d[["date", "amount", "is_rest_day", "holiday_name", "finding_ids"]],
                      on="date", how="left")
    weekday = grid["date"].dt.day_of_week
    # Days without costs are not in the query's output: weekends are their rest days.
    grid["is_rest_day"] = grid["is_rest_day"].astype("boolean").fillna(weekday >= 5).astype(bool)
    grid["amount"] = grid["amount"].fillna(0.0)
    grid["weekday"] = weekday
    grid["week"] = (grid["date"] - pd.to_timedelta(weekday, unit="D")).dt.strftime("%Y-%m-%d")
    return grid[cols]


def cost_calendar_heatmap(days: pd.DataFrame) -> go.Figure:
    """Vehicle running costs per day as a week × weekday heatmap; rest days that had costs are
    marked with a black outline (trace 「休息日有费用」), holidays named in the hover."""
    title = "车辆运行费用日历（框出：休息日发生费用）"
    grid = calendar_grid(days)
    if grid.empty:
        return _nodata(title)
    z = grid.pivot(index="weekday", columns="week", values="amount").reindex(range(7))
    hol = grid.pivot(index="weekday", columns="week", values="holiday_name").reindex(range(7))
    fig = go.Figure(go.Heatmap(
        z=z.values.tolist(), x=z.columns.tolist(), y=[f"周{WEEKDAYS_ZH[i]}" for i in range(7)],
        customdata=hol.fillna("").values.tolist(), colorscale="YlOrRd", colorbar={"title": "元"},
        hovertemplate="%{x} 所在周 %{y}<br>%{z:,.2f} 元 %{customdata}<extra></extra>", xgap=1, ygap=1))
    rest = grid[grid["is_rest_day"] & (grid["amount"] > 0)]
    fig.add_scatter(
        x=rest["week"].tolist(), y=[f"周{WEEKDAYS_ZH[i]}" for i in rest["weekday"]], mode="markers",
        name="休息日有费用", marker={"symbol": "square-open", "size": 11, "color": "#000000",
                                   "line": {"width": 2}},
        customdata=np.stack([rest["date"].dt.strftime("%Y-%m-%d"), rest["holiday_name"].fillna("休息日"),
                             rest["amount"], rest["finding_ids"].map(ids_text)], axis=-1)
        if len(rest) else None,
        hovertemplate="%{customdata[0]}（%{customdata[1]}）<br>%{customdata[2]:,.2f} 元"
                      "<br>疑点 %{customdata[3]}<extra></extra>")
    _layout(fig, title, xaxis_title="周（周一日期）", height=360)
    fig.update_yaxes(autorange="reversed")
    return _meta(fig, _collect_ids(rest.sort_values("amount", ascending=False)["finding_ids"],
                                   grid["finding_ids"]))


def office_area_chart(rooms: pd.DataFrame) -> go.Figure:
    """Area per occupant of each office against the standard for the highest-ranked
    occupant's rank (dark marks), rooms grouped by that rank; red = over the standard."""
    title = "办公用房：人均使用面积与标准（按职级）"
    if rooms.empty:
        return _nodata(title)
    from xuncha_audit.standards.ranks import LADDER

    order = {r: i for i, r in enumerate(LADDER)}
    df = rooms.assign(rank_label=rooms["rank_norm"].fillna("职级不明"),
                      # Short axis label (first character of the building + room); full text in the hover.
                      room=rooms["building"].fillna("").astype(str).str.slice(0, 1) + rooms["room_no"].astype(str),
                      _o=rooms["rank_norm"].map(order).fillna(len(order)))
    df = df.sort_values(["_o", "per_person"], ascending=[True, False])
    over = df["per_person"] > df["standard"]
    fig = go.Figure()
    fig.add_bar(x=[df["rank_label"].tolist(), df["room"].tolist()], y=df["per_person"].tolist(),
                name="人均面积", marker_color=[FLAG if o else BASE for o in over],
                customdata=np.stack([df["record_key"].astype(str), df["occupants"].fillna("").astype(str),
                                     df["area_m2"], df["standard"].fillna(np.nan),
                                     df["building"].fillna("").astype(str),
                                     df["finding_ids"].map(ids_text)], axis=-1),  # ids last: point_finding_ids
                hovertemplate="%{customdata[4]}房间 %{customdata[0]}：%{customdata[2]} ㎡，使用人 %{customdata[1]}"
                              "<br>人均 %{y:.1f} ㎡，标准 %{customdata[3]} ㎡<br>疑点 %{customdata[5]}"
                              "<extra></extra>")
    fig.add_scatter(x=[df["rank_label"].tolist(), df["room"].tolist()], y=df["standard"].tolist(),
                    mode="markers", name="标准面积",
                    marker={"symbol": "line-ew-open", "size": 16, "color": CAP, "line": {"width": 3, "color": CAP}},
                    hovertemplate="标准 %{y} ㎡<extra></extra>")
    _layout(fig, title, yaxis_title="人均使用面积（㎡）", height=460)
    fig.update_layout(legend={"orientation": "h", "y": -0.4}, margin={"b": 130})
    top = df[over].assign(excess=df["per_person"] - df["standard"]).sort_values("excess", ascending=False)
    return _meta(fig, _collect_ids(top["finding_ids"], df["finding_ids"]))


# ---------------------------------------------------------------- payroll


def payroll_reconciliation_chart(rec: pd.DataFrame) -> go.Figure:
    """Per month: people paid vs the roster's active headcount (lines), and people paid but not
    on the roster or after leaving (red bars)."""
    title = "工资发放人数与花名册核对"
    if rec.empty:
        return _nodata(title)
    x = pd.to_datetime(rec["month"]).dt.strftime("%Y-%m").tolist()
    ids = rec["finding_ids"].map(ids_text)
    fig = go.Figure()
    fig.add_bar(x=x, y=rec["not_on_roster"].tolist(), name="花名册中无此人", marker_color=FLAG,
                customdata=ids, hovertemplate="%{x}：%{y} 人<br>疑点 %{customdata}<extra></extra>")
    fig.add_bar(x=x, y=rec["after_leave"].tolist(), name="离岗后仍发放", marker_color="#e67e22",
                customdata=ids, hovertemplate="%{x}：%{y} 人<br>疑点 %{customdata}<extra></extra>")
    fig.add_scatter(x=x, y=rec["paid_people"].tolist(), name="发放人数", mode="lines+markers",
                    line={"color": BASE}, yaxis="y2")
    fig.add_scatter(x=x, y=rec["roster_active"].tolist(), name="花名册在岗人数", mode="lines",
                    line={"color": CAP, "dash": "dash"}, yaxis="y2")
    _layout(fig, title, barmode="stack", xaxis_type="category", yaxis_title="异常人数",
            yaxis_tickformat="d", yaxis_rangemode="tozero",
            yaxis2={"title": "人数", "overlaying": "y", "side": "right", "tickformat": "d",
                    "rangemode": "tozero"})
    return _meta(fig, _collect_ids(rec["finding_ids"]))


# ---------------------------------------------------------------- ledger


def benford_expected(test: str = "first") -> pd.DataFrame:
    """Benford's expected frequencies: digits 1-9 (``first``) or 10-99 (``first_two``)."""
    digits = np.arange(1, 10) if test == "first" else np.arange(10, 100)
    return pd.DataFrame({"digit": digits, "expected": np.log10(1 + 1 / digits)})


def benford_bounds(dist: pd.DataFrame, z: float = 1.96) -> pd.DataFrame:
    """One entity's distribution with the expected proportion's bounds (Nigrini's z-test:
    p ± (z·√(p(1−p)/n) + 1/(2n))), and whether the observed proportion is outside them."""
    n = dist["n"].astype(float)
    p = dist["expected"].astype(float)
    half = z * np.sqrt(p * (1 - p) / n) + 1 / (2 * n)
    out = dist.assign(lower=(p - half).clip(lower=0), upper=p + half)
    return out.assign(outside=(out["observed"] < out["lower"]) | (out["observed"] > out["upper"]))


def benford_chart(dist: pd.DataFrame, label: str = "", finding_ids: list[str] | None = None) -> go.Figure:
    """Observed digit frequencies (bars, red outside the bounds) against Benford's law (line)
    and its 95% bounds (dashed)."""
    title = f"本福特定律检验：{label}" if label else "本福特定律检验"
    if dist.empty or dist["n"].fillna(0).max() == 0:
        return _nodata(title)
    b = benford_bounds(dist.sort_values("digit"))
    n = int(b["n"].iloc[0])
    fig = go.Figure()
    fig.add_bar(x=b["digit"].tolist(), y=b["observed"].tolist(), name="实际占比",
                marker_color=[FLAG if o else BASE for o in b["outside"]],
                customdata=np.stack([b["count"], b["expected"], b["lower"], b["upper"]], axis=-1),
                hovertemplate="数字 %{x}：%{customdata[0]} 笔，实际 %{y:.2%}<br>理论 %{customdata[1]:.2%}"
                              "（区间 %{customdata[2]:.2%}–%{customdata[3]:.2%}）<extra></extra>")
    fig.add_scatter(x=b["digit"].tolist(), y=b["expected"].tolist(), name="本福特理论值",
                    mode="lines+markers", line={"color": CAP})
    fig.add_scatter(x=b["digit"].tolist(), y=b["upper"].tolist(), name="95% 上下界", mode="lines",
                    line={"color": CAP, "dash": "dash", "width": 1}, legendgroup="b")
    fig.add_scatter(x=b["digit"].tolist(), y=b["lower"].tolist(), name="下界", mode="lines",
                    line={"color": CAP, "dash": "dash", "width": 1}, legendgroup="b", showlegend=False)
    _layout(fig, f"{title}（n = {n}）", xaxis_title="首位数字" if b["digit"].max() < 10 else "前两位数字",
            yaxis_title="占比", yaxis_tickformat=".0%")
    return _meta(fig, list(finding_ids or []))


def round_amounts_chart(r: pd.DataFrame) -> go.Figure:
    """Share of whole-thousand amounts per person and counterparty against their number of
    amounts; red = cited by L04."""
    title = "整数金额占比（按个人、往来单位）"
    if r.empty:
        return _nodata(title)
    flagged = _has_ids(r["finding_ids"])
    fig = go.Figure()
    for mask, name, color in ((~flagged, "其他", BASE), (flagged, "被标记（L04）", FLAG)):
        part = r[mask]
        kind = part["entity_type"].map({"person": "个人", "vendor": "往来单位"}).fillna(part["entity_type"])
        fig.add_scatter(x=part["n"].tolist(), y=part["share"].tolist(), mode="markers", name=name,
                        marker={"color": color, "size": 9, "opacity": 0.75},
                        customdata=np.stack([kind, part["entity_key"].astype(str), part["n_round"],
                                             part["finding_ids"].map(ids_text)], axis=-1)
                        if len(part) else None,
                        hovertemplate="%{customdata[0]}「%{customdata[1]}」<br>%{customdata[2]} / %{x} 笔为整千元"
                                      "（%{y:.1%}）<br>疑点 %{customdata[3]}<extra></extra>")
    _layout(fig, title, xaxis_title="金额笔数（对数）", xaxis_type="log", yaxis_title="整千元占比",
            yaxis_tickformat=".0%")
    return _meta(fig, _collect_ids(r.loc[flagged, "finding_ids"]))


def rest_day_chart(r: pd.DataFrame) -> go.Figure:
    """Vouchers dated on rest days per month (bars, hover: holidays) and their share (line)."""
    title = "休息日、节假日记账凭证"
    if r.empty:
        return _nodata(title)
    x = pd.to_datetime(r["month"]).dt.strftime("%Y-%m").tolist()
    hol = r["holidays"].map(ids_text)
    share = (r["rest_day_vouchers"] / r["vouchers"].where(r["vouchers"] > 0)).fillna(0)
    fig = go.Figure()
    fig.add_bar(x=x, y=r["rest_day_vouchers"].tolist(), name="休息日凭证数",
                marker_color=[FLAG if ids_text(v) != "—" else BASE for v in r["finding_ids"]],
                customdata=np.stack([hol, r["rest_day_amount"], r["finding_ids"].map(ids_text)], axis=-1),
                hovertemplate="%{x}：%{y} 张，借方 %{customdata[1]:,.2f} 元<br>节日 %{customdata[0]}"
                              "<br>疑点 %{customdata[2]}<extra></extra>")
    fig.add_scatter(x=x, y=share.tolist(), name="占当月凭证比例", yaxis="y2", mode="lines+markers",
                    line={"color": CAP}, hovertemplate="%{x}：%{y:.1%}<extra></extra>")
    _layout(fig, title, xaxis_type="category", yaxis_title="凭证数",
            yaxis2={"title": "占比", "overlaying": "y", "side": "right", "tickformat": ".0%"})
    return _meta(fig, _collect_ids(r["finding_ids"]))


def december_share_chart(d: pd.DataFrame, n: int = 20) -> go.Figure:
    """December's share of each expense account's yearly spending (top ``n``) against an even
    year's 1/12; red = cited by L06."""
    title = f"年末突击花钱：12 月支出占全年比例（前 {n} 个科目·年度）"
    if d.empty:
        return _nodata(title)
    top = d.nlargest(n, "dec_share").iloc[::-1]
    flagged = _has_ids(top["finding_ids"])
    label = top["account"].astype(str) + "｜" + top["year"].astype(str)
    fig = go.Figure(go.Bar(
        y=label.tolist(), x=top["dec_share"].tolist(), orientation="h",
        marker_color=[FLAG if f else BASE for f in flagged],
        customdata=np.stack([top["december"], top["year_amount"], top["finding_ids"].map(ids_text)], axis=-1),
        hovertemplate="%{y}<br>12 月 %{customdata[0]:,.2f} 元 / 全年 %{customdata[1]:,.2f} 元 = %{x:.1%}"
                      "<br>疑点 %{customdata[2]}<extra></extra>"))
    fig.add_vline(x=1 / 12, line_dash="dash", line_color=CAP, annotation_text="均匀 1/12")
    _layout(fig, title, xaxis_title="12 月占比", xaxis_tickformat=".0%",
            height=max(320, 24 * len(top) + 140))
    return _meta(fig, _collect_ids(top.iloc[::-1]["finding_ids"]))


# ---------------------------------------------------------------- profiles


def relation_graph(edges: pd.DataFrame) -> go.Figure:
    """Staff — relatives — vendors (legal representative, shareholder, employer); red links are
    cited by P05 (related-party transactions)."""
    title = "本单位人员、亲属与供应商关系图"
    if edges.empty:
        return _nodata(title)
    return _network(edges, "source", "target", "label",
                    {"src": "source_kind", "dst": "target_kind"},
                    {"本单位人员": "#2980b9", "亲属": "#8e44ad", "供应商": "#e67e22"}, title)


# ---------------------------------------------------------------- notebook display


_LIVE = {"on": False}


# Figures carry the Plotly mimetype (JupyterLab's renderer) and HTML drawing them with a copy
# of plotly.js embedded once per notebook: a notebook exported with nbconvert (which drops
# application/vnd.plotly.v1+json) keeps its charts, offline (no CDN).
OFFLINE_RENDERER = "xuncha_offline"
NOTEBOOK_RENDERER = f"plotly_mimetype+{OFFLINE_RENDERER}"


def _register_offline_renderer() -> None:
    """plotly's ``notebook`` renderer, except that its one-time plotly.js is loaded with AMD
    ``define`` hidden: nbconvert's HTML loads require.js from a CDN when online, and plotly.js
    would then register as an AMD module instead of ``window.Plotly`` and draw nothing."""
    import plotly.io as pio
    from plotly.io._base_renderers import NotebookRenderer  # the renderer plotly ships
    from plotly.offline import get_plotlyjs

    if OFFLINE_RENDERER in pio.renderers:
        return

    class OfflineNotebookRenderer(NotebookRenderer):
        def activate(self) -> None:
            from IPython.display import HTML, display

            display(HTML(
                "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};"
                "window._xa_define = window.define; window.define = undefined;</script>"
                f"<script>{get_plotlyjs()}</script>"
                "<script>window.define = window._xa_define;</script>"))

    pio.renderers[OFFLINE_RENDERER] = OfflineNotebookRenderer(connected=False)


def use_offline_renderer() -> bool:
    """Select :data:`NOTEBOOK_RENDERER` when running in a kernel (embeds plotly.js once in
    the notebook's output). Returns whether it is in use."""
    import plotly.io as pio

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return False
    if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
        return False
    _register_offline_renderer()
    if pio.renderers.default != NOTEBOOK_RENDERER:
        pio.renderers.default = NOTEBOOK_RENDERER
    return True


def set_live(on: bool) -> None:
    """Live mode for :func:`show`: figures become :func:`drilldown` widgets (click or select
    points to see their evidence). Off for papermill/nbclient runs and saved outputs.
    Also selects the offline notebook renderer (:func:`use_offline_renderer`)."""
    _LIVE["on"] = bool(on)
    use_offline_renderer()


def show(fig: go.Figure, con=None, top: int = 3, max_rows: int = 20) -> None:
    """Display a figure and, under it, the evidence rows of its ``top`` findings (the static
    drill-down; hover shows every point's finding ids for :func:`xuncha_audit.viz.data.evidence_for`).
    In live mode (:func:`set_live`) the figure is a :func:`drilldown` widget."""
    from IPython.display import Markdown, display

    display(drilldown(fig, con) if _LIVE["on"] and con is not None else fig)
    ids = finding_ids_of(fig)[:top]
    if con is None or not ids:
        return
    from xuncha_audit.viz.data import evidence_table

    ev = evidence_table(con, ids, limit=max_rows)
    display(Markdown(f"**证据下钻：前 {len(ids)} 个疑点的证据记录**（共 {len(finding_ids_of(fig))} 个疑点）"))
    display(ev)


def point_finding_ids(fig: go.Figure, trace_index: int, point_indices: list[int]) -> list[str]:
    """Finding ids of selected points: read from the trace's customdata (last column = ids)."""
    trace = fig.data[trace_index]
    custom = trace.customdata
    if custom is None or getattr(trace, "type", "") == "heatmap":
        return []
    ids: list[str] = []
    for i in point_indices:
        row = custom[i]
        text = row[-1] if isinstance(row, list | tuple | np.ndarray) else row
        ids += [t for t in str(text).split("、") if t and t != "—"]
    return list(dict.fromkeys(ids))


def drilldown(fig: go.Figure, con, max_rows: int = 50):
    """Live drill-down: a FigureWidget whose click/box-select shows the evidence rows of the
    chosen points below it. Needs ipywidgets (and anywidget for plotly ≥ 6); without them the
    figure is returned unchanged (use :func:`show`)."""
    try:
        import ipywidgets as widgets

        # Through JSON: NaN becomes null (widget messages must be strict JSON).
        fw = go.FigureWidget(json.loads(fig.to_json()))
    except ImportError:  # ipywidgets/anywidget missing: static figure
        return fig
    from IPython.display import display

    from xuncha_audit.viz.data import evidence_table

    out = widgets.Output()

    def on_points(trace, points, _state=None):
        ids = point_finding_ids(fw, points.trace_index, list(points.point_inds))
        if not ids:
            return
        out.clear_output()
        with out:
            display(evidence_table(con, ids, limit=max_rows))

    for trace in fw.data:
        trace.on_click(on_points)
        trace.on_selection(on_points)
    return widgets.VBox([fw, out])
