"""``report.html``: a self-contained report (Plotly JS inlined, opens offline, no external
script, style or font). Sections: 概览, 疑点分布, 按移送去向, 涉及金额, 重点对象,
领导干部画像 (one section per leading cadre), 已消失疑点, 数据质量, 运行信息.
Every value is HTML-escaped; data comes from the masked ``_x_*`` views.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs as _get_plotlyjs

from xuncha_audit import viz
from xuncha_audit.findings.labels import ROUTES, SEVERITY_ZH
from xuncha_audit.findings.views import table_exists

MAX_ROWS_PER_ROUTE = 300

CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
nav{background:#fff;border-bottom:1px solid #ddd;padding:8px 32px;position:sticky;top:0;z-index:5}
nav a{margin-right:16px;color:#1f4e79;text-decoration:none;font-size:14px}
main{padding:8px 32px 40px}section{background:#fff;margin:16px 0;padding:16px 20px;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:18px;color:#1f4e79;margin-top:0}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#ddebf7}td.num{text-align:right;white-space:nowrap}.nw{white-space:nowrap}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:22px;color:#1f4e79}.muted{color:#777;font-size:12px}
.sev-high{color:#c0392b;font-weight:bold}.sev-medium{color:#e67e22}.sev-low{color:#7f8c8d}
.cadre{border-left:4px solid #1f4e79;padding-left:12px;margin:18px 0}
"""


@cache
def get_plotlyjs() -> str:
    """plotly.min.js (~4.7 MB), read once per process."""
    return _get_plotlyjs()


