"""The fast scan's line tests (quotes, line lengths) against their plain definitions."""

from __future__ import annotations

import random
import re

import pytest

from xuncha_audit.ingest import sources


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
        assert sources._odd_quotes(data) == _odd_by_regex(data), data


def test_odd_quotes_across_lines():
    assert sources._odd_quotes(b'a,"b\nc",d\n')  # a field spanning two lines
    assert not sources._odd_quotes(b'a,"b,c",d\n"x""y",z\n')
    assert sources._odd_quotes(b'a,b"c\n')  # a stray quote


@pytest.mark.parametrize("limit", [8, 9, 64])
def test_long_line_found_wherever_it_stands(monkeypatch, limit):
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", limit)
    rnd = random.Random(limit)
    for _ in range(2000):
        lines = [b"x" * rnd.choice([0, 1, limit - 1, limit, limit + 1, 2 * limit, rnd.randint(0, 3 * limit)])
                 for _ in range(rnd.randint(1, 6))]
        data = b"\n".join(lines) + rnd.choice([b"", b"\n"])
        assert sources._long_line(data) == _long_by_split(data, limit), (limit, data)


@pytest.mark.parametrize("blank_at", range(1, 12))
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
