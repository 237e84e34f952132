"""The long listings' rows written as XML built by DuckDB (findings/xlsxsql.py) are byte for
byte what the Python path writes: the same workbook is exported both ways and every sheet's
XML compared, on texts and values chosen to hit every branch (escapes, xml:space, control
characters and rich-string look-alikes left to Python, numbers, dates, yes/no, blanks with
fills, sheets continued past the row limit)."""

from __future__ import annotations

import json
import re
import zipfile

import duckdb
import pytest
from findings_support import make_run_db

from xuncha_audit.findings import workbook
from xuncha_audit.findings.export import export_all
from xuncha_audit.findings.triage import apply_triage
from xuncha_audit.findings.xlsxfast import FastWorksheet

TEXTS = [
    "普通文本", "A&B <有> 标签>", " 前导空格", "尾随空格 ", "\u3000全角空格", "尾随全角\u3000",
    "换行\n在中间", "末尾换行\n", "\t制表开头", "含_x0041_转义", "控制\x07字符", "<r>像富文本</r>",
    '引号"和\'撇号', "不间断\xa0空格 ", "", "x" * 300, "很长" * 9000, "😀 表情", "a\u2028b",
    # every kind of white space first or last (Python's isspace), one character alone, emoji last
    " ", "\u2005窄空格", "末尾\x85", "\u1680欧甘", "末尾\u200a", "\u2029段", "\u205f", "表情😀", "\u200b零宽",
]
NUMBERS = [0.1 + 0.2, 1 / 3, 1e16, 123456789.125, -0.0001, 1e-7, 42, 2**60, 12.5]


def _db(tmp_path):
    db = make_run_db(tmp_path / "r.duckdb", 1)
    con = duckdb.connect(str(db))
    for i, text in enumerate(TEXTS * 2):
        f = f"p01-xml-{i:02d}"
        note = TEXTS[(i + 3) % len(TEXTS)] or None
        con.execute("""INSERT INTO findings VALUES (?, 'run-1', 'P01', '拆分规避招标', 'high',
            'procurement', ?, '纪检监察', NULL, ?, ?, 'vendor', ?, ?, DATE '2024-02-01',
            '《政府采购法》第四十一条', NULL, NULL, '待核实', ?)""",
                    [f, "市交通运输局" if i % 5 else " 市局 ", f"疑点{i}：{text}",
                     None if i % 4 == 0 else 1000 + i * 0.37, text[:30] or None,
                     None if i % 6 == 0 else f"2024-01-{i % 28 + 1:02d}", note])
        for k in range(i % 7):
            rec = {"contract_no": f"HT-{i}-{k}", "amount": NUMBERS[(i + k) % len(NUMBERS)],
                   "sign_date": "1899-12-31" if k == 5 else f"2023-{k + 1:02d}-15",
                   "vendor": TEXTS[(i * 7 + k) % len(TEXTS)], "is_framework": bool(k % 2)}
            con.execute("INSERT INTO evidence VALUES (?, 'P01', '市交通运输局', 'contracts', ?, ?)",
                        [f, f"HT-{i}-{k}", json.dumps(rec, ensure_ascii=False)])
    con.close()
    return db


def _export(tmp_path, monkeypatch, name: str, **limits) -> dict[str, bytes]:
    # every listing through DuckDB unless a test says otherwise (these sheets are short)
    limits = {"CHECK_SHEET_SQL_ROWS": 0, **limits}
    with monkeypatch.context() as m:
        for key, value in limits.items():
            m.setattr(workbook, key, value)
        out, data = tmp_path / name, tmp_path / f"{name}-db"
        data.mkdir()
        con = duckdb.connect(str(_db(data)))
        try:
            apply_triage(con, out / "triage.json")
            export_all(con, out, store=out / "triage.json")
        finally:
            con.close()
    when = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）".encode())  # 生成时间
    with zipfile.ZipFile(out / "findings.xlsx") as z:
        # (run folders named alike in length: the summary's widths are measured on their paths)
        return {n: when.sub(b"T", z.read(n)).replace(str(out).encode(), b"OUT")
                for n in z.namelist() if n.startswith("xl/")}


@pytest.mark.parametrize("limits", [
    {"WIDTH_SAMPLE_ROWS": 2}, {"WIDTH_SAMPLE_ROWS": 2, "MAX_SHEET_ROWS": 15, "EVIDENCE_ROWS_SHOWN": 3},
    # every row measured: the widths of the rows DuckDB writes are taken as Python takes them
    {}, {"MAX_SHEET_ROWS": 15, "EVIDENCE_ROWS_SHOWN": 3},
    # the 画像 and 数据质量 tables through DuckDB too (on one sheet; continued: the Python way)
    {"TABLE_LISTING_ROWS": 1}, {"TABLE_LISTING_ROWS": 1, "WIDTH_SAMPLE_ROWS": 2, "MAX_SHEET_ROWS": 15, "EVIDENCE_ROWS_SHOWN": 3},
    # the long listings' query (an expression per column) on every listing
    {"PER_COLUMN_ROWS": 0, "WIDTH_SAMPLE_ROWS": 2},
    {"PER_COLUMN_ROWS": 0, "TABLE_LISTING_ROWS": 1, "MAX_SHEET_ROWS": 15, "EVIDENCE_ROWS_SHOWN": 3},
], ids=["one-sheet-each", "sheets-continued", "all-measured", "all-measured-continued",
        "tables-too", "tables-too-continued", "per-column", "per-column-tables-continued"])
