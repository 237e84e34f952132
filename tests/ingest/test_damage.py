"""Damage is contained to the damaged lines (issue 16 item 2): mixed line endings, NUL bytes
anywhere, a line in another encoding, over-long lines, unclosed quotes; a file that cannot
be read at all counts its lines and is an error (exit code 2 unless told to continue)."""

from __future__ import annotations

import pytest
from ingest_support import assert_accounting
from typer.testing import CliRunner

HEADER = "凭证日期,凭证号,摘要,科目名称,借方金额,贷方金额"


def _rows(n: int) -> list[str]:
    return [f"2024-01-{i % 28 + 1:02d},记-{i},购办公用品{i},办公费,{i}.50," for i in range(1, n + 1)]


def _load_one(load, tmp_path, data: bytes, name: str = "序时账.csv"):
    d = tmp_path / "d"
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)
    report, con = load(d)
    (entry,) = report.entries
    q = con.execute("SELECT row_no, raw_value, reason_zh, reason_en FROM _quarantine ORDER BY row_no").fetchall()
    assert_accounting(con)
    return entry, q, con


def test_lf_line_in_crlf_file_quarantines_that_line_only(tmp_path, load):
    rows = _rows(300)
    data = ("\r\n".join([HEADER, *rows[:100]]) + "\r\n").encode()
    data += (rows[100] + "\n").encode() + ("\r\n".join(rows[101:]) + "\r\n").encode()
    entry, q, con = _load_one(load, tmp_path, data)
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (300, 299, 1)
    assert q[0][0] == 102 and "换行符" in q[0][2] and "LF" in q[0][2]
    assert con.execute("SELECT max(_source_row) FROM ledger").fetchone()[0] == 301


def test_stray_lf_cutting_a_record_quarantines_both_halves(tmp_path, load):
    rows = _rows(20)
    cut = rows[5].replace("购办公", "购办\n公")
    data = ("\r\n".join([HEADER, *rows[:5], cut, *rows[6:]]) + "\r\n").encode()
    entry, q, con = _load_one(load, tmp_path, data)
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (21, 19, 2)
    assert [r[0] for r in q] == [7, 8]
    # row numbers after the cut are physical lines
    assert con.execute("SELECT _source_row FROM ledger WHERE voucher_no = '记-7'").fetchone()[0] == 9


@pytest.mark.parametrize("where", [5, 2000])  # inside and beyond the first 64 KiB
def test_nul_byte_quarantines_its_line(tmp_path, load, where):
    rows = _rows(3000)
    lines = [HEADER.encode(), *[r.encode() for r in rows]]
    lines[where] = lines[where][:6] + b"\x00" + lines[where][6:]
    entry, q, con = _load_one(load, tmp_path, b"\n".join(lines) + b"\n")
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (3000, 2999, 1)
    assert q[0][0] == where + 1 and "\\x00" in q[0][1] and "NUL" in q[0][2]
    # the voucher of the damaged line is not loaded split in two
    assert con.execute("SELECT count(*) FROM ledger WHERE contains(voucher_no, chr(0))").fetchone()[0] == 0


