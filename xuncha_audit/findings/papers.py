"""Word working papers: 巡察工作底稿, 问题线索移交单 and a draft 巡察报告 findings section.

``xuncha-audit papers OUT [--finding ID] [--check CODE]`` reads the run database of ``OUT``
(``OUT/xuncha.duckdb`` unless ``--db``) and writes into ``OUT/底稿/``:

- ``<序号>_巡察工作底稿.docx`` and ``<序号>_问题线索移交单.docx`` per finding (with
  ``--finding``/``--check``, only those; without, the findings of every check);
- ``<检查代码>_巡察工作底稿.docx`` per check: every finding of the check, one per page;
- ``巡察报告问题部分（草稿）.docx``: findings grouped by area, one item per check with its
  count, amount, examples and the regulation it cites.

The documents come from templates the team can edit in Word (docxtpl: Jinja tags such as
``{{ f.title }}``, ``{%tr for e in f.evidence %}``). They are written by
:func:`build_templates` into ``OUT/模板/`` the first time and read from there afterwards
(or from ``--templates DIR``), so a team edits its own copy once and every later run uses it.
Personal data is masked as in the other exports unless ``--no-mask``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from xuncha_audit.db import of
from xuncha_audit.errors import XunchaError

TEMPLATE_PAPER = "巡察工作底稿.docx"
TEMPLATE_REFERRAL = "问题线索移交单.docx"
TEMPLATE_REPORT = "巡察报告问题部分.docx"
TEMPLATES = (TEMPLATE_PAPER, TEMPLATE_REFERRAL, TEMPLATE_REPORT)
PAPERS_DIR = "底稿"
TEMPLATES_DIR = "模板"
EVIDENCE_ROWS = 50  # evidence rows per finding in a paper; the rest: evidence.parquet / DuckDB
EXAMPLES_PER_CHECK = 3
# Receiving body of a referral, by route code.
RECEIVER = {"纪检监察": "纪检监察机关", "组织人事": "组织人事部门", "反馈": "被巡察单位党组织"}
BODY_FONT, TITLE_FONT = "仿宋_GB2312", "方正小标宋简体"


# --------------------------------------------------------------------------- templates


def _font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _doc():
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin = sec.bottom_margin = Cm(2.2)
    st = d.styles["Normal"]
    st.font.name = BODY_FONT
    st.font.size = Pt(12)
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    st.paragraph_format.space_after = Pt(3)
    return d


def _title(d, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), TITLE_FONT, 20, True)


def _heading(d, text: str) -> None:
    p = d.add_paragraph()
    _font(p.add_run(text), "黑体", 13, True)


def _para(d, text: str, *, size: float | None = None, bold: bool = False, indent: bool = False):
    from docx.shared import Pt

    p = d.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    _font(p.add_run(text), BODY_FONT, size, bold)
    return p


def _tag(d, tag: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p ... %}); removed when rendered."""
    d.add_paragraph(tag)


def _grid(table) -> None:
    table.style = "Table Grid"


def _widths(table, cms: list[float]) -> None:
    from docx.shared import Cm

    table.autofit = False
    for col, w in zip(table.columns, cms, strict=False):
        col.width = Cm(w)  # the grid (LibreOffice, WPS) ...
    for row in table.rows:  # ... and every cell (Word)
        for cell, w in zip(row.cells, cms, strict=False):
            cell.width = Cm(w)


def _kv_table(d, rows: list[tuple[str, str, str, str]]) -> None:
    """Two label/value pairs per row."""
    t = d.add_table(rows=len(rows), cols=4)
    _grid(t)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            cell = t.cell(i, j)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 10.5, j % 2 == 0)
    _widths(t, [2.9, 5.4, 2.6, 5.7])


def _evidence_table(d) -> None:
    heads = ["序号", "来源", "记录编号", "日期", "金额（元）", "人员", "对方单位", "摘要"]
    t = d.add_table(rows=3, cols=len(heads))
    _grid(t)
    for j, h in enumerate(heads):
        t.cell(0, j).text = ""
        _font(t.cell(0, j).paragraphs[0].add_run(h), BODY_FONT, 9, True)
    t.cell(1, 0).text = "{%tr for e in f.evidence %}"
    for j, key in enumerate(["no", "source", "key", "date", "amount", "person", "party", "summary"]):
        t.cell(2, j).text = ""
        _font(t.cell(2, j).paragraphs[0].add_run("{{ e." + key + " }}"), BODY_FONT, 9)
    row = t.add_row()
    row.cells[0].text = "{%tr endfor %}"
    _widths(t, [1.2, 1.6, 2.4, 2.3, 2.2, 1.5, 2.7, 2.7])