def test_rows_written_by_duckdb_are_the_rows_python_writes(tmp_path, monkeypatch, limits):
    written: list[int] = []
    real = FastWorksheet.write_xml_rows

    def spy(self, first, last, xml, *a, **k):
        written.append(last - first + 1)
        return real(self, first, last, xml, *a, **k)

    monkeypatch.setattr(FastWorksheet, "write_xml_rows", spy)
    by_sql = _export(tmp_path, monkeypatch, "sql", **limits)
    assert sum(written) > 50  # the SQL path wrote most rows, not none
    # the reference: every row the Python way, 画像 straight from its DataFrame
    by_python = _export(tmp_path, monkeypatch, "pyt", **{**limits, "listing_sql": lambda *a, **k: None,
                                                         "TABLE_LISTING_ROWS": 10**9})
    assert by_sql.keys() == by_python.keys()
    sheets = [n for n in by_sql if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) >= 6
    for name in sorted(by_sql):
        assert by_sql[name] == by_python[name], name


@pytest.mark.parametrize("per_column_rows", [10**9, 0], ids=["one-lambda", "per-column"])
def test_rows_left_to_python_are_the_ones_the_sql_path_cannot_write(tmp_path, monkeypatch, per_column_rows):
    """Control characters, rich-string look-alikes, over-long texts and dates before
    1900-03-01 go the Python way; everything else past the width sample is XML (both ways of
    writing the query)."""
    monkeypatch.setattr(workbook, "PER_COLUMN_ROWS", per_column_rows)
    seen: list[str] = []
    real = FastWorksheet.write_xml_rows

    def spy(self, first, last, xml, *a, **k):
        seen.append(xml)
        return real(self, first, last, xml, *a, **k)

    monkeypatch.setattr(FastWorksheet, "write_xml_rows", spy)
    _export(tmp_path, monkeypatch, "sql", WIDTH_SAMPLE_ROWS=0)
    xml = "".join(seen)
    assert "A&amp;B &lt;有&gt; 标签&gt;" in xml and 'xml:space="preserve"> 前导空格' in xml
    assert "\x07" not in xml and "_x0007_" not in xml  # 控制\x07字符: written by xlsxwriter's escapes
    assert "像富文本" not in xml and "很长很长" not in xml
    assert '<v>1899' not in xml and 'outlineLevel="1"' in xml


def test_gone_sheet_and_quality_tables_through_duckdb_are_what_python_writes(tmp_path, monkeypatch):
    """已消失 (findings of an earlier run not found again) and the 数据质量 sections written by
    DuckDB (every table through it) give the sheets the Python path gives."""

    def export(name: str, rows: int) -> dict[str, bytes]:
        with monkeypatch.context() as m:
            m.setattr(workbook, "TABLE_LISTING_ROWS", rows)
            data, out = tmp_path / f"{name}-db", tmp_path / name
            data.mkdir()
            con = duckdb.connect(str(_db(data)))
            try:
                apply_triage(con, out / "triage.json")
                # the next run finds a third of them no more: they are 已消失
                con.execute("DELETE FROM evidence WHERE finding_id IN "
                            "(SELECT finding_id FROM findings WHERE hash(finding_id) % 3 = 0)")
                con.execute("DELETE FROM findings WHERE hash(finding_id) % 3 = 0")
                con.execute("UPDATE findings SET run_id = 'run-2'")
                apply_triage(con, out / "triage.json")
                gone = con.execute("SELECT count(*) FROM findings_gone").fetchone()[0]
                export_all(con, out, store=out / "triage.json")
            finally:
                con.close()
        assert gone >= 5
        when = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）".encode())
        with zipfile.ZipFile(out / "findings.xlsx") as z:
            return {n: when.sub(b"T", z.read(n)).replace(str(out).encode(), b"OUT")
                    for n in z.namelist() if n.startswith("xl/worksheets/")}

    by_sql, by_python = export("sql", 1), export("pyt", 10**9)
    assert by_sql.keys() == by_python.keys()
    for name in sorted(by_sql):
        assert by_sql[name] == by_python[name], name


def test_short_listings_are_written_the_python_way(tmp_path, monkeypatch):
    """A check sheet shorter than CHECK_SHEET_SQL_ROWS costs more to plan as XML than its rows take in
    Python: none of this workbook's short check sheets goes through DuckDB's XML, and the
    workbook is the one the SQL path writes."""
    written: dict[str, int] = {}
    real = FastWorksheet.write_xml_rows

    def spy(self, first, last, xml, *a, **k):
        written[self.name] = written.get(self.name, 0) + last - first + 1
        return real(self, first, last, xml, *a, **k)

    monkeypatch.setattr(FastWorksheet, "write_xml_rows", spy)
    assert workbook.CHECK_SHEET_SQL_ROWS > 100
    short = _export(tmp_path, monkeypatch, "short", CHECK_SHEET_SQL_ROWS=workbook.CHECK_SHEET_SQL_ROWS)
    assert not [name for name in written if name.startswith("P01")], written
    written.clear()
    assert short == _export(tmp_path, monkeypatch, "sql")
    assert sum(n for name, n in written.items() if name.startswith("P01")) > 50, written


def test_a_sheet_past_the_zip_size_limit_is_written_with_zip64(tmp_path, monkeypatch):
    """A sheet over 2 GiB of XML needs ZIP64 records (the limit lowered to 100 kB stands in for
    it): the workbook is written, with the same parts, instead of failing at the export's end."""
    plain = _export(tmp_path, monkeypatch, "plain")
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100_000)
    large = _export(tmp_path, monkeypatch, "zip64")
    assert large == plain
    with zipfile.ZipFile(tmp_path / "zip64" / "findings.xlsx") as z:
        assert any(i.file_size > 100_000 and i.extra[:2] == b"\x01\x00" for i in z.infolist())
