"""Word working papers read back: 底稿, 移交单, report draft, the CLI, an edited template."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from docx import Document
from findings_support import ID_NUMBER, fid, make_run_db
from typer.testing import CliRunner

from xuncha_audit.cli import app
from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.papers import (
    PAPERS_DIR,
    TEMPLATE_PAPER,
    TEMPLATES_DIR,
    docx_text,
    write_papers,
)
from xuncha_audit.findings.triage import apply_triage, set_triage

U1, U2 = "市交通运输局", "市林业局"
P01 = fid("P01", U1, [f"contracts:HT-2024-00{i}" for i in (1, 2, 3)])
H02 = fid("H02", U2, ["staff:S-003"])


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    # the run and its export are built once per module; each test works on its own copy
    out = tmp_path_factory.mktemp("papers") / "out"
    db = make_run_db(out / "xuncha.duckdb", 1)
    con = duckdb.connect(str(db))
    apply_triage(con, out / "triage.json")
    export_all(con, out, store=out / "triage.json")
    con.close()
    set_triage(out / "triage.json", P01, note="已调取合同原件")
    return out


@pytest.fixture
def run_out(_built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(_built, out)
    return out


def _papers(out, **kw):
    con = duckdb.connect(str(out / "xuncha.duckdb"))
    try:
        return write_papers(con, out, store=out / "triage.json", **kw)
    finally:
        con.close()


def test_paper_and_referral_per_finding(run_out):
    res = _papers(run_out, finding=[P01])
    names = sorted(p.name for p in res["files"])
    no = names[0].split("_")[0]
    assert names == [f"{no}_巡察工作底稿.docx", f"{no}_问题线索移交单.docx", "P01_巡察工作底稿.docx"]
    assert no in ("P01-0001", "P01-0002")
    # A short number selects the same finding.
    assert sorted(p.name for p in _papers(run_out, finding=[no])["files"]) == names
    text = docx_text(run_out / PAPERS_DIR / f"{no}_巡察工作底稿.docx")
    for expected in ("巡察工作底稿", f"底稿编号：{no}", "市交通运输局", "P01 拆分规避招标", "一、问题事实",
                     "长沙甲科技在180天内签订3份合同", "二、定性依据", "《政府采购法》第四十一条",
                     "三、证据清单", "共 3 条证据", "HT-2024-001", "HT-2024-003", "700,000.00",
                     "四、涉及金额", "2,100,000.00", "五、核实意见", "编制人（签名）", "复核人（签名）",
                     "移送纪检监察机关", "2024-01-05 至 2024-03-01"):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    # The evidence table: header + one row per record.
    d = Document(str(run_out / PAPERS_DIR / f"{no}_巡察工作底稿.docx"))
    ev = next(t for t in d.tables if t.cell(0, 0).text == "序号")
    assert [r.cells[2].text for r in ev.rows[1:]] == ["HT-2024-001", "HT-2024-002", "HT-2024-003"]
    ref = docx_text(run_out / PAPERS_DIR / f"{no}_问题线索移交单.docx")
    for expected in ("问题线索移交单", "接收单位\t纪检监察机关", "一、问题线索摘要", "四、移交意见",
                     "移交人（签名）", "接收人（签名）"):
        assert expected in ref, expected


def test_per_check_paper_and_report_draft(run_out):
    res = _papers(run_out, check=["P01", "H02"])
    names = {p.name for p in res["files"]}
    assert {"P01_巡察工作底稿.docx", "H02_巡察工作底稿.docx", "巡察报告问题部分（草稿）.docx"} <= names
    p01 = docx_text(run_out / PAPERS_DIR / "P01_巡察工作底稿.docx")
    assert p01.count("底稿编号：P01-") == 2  # both P01 findings, one per page
    h02 = docx_text(run_out / PAPERS_DIR / "H02_巡察工作底稿.docx")
    assert ID_NUMBER not in h02 and "王五" in h02  # personal data stays masked
    assert "本疑点不涉及可计算的金额" in h02
    report = docx_text(run_out / PAPERS_DIR / "巡察报告问题部分（草稿）.docx")
    assert "（一）采购与招投标方面" in report and "（二）人事与薪酬方面" in report
    assert report.index("采购与招投标") < report.index("人事与薪酬")
    assert "1. 拆分规避招标。共发现疑点 2 个，涉及金额 3,000,000.00 元" in report
    assert "上述问题不符合《政府采购法》第四十一条的规定。" in report
    assert "1. 违规提拔。共发现疑点 1 个。" in report  # no amount: no amount sentence
    assert "去重后" in report and "（P01-000" in report


def test_edited_template_is_used(run_out):
    res = _papers(run_out, finding=[P01])
    no = res["files"][0].name.split("_")[0]
    tpl = run_out / TEMPLATES_DIR / TEMPLATE_PAPER
    d = Document(str(tpl))
    title = next(p for p in d.paragraphs if p.text == "巡察工作底稿")
    title.runs[0].text = "市委第三巡察组工作底稿"
    d.save(str(tpl))
    _papers(run_out, finding=[P01])
    text = docx_text(run_out / PAPERS_DIR / f"{no}_巡察工作底稿.docx")
    assert "市委第三巡察组工作底稿" in text and "已调取合同原件" in text


def test_unknown_finding_and_check(run_out):
    with pytest.raises(XunchaError, match="没有这些疑点"):
        _papers(run_out, finding=["P01-0099"])
    with pytest.raises(XunchaError, match="未知的检查编号"):
        _papers(run_out, check=["Z99"])


def test_cli(run_out):
    res = CliRunner().invoke(app, ["papers", str(run_out), "--finding", H02, "--team", "市委第三巡察组"])
    assert res.exit_code == 0, res.output
    assert "生成 3 份 Word 文档" in res.output
    text = docx_text(run_out / PAPERS_DIR / "H02-0001_问题线索移交单.docx")
    assert "市委第三巡察组" in text and "组织人事部门" in text
    res = CliRunner().invoke(app, ["papers", str(run_out / "nowhere")])
    assert res.exit_code == 2 and "找不到运行数据库" in res.output.replace("\n", "")
