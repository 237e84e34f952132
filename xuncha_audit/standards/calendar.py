"""Official working-day calendar of mainland China -> ``std_calendar``.

Sources, per year:
1. ``chinese_calendar`` (2004-2026 in version 1.11): public holidays and 调休 working days;
2. ``holidays`` (``holidays.CN``) for a year ``chinese_calendar`` does not cover, when that
   year has official 调休 data there (a weekend working day or a substituted day off);
3. otherwise a weekend-only fallback (Saturday/Sunday = rest day), with a warning in
   Chinese and English: holidays and 调休 of that year are then unknown.
"""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from functools import lru_cache

import pyarrow as pa

from xuncha_audit.db import of

log = logging.getLogger(__name__)

CALENDAR_COLUMNS = {
    "date": "DATE",
    "is_rest_day": "BOOLEAN",
    "is_holiday": "BOOLEAN",
    "is_adjusted_workday": "BOOLEAN",
    "holiday_name": "VARCHAR",
    "source": "VARCHAR",
}

_NAMES_ZH = [
    ("new year", "元旦"),
    ("spring festival", "春节"),
    ("chinese new year", "春节"),
    ("tomb", "清明节"),
    ("labo", "劳动节"),
    ("dragon boat", "端午节"),
    ("national day", "国庆节"),
    ("mid-autumn", "中秋节"),
    ("anti-fascist", "抗战胜利纪念日"),
    ("victory", "抗战胜利纪念日"),
    ("day off", "调休"),
]


class CalendarCoverageWarning(UserWarning):
    """Some years of the requested calendar fall back to weekends only."""


def _zh(name: str | None) -> str | None:
    if not name:
        return None
    low = name.lower()
    for key, zh in _NAMES_ZH:
        if key in low:
            return zh
    return name


@lru_cache(maxsize=1)
def _cc_years() -> tuple[int, int]:
    try:
        import chinese_calendar as cc
    except ImportError:  # pragma: no cover - dependency is declared
        return (0, -1)
    return (min(cc.holidays).year, max(max(cc.holidays), max(cc.workdays)).year)


@lru_cache(maxsize=64)
def _holidays_year(year: int):
    """(holiday dates -> name, weekend workdays) of ``holidays.CN`` for an officially covered year."""
    try:
        import holidays
    except ImportError:  # pragma: no cover
        return None
    cn = holidays.CN(years=year)
    wwd = {d for d in getattr(cn, "weekend_workdays", set()) if d.year == year}
    subst = any("substitut" in str(n).lower() for n in cn.values())
    if not wwd and not subst:
        return None
    return dict(cn.items()), wwd


def year_source(year: int) -> str:
    lo, hi = _cc_years()
    if lo <= year <= hi:
        return "chinese_calendar"
    if _holidays_year(year) is not None:
        return "holidays"
    return "weekend_fallback"


def _day(d: _dt.date, source: str) -> tuple[bool, bool, bool, str | None]:
    """(is_rest_day, is_holiday, is_adjusted_workday, holiday_name) of one date."""
    weekend = d.weekday() >= 5
    if source == "chinese_calendar":
        import chinese_calendar as cc

        name = cc.holidays.get(d)
        if name is not None:                      # public holiday (incl. its weekend days)
            return (True, True, False, _zh(str(name)))
        name = cc.workdays.get(d)
        if name is not None:                      # 调休: a weekend day worked
            return (False, False, weekend, _zh(str(name)) if weekend else None)
        return (weekend, False, False, None)
    if source == "holidays":
        hol, wwd = _holidays_year(d.year)
        name = hol.get(d)
        if d in wwd:
            return (False, False, True, None)
        if name is not None:
            return (True, True, False, _zh(str(name)))
        return (weekend, False, False, None)
    return (weekend, False, False, None)


@lru_cache(maxsize=8)
def calendar_arrow(start: _dt.date, end: _dt.date) -> tuple[pa.Table, tuple[int, ...]]:
    """The calendar rows as an Arrow table, and the years that fell back to weekends."""
    dates, rest, hol, adj, names, srcs = [], [], [], [], [], []
    fallback: list[int] = []
    sources: dict[int, str] = {}
    d = start
    one = _dt.timedelta(days=1)
    while d <= end:
        src = sources.get(d.year)
        if src is None:
            src = sources[d.year] = year_source(d.year)
            if src == "weekend_fallback":
                fallback.append(d.year)
        r, h, a, n = _day(d, src)
        dates.append(d)
        rest.append(r)
        hol.append(h)
        adj.append(a)
        names.append(n)
        srcs.append(src)
        d += one
    table = pa.table({
        "date": pa.array(dates, pa.date32()),
        "is_rest_day": pa.array(rest, pa.bool_()),
        "is_holiday": pa.array(hol, pa.bool_()),
        "is_adjusted_workday": pa.array(adj, pa.bool_()),
        "holiday_name": pa.array(names, pa.string()),
        "source": pa.array(srcs, pa.string()),
    })
    return table, tuple(fallback)


def _warn(years: tuple[int, ...]) -> None:
    if not years:
        return
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    msg = (f"{span} 年不在节假日数据覆盖范围内（chinese-calendar / holidays），"
           f"这些年份只按周六、周日判断休息日，法定节假日和调休未知。"
           f" (Years {span} are not covered by chinese-calendar or holidays: "
           f"rest days there are weekends only; public holidays and adjusted workdays are unknown.)")
    log.warning(msg)
    warnings.warn(msg, CalendarCoverageWarning, stacklevel=3)


_WARNED: set[tuple[int, ...]] = set()


def build_calendar(con, start: _dt.date, end: _dt.date, *, warn: str = "always") -> None:
    """Create or replace ``std_calendar`` in ``con`` for ``start``..``end`` inclusive.

    Years that neither chinese-calendar nor holidays covers get weekend-only rest days and a
    warning; ``warn="once"`` gives that warning once per process (``install`` uses it).
    """
    be = of(con)
    if end < start:
        raise ValueError("calendar end before start")
    table, fallback = calendar_arrow(start, end)
    if warn == "always" or (warn == "once" and fallback not in _WARNED):
        _WARNED.add(fallback)
        _warn(fallback)
    name = f"_xa_std_calendar_{id(table)}"
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in CALENDAR_COLUMNS.items())
    with be.registered(name, table):
        be.execute(f"CREATE OR REPLACE TABLE std_calendar AS SELECT {cols} FROM {name}")


def is_rest_day(d: _dt.date) -> bool:
    """True on weekends and public holidays, False on working days incl. 调休 Saturdays/Sundays."""
    src = year_source(d.year)
    if src == "weekend_fallback":
        _warn((d.year,))
    return _day(d, src)[0]


def is_holiday(d: _dt.date) -> bool:
    """True on a public holiday (not on an ordinary weekend)."""
    return _day(d, year_source(d.year))[1]