def _signatures(d, lines: list[str]) -> None:
    for line in lines:
        _para(d, line)


def _page_break(d) -> None:
    from docx.enum.text import WD_BREAK

    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _paper_template():
    d = _doc()
    _tag(d, "{%p for f in findings %}")
    _tag(d, "{%p if not loop.first %}")
    _page_break(d)
    _tag(d, "{%p endif %}")
    _title(d, "巡察工作底稿")
    _para(d, "{{ team }}　　　　底稿编号：{{ f.short_no }}　　　　密级：巡察工作秘密", size=10.5)
    _kv_table(d, [
        ("被巡察单位", "{{ f.unit }}", "疑点编号", "{{ f.finding_id }}"),
        ("检查事项", "{{ f.check }}", "所属领域", "{{ f.area }}"),
        ("风险等级", "{{ f.severity }}", "涉及期间", "{{ f.period }}"),
        ("涉及金额（元）", "{{ f.amount }}", "涉及人员", "{{ f.persons }}"),
        ("建议移送去向", "{{ f.route }}", "核实状态", "{{ f.status }}"),
    ])
    _heading(d, "一、问题事实")
    _para(d, "{{ f.title }}", indent=True)
    _para(d, "检查口径：{{ f.what }}", indent=True, size=10.5)
    _heading(d, "二、定性依据")
    _para(d, "{{ f.regulation }}", indent=True)
    _para(d, "{{ f.why }}", indent=True, size=10.5)
    _heading(d, "三、证据清单")
    _para(d, "{{ f.evidence_note }}", size=10.5)
    _evidence_table(d)
    _heading(d, "四、涉及金额")
    _para(d, "{{ f.amount_text }}", indent=True)
    _heading(d, "五、核实意见")
    _para(d, "被巡察单位说明：{{ f.note }}")
    for _ in range(4):
        _para(d, "＿" * 36)
    _signatures(d, [
        "编制人（签名）：＿＿＿＿＿＿　　　　日期：　　年　　月　　日",
        "复核人（签名）：＿＿＿＿＿＿　　　　日期：　　年　　月　　日",
        "巡察组组长审核意见：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿",
        "组长（签名）：＿＿＿＿＿＿　　　　　日期：　　年　　月　　日",
    ])
    _para(d, "生成：xuncha-audit {{ generated_at }}（北京时间）。本底稿由疑点分析结果生成，所列事实须经核实后方可定性。",
          size=9)
    _tag(d, "{%p endfor %}")
    return d


def _referral_template():
    d = _doc()
    _tag(d, "{%p for f in findings %}")
    _tag(d, "{%p if not loop.first %}")
    _page_break(d)
    _tag(d, "{%p endif %}")
    _title(d, "问题线索移交单")
    _para(d, "{{ team }}　　　　编号：{{ f.short_no }}　　　　密级：巡察工作秘密", size=10.5)
    _kv_table(d, [
        ("移交单位", "{{ team }}", "接收单位", "{{ f.receiver }}"),
        ("被巡察单位", "{{ f.unit }}", "疑点编号", "{{ f.finding_id }}"),
        ("涉及人员", "{{ f.persons }}", "涉及金额（元）", "{{ f.amount }}"),
        ("问题类别", "{{ f.check }}", "涉及期间", "{{ f.period }}"),
    ])
    _heading(d, "一、问题线索摘要")
    _para(d, "{{ f.title }}", indent=True)
    _heading(d, "二、主要事实及依据")
    _para(d, "{{ f.what }}", indent=True)
    _para(d, "依据：{{ f.regulation }}", indent=True)
    _heading(d, "三、所附证据")
    _para(d, "{{ f.evidence_note }}", size=10.5)
    _evidence_table(d)
    _heading(d, "四、移交意见")
    for _ in range(3):
        _para(d, "＿" * 36)
    _signatures(d, [
        "移交人（签名）：＿＿＿＿＿＿　　　　日期：　　年　　月　　日",
        "巡察组组长（签名）：＿＿＿＿＿＿　　日期：　　年　　月　　日",
        "接收人（签名）：＿＿＿＿＿＿　　　　日期：　　年　　月　　日",
    ])
    _para(d, "本移交单一式两份，移交单位和接收单位各执一份。", size=9)
    _tag(d, "{%p endfor %}")
    return d


