"""The fast scan's line tests (quotes, line lengths) against their plain definitions."""

from __future__ import annotations

import random
import re

import pytest

from xuncha_audit.ingest import scan, sources


def _odd_by_regex(data: bytes) -> bool:
    # the definition: quoted spans removed line by line, a quote is left over
    return b'"' in re.sub(rb'"[^"\n]*"', b"", data)


def _long_by_split(data: bytes, limit: int) -> bool:
    return max(map(len, data.split(b"\n"))) > limit


@pytest.mark.parametrize("seed", range(20))
def test_odd_quotes_is_a_quote_left_on_some_line(seed):
    rnd = random.Random(seed)
    alphabet = [b'"', b'""', b"a", b",", b"\xb5\xa5", b"\n", b"\r\n"]
    for _ in range(300):
        data = b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert scan.odd_quotes(data) == _odd_by_regex(data), data


def test_odd_quotes_across_lines():
    assert scan.odd_quotes(b'a,"b\nc",d\n')  # a field spanning two lines
    assert not scan.odd_quotes(b'a,"b,c",d\n"x""y",z\n')
    assert scan.odd_quotes(b'a,b"c\n')  # a stray quote


@pytest.mark.parametrize("limit", [8, 9, 64])
def test_long_line_found_wherever_it_stands(limit):
    rnd = random.Random(limit)
    for _ in range(2000):
        lines = [b"x" * rnd.choice([0, 1, limit - 1, limit, limit + 1, 2 * limit, rnd.randint(0, 3 * limit)])
                 for _ in range(rnd.randint(1, 6))]
        data = b"\n".join(lines) + rnd.choice([b"", b"\n"])
        assert scan.long_line(data, limit) == _long_by_split(data, limit), (limit, data)


def _utf8_by_decoding(data: bytes) -> bool:
    # the definition (the line reader's, sources._Lines): a line decodes as UTF-8, not ASCII
    return any(not line.isascii() and sources._decodes(line, "utf-8") for line in data.split(b"\n"))


