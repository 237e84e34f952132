"""Every parsing rule of the SQL normalisers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from xuncha_audit.ingest.normalize import install_parse_macros


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    install_parse_macros(c)
    yield c
    c.close()


def _parse(con, macro, value):
    return con.execute(f"SELECT {macro}(?)", [value]).fetchone()[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("￥1,234.56", "1234.56"),
        ("¥12", "12"),
        ("1234.56元", "1234.56"),
        ("RMB 100", "100"),
        ("(1,234.56)", "-1234.56"),
        ("（1,234.56）", "-1234.56"),
        ("-1234.56", "-1234.56"),
        ("−5", "-5"),
        ("１２３４．５６", "1234.56"),
        ("1.2万", "12000"),
        ("12.5万元", "125000"),
        ("1.2E+05", "120000"),
        (" 12 ", "12"),
        ("0.125", "0.13"),
        ("1234.565", "1234.57"),
    ],
)
def test_amounts(con, raw, expected):
    assert _parse(con, "xa_amount", raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000", "-", "—", "－"])
def test_empty(con, raw):
    assert _parse(con, "xa_cell", raw) is None
    assert _parse(con, "xa_amount", raw) is None


@pytest.mark.parametrize(
    "raw", ["/", "null", "NaN", "nan", "#N/A", "--", "——", "空", "none", "N/A", "#VALUE!", "#DIV/0!"]
)
def test_placeholders_are_empty_text_but_garbage_in_typed_columns(con, raw):
    # optional means "may be empty", not "may be garbage": a typed column quarantines them
    assert _parse(con, "xa_cell", raw) is not None
    assert con.execute("SELECT xa_text_c(xa_cell(?))", [raw]).fetchone()[0] is None
    for macro in ("xa_amount", "xa_int", "xa_date", "xa_month"):
        assert _parse(con, macro, raw) is None, macro


@pytest.mark.parametrize(
    "raw", ["abc", "12,3a", "1.2.3", "万", "(x)", "12,34", "1,2345.00", "1,23,456", ",123", "1_000",
            "0x10", "1e40", "99999999999999999999999", "12 34a"]
)
def test_bad_amounts(con, raw):
    assert _parse(con, "xa_cell", raw) is not None
    assert _parse(con, "xa_amount", raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("74.15万元", "741500.00"), ("74.155万元", "741550.00"), ("672,639.00元", "672639.00"),
        ("1.2亿", "120000000.00"), ("3.5亿元", "350000000.00"), ("12千元", "12000.00"),
        ("（1,234.00）", "-1234.00"), ("-1,234.00", "-1234.00"), ("(74.15万元)", "-741500.00"),
        ("１２，３４５．６７", "12345.67"), ("1,234,567.891", "1234567.89"), ("0.005", "0.01"),
        ("-0.005", "-0.01"), ("1.23456789012E+11", "123456789012.00"), ("¥ 1 234.5", "1234.50"),
    ],
)
def test_amount_units_and_signs(con, raw, expected):
    assert _parse(con, "xa_amount", raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "factor", "expected"),
    [
        ("74.15", 10000, "741500.00"), ("74.155", 10000, "741550.00"), ("1,234.5678", 10000, "12345678.00"),
        ("0.000001", 10000, "0.01"), ("12", 1000, "12000.00"), ("(1.5)", 10000, "-15000.00"),
        ("74.15万元", 10000, "741500.00"),  # the cell's own unit wins
        ("672,639.00元", 10000, "672639.00"), ("1.2亿", 10000, "120000000.00"),
    ],
)
def test_column_factor_applied_exactly_before_rounding(con, raw, factor, expected):
    from xuncha_audit.ingest.normalize import amount_sql

    got = con.execute(f"SELECT {amount_sql('?', factor)}", [raw]).fetchone()[0]
    assert got == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "factor"),
    [("合同金额（万元）", 10000), ("金额(万元)", 10000), ("金额单位：万元", 10000), ("单位: 千元", 1000),
     ("预算金额【亿元】", 100000000), ("金额（元）", 1), ("金额", None), ("万元户", None), (None, None)],
)
def test_unit_factor(text, factor):
    from xuncha_audit.ingest.normalize import unit_factor

    assert unit_factor(text) == factor


def test_amount_sql_rejects_fractional_factors():
    from xuncha_audit.ingest.normalize import amount_sql

    with pytest.raises(ValueError):
        amount_sql("c1", 0.5)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05", "2024/3/5", "20240305", "2024年3月5日", "2024年3月5号", "2024.03.05",
        "45356", "45356.75", "2024-03-05 10:20:30", "2024/3/5 0:00", "2024-03-05T10:20:30",
        "２０２４－０３－０５",
    ],
)
def test_dates(con, raw):
    assert _parse(con, "xa_date", raw) == dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    "raw",
    ["2024-02-30", "2024-13-01", "x", "2024", "3/5/2024",
     "24/3/1", "24-03-01", "24.3.1",  # two-digit years are never guessed
     "10000", "32873", "73051", "99999",  # Excel serials outside 1990-01-01 .. 2099-12-31
     "0001-01-01", "1899-12-31", "2100-01-01", "9999-12-31",  # outside the plausible bounds
     "2024-02-29 25:00", "2024/3/5 24:00:00", "2024-03-05 10:60", "2024-03-05 10:20:61",
     "2024-03-05 10"],
)
def test_bad_dates(con, raw):
    assert _parse(con, "xa_date", raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("32874", dt.date(1990, 1, 1)), ("73050", dt.date(2099, 12, 31)), ("2024-02-29 23:59:59", dt.date(2024, 2, 29)),
     ("1900-01-01", dt.date(1900, 1, 1)), ("2024年2月29日 8时5分", dt.date(2024, 2, 29))],
)
def test_date_edges(con, raw, expected):
    assert _parse(con, "xa_date", raw) == expected


def test_date_bounds_from_the_inspection_period():
    from xuncha_audit.ingest.normalize import set_date_bounds

    c = duckdb.connect()
    install_parse_macros(c)
    assert set_date_bounds(c, dt.date(2023, 1, 1), dt.date(2024, 12, 31)) == ("1953-01-01", "2034-12-28")
    assert _parse(c, "xa_date", "1952-12-31") is None
    assert _parse(c, "xa_date", "1953-01-01") == dt.date(1953, 1, 1)
    assert _parse(c, "xa_date", "2035-01-01") is None
    assert _parse(c, "xa_date", "2204-03-01") is None
    assert _parse(c, "xa_month", "2204-03") is None
    assert set_date_bounds(c) == ("1900-01-01", "2099-12-31")
    assert _parse(c, "xa_date", "1952-12-31") == dt.date(1952, 12, 31)
    c.close()


@pytest.mark.parametrize(
    "raw", ["2024-03", "2024/3", "2024.03", "202403", "2024年3月", "2024年03月份", "2024-03-17", "45366"]
)
def test_months(con, raw):
    assert _parse(con, "xa_month", raw) == dt.date(2024, 3, 1)


@pytest.mark.parametrize("raw", ["2024-13", "三月", "x"])
def test_bad_months(con, raw):
    assert _parse(con, "xa_month", raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True), ("否", False), ("有", True), ("无", False), ("Y", True), ("n", False),
        ("1", True), ("0", False), ("1.0", True), ("true", True), ("FALSE", False),
        ("√", True), ("×", False), ("yes", True), ("No", False), ("maybe", None),
    ],
)
def test_bools(con, raw, expected):
    assert _parse(con, "xa_bool", raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), ("3.0", 3), ("3人", 3), ("１２", 12), ("1,200", 1200), ("2.5", None), ("x", None),
     ("12,34", None), ("1_000", None), ("--", None)],
)
def test_ints(con, raw, expected):
    assert _parse(con, "xa_int", raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.8", "1.80"), ("1.8L", "1.80"), ("1.8升", "1.80"), ("1.4T", "1.40"), ("1798ml", "1.80"),
     ("1998cc", "2.00"), ("2.0 L", "2.00")],
)
def test_displacement(con, raw, expected):
    assert _parse(con, "xa_displacement", raw) == Decimal(expected)
    assert _parse(con, "xa_displacement", "abc") is None


def test_cell_gate_lets_in_every_cell_the_cleaning_changes(con):
    """xa_cell runs the cleaning only where CELL_GATE matches: on every kind of cell —
    each trimmed character at either end, full-width characters, U+2212, each empty mark,
    placeholders, blanks, and ordinary text and numbers — it answers what the cleaning alone
    answers (a gate that missed one would leave that cell uncleaned)."""
    from xuncha_audit.ingest.normalize import _EMPTY_MARKS, TRIM_CHARS, cell_sql

    core = ["", "张三", "1,234.56", "AB-12", "na", "null", "--", "/", "2024/3/5", "a b", "x"]
    cells = list(core)
    for ch in TRIM_CHARS:
        cells += [ch, ch + "张三", "张三" + ch, ch * 2 + "12" + ch]
    for mark in _EMPTY_MARKS:
        cells += [mark, mark * 2, " " + mark, mark + "1"]
    cells += ["１２３", "ＡＢＣ", "张　三", "−5", "5−", "（1）", "！", "\u2212", "\u3000"]
    rows = con.execute(
        f"SELECT c, xa_cell(c), xa_cell_clean(c), {cell_sql('c')} FROM unnest($cells) AS t(c)",
        {"cells": cells}).fetchall()
    assert len(rows) == len(cells)
    wrong = [(c, gated, clean, inline) for c, gated, clean, inline in rows if not gated == clean == inline]
    assert not wrong


def test_thousands_fast_path_reads_as_the_full_parser():
    """Thousands-grouped amounts with at most two decimals skip the full parser: they read
    the same as through it (its regular expressions), signs, rounding and bounds included;
    the shapes the fast path must not take (other groupings, more decimals, units) still go
    through it."""
    c = duckdb.connect()
    install_parse_macros(c)
    values = ["1,234", "1,234.5", "1,234.56", "-25,788.34", "+25,788.34", "999,999,999,999,999.99",
              "9,999,999,999,999,999.99", "12,345,678.00", "1,000.", "1,234.567", "12,34.00", "1,2345",
              "1,234.5万", "0,123.00", "-0,001.10", "1,000.0049999999"]
    full = ("TRY_CAST(xa_amount_p(regexp_extract(v, '" + _amount_re().replace("'", "''")
            + "', ['o', 'n', 'u', 'c']), 1) AS DECIMAL(18,2))")
    rows = c.execute(f"SELECT v, xa_amount(v), {full} FROM unnest(?) t(v)", [values]).fetchall()
    assert [(v, a) for v, a, _ in rows] == [(v, b) for v, _, b in rows]
    assert rows[2][1] == Decimal("1234.56") and rows[3][1] == Decimal("-25788.34")
    c.close()


def _amount_re() -> str:
    from xuncha_audit.ingest import normalize

    return normalize._AMOUNT_RE
