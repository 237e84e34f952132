"""Property tests (hypothesis): files with random damage — encodings, NUL bytes, line
endings, over-long lines, truncation, wrong field counts, garbage cells, title lines above
the header, blank lines, quoted multi-line fields — must give

    rows read = rows loaded + rows quarantined,

with every good row loaded exactly as written and every damaged row quarantined at its
physical line number (issue 16). Examples are few and derandomised (CI runs on 2 cores)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ingest_support import write_xlsx

import xuncha_audit.ingest.sources as sources
from xuncha_audit.ingest.loader import load_folder

# minutes of GX/property/rerun work: part of make test, not of the fast tier
pytestmark = pytest.mark.slow

PROFILE = settings(
    max_examples=20, derandomize=True, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a full load
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADER = ["凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额"]
TITLES = ["某市住房和城乡建设局", "2024年度 序时账", "金额单位：元", "打印日期：2025-01-03"]
SUMMARY_CHARS = "购办公用品差旅费会议培训维修车辆加油印刷资料abcXYZ0123 ,;\"'"
MAX_LINE = 400  # MAX_LINE_BYTES during the test, so that over-long lines stay small
DAMAGE = ["nul", "encoding", "terminator", "long", "fields", "amount", "date", "quote"]
BAD_AMOUNTS = ["NaN", "#N/A", "--", "12,34", "1,2345.00", "空", "1.2.3", "#VALUE!"]
BAD_DATES = ["24/3/1", "10000", "2024-02-30", "0001-01-01", "2024-02-29 25:00", "n/a"]

good_row = st.fixed_dictionaries({
    "day": st.dates(min_value=__import__("datetime").date(2023, 1, 1),
                    max_value=__import__("datetime").date(2024, 12, 31)),
    "summary": st.text(SUMMARY_CHARS, min_size=1, max_size=20).filter(lambda t: t.strip()),
    "cents": st.integers(min_value=-99_999_999, max_value=999_999_999),
    "style": st.sampled_from(["plain", "thousands", "yuan", "paren", "wan"]),
    "multiline": st.booleans(),
})


def _amount_text(cents: int, style: str) -> str:
    v = Decimal(cents) / 100
    if style == "thousands":
        return f"{v:,.2f}"
    if style == "yuan":
        return f"{v:.2f}元"
    if style == "paren" and v < 0:
        return f"（{-v:,.2f}）"
    if style == "wan" and cents % 100 == 0:
        return f"{v / 10000}万元"
    return f"{v:.2f}"


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)  # quotes fields holding \r or \n
    return buf.getvalue()[:-2]


@st.composite
def damaged_file(draw):
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
    term = draw(st.sampled_from(["\n", "\r\n"]))
    n_titles = draw(st.integers(0, 3))
    specs = draw(st.lists(good_row, min_size=3, max_size=25))
    damage = draw(st.lists(st.sampled_from([None, None, None, *DAMAGE]), min_size=len(specs), max_size=len(specs)))
    # damaged rows stay a minority (the head decides delimiter and header), and lines in
    # another encoding a small one (they would decide the file's encoding by their votes)
    n_bad = n_enc = 0
    for i, dmg in enumerate(damage):
        if dmg is None:
            continue
        if (n_bad + 1) * 2 >= len(specs) or (dmg == "encoding" and (n_enc + 1) * 3 >= len(specs)):
            damage[i] = None
            continue
        n_bad += 1
        n_enc += dmg == "encoding"
    truncate = draw(st.booleans())
    blank_after = draw(st.sets(st.integers(0, len(specs) - 1), max_size=3))
    codec = "gb18030" if encoding == "gbk" else "utf-8"
    other = "utf-8" if encoding == "gbk" else "gbk"

    out = bytearray()
    if encoding == "utf-8-sig":
        out += b"\xef\xbb\xbf"
    line_no = 0

    def emit(text_or_bytes, terminator=term):
        nonlocal line_no
        data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode(codec)
        out.extend(data + terminator.encode())
        line_no += 1 + data.count(b"\n")

    for t in TITLES[:n_titles]:
        emit(t)
    emit(_csv_line(HEADER))
    expected_good, expected_bad = {}, set()
    for i, (spec, dmg) in enumerate(zip(specs, damage, strict=True)):
        voucher = f"记-{i + 1}"
        summary = spec["summary"] + ("\n第二行" if spec["multiline"] and dmg is None else "")
        amount = _amount_text(spec["cents"], spec["style"])
        cells = [spec["day"].isoformat(), voucher, summary, "办公费", amount, ""]
        first = line_no + 1
        if dmg == "amount":
            cells[4] = draw(st.sampled_from(BAD_AMOUNTS))
        elif dmg == "date":
            cells[0] = draw(st.sampled_from(BAD_DATES))
        elif dmg == "fields":
            cells = [*cells, "多余"] if draw(st.booleans()) else cells[:4]
        elif dmg == "long":
            cells[2] = "长" * MAX_LINE
        elif dmg == "quote":
            cells[2] = '"' + cells[2].replace('"', "")  # an opening quote never closed
        line = _csv_line(cells) if dmg != "quote" else ",".join(cells)
        data = line.encode(codec)
        if dmg == "nul":
            k = draw(st.integers(0, len(data)))
            data = data[:k] + b"\x00" + data[k:]
        elif dmg == "encoding":
            data = line.encode(other)
        if dmg == "terminator":
            emit(data, "\n" if term == "\r\n" else "\r\n")
        else:
            emit(data)
        if dmg is None:
            expected_good[first] = (spec["day"], voucher, summary, Decimal(spec["cents"]) / 100)
        else:
            expected_bad.add(first)
        if i in blank_after:
            emit("")
    if truncate:  # cut the last row before its last delimiter: it loses fields
        last = max([*expected_good, *expected_bad])
        body = bytes(out)
        cut = body.rstrip(b"\r\n").rfind(b",")
        start_last = body.rstrip(b"\r\n").rfind(b"\n") + 1
        if cut > start_last and last in expected_good and "\n" not in expected_good[last][2]:
            out = bytearray(body[:cut])
            expected_good.pop(last)
            expected_bad.add(last)
    return bytes(out), encoding, expected_good, expected_bad


@PROFILE
@given(damaged_file())
def test_damage_is_contained_and_counted(tmp_path_factory, case):
    data, _encoding, good, bad = case
    d = tmp_path_factory.mktemp("prop")
    (d / "data").mkdir()
    (d / "data" / "序时账.csv").write_bytes(data)
    with mock.patch.object(sources, "MAX_LINE_BYTES", MAX_LINE):
        report = load_folder(d / "data", d / "x.duckdb")
    (entry,) = report.entries
    assert entry.table_name == "ledger", entry.message_zh
    assert entry.rows_read == entry.rows_loaded + entry.rows_quarantined
    assert entry.rows_read == len(good) + len(bad), (entry, sorted(bad))
    with duckdb.connect(str(d / "x.duckdb"), read_only=True) as con:
        loaded = {r[0]: r[1:] for r in con.execute(
            "SELECT _source_row, voucher_date, voucher_no, summary, debit FROM ledger").fetchall()}
        quarantined = {r[0] for r in con.execute("SELECT DISTINCT row_no FROM _quarantine").fetchall()}
    assert quarantined == bad
    assert set(loaded) == set(good)
    for row, (day, voucher, summary, amount) in good.items():
        got = loaded[row]
        assert got[0] == day and got[1] == voucher and got[3] == amount, (row, got)
        assert got[2] == summary.strip(), (row, got)


@st.composite
def workbook(draw):
    """A sheet with title rows (maybe merged) above the header, an optional blank row below
    it, numbers and text cells mixed, and garbage cells in typed columns."""
    n_titles = draw(st.integers(0, 4))
    specs = draw(st.lists(good_row, min_size=2, max_size=20))
    damage = draw(st.lists(st.sampled_from([None, None, "amount", "date", "required"]),
                           min_size=len(specs), max_size=len(specs)))
    numeric = draw(st.booleans())  # amounts written as numbers (cells) or as text
    rows: list[list[object]] = [[t] for t in TITLES[:n_titles]]
    rows.append(HEADER)
    if draw(st.booleans()):
        rows.append([])
    good, bad = {}, set()
    for i, (spec, dmg) in enumerate(zip(specs, damage, strict=True)):
        amount = Decimal(spec["cents"]) / 100
        cells: list[object] = [spec["day"].isoformat(), f"记-{i + 1}", spec["summary"], "办公费",
                               float(amount) if numeric else _amount_text(spec["cents"], spec["style"]), None]
        if dmg == "amount":
            cells[4] = draw(st.sampled_from(BAD_AMOUNTS))
        elif dmg == "date":
            cells[0] = draw(st.sampled_from(BAD_DATES))
        elif dmg == "required":
            cells[1] = draw(st.sampled_from([None, "--", "NaN"]))
        rows.append(cells)
        if dmg is None:
            good[len(rows)] = (spec["day"], f"记-{i + 1}", spec["summary"].strip(), amount)
        else:
            bad.add(len(rows))
    return rows, good, bad, draw(st.booleans())


@PROFILE
@given(workbook())
def test_workbook_garbage_cells_and_header_positions(tmp_path_factory, case):

    rows, good, bad, merge = case
    d = tmp_path_factory.mktemp("propx")
    write_xlsx(d / "data" / "序时账.xlsx", {"凭证": rows}, merge_title=merge)
    report = load_folder(d / "data", d / "x.duckdb")
    (entry,) = report.entries
    assert entry.table_name == "ledger", entry.message_zh
    assert entry.rows_read == entry.rows_loaded + entry.rows_quarantined == len(good) + len(bad)
    with duckdb.connect(str(d / "x.duckdb"), read_only=True) as con:
        loaded = {r[0]: r[1:] for r in con.execute(
            "SELECT _source_row, voucher_date, voucher_no, summary, debit FROM ledger").fetchall()}
        quarantined = {r[0] for r in con.execute("SELECT DISTINCT row_no FROM _quarantine").fetchall()}
    assert quarantined == bad
    assert loaded == good
