"""Official calendar: 调休 working weekends, holidays, years out of coverage."""

from __future__ import annotations

import datetime as dt
import warnings

import duckdb
import pytest

from xuncha_audit.standards.calendar import (
    CalendarCoverageWarning,
    build_calendar,
    is_holiday,
    is_rest_day,
    year_source,
)

D = dt.date


@pytest.fixture(scope="module")
def cal():
    con = duckdb.connect()
    build_calendar(con, D(2023, 12, 25), D(2026, 12, 31))
    yield con
    con.close()


def _row(con, d):
    return con.execute("SELECT is_rest_day, is_holiday, is_adjusted_workday, holiday_name, source "
                       "FROM std_calendar WHERE date = ?", [d]).fetchone()


@pytest.mark.parametrize("d", [D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28),
                               D(2024, 5, 11), D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12),
                               D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20)])
def test_adjusted_weekend_workdays(cal, d):
    assert d.weekday() >= 5
    rest, hol, adj, _, _ = _row(cal, d)
    assert (rest, hol, adj) == (False, False, True)
    assert is_rest_day(d) is False


@pytest.mark.parametrize("d, name", [(D(2024, 2, 12), "春节"), (D(2024, 10, 1), "国庆节"),
                                     (D(2024, 1, 1), "元旦"), (D(2024, 4, 4), "清明节"),
                                     (D(2024, 5, 1), "劳动节"), (D(2024, 6, 10), "端午节"),
                                     (D(2024, 9, 17), "中秋节"), (D(2026, 10, 1), "国庆节")])
def test_public_holidays_on_weekdays(cal, d, name):
    rest, hol, adj, hname, src = _row(cal, d)
    assert (rest, hol, adj) == (True, True, False)
    assert hname == name and src == "chinese_calendar"
    assert is_holiday(d)


def test_ordinary_days(cal):
    assert _row(cal, D(2024, 3, 2))[:3] == (True, False, False)     # plain Saturday
    assert _row(cal, D(2024, 3, 4))[:3] == (False, False, False)    # plain Monday
    n = cal.execute("SELECT count(*) FROM std_calendar").fetchone()[0]
    assert n == (D(2026, 12, 31) - D(2023, 12, 25)).days + 1


def test_year_out_of_coverage_falls_back_to_weekends_with_warning():
    con = duckdb.connect()
    with pytest.warns(CalendarCoverageWarning, match="2030"):
        build_calendar(con, D(2030, 1, 1), D(2030, 12, 31))
    assert year_source(2030) == "weekend_fallback"
    rows = con.execute("SELECT DISTINCT source FROM std_calendar").fetchall()
    assert rows == [("weekend_fallback",)]
    # 2030-10-01 is a Tuesday: not known as a holiday, so a working day
    assert con.execute("SELECT is_rest_day, is_holiday FROM std_calendar WHERE date='2030-10-01'"
                       ).fetchone() == (False, False)
    assert con.execute("SELECT count(*) FROM std_calendar WHERE is_rest_day").fetchone()[0] == 104
    with pytest.warns(CalendarCoverageWarning):
        assert is_rest_day(D(2030, 10, 5)) is True     # Saturday


def test_covered_years_do_not_warn():
    con = duckdb.connect()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarCoverageWarning)
        build_calendar(con, D(2004, 1, 1), D(2026, 12, 31))
    assert year_source(2004) == "chinese_calendar"


def test_end_before_start_rejected():
    with pytest.raises(ValueError):
        build_calendar(duckdb.connect(), D(2024, 2, 1), D(2024, 1, 1))


def test_holidays_package_path_agrees_with_chinese_calendar():
    """The `holidays` branch (used for years chinese-calendar lacks) gives the same rest days."""
    from xuncha_audit.standards.calendar import _day, _holidays_year

    for year in (2024, 2025, 2026):
        assert _holidays_year(year) is not None
        d = D(year, 1, 1)
        while d.year == year:
            cc_rest, _, cc_adj, _ = _day(d, "chinese_calendar")
            h_rest, _, h_adj, _ = _day(d, "holidays")
            assert (cc_rest, cc_adj) == (h_rest, h_adj), d
            d += dt.timedelta(days=1)
