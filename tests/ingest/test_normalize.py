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


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "/", "null", "NaN", "#N/A"])
def test_empty_and_placeholders(con, raw):
    assert _parse(con, "xa_cell", raw) is None
    assert _parse(con, "xa_amount", raw) is None


@pytest.mark.parametrize("raw", ["abc", "12,3a", "1.2.3", "万", "(x)"])
def test_bad_amounts(con, raw):
    assert _parse(con, "xa_cell", raw) is not None
    assert _parse(con, "xa_amount", raw) is None


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


@pytest.mark.parametrize("raw", ["2024-02-30", "2024-13-01", "x", "2024", "3/5/2024"])
def test_bad_dates(con, raw):
    assert _parse(con, "xa_date", raw) is None


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
    [("3", 3), ("3.0", 3), ("3人", 3), ("１２", 12), ("1,200", 1200), ("2.5", None), ("x", None)],
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