def esc(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    return html.escape(str(v), quote=True)


def money(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return f"{float(v):,.2f}"


def fig_html(fig) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False,
                       config={"displaylogo": False, "responsive": True})


NOWRAP = {"finding_id", "check_id", "severity_zh", "unit", "status", "mark", "subject_type_zh",
          "name", "table_name", "column", "result", "file", "sheet"}


def table_html(df: pd.DataFrame, columns: dict[str, str], money_cols=(), num_cols=()) -> str:
    if df.empty:
        return '<p class="muted">无</p>'
    head = "".join(f'<th class="nw">{esc(h)}</th>' if c in NOWRAP else f"<th>{esc(h)}</th>"
                   for c, h in columns.items())
    body = []
    for row in df[list(columns)].itertuples(index=False, name=None):
        cells = []
        for col, v in zip(columns, row, strict=True):
            if col in money_cols:
                cells.append(f'<td class="num">{money(v)}</td>')
            elif col in num_cols:
                cells.append(f'<td class="num">{esc(v)}</td>')
            elif col == "severity_zh":
                sev = {"高": "high", "中": "medium", "低": "low"}.get(v, "")
                cells.append(f'<td class="nw sev-{sev}">{esc(v)}</td>')
            elif col in NOWRAP:
                cells.append(f'<td class="nw">{esc(v)}</td>')
            else:
                cells.append(f"<td>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


FINDING_TABLE = {"finding_id": "疑点编号", "check_id": "检查", "severity_zh": "等级", "unit": "单位",
                 "title": "疑点描述", "amount": "金额（元）", "status": "核实状态", "mark": "本次变化",
                 "note": "备注"}


DEDUP_LABEL = ("去重后：同一领域内同一条证据记录只计一次（疑点金额按其证据记录平均分摊，"
               "一条记录被多个疑点引用时取其中最大的一份）")


def dedup_amount(con) -> tuple[float, str]:
    """The headline amount, deduplicated by evidence record, and its label.

    Within an area (a family of checks citing the same kind of records: P01, P02 and P06
    cite the same contracts), each finding's amount is spread evenly over its evidence
    records; a record cited by several findings counts once, with its largest share.
    Findings without evidence records count with their own amount. Never more than the plain
    sum of the findings' amounts. The one place this total is computed (report, papers).
    """
    row = con.execute("""
        WITH f AS (SELECT finding_id, area, CAST(amount AS DOUBLE) AS amount FROM _x_findings
                   WHERE amount IS NOT NULL),
        e AS (SELECT DISTINCT finding_id, source_table, record_key FROM _x_evidence),
        n AS (SELECT finding_id, count(*) AS k FROM e GROUP BY finding_id),
        shares AS (SELECT f.area, e.source_table, e.record_key, max(f.amount / n.k) AS share
                   FROM f JOIN e USING (finding_id) JOIN n USING (finding_id)
                   GROUP BY ALL)
        SELECT coalesce((SELECT sum(share) FROM shares), 0)
             + coalesce((SELECT sum(amount) FROM f WHERE finding_id NOT IN (SELECT finding_id FROM n)), 0)
    """).fetchall()[0]
    return float(row[0] or 0), DEDUP_LABEL


def write_report(con, path: Path, *, profiles: pd.DataFrame, cadres: pd.DataFrame, info: dict,
                 manifest_preview: dict) -> list[str]:
    """Write the report; returns the section ids (for tests and the manifest)."""
    f = con.execute("SELECT * FROM _x_findings").df()
    gone = con.execute("SELECT * FROM _x_gone").df()
    sections: list[tuple[str, str, str]] = []

    # 概览
    total_amount = float(f["amount"].astype(float).sum()) if len(f) else 0.0
    cards = [("疑点总数", len(f)), ("涉及金额（元）", money(total_amount))]
    for sev in ("high", "medium", "low"):
        cards.append((f"{SEVERITY_ZH[sev]}风险", int((f["severity"] == sev).sum()) if len(f) else 0))
    for mark in ("新增", "内容变化", "重现"):
        if len(f) and (f["mark"] == mark).any():
            cards.append((mark, int((f["mark"] == mark).sum())))
    cards.append(("已消失", len(gone)))
    info_rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in info.items())
    sections.append(("overview", "概览",
                     '<div class="cards">' + "".join(f'<div class="card">{esc(k)}<b>{esc(v)}</b></div>'
                                                     for k, v in cards) + "</div>"
                     + f"<h3>运行信息</h3><table>{info_rows}</table>"))

    # 疑点分布
    sections.append(("distribution", "疑点分布",
                     fig_html(viz.findings_by_area_check(f)) + fig_html(viz.findings_by_severity_route(f))))

    # 按移送去向
    parts = []
    for code, name in ROUTES.items():
        part = f[f["route_code"] == code] if len(f) else f
        amount = money(part["amount"].astype(float).sum()) if len(part) else "0.00"
        shown = part.head(MAX_ROWS_PER_ROUTE)
        more = (f'<p class="muted">仅显示前 {MAX_ROWS_PER_ROUTE} 条，完整清单见 findings.xlsx。</p>'
                if len(part) > MAX_ROWS_PER_ROUTE else "")
        parts.append(f'<h3 id="route-{esc(code)}">{esc(name)}（{len(part)} 个，{amount} 元）</h3>'
                     + table_html(shown, FINDING_TABLE, money_cols=("amount",)) + more)
    other = f[~f["route_code"].isin(list(ROUTES))] if len(f) else f
    if len(other):
        parts.append("<h3>未定去向</h3>" + table_html(other, FINDING_TABLE, money_cols=("amount",)))
    sections.append(("routes", "按移送去向", "".join(parts)))

    # 涉及金额
    sections.append(("amounts", "涉及金额",
                     fig_html(viz.amount_by_check(f)) + fig_html(viz.spending_timeline(f))))

    # 重点对象
    top_cols = {"subject_type_zh": "类型", "name": "名称", "unit": "单位", "findings": "疑点数",
                "amount": "金额（元）", "risk_score": "风险评分", "checks": "涉及检查", "roles": "角色"}
    sections.append(("entities", "重点对象（人员与供应商）",
                     fig_html(viz.top_entities(profiles))
                     + table_html(profiles.head(30), top_cols, money_cols=("amount",),
                                  num_cols=("findings", "risk_score"))
                     + '<p class="muted">风险评分 = Σ风险等级权重（高3、中2、低1）+ ln(1 + 金额/1万元) + 0.5×(涉及检查数−1)。</p>'))

    # 领导干部画像
    cadre_parts = []
    if cadres.empty:
        cadre_parts.append('<p class="muted">未提供人员花名册（staff），无法识别领导干部。</p>')
    for n, row in enumerate(cadres.itertuples(index=False), start=1):
        ids = [i for i in str(row.finding_ids or "").split("、") if i]
        mine = f[f["finding_id"].isin(ids)] if ids else f.iloc[0:0]
        head = (f'<div class="cadre" id="cadre-{n}"><h3>{esc(row.name)}（{esc(row.unit)}，{esc(row.position)}，'
                f"{esc(row.rank)}）</h3>"
                f"<p>涉及疑点 {int(row.findings)} 个，涉及金额 {money(row.amount)} 元，"
                f"风险评分 {esc(row.risk_score)}；角色：{esc(row.roles)}；领域：{esc(row.areas)}</p>")
        if len(mine):
            body = fig_html(viz.profile_chart(mine, str(row.name))) + table_html(
                mine, FINDING_TABLE, money_cols=("amount",))
        else:
            body = '<p class="muted">本次未发现涉及该干部的疑点。</p>'
        cadre_parts.append(head + body + "</div>")
    sections.append(("cadres", "领导干部画像", "".join(cadre_parts)))

    # 已消失疑点
    sections.append(("gone", "已消失疑点（以前发现、本次不再出现）",
                     table_html(gone, {"finding_id": "疑点编号", "check_id": "检查", "unit": "单位",
                                       "title": "疑点描述", "amount": "金额（元）", "status": "核实状态",
                                       "note": "备注"}, money_cols=("amount",))))

    # 数据质量
    dq = []
    if table_exists(con, "_load_log"):
        ll = con.execute("SELECT * FROM _load_log ORDER BY file, sheet").df()
        dq.append(fig_html(viz.data_quality(ll)))
        dq.append(table_html(ll, {"file": "文件", "sheet": "工作表", "table_name": "数据表",
                                  "rows_read": "读取", "rows_loaded": "入库",
                                  "rows_quarantined": "隔离", "status": "状态", "message_zh": "说明"},
                             num_cols=("rows_read", "rows_loaded", "rows_quarantined")))
    if table_exists(con, "_validation"):
        v = con.execute("""SELECT table_name, "column", description_zh, severity,
                             CASE WHEN success IS NULL THEN '未执行' WHEN success THEN '通过' ELSE '未通过' END AS result, unexpected_count
                           FROM _validation ORDER BY success, table_name""").df()
        dq.append("<h3>数据校验</h3>" + table_html(v, {"table_name": "数据表", "column": "列",
                  "description_zh": "校验内容", "severity": "严重程度", "result": "结果",
                  "unexpected_count": "异常行数"}, num_cols=("unexpected_count",)))
    sections.append(("quality", "数据质量", "".join(dq) or '<p class="muted">无导入记录</p>'))

    # 运行信息
    checks = manifest_preview.get("checks", [])
    cdf = pd.DataFrame(checks) if checks else pd.DataFrame(columns=["check_id", "status", "seconds", "findings", "error"])
    sections.append(("run", "运行信息（检查执行情况）",
                     table_html(cdf, {"check_id": "检查", "status": "状态", "seconds": "耗时（秒）",
                                      "findings": "疑点数", "error": "说明"},
                                num_cols=("seconds", "findings"))))

    nav = "".join(f'<a href="#{sid}">{esc(title.split("（")[0])}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(title)}</h2>{content}</section>'
                   for sid, title, content in sections)
    doc = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>巡察财务疑点分析报告</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>巡察财务疑点分析报告</h1><div class="muted" style="color:#dde">{esc(info.get("生成时间", ""))}
　本报告含巡察工作秘密，注意保密。</div></header>
<nav>{nav}</nav><main>{body}</main></body></html>"""
    path.write_text(doc, encoding="utf-8")
    return [sid for sid, _, _ in sections]