@pytest.mark.parametrize("seed", range(20))
def test_utf8_line_is_a_line_decoding_as_utf8(seed):
    """The scan's regular expression for a UTF-8 line in a GBK file against decoding each
    line: GBK characters, UTF-8 characters of every length, the forms strict UTF-8 refuses
    (overlong, surrogates, above U+10FFFF, cut sequences), U+FFFD itself, CR before LF."""
    rnd = random.Random(seed)
    alphabet = [b"a", b",", b"\r", b"\n", b"\n", "报销".encode("gbk"), "办公费".encode("gbk"), b"\xb5\xa5",
                "购".encode(), "é".encode(), "𠀀".encode(), "\ufffd".encode(), "\uffff".encode(),
                b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf0\x8f\xbf\xbf",
                b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xe4\xb8", b"\xc3", b"\x80", b"\xff"]
    for _ in range(500):
        data = b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert scan.utf8_line(data) == _utf8_by_decoding(data), data


def test_utf8_line_examples():
    assert scan.utf8_line("凭证,报销\n".encode("gbk") + "购买,办公\r\n".encode())
    assert scan.utf8_line("abc\n\ufffd,1\n".encode())  # U+FFFD written as UTF-8 is UTF-8
    assert scan.utf8_line("last line without a line feed，".encode())
    assert not scan.utf8_line("凭证,报销\n购买,办公\r\n".encode("gbk"))
    assert not scan.utf8_line(b"ascii only\n\n")


@pytest.mark.parametrize("blank_at", range(0, 12))
def test_blank_line_where_a_scan_buffer_begins_is_not_skipped_silently(tmp_path, monkeypatch, blank_at):
    """The scan reads a file in buffers cut after a line feed; a blank line that begins a
    buffer was missed, DuckDB then skipped it and numbered every later line one too low.
    Here every line is one buffer long, so the blank line begins one: the rows keep their
    physical line numbers."""
    import duckdb

    from xuncha_audit.ingest.loader import load_folder

    header = "凭证日期,凭证号,摘要,科目名称,借方金额,贷方金额"
    width = len(header.encode("gbk")) + 1

    def record(n: int) -> str:
        line = f"2024-01-05,记-{n:02d},购买办公用品,办公费,{100 + n}.00,"
        return line.replace("购买", "购买" + "x" * (width - 1 - len(line.encode("gbk"))))

    lines = [header] + [record(n) for n in range(12)]
    assert {len(x.encode("gbk")) + 1 for x in lines} == {width}
    monkeypatch.setattr(sources, "_CHUNK", width)
    lines.insert(blank_at + 1, "")
    d = tmp_path / "d"
    d.mkdir()
    (d / "序时账.csv").write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    report = load_folder(d, tmp_path / "x.duckdb")
    assert report.entries[0].rows_loaded == 12
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    got = con.execute("SELECT _source_row, voucher_no FROM ledger ORDER BY _source_row").fetchall()
    assert got == [(k + 1, lines[k].split(",")[1]) for k in range(len(lines)) if k and lines[k]]


def _ledger_bytes(n: int, damage: str | None, where: float, encoding: str = "gbk") -> bytes:
    lines = ["某局 2024年度 序时账", "凭证日期,凭证号,摘要,科目名称,借方金额,贷方金额"]
    lines += [f"2024-01-{1 + k % 28:02d},记-{k},购买办公用品,办公费,{100 + k}.00," for k in range(n)]
    body = [x.encode(encoding) for x in lines]
    k = 2 + int(where * (n - 1))
    if damage == "nul":
        body[k] = body[k].replace(b",", b"\x00", 1)
    elif damage == "quote":
        body[k] = body[k].replace(b"\xb0\xec", b'"\xb0\xec', 1) if encoding == "gbk" else body[k] + b'"'
    elif damage == "blank":
        body.insert(k, b"")
    elif damage == "utf8":
        body[k] = lines[k].encode("utf-8")
    elif damage == "crlf":
        body[k] = body[k] + b"\r"
    return b"\n".join(body) + b"\n"


@pytest.mark.parametrize("damage", [None, "nul", "quote", "blank", "utf8", "crlf"])
@pytest.mark.parametrize("where", [0.05, 0.5, 0.51, 0.95])
def test_scan_in_two_processes_says_what_one_says(tmp_path, monkeypatch, damage, where):
    """A large file is scanned in two halves, the second by another process: the same line
    count and the same UTF-8 copy as one scan, and damage in either half (or right at the
    cut) turns the file away as one scan does."""
    raw = tmp_path / "序时账.csv"
    raw.write_bytes(_ledger_bytes(400, damage, where))
    results = {}
    for parallel in (False, True):
        monkeypatch.setattr(sources, "PARALLEL_SCAN_BYTES", 1 if parallel else 1 << 40)
        monkeypatch.setattr(sources, "_CHUNK", 1000)  # several buffers in each half
        dest = tmp_path / f"utf8_{parallel}.csv"
        lines = sources._fast_scan(raw, "gbk", 3, b"\n", dest)
        results[parallel] = (lines, dest.read_bytes() if lines is not None else None)
        assert not list(tmp_path.glob("*.part2"))
    assert results[True] == results[False]
    assert (results[True][0] is None) == (damage is not None)
    if damage is None:
        assert results[True][0] == 400
        assert results[True][1] == raw.read_bytes().decode("gbk").encode("utf-8")


def test_damage_in_the_second_half_is_quarantined_at_its_line(tmp_path, monkeypatch):
    import duckdb

    from xuncha_audit.ingest.loader import load_folder

    monkeypatch.setattr(sources, "PARALLEL_SCAN_BYTES", 1)
    d = tmp_path / "d"
    d.mkdir()
    data = _ledger_bytes(400, "nul", 0.8)
    (d / "序时账.csv").write_bytes(data)
    bad = next(k for k, line in enumerate(data.split(b"\n"), 1) if b"\x00" in line)
    entry = load_folder(d, tmp_path / "x.duckdb").entries[0]
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (400, 399, 1)
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    assert con.execute("SELECT row_no FROM _quarantine").fetchall() == [(bad,)]
    assert con.execute("SELECT max(_source_row) FROM ledger").fetchone()[0] == 402


@pytest.mark.parametrize("how", ["no_interpreter", "child_fails"])
def test_scan_in_two_processes_without_a_working_second_process(tmp_path, monkeypatch, how):
    """When the second process cannot start or fails (not the file), the second half is
    scanned in this process: the same count and copy, not the slow line reader."""
    raw = tmp_path / "序时账.csv"
    raw.write_bytes(_ledger_bytes(400, None, 0.5))
    monkeypatch.setattr(sources, "PARALLEL_SCAN_BYTES", 1)
    if how == "no_interpreter":
        monkeypatch.setattr(sources.sys, "executable", str(tmp_path / "no-such-python"))
    else:
        monkeypatch.setattr(sources.sys, "executable", "false")
    dest = tmp_path / "utf8.csv"
    assert sources._fast_scan(raw, "gbk", 3, b"\n", dest) == 400
    assert dest.read_bytes() == raw.read_bytes().decode("gbk").encode("utf-8")
    assert not list(tmp_path.glob("*.part2"))


def test_second_process_of_a_scan_imports_the_standard_library_only(tmp_path):
    """The second half's process starts on the critical path of a large file's load: it runs
    the scan module alone, not ``sources`` with NumPy, Arrow, pandas and DuckDB (0.7 s of
    imports before its scan could begin)."""
    import subprocess
    import sys

    raw = tmp_path / "序时账.csv"
    data = _ledger_bytes(400, None, 0.5)
    raw.write_bytes(data)
    cut = data.index(b"\n", len(data) // 2) + 1
    code = ("import sys; from xuncha_audit.ingest.scan import part_main; part_main(sys.argv[1:]); "
            "print(sorted(m for m in ('numpy', 'pyarrow', 'pandas', 'duckdb', 'xuncha_audit.db', "
            "'xuncha_audit.ingest.sources') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(raw), "gbk", b"\n".hex(), str(cut), "",
                          str(1 << 20), str(sources.MAX_LINE_BYTES)],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == str(data[cut:].count(b"\n"))
    assert out[1] == "[]"