def _report_template():
    d = _doc()
    _title(d, "巡察报告 · 发现的主要问题（草稿）")
    _para(d, "{{ team }}　　{{ units }}　　生成：{{ generated_at }}（北京时间）", size=10.5)
    _para(d, "本节由疑点分析结果自动起草，共 {{ n_findings }} 个疑点，涉及金额 {{ total_amount }} 元"
             "（{{ amount_label }}）。所列问题须经核实后方可写入正式报告。", indent=True)
    _tag(d, "{%p for a in areas %}")
    _heading(d, "{{ a.number }}{{ a.name }}方面")
    _tag(d, "{%p for c in a.checks %}")
    _para(d, "{{ c.number }}. {{ c.name }}。共发现疑点 {{ c.n }} 个{{ c.amount_text }}。", indent=True)
    _tag(d, "{%p for x in c.examples %}")
    _para(d, "如：{{ x }}", indent=True, size=11)
    _tag(d, "{%p endfor %}")
    _para(d, "上述问题不符合{{ c.regulation }}的规定。", indent=True)
    _tag(d, "{%p endfor %}")
    _tag(d, "{%p endfor %}")
    return d


def build_templates(folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write the default templates into ``folder`` (existing ones are kept unless
    ``overwrite``). Returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    makers = {TEMPLATE_PAPER: _paper_template, TEMPLATE_REFERRAL: _referral_template,
              TEMPLATE_REPORT: _report_template}
    out = []
    for name, make in makers.items():
        p = folder / name
        if overwrite or not p.exists():
            make().save(str(p))
        out.append(p)
    return out


# --------------------------------------------------------------------------- data


def _money(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    return f"{float(v):,.2f}"


def _s(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if isinstance(v, (dt.date, pd.Timestamp)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    return str(v)


def _period(a, b) -> str:
    a, b = _s(a), _s(b)
    if not a and not b:
        return "—"
    return a if a == b or not b else f"{a} 至 {b}"


def _specs() -> dict:
    from xuncha_audit.engine.registry import default_registry

    return {s.code: s for s in default_registry()}


def _select(con, finding: list[str] | None, check: list[str] | None) -> pd.DataFrame:
    from xuncha_audit.findings.numbers import NUMBERS_TABLE

    f = of(con).fetch_df(f"""
        SELECT x.*, n.short_no FROM _x_findings x LEFT JOIN {NUMBERS_TABLE} n USING (finding_id, check_id)
        ORDER BY x.check_id, n.short_no""")
    if finding:
        wanted = {v.strip() for v in finding}
        hit = f["finding_id"].isin(wanted) | f["short_no"].isin(wanted)
        missing = wanted - set(f.loc[hit, "finding_id"]) - set(f.loc[hit, "short_no"])
        if missing:
            raise XunchaError(f"没有这些疑点：{'、'.join(sorted(missing))}（可用疑点编号或序号，如 P01-0001）",
                              f"unknown findings: {sorted(missing)}")
        f = f[hit]
    if check:
        codes = {c.strip().upper() for c in check}
        unknown = codes - set(_specs())
        if unknown:
            raise XunchaError(f"未知的检查编号：{'、'.join(sorted(unknown))}", f"unknown checks {sorted(unknown)}")
        f = f[f["check_id"].isin(codes)]
    return f


def _evidence(con, finding_ids: list[str]) -> dict[str, tuple[list[dict], int]]:
    be = of(con)
    if not finding_ids:
        return {}
    be.execute("CREATE OR REPLACE TEMP TABLE _p_ids (finding_id VARCHAR)")
    be.execute_many("INSERT INTO _p_ids VALUES (?)", [[i] for i in finding_ids])
    df = be.fetch_df(f"""
        SELECT * FROM (
            SELECT e.*, row_number() OVER (PARTITION BY finding_id ORDER BY source_title, record_key) AS rn,
                   count(*) OVER (PARTITION BY finding_id) AS total
            FROM _x_evidence e WHERE finding_id IN (SELECT finding_id FROM _p_ids))
        WHERE rn <= {EVIDENCE_ROWS} ORDER BY finding_id, rn""")
    out: dict[str, tuple[list[dict], int]] = {}
    for fid, g in df.groupby("finding_id", sort=False):
        rows = []
        for r in g.itertuples(index=False):
            rows.append({"no": int(r.rn), "source": _s(r.source_title), "key": _s(r.record_key),
                         "date": _s(r.record_date), "amount": "" if pd.isna(r.record_amount) else _money(r.record_amount),
                         "person": _s(r.record_person), "party": _s(r.record_party),
                         "summary": _s(r.record_summary)})
        out[fid] = (rows, int(g["total"].iloc[0]))
    return out


def _context_finding(row, spec, evidence) -> dict:
    rows, total = evidence.get(row.finding_id, ([], 0))
    if total > len(rows):
        note = (f"共 {total} 条证据，以下列出前 {len(rows)} 条；完整证据见输出目录的 evidence.parquet / "
                f"evidence.csv，或在 DuckDB 中查询 SELECT * FROM evidence WHERE finding_id = '{row.finding_id}'。")
    else:
        note = f"共 {total} 条证据。"
    amount = row.amount
    amount_text = (f"涉及金额 {_money(amount)} 元（按检查规则计算的风险金额，须经核实确认）。"
                   if amount is not None and not pd.isna(amount) else "本疑点不涉及可计算的金额。")
    route_code = row.route_code if isinstance(row.route_code, str) else (spec.route if spec else "")
    return {
        "finding_id": row.finding_id, "short_no": _s(row.short_no), "unit": _s(row.unit),
        "check": f"{row.check_id} {_s(row.check_name)}", "check_id": row.check_id,
        "area": _s(row.area_zh), "severity": _s(row.severity_zh),
        "period": _period(row.period_start, row.period_end), "amount": _money(amount),
        "amount_text": amount_text, "persons": _s(row.persons) or "—", "route": _s(row.route),
        "receiver": RECEIVER.get(route_code, _s(row.route)), "status": _s(row.status),
        "note": _s(row.note), "title": _s(row.title),
        "what": (spec.what_zh.strip() if spec and spec.what_zh else ""),
        "why": (spec.why_zh.strip() if spec and spec.why_zh else ""),
        "regulation": _s(row.regulation) or (spec.regulation if spec else ""),
        "evidence": rows, "evidence_note": note,
    }


def _amount_label(con) -> tuple[float, str]:
    """The headline amount: deduplicated by evidence record when the evidence can say so."""
    from xuncha_audit.findings.report import dedup_amount

    return dedup_amount(con)


_AREA_NUMBERS = "一二三四五六七八九十"


def _report_context(con, f: pd.DataFrame, specs: dict, base: dict) -> dict:
    from xuncha_audit.vocabulary import AREAS

    areas = []
    area_order = list(AREAS)
    for i, area in enumerate(sorted(f["area"].dropna().unique(), key=lambda a: area_order.index(a)
                                    if a in area_order else 99)):
        part = f[f["area"] == area]
        checks = []
        for j, (cid, g) in enumerate(sorted(part.groupby("check_id"), key=lambda kv: -len(kv[1])), start=1):
            spec = specs.get(cid)
            g = g.assign(_a=g["amount"].astype(float)).sort_values(["_sev_rank", "_a"], ascending=[False, False])
            examples = [f"{_s(r.title)}（{_s(r.short_no)}）" for r in g.head(EXAMPLES_PER_CHECK).itertuples()]
            cited = sorted(set(g["regulation"].dropna()) - {""})
            regs = "；".join(cited) if cited else (spec.regulation if spec else "有关规定")
            checks.append({"number": j, "name": _s(g["check_name"].iloc[0]), "n": len(g),
                           "amount_text": f"，涉及金额 {_money(g['_a'].sum())} 元" if g["_a"].notna().any() else "",
                           "what": (spec.what_zh.strip() if spec and spec.what_zh else ""),
                           "examples": examples, "regulation": regs})
        num = _AREA_NUMBERS[i] if i < len(_AREA_NUMBERS) else str(i + 1)
        areas.append({"number": f"（{num}）", "name": AREAS.get(area, ("", area))[1], "checks": checks})
    total, label = _amount_label(con)
    return {**base, "areas": areas, "n_findings": len(f), "total_amount": _money(total),
            "amount_label": label}


def write_papers(con, out_dir: str | Path, *, finding: list[str] | None = None,
                 check: list[str] | None = None, templates: str | Path | None = None,
                 store=None, mask: bool = True, team: str = "巡察组",
                 per_finding: bool | None = None) -> dict:
    """Write the papers into ``out_dir/底稿``; returns ``{"files": [...], "findings": n}``.

    ``per_finding``: per-finding documents (default: yes when ``finding`` or ``check`` narrows
    the selection, else only the per-check papers and the report draft).
    """
    from docxtpl import DocxTemplate

    from xuncha_audit.findings.export import units_text
    from xuncha_audit.findings.numbers import create_numbers
    from xuncha_audit.findings.views import create_views
    from xuncha_audit.findings.workbook import beijing_now

    if not of(con).exists("findings"):
        raise XunchaError("数据库中没有疑点表（findings），请先运行检查", "no findings table in the database")
    out_dir = Path(out_dir)
    tdir = Path(templates) if templates else out_dir / TEMPLATES_DIR
    if templates and not tdir.is_dir():
        raise XunchaError("模板目录不存在", "template folder not found", file=str(tdir))
    build_templates(tdir)  # fills in missing ones; the team's edited copies are kept
    create_views(con, mask=mask)
    create_numbers(con, store)
    _overlay_store(con, store, mask)
    f = _select(con, finding, check)
    if f.empty:
        raise XunchaError("没有符合条件的疑点，未生成底稿", "no findings selected")
    specs = _specs()
    evidence = _evidence(con, f["finding_id"].tolist())
    units = units_text(sorted(f["unit"].dropna().unique()))
    base = {"team": team, "generated_at": beijing_now().strftime("%Y-%m-%d %H:%M"), "units": units}
    ctx = {r.finding_id: _context_finding(r, specs.get(r.check_id), evidence) for r in f.itertuples(index=False)}
    dest = out_dir / PAPERS_DIR
    dest.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []

    def render(template: str, context: dict, name: str) -> None:
        try:
            doc = DocxTemplate(str(tdir / template))
            doc.render(context, autoescape=True)
        except Exception as exc:  # a template edited into invalid Jinja
            raise XunchaError(f"模板无法使用：{exc}", f"template error: {exc!r}", file=str(tdir / template)) from exc
        path = dest / _safe(name)
        doc.save(str(path))
        files.append(path)

    if per_finding is None:
        per_finding = bool(finding or check)
    if per_finding:
        for fc in ctx.values():
            stem = fc["short_no"] or fc["finding_id"]
            render(TEMPLATE_PAPER, {**base, "findings": [fc]}, f"{stem}_巡察工作底稿.docx")
            render(TEMPLATE_REFERRAL, {**base, "findings": [fc]}, f"{stem}_问题线索移交单.docx")
    for cid, g in f.groupby("check_id", sort=True):
        items = [ctx[i] for i in g["finding_id"]]
        render(TEMPLATE_PAPER, {**base, "findings": items}, f"{cid}_巡察工作底稿.docx")
    if not finding:
        render(TEMPLATE_REPORT, _report_context(con, f, specs, base), "巡察报告问题部分（草稿）.docx")
    return {"files": files, "findings": len(f), "folder": dest, "templates": tdir}


def _overlay_store(con, store, mask: bool) -> None:
    """Status, note and route as the triage store holds them now (set or imported after the
    run), not as the run's database recorded them."""
    be = of(con)
    from xuncha_audit.findings.labels import ROUTES
    from xuncha_audit.findings.masking import mask_sql
    from xuncha_audit.findings.triage import TriageStore
    from xuncha_audit.findings.views import _case

    if store is None:
        return
    st = store if isinstance(store, TriageStore) else TriageStore(store)
    if not st.exists():
        return
    st.load_into(con, "_p_store")
    note = mask_sql("s.note") if mask else "s.note"
    code = "coalesce(s.route, s.default_route, x.route_code)"
    be.execute(f"""UPDATE _x_findings x SET status = coalesce(s.status, x.status), note = {note},
                    route_code = {code}, route = {_case(code, ROUTES)}
                    FROM _p_store s WHERE s.finding_id = x.finding_id""")
    be.execute("DROP TABLE _p_store")


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|]', "_", name)


def docx_text(path: str | Path) -> str:
    """All text of a .docx (paragraphs and table cells, in order) — for tests and checks."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    d = Document(str(path))
    parts = []
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(Paragraph(child, d).text)
        elif tag == "tbl":
            for row in Table(child, d).rows:
                parts.append("\t".join(c.text for c in row.cells))
    return "\n".join(parts)
