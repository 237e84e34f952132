"""Exports: workbook (sheets, headers, formats, panes, validation), CSV with BOM, report HTML,
manifest, formula text stays text, masking in every output, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from bs4 import BeautifulSoup
from findings_support import BANK, HOSTILE, ID_NUMBER, PHONE, make_run_db

from xuncha_audit.findings.export import OUTPUTS, export_all

SECRETS = (ID_NUMBER, PHONE, BANK)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("exp")
    con = duckdb.connect(str(make_run_db(d / "run.duckdb", 1)))
    export_all(con, d / "out", store=d / "out",
               run_info={"standards": {"lodging": "财行〔2016〕71号"}, "config": {"fail_on": "high"}})
    con.close()
    return d / "out"


@pytest.fixture(scope="module")
def exported_unmasked(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("raw")
    con = duckdb.connect(str(make_run_db(d / "run.duckdb", 1)))
    export_all(con, d / "out", mask=False)
    con.close()
    return d / "out"


def _all_text(path: Path) -> str:
    """Every character an output holds (xlsx: all XML parts; parquet: all values)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    if path.suffix == ".parquet":
        con = duckdb.connect()
        rows = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        return json.dumps(rows, ensure_ascii=False, default=str)
    return path.read_bytes().decode("utf-8-sig")


def test_all_outputs_written_and_no_staging_left(exported):
    names = {p.name for p in exported.iterdir()}
    assert set(OUTPUTS) <= names
    assert not [n for n in names if n.startswith(".staging-")]


def test_workbook_sheets_headers_formats(exported):
    wb = openpyxl.load_workbook(exported / "findings.xlsx")
    assert wb.sheetnames[0] == "汇总"
    assert wb.sheetnames[-3:] == ["已消失", "画像", "数据质量"]
    assert "P01 拆分规避招标" in wb.sheetnames and "V02 超标准配车" in wb.sheetnames
    ws = wb["P01 拆分规避招标"]
    header = [c.value for c in ws[1]]
    for h in ("行类型", "疑点编号", "风险等级", "移送去向", "疑点描述", "涉及金额（元）", "核实状态",
              "核实情况备注", "来源表", "记录编号", "证据·合同编号", "证据·供应商", "证据·合同金额",
              "证据·签订日期"):
        assert h in header, h
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref.startswith("A1:")
    rows = list(ws.iter_rows(min_row=2))
    kinds = [r[0].value for r in rows]
    assert kinds[:4] == ["疑点", "证据", "证据", "证据"]
    f1 = rows[0]
    amount = f1[header.index("涉及金额（元）")]
    assert amount.data_type == "n" and amount.value == 2100000
    assert amount.number_format == "#,##0.00"
    start = f1[header.index("起始日期")]
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    ev = rows[1]
    assert ev[header.index("证据·合同金额")].value == 700000
    assert ev[header.index("证据·签订日期")].is_date
    assert ws.row_dimensions[3].outline_level == 1  # evidence rows fold under their finding
    # status drop-down with the five statuses
    dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("待核实,已核实,已排除,已移交,已整改" in (dv.formula1 or "") for dv in dvs)
    assert any("移送纪检监察机关" in (dv.formula1 or "") for dv in dvs)
    # hidden originals for triage import
    col = openpyxl.utils.get_column_letter(header.index("导出时状态") + 1)
    assert ws.column_dimensions[col].hidden


