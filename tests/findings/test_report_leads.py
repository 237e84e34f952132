"""The report leads: Top 10, the deduplicated total labelled, sortable/filterable tables with
a bundled script, an ordered monthly axis, validation failures first, print CSS, no <NA>."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from bs4 import BeautifulSoup
from findings_support import make_run_db

from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.report import DEDUP_LABEL, dedup_amount
from xuncha_audit.findings.triage import apply_triage
from xuncha_audit.findings.views import create_views


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # built once for the module: every test only reads the written report
    tmp_path = tmp_path_factory.mktemp("report")
    db = make_run_db(tmp_path / "run.duckdb", 1)
    con = duckdb.connect(str(db))
    # P02 cites one of P01's contracts again (same family): counted once in the headline.
    con.execute("""INSERT INTO findings SELECT 'p02dup0000000000', run_id, 'P02', '临界金额', 'medium',
        'procurement', unit, '反馈', NULL, '合同HT-2024-001金额贴近标准', 700000, 'contract',
        'HT-2024-001', period_start, period_start, '规定', NULL, NULL, '待核实', NULL
        FROM findings WHERE check_id = 'P01' AND amount = 2100000""")
    con.execute("""INSERT INTO evidence SELECT 'p02dup0000000000', 'P02', unit, source_table, record_key, record
                   FROM evidence WHERE record_key = 'HT-2024-001'""")
    con.execute("UPDATE _load_log SET message_zh = NULL")  # NULL cells must not print as <NA>
    out = tmp_path / "out"
    apply_triage(con, out / "triage.json")
    export_all(con, out, store=out / "triage.json")
    create_views(con, mask=True)
    total, _label = dedup_amount(con)
    con.close()
    text = (out / "report.html").read_text(encoding="utf-8")
    return text, BeautifulSoup(text, "html.parser"), total


def test_deduplicated_total_counts_a_record_once(report):
    _text, soup, total = report
    # plain sum: 2,100,000 + 900,000 + 1,250 + 3,200.50 + 268,000 + 700,000 (P02, same contract as P01)
    plain = 2100000 + 900000 + 1250 + 3200.50 + 268000 + 700000
    assert total == pytest.approx(plain - 700000)
    overview = soup.find(id="overview").get_text()
    assert "涉及金额（元，去重后）" in overview and f"{total:,.2f}" in overview
    assert DEDUP_LABEL in overview and f"未去重合计 {plain:,.2f}" in overview


def test_top_ten_by_severity_then_amount(report):
    _, soup, _ = report
    sec = soup.find(id="top")
    assert [s.get("id") for s in soup.find_all("section")][:2] == ["overview", "top"]
    rows = sec.find("table").find("tbody").find_all("tr")
    assert 1 <= len(rows) <= 10
    levels = [r.find_all("td")[2].get_text() for r in rows]
    assert levels == sorted(levels, key=["高", "中", "低"].index)
    amounts = [float(r.find_all("td")[5].get("data-v") or 0) for r in rows if r.find_all("td")[2].get_text() == "高"]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == 2100000
    assert re.fullmatch(r"P01-000\d", rows[0].find_all("td")[0].get_text())


def test_tables_sortable_filterable_offline(report):
    _text, soup, _ = report
    assert not soup.find_all("script", src=True) and not soup.find_all("link", href=True)
    scripts = [s.get_text() for s in soup.find_all("script") if not s.get("src")]
    bundled = scripts[-1]
    assert "table.dt" in bundled and "localeCompare" in bundled and "input" in bundled
    assert "http://" not in bundled and "https://" not in bundled
    dts = soup.select("#routes table.dt")
    assert dts and all(t.find("thead") for t in dts)
    money_cells = dts[0].select("td.num[data-v]")
    assert money_cells and all(float(c["data-v"]) >= 0 for c in money_cells)


def _figures(text):
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', text):
        data, i = dec.raw_decode(text, m.end())
        i = text.index("{", i)
        layout, _ = dec.raw_decode(text, i)
        out.append((data, layout))
    return out


def test_monthly_chart_on_a_date_axis(report):
    text, _, _ = report
    figs = {lay.get("title", {}).get("text"): (data, lay) for data, lay in _figures(text)}
    data, lay = figs["疑点涉及金额月度分布"]
    assert lay["xaxis"]["type"] == "date"
    for trace in data:
        assert trace["x"] == sorted(trace["x"])
    assert "各领域疑点数（按风险等级）" in figs and len(figs["各领域疑点数（按风险等级）"][0]) <= 3


def test_quality_failures_first_passed_folded_no_na(report):
    text, soup, _ = report
    assert "<NA>" not in text and "&lt;NA&gt;" not in text and ">nan<" not in text
    q = soup.find(id="quality")
    h3 = [h.get_text() for h in q.find_all("h3")]
    assert "数据校验：1 条未通过或未执行，1 条通过" in h3
    failed_table = q.find("h3", string=re.compile("数据校验")).find_next("table")
    assert "未通过" in failed_table.get_text() and "通过的" not in failed_table.get_text()
    details = [d for d in q.find_all("details") if "通过的 1 条校验规则" in d.summary.get_text()]
    assert details and not details[0].has_attr("open")


def test_print_css_hides_toolbars_and_navigation(report):
    text, _, _ = report
    css = text[text.index("@media print"): text.index("</style>")]
    assert ".modebar" in css and "nav" in css and "display:none" in css