def test_gbk_line_in_utf8_file(tmp_path, load):
    rows = _rows(41)
    lines = [HEADER.encode(), *[r.encode() for r in rows]]
    lines[20] = rows[19].encode("gbk")
    entry, q, _con = _load_one(load, tmp_path, b"\n".join(lines) + b"\n")
    assert (entry.encoding, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("UTF-8", 41, 40, 1)
    row_no, raw, reason, _en = q[0]
    assert row_no == 21 and "UTF-8" in reason
    assert "\\xb9\\xba" in raw and "按 GBK 读作：2024-01-21,记-20,购办公用品20" in raw


def test_utf8_line_in_gbk_file(tmp_path, load):
    rows = _rows(41)
    lines = [HEADER.encode("gbk"), *[r.encode("gbk") for r in rows]]
    lines[30] = rows[29].encode("utf-8")
    entry, q, _con = _load_one(load, tmp_path, b"\r\n".join(lines) + b"\r\n")
    assert (entry.encoding, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("GBK", 41, 40, 1)
    assert q[0][0] == 31 and "UTF-8" in q[0][2]


def test_utf8_line_holding_replacement_character_in_gbk_file(tmp_path, load):
    """A UTF-8 line holding U+FFFD (a character another program could not read) in a GBK
    file is a UTF-8 line like any other: quarantined, not loaded as GB18030 mojibake (the
    fast scan once let it through, the line reader did not)."""
    rows = _rows(41)
    lines = [HEADER.encode("gbk"), *[r.encode("gbk") for r in rows]]
    # its bytes read as GB18030 without an error: "锟戒竴" (the line "\ufffd一" as GBK)
    lines[30] = "2024-01-30,JZ-30,\ufffd一,OFFICE,30.50,".encode("utf-8")
    assert lines[30].decode("gb18030") == "2024-01-30,JZ-30,锟戒竴,OFFICE,30.50,"
    entry, q, con = _load_one(load, tmp_path, b"\r\n".join(lines) + b"\r\n")
    assert (entry.encoding, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("GBK", 41, 40, 1)
    assert q[0][0] == 31 and "UTF-8" in q[0][2]
    assert con.execute("SELECT count(*) FROM ledger WHERE voucher_no = 'JZ-30'").fetchone()[0] == 0


def test_over_long_line(tmp_path, load):
    import xuncha_audit.ingest.sources as sources

    rows = _rows(10)
    rows[4] = "2024-01-05,记-5," + "长" * (sources.MAX_LINE_BYTES // 3 + 10) + ",办公费,1,"
    entry, q, _con = _load_one(load, tmp_path, ("\n".join([HEADER, *rows]) + "\n").encode())
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (10, 9, 1)
    assert q[0][0] == 6 and "行过长" in q[0][2] and "字节）" in q[0][1] and len(q[0][1]) < 600


def test_unclosed_quote_does_not_swallow_the_rest(tmp_path, load):
    rows = _rows(30)
    rows[9] = '2024-01-10,记-10,"购办公用品,办公费,10.50,'
    entry, q, _con = _load_one(load, tmp_path, ("\n".join([HEADER, *rows]) + "\n").encode())
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (30, 29, 1)
    assert q[0][0] == 11 and "引号" in q[0][2]


def test_quoted_multiline_field_keeps_row_numbers(tmp_path, load):
    rows = _rows(6)
    rows[1] = '2024-01-03,记-2,"购办公用品\n(两行摘要)",办公费,2.50,'
    entry, _q, con = _load_one(load, tmp_path, ("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (6, 6, 0)
    got = con.execute("SELECT voucher_no, _source_row, summary FROM ledger ORDER BY _source_row").fetchall()
    assert [r[1] for r in got] == [2, 3, 5, 6, 7, 8]
    assert got[1][2] == "购办公用品\n(两行摘要)"


def test_clean_file_with_quotes_and_crlf_takes_the_fast_path(tmp_path, load, monkeypatch):
    import xuncha_audit.ingest.sources as sources

    def boom(*a, **k):
        raise AssertionError("line reader used on a clean file")

    monkeypatch.setattr(sources.CsvSheet, "_materialise_lines", boom)
    rows = [f'2024-01-0{i},记-{i},"摘要,带逗号",办公费,"1,234.5{i}",' for i in range(1, 8)]
    entry, q, con = _load_one(load, tmp_path, ("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk"))
    assert (entry.rows_read, entry.rows_loaded) == (7, 7) and not q
    assert float(con.execute("SELECT sum(debit) FROM ledger").fetchone()[0]) == pytest.approx(7 * 1234.5 + 0.28)


@pytest.mark.parametrize(("one_statement", "too_large_to_update"), [(True, False), (False, False), (False, True)],
                         ids=["small-file-one-statement", "large-file-rowids", "large-file-copied"])
def test_fast_path_numbers_rows_by_physical_line_either_way(tmp_path, load, monkeypatch, one_statement,
                                                            too_large_to_update):
    """A small clean file is read in one statement (numbered as read), a large one into a
    table first (numbered by rowid, in place; copied when the table is too large to update
    in memory): the same rows, the same physical line numbers, blank lines left out and
    counted nowhere, a header repeated inside the data skipped and counted, and the row
    count taken from the statement."""
    import xuncha_audit.ingest.derive as derive
    import xuncha_audit.ingest.sources as sources

    def boom(*a, **k):
        raise AssertionError("line reader used on a clean file")

    monkeypatch.setattr(sources.CsvSheet, "_materialise_lines", boom)
    monkeypatch.setattr(sources, "ONE_STATEMENT_CSV_BYTES", 1 << 30 if one_statement else 0)
    if too_large_to_update:
        monkeypatch.setattr(derive, "UPDATE_BYTES_PER_ROW", 2**40)
    rows = _rows(3000)
    for i in (0, 7, 2500):
        rows[i] = ",,,,,"  # blank records: not rows
    rows[7] = " ,  ,,, , "  # cells of spaces only: blank too
    rows[1500] = HEADER  # a page's header printed again
    entry, q, con = _load_one(load, tmp_path, ("\n".join(["凭证明细", HEADER, *rows]) + "\n").encode("gbk"))
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined, entry.rows_skipped) == (2997, 2996, 0, 1)
    assert not q
    got = con.execute("SELECT _source_row, voucher_no FROM ledger ORDER BY _source_row").fetchall()
    assert [r[0] for r in got] == [n + 3 for n in range(3000) if n not in (0, 7, 1500, 2500)]
    assert all(v == f"记-{n - 2}" for n, v in got)


def test_unreadable_file_counts_its_lines_and_is_an_error(tmp_path, load):
    d = tmp_path / "d"
    d.mkdir()
    garbage = b"\n".join(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 4 for _ in range(17)) + b"\n"
    (d / "付款.csv").write_bytes(garbage)
    (d / "序时账.csv").write_bytes(("\n".join([HEADER, *_rows(5)]) + "\n").encode())
    report, con = load(d)
    bad = report.unreadable
    assert [e.file for e in bad] == ["付款.csv"]
    assert (bad[0].status, bad[0].rows_read, bad[0].rows_quarantined) == ("error", 17, 17)
    assert "17 行" in bad[0].message_zh
    assert con.execute("SELECT count(*) FROM _quarantine WHERE file = '付款.csv'").fetchone()[0] == 17
    assert_accounting(con)


def test_load_command_exit_code_for_unreadable_files(tmp_path):
    from xuncha_audit.cli import app

    d = tmp_path / "d"
    d.mkdir()
    (d / "付款.csv").write_bytes(bytes(range(1, 9)) * 100)
    (d / "序时账.csv").write_bytes(("\n".join([HEADER, *_rows(5)]) + "\n").encode())
    runner = CliRunner()
    res = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "a.duckdb")])
    assert res.exit_code == 2, res.output
    assert "无法读取" in res.output and "付款.csv" in res.output
    res = runner.invoke(app, ["load", str(d), "--db", str(tmp_path / "b.duckdb"), "--on-unreadable", "continue"])
    assert res.exit_code == 0, res.output


def test_run_stops_on_unreadable_unless_configured(tmp_path):
    from types import SimpleNamespace

    from xuncha_audit.app.pipeline import Feedback, _unreadable_files
    from xuncha_audit.config import parse_run_config
    from xuncha_audit.errors import ConfigError, XunchaError

    class Recorded(Feedback):
        def __init__(self):
            self.lines = []

        def say(self, text, *, level="info", tag=None):
            self.lines.append((level, tag, text))

    bad = SimpleNamespace(file="付款.csv", rows_read=3, message_zh="无法读取文件 付款.csv", message_en="binary")

    fb = Recorded()
    with pytest.raises(XunchaError) as exc:
        _unreadable_files(fb, SimpleNamespace(unreadable=[bad]), "stop")
    assert exc.value.exit_code == 2 and "付款.csv" in exc.value.zh
    assert fb.lines == [("error", "无法读取", "无法读取文件 付款.csv")]
    _unreadable_files(fb, SimpleNamespace(unreadable=[bad]), "continue")
    assert fb.lines[-1][0] == "warn" and "on_unreadable: continue" in fb.lines[-1][2]
    assert parse_run_config({"on_unreadable": "continue"}).on_unreadable == "continue"
    with pytest.raises(ConfigError):
        parse_run_config({"on_unreadable": "maybe"})


def test_wide_csv_header_longer_than_the_head_is_not_cut(tmp_path, load):
    # 6,000 columns: the header line alone is > 64 KiB; it used to be cut inside a cell
    n = 6000
    header = [*HEADER.split(","), *[f"备注{i}" for i in range(n)]]
    rows = [",".join(header), *[",".join([r, *[str(i) for i in range(n)]]) for r in _rows(3)]]
    entry, q, con = _load_one(load, tmp_path, ("\n".join(rows) + "\n").encode())
    assert (entry.status, entry.rows_read, entry.rows_loaded) == ("ok", 3, 3) and not q
    assert "重复" not in entry.message_zh
    extra = con.execute("SELECT _extra FROM ledger WHERE voucher_no = '记-1'").fetchone()[0]
    assert '"备注5999":"5999"' in extra.replace(" ", "")


def test_unclosed_quote_in_the_head_does_not_hide_the_header(tmp_path, load):
    # found by the property test: the delimiter sniff parsed the head as one text, so an
    # unclosed quote on the first data line swallowed it and the sheet was skipped
    rows = _rows(4)
    rows[0] = '2024-07-29,记-1,"c;,办公费,-949.28,'
    entry, q, _con = _load_one(load, tmp_path, ("\n\n".join(["某市住房和城乡建设局", HEADER, *rows]) + "\n").encode())
    assert (entry.status, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("partial", 4, 3, 1)
    assert q[0][0] == 5 and "引号" in q[0][2]


@pytest.mark.parametrize("width", [1, 6, 300])
def test_not_blank_sql_cell_by_cell_and_concatenated_agree(width, monkeypatch):
    """A row is blank when every cell is NULL or spaces, whether tested cell by cell (narrow
    sheets) or by one concatenation (wide ones)."""
    import duckdb

    import xuncha_audit.ingest.sources as sources

    cols = ", ".join(f"c{i} VARCHAR" for i in range(width))
    con = duckdb.connect()
    con.execute(f"CREATE TABLE r ({cols}, want BOOLEAN)")
    nulls = [None] * width
    samples = [(nulls, False), ([" "] * width, False), ([*nulls[:-1], " x"], True),
               (["  ", *nulls[1:]], False), (["0", *nulls[1:]], True), ([*nulls[:-1], ""], False)]
    for cells, want in samples:
        con.execute(f"INSERT INTO r VALUES ({', '.join('?' * (width + 1))})", [*cells, want])
    got = {}
    for limit in (0, 1 << 20):
        monkeypatch.setattr(sources, "NOT_BLANK_OR_WIDTH", limit)
        got[limit] = con.execute(
            f"SELECT list(({sources.not_blank_sql(width)}) = want ORDER BY rowid) FROM r").fetchone()[0]
    assert got[0] == got[1 << 20] == [True] * len(samples)