def test_summary_groups_by_area_check_route(exported):
    ws = openpyxl.load_workbook(exported / "findings.xlsx", read_only=True)["汇总"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    for section in ("按领域", "按检查", "按移送去向", "按核实状态"):
        assert section in cells
    for route in ("移送纪检监察机关", "移交组织人事部门", "反馈被巡察党组织"):
        assert route in cells
    assert "采购与招投标" in cells and "拆分规避招标" in cells


def test_profile_and_quality_sheets(exported):
    wb = openpyxl.load_workbook(exported / "findings.xlsx", read_only=True)
    rows = list(wb["画像"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["类型", "名称", "所在单位"] and "风险评分" in header
    people = [r for r in rows[1:] if r[0] == "人员"]
    names = [(r[1], r[2]) for r in people]
    assert len(names) == len(set(names))  # one row per person
    wang = next(r for r in people if r[1] == "王五")
    assert wang[header.index("领导干部")] == "是" and wang[header.index("疑点数")] == 2
    dq = [c for row in wb["数据质量"].iter_rows(values_only=True) for c in row if c is not None]
    assert "导入记录（读取 = 入库 + 隔离 + 汇总行 + 删除/作废 + 跳过）" in dq and "合同台账.xlsx" in dq
    assert "身份证号校验位错误" in dq and "数据校验（Great Expectations）" in dq


def test_csv_has_bom_and_decodes_as_utf8(exported):
    for name in ("findings.csv", "evidence.csv"):
        raw = (exported / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows and "finding_id" in rows[0]
    f = list(csv.DictReader(io.StringIO((exported / "findings.csv").read_bytes().decode("utf-8-sig"))))
    assert {r["route"] for r in f} == {"移送纪检监察机关", "移交组织人事部门", "反馈被巡察党组织"}
    p01 = next(r for r in f if r["title"].startswith("长沙甲科技"))
    assert p01["amount"] == "2100000.00" and p01["status"] == "待核实" and p01["mark"] == "新增"


def test_formula_text_stays_text_in_xlsx_and_csv(exported):
    wb = openpyxl.load_workbook(exported / "findings.xlsx")
    strings = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r":
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    strings.append(c.value)
    for hostile in ('=HYPERLINK("http://evil.example","点我")', "+1工程有限公司", "@SUM(A1)"):
        assert any(s.startswith(hostile) for s in strings), hostile
    with zipfile.ZipFile(exported / "findings.xlsx") as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets  # no formula anywhere in the workbook
    for name in ("findings.csv", "evidence.csv"):
        text = (exported / name).read_bytes().decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (name, cell)
    f = list(csv.DictReader(io.StringIO((exported / "findings.csv").read_bytes().decode("utf-8-sig"))))
    assert any(r["entity_key"] == "'" + HOSTILE[0] for r in f)
    assert any(r["title"].startswith("'@SUM(A1)") for r in f)
    ev = list(csv.DictReader(io.StringIO((exported / "evidence.csv").read_bytes().decode("utf-8-sig"))))
    assert any(r["record_party"] == "'+1工程有限公司" for r in ev)
    assert all(not r["record_amount"].startswith("'") for r in ev)  # numbers stay numbers


def test_masking_holds_in_every_output(exported, exported_unmasked):
    for name in OUTPUTS:
        text = _all_text(exported / name)
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    wb_text = _all_text(exported / "findings.xlsx")
    assert "138****5678" in wb_text and "430***********1234" in wb_text
    # --no-mask keeps them
    raw = _all_text(exported_unmasked / "findings.xlsx") + _all_text(exported_unmasked / "evidence.csv")
    for secret in SECRETS:
        assert secret in raw
    assert json.loads((exported_unmasked / "manifest.json").read_text(encoding="utf-8"))["masked"] is False


def test_report_is_self_contained_with_sections(exported):
    soup = BeautifulSoup((exported / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert not soup.find_all("script", src=True)
    assert not soup.find_all("link", href=True)
    assert not soup.find_all("img", src=lambda s: s and s.startswith("http"))
    ids = {s.get("id") for s in soup.find_all("section")}
    assert {"overview", "distribution", "routes", "amounts", "entities", "cadres", "gone",
            "quality", "run"} <= ids
    routes = soup.find(id="routes").get_text()
    for name in ("移送纪检监察机关", "移交组织人事部门", "反馈被巡察党组织"):
        assert name in routes
    cadres = soup.find(id="cadres")
    titles = [h.get_text() for h in cadres.find_all("h3")]
    assert any(t.startswith("王五（市林业局，局长") for t in titles)
    assert any(t.startswith("孙八") for t in titles)  # leader without findings still listed
    # each cadre's table holds that cadre's findings (all cadres' findings are read in one query)
    by_name = {d.find("h3").get_text()[:2]: d for d in cadres.select("div.cadre")}
    assert by_name["王五"].find("table") and by_name["王五"].find("tbody").find_all("tr")
    assert by_name["孙八"].find("table") is None and "本次未发现涉及该干部的疑点" in by_name["孙八"].get_text()
    charts = [d.get("id") for d in soup.select("div.plotly-graph-div")]
    assert len(charts) >= 6 and len(set(charts)) == len(charts)
    assert all(c.startswith("fig-") for c in charts)  # named, not random: reruns give the same page
    # hostile text is escaped, not markup
    assert soup.find("a", href="http://evil.example") is None
    assert 'HYPERLINK("http://evil.example"' in soup.get_text()


def test_report_profiles_only_the_riskiest_cadres(tmp_path, monkeypatch):
    """A province has thousands of leading cadres: the report expands the highest risk scores
    and says how many it left to the workbook's 画像 sheet."""
    from xuncha_audit.findings import report

    monkeypatch.setattr(report, "MAX_CADRES", 1)
    con = duckdb.connect(str(make_run_db(tmp_path / "run.duckdb", 1)))
    export_all(con, tmp_path / "out", store=tmp_path / "out")
    con.close()
    soup = BeautifulSoup((tmp_path / "out" / "report.html").read_text(encoding="utf-8"), "html.parser")
    cadres = soup.find(id="cadres")
    titles = [h.get_text() for h in cadres.find_all("h3")]
    assert len(titles) == 1 and titles[0].startswith("王五")  # the one with findings, not 孙八
    assert "另有 1 名未展开" in cadres.get_text() and "画像" in cadres.get_text()


def test_manifest_contents(exported):
    m = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert m["version"] and m["generated_at"] and m["masked"] is True
    assert {i["file"] for i in m["inputs"]} == {"合同台账.xlsx", "人员花名册.csv"}
    assert all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert m["standards"] == {"lodging": "财行〔2016〕71号"} and m["config"] == {"fail_on": "high"}
    checks = {c["check_id"]: c for c in m["checks"]}
    assert checks["O01"]["status"] == "skipped" and checks["P01"]["findings"] == 2
    assert m["counts"]["findings"] == 7 and m["counts"]["evidence"] == 11
    assert m["counts"]["by_route"]["移送纪检监察机关"] == 4
    for name in OUTPUTS[:-1]:
        assert len(m["outputs"][name]["sha256"]) == 64


@pytest.mark.slow
def test_killed_export_leaves_previous_outputs_intact(tmp_path):
    db = make_run_db(tmp_path / "run.duckdb", 1)
    out = tmp_path / "out"
    con = duckdb.connect(str(db))
    export_all(con, out)
    con.close()
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    # Second export on changed data, killed (os._exit: no cleanup at all) while writing the
    # workbook, after the Parquet/CSV files are already staged.
    make_run_db(db, 2)
    script = textwrap.dedent(f"""
        import os, duckdb
        import xuncha_audit.findings.export as ex
        import xlsxwriter
        real_close = xlsxwriter.Workbook.close
        def die(self):
            os._exit(9)
        xlsxwriter.Workbook.close = die
        con = duckdb.connect({str(db)!r})
        ex.export_all(con, {str(out)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == 9, proc.stderr.decode()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert [p for p in out.iterdir() if p.name.startswith(".staging-")]  # the dead run's leftovers
    # The database is usable and the next export completes and cleans up.
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 7
    export_all(con, out)
    con.close()
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]
    assert (out / "findings.csv").read_bytes() != before["findings.csv"]
    assert "王五报销私车加油费" in (out / "findings.csv").read_bytes().decode("utf-8-sig")


def test_exception_mid_export_leaves_previous_outputs(exported, monkeypatch):
    import xuncha_audit.findings.export as ex

    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in exported.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ex, "write_report", boom)
    con = duckdb.connect(str(exported.parent / "run.duckdb"))
    with pytest.raises(RuntimeError):
        ex.export_all(con, exported)  # the workbook and CSVs were staged, then the report failed
    con.close()
    # The previous workbook was also copied to 备份/ before the export started (nothing lost).
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in exported.iterdir()
            if p.name != "备份"} == before
    assert not [n for n in os.listdir(exported) if n.startswith(".staging-")]


def test_workbook_zip_written_in_a_thread_fails_the_export_and_is_waited_for(exported, monkeypatch):
    """The workbook's zip is packed in a thread while the other files are written: its failure
    fails the export (previous outputs kept), and on success the export has waited for it
    before hashing and moving the files (the manifest's hash is that of the finished file)."""
    import threading

    import xlsxwriter

    import xuncha_audit.findings.export as ex

    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in exported.iterdir()
              if p.name != "备份"}
    real_close = xlsxwriter.Workbook.close
    seen: list[str] = []

    def slow_close(self):
        seen.append(threading.current_thread().name)
        threading.Event().wait(0.5)  # still packing while the CSVs and the report are written
        real_close(self)

    def broken_close(self):
        raise OSError("disk full while packing findings.xlsx")

    con = duckdb.connect(str(exported.parent / "run.duckdb"))
    monkeypatch.setattr(xlsxwriter.Workbook, "close", broken_close)
    with pytest.raises(OSError, match="disk full"):
        ex.export_all(con, exported)
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in exported.iterdir()
            if p.name != "备份"} == before
    assert not [n for n in os.listdir(exported) if n.startswith(".staging-")]

    def broken_report(*a, **k):
        raise RuntimeError("report failed")

    with monkeypatch.context() as m:  # both fail: the export's own error is the one raised
        m.setattr(ex, "write_report", broken_report)
        with pytest.raises(RuntimeError, match="report failed"):
            ex.export_all(con, exported, carry_over=False)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", slow_close)
    ex.export_all(con, exported, carry_over=False)
    con.close()
    assert seen == ["xuncha-export"]
    m = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert m["outputs"]["findings.xlsx"]["sha256"] == ex.sha256_file(exported / "findings.xlsx")
    assert openpyxl.load_workbook(exported / "findings.xlsx", read_only=True).sheetnames[0] == "汇总"


def test_export_from_read_only_connection_and_bad_record_json(tmp_path):
    """A notebook holding the database read-only can still export (no triage store)."""
    db = make_run_db(tmp_path / "run.duckdb", 1)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO evidence SELECT finding_id, check_id, unit, 'ledger', 'PZ-1|1', "
                "'not json' FROM findings LIMIT 1")
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    res = export_all(con, tmp_path / "out")
    con.close()
    assert res["counts"]["evidence"] == 12
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["counts"]["by_mark"] == {"未比对": 7}


def test_staging_of_a_live_process_is_not_removed(tmp_path):
    from xuncha_audit.findings.atomic import PENDING_PREFIX, STAGING_PREFIX, clean_stale_staging

    live = tmp_path / f"{STAGING_PREFIX}{os.getppid()}-abc"
    dead = tmp_path / f"{STAGING_PREFIX}999999999-abc"
    odd = tmp_path / f"{STAGING_PREFIX}xyz"
    for p in (live, dead, odd):
        p.mkdir()
    # a merged triage store waiting for this process's save_triage stays; a killed run's goes
    mine = tmp_path / f"{PENDING_PREFIX}{os.getpid()}-triage.json"
    killed = tmp_path / f"{PENDING_PREFIX}999999999-triage.json"
    for p in (mine, killed):
        p.write_text("[]", encoding="utf-8")
    clean_stale_staging(tmp_path)
    assert live.exists() and not dead.exists() and not odd.exists()
    assert mine.exists() and not killed.exists()


def test_a_registered_writer_is_written_and_listed(tmp_path, monkeypatch):
    # Outputs are a registry (findings/export.py WRITERS): a team's own file goes through the
    # same staging, manifest and masking as the built-in ones.
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings import export as ex

    monkeypatch.setattr(ex, "WRITERS", list(ex.WRITERS))

    def by_unit(ctx, path):
        rows = ctx.con.execute("SELECT unit, count(*) FROM _x_findings GROUP BY 1 ORDER BY 1").fetchall()
        path.write_text("\n".join(f"{u}\t{n}" for u, n in rows), encoding="utf-8")
        return {"by_unit_rows": len(rows)}

    ex.register_output(ex.Output("按单位汇总.tsv", "按单位统计疑点数", by_unit))
    with pytest.raises(XunchaError):
        ex.register_output(ex.Output("findings.csv", "重复", by_unit))
    with pytest.raises(XunchaError):
        ex.register_output(ex.Output("../outside.txt", "路径", by_unit))
    con = duckdb.connect(str(make_run_db(tmp_path / "run.duckdb", 1)))
    res = export_all(con, tmp_path / "out")
    n_findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
    con.close()
    text = (tmp_path / "out" / "按单位汇总.tsv").read_text(encoding="utf-8")
    assert sum(int(line.split("\t")[1]) for line in text.splitlines()) == n_findings > 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["按单位汇总.tsv"]["bytes"] == len(text.encode("utf-8"))
    assert manifest["by_unit_rows"] == len(text.splitlines())
    assert set(OUTPUTS) | {"按单位汇总.tsv"} <= set(res["files"])
    assert res["sheets"][0] == "汇总"


def test_headings_name_a_few_units_and_count_the_rest():
    """A province's report and workbook headed by a thousand unit names was 15,000
    characters long; past ten units the heading names three and counts them all."""
    from xuncha_audit.findings.export import units_text

    assert units_text(["甲局", "乙局"]) == "甲局、乙局"
    ten = [f"第{i}局" for i in range(10)]
    assert units_text(ten) == "、".join(ten)
    many = [f"第{i}局" for i in range(1000)]
    assert units_text(many) == "第0局、第1局、第2局等 1,000 个单位"


@pytest.mark.parametrize("first", ["finding_id", "编号,含逗号", 'with "quote"'])
def test_csv_is_utf8_with_one_bom_whatever_the_first_header(tmp_path, first):
    """The BOM rides on the first header; a header CSV must quote makes the file the long way
    (written, then copied behind a BOM): both give BOM + what DuckDB's COPY writes."""
    from xuncha_audit.findings.export import write_csv

    con = duckdb.connect()
    con.execute(f"""CREATE TABLE t AS SELECT i AS "{first.replace('"', '""')}", '值' || i AS v,
                    CASE WHEN i % 2 = 0 THEN NULL ELSE 'a,b' END AS w FROM range(5) r(i)""")
    write_csv(con, "SELECT * FROM t ORDER BY 1", tmp_path / "x.csv")
    con.execute(f"COPY (SELECT * FROM t ORDER BY 1) TO '{tmp_path / 'plain.csv'}' (FORMAT CSV, HEADER true)")
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw == b"\xef\xbb\xbf" + (tmp_path / "plain.csv").read_bytes()
    assert not (tmp_path / "x.csv.raw").exists()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == first and rows[2] == ["1", "值1", "a,b"]


def test_neutralise_sql_each_formula_start():
    import duckdb

    from xuncha_audit.findings.export import FORMULA_START, neutralise_sql

    values = [ch + "1" for ch in FORMULA_START] + ["a=1", "", "－1", "é", "1+1", "\n=1", None]
    got = duckdb.sql(f"SELECT {neutralise_sql('v')} FROM unnest($v) t(v)", params={"v": values}).fetchall()
    want = ["'" + v if v and v[0] in "=+-@\t\r" else v for v in values]
    assert [r[0] for r in got] == want
    assert sum(1 for v in want if v and v.startswith("'")) == len(FORMULA_START)
