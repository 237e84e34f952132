"""Typed parsing of raw (all-VARCHAR) cells, as DuckDB macros. The rules are written down,
with the reasons, in ``docs/parsing.md``; ``tests/ingest/test_normalize.py`` tests each one.

Every parser returns NULL for an empty cell and NULL for a cell it cannot read; ingestion
tells the two apart (``xa_cell(raw) IS NOT NULL AND parsed IS NULL`` = unparseable) and
quarantines the row. Optional means "may be empty", never "may be garbage".

* ``xa_cell``: full-width -> half-width, trimmed (incl. U+3000, NBSP, BOM); the empty
  string and a lone dash (``-``, ``—``, ``－``: how accounting formats show an empty or
  zero cell) become NULL. Nothing else is emptied here.
* ``xa_text_c`` (text columns): the placeholders ``-- —— / \\ null none nan #N/A n/a 空``
  and Excel error values (``#VALUE!`` ...) mean "no value" in a text column -> NULL. In a
  typed column (amount, integer, date, month) the same placeholders are unparseable, so
  the row is quarantined with the reason.
* ``xa_amount`` (decimal, exact: no float anywhere): ``1234.56``, ``1,234.56`` (thousands
  separators only every three digits: ``12,34`` and ``1,2345`` are unparseable),
  ``￥1,234.56``, ``¥``, ``$``, ``RMB``, ``CNY``, ``人民币``, ``1234.56元``, negative
  ``-1,234.56``, ``−5`` (U+2212) and ``(1,234.56)`` / ``（1,234.56）`` (red entries stay
  negative), full-width digits, unit suffixes ``万``/``万元`` (x 10,000), ``亿``/``亿元``
  (x 100,000,000), ``千元`` (x 1,000), scientific notation from Excel (``1.2E+05``, read
  exactly by DECIMAL cast); the unit is applied before rounding to 2 decimals (half away
  from zero), so ``74.155万元`` is 741550.00.

  **Column multipliers (interface for layouts).** A column whose header or title says
  ``（万元）``/``千元``/``亿元`` is parsed with ``xa_amount_scaled(cell, factor)``
  (``factor`` an integer: 1000, 10000, 100000000), or in Python
  ``amount_sql(expr, factor)`` which builds that SQL. :func:`unit_factor` reads the
  factor from a header or title text (``合同金额（万元）``, ``金额单位：万元``). A cell
  that names its own unit (``74.15万元``, ``672,639.00元``) keeps it: the column factor
  is not applied on top of it. ``xa_amount(s)`` is ``xa_amount_scaled(s, 1)``.
* ``xa_int``: an integer, optionally written ``3.0`` (Excel), with thousands separators in
  valid positions, or with a counter word (``3人``, ``2天``, ``1次``, ``4晚``); ``2.5`` is not
  an integer.
* ``xa_date``: ``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日`` (or ``号``),
  ``20240305``, any of those followed by a valid time (hour 0-23, minute and second 0-59;
  ``2024-02-29 25:00`` is unparseable), Excel serial numbers (5 digits, days since
  1899-12-30) only between 1990-01-01 and 2099-12-31 (``10000`` is not 1927-05-18);
  impossible dates (2024-02-30) are unparseable; two-digit years (``24/3/1``) are never
  guessed: unparseable. Every date must lie within the plausibility bounds, by default
  1900-01-01 .. 2099-12-31 (``0001-01-01`` is unparseable); :func:`set_date_bounds`
  narrows them from the inspection period.
* ``xa_month``: ``2024-03``, ``2024/3``, ``2024.03``, ``202403``, ``2024年3月`` (``月份``),
  or any date above -> the first day of the month; same bounds.
* ``xa_bool``: 是/否, 有/无, Y/N, yes/no, 1/0 (also ``1.0``/``0.0``), true/false, T/F,
  √/×, ✓/✗, 对/错.
* ``xa_displacement`` (litres): ``1.8``, ``1.8L``, ``1.8升``, ``1.4T``, ``1798ml``,
  ``1798cc``, ``1798毫升``.
"""

from __future__ import annotations

from xuncha_audit.db import literal, of
from xuncha_audit.ingest.derive import _WS, install_macros
from xuncha_audit.ingest.derive import let_sql as _let

_NUM_RE = r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
# An amount's number: plain digits or thousands groups of exactly three, optional decimals,
# optional exponent (Excel writes large numbers as 1.2E+05 in CSV).
_AMOUNT_NUM_RE = r"[-+]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?([eE][-+]?[0-9]{1,2})?|[-+]?\.[0-9]+"
_EMPTY_MARKS = ("-", "—", "－", "–")
# "no value" in a text column; unparseable in a typed one
_PLACEHOLDERS = ("--", "---", "——", "/", "\\", "null", "none", "nan", "#n/a", "n/a", "na", "空",
                 "#null!", "#value!", "#ref!", "#div/0!", "#num!", "#name?")
_TRUE = ("是", "有", "y", "yes", "1", "1.0", "true", "t", "√", "✓", "✔", "对")
_FALSE = ("否", "无", "n", "no", "0", "0.0", "false", "f", "×", "✗", "✘", "x", "错", "没有")
# Cell unit suffixes of amounts -> factor
AMOUNT_UNITS = {"万元": 10000, "万": 10000, "亿元": 100000000, "亿": 100000000, "千元": 1000, "元": 1}
DATE_MIN, DATE_MAX = "1900-01-01", "2099-12-31"
SERIAL_MIN, SERIAL_MAX = 32874, 73050  # Excel serials of 1990-01-01 and 2099-12-31


def _list(values) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


_TIME_RE = (
    r"([T ]+([0-9]{1,2})[:时]([0-9]{1,2})(?:[:分]([0-9]{1,2})(?:\.[0-9]+)?秒?|分)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_DATE_RE = r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?" + _TIME_RE
_MONTH_RE = r"([0-9]{4})[-/.年]([0-9]{1,2})(月份|月)?"

# Characters trimmed from both ends of every cell (after full-width -> half-width).
TRIM_CHARS = " \t\r\n\x0b\x0c\u00a0\u3000\ufeff\u200b\u2002\u2003\u2009\u202f\u2060"
_CELL_BODY = (
    f"CASE WHEN strlen(z) <= 3 AND z IN ({', '.join(literal(p) for p in _EMPTY_MARKS)}) "
    "THEN NULL ELSE nullif(z, '') END"
)


_GATE_CLASS = "".join(f"\\x{{{ord(c):X}}}" for c in TRIM_CHARS)
# A raw cell that the cleaning would change: whitespace at either end, full-width
# characters, the minus sign U+2212, an empty mark (- — － –), a placeholder, or the empty
# string. Cells that do not match are already clean, so the (costlier) cleaning runs only
# on the others: ``xa_cell`` itself is gated (tests/ingest/test_normalize.py holds the gate
# to the cleaning on every kind of cell).
CELL_GATE = (
    f"^[{_GATE_CLASS}]|[{_GATE_CLASS}]$|[\\x{{FF01}}-\\x{{FF5E}}\\x{{3000}}\\x{{2212}}]"
    "|^(?i:-+|—+|–+|/|\\\\|null|none|nan|#n/a|n/a)$|^$"
)


def cell_sql(src: str) -> str:
    """``xa_cell(src)`` written out (the gate, then the cleaning for the cells it lets in)."""
    return f"CASE WHEN regexp_matches({src}, {literal(CELL_GATE)}) THEN xa_cell_clean({src}) ELSE {src} END"


PARSE_MACROS = {
    "xa_trim": f"trim(replace(xa_fw(s), chr(8722), '-'), {literal(TRIM_CHARS)})",
    # the cleaning, on any cell; xa_cell runs it only where the gate says it changes something
    # (on a payroll's 1M item cells: 1.35 -> 0.44 s for the unpivot's filter)
    "xa_cell_clean": _let(_CELL_BODY, "xa_trim(s)"),
    "xa_cell": f"CASE WHEN regexp_matches(s, {literal(CELL_GATE)}) THEN xa_cell_clean(s) ELSE s END",
    "xa_num": _let(
        f"CASE WHEN regexp_full_match(z, {literal(_NUM_RE)}) THEN coalesce("
        "TRY_CAST(z AS DECIMAL(38,6)), TRY_CAST(TRY_CAST(z AS DOUBLE) AS DECIMAL(38,6))) END"
    ),
    # amounts: exact DECIMAL(38,6) until the unit factor is applied; rounded to 2 decimals last
    "xa_amount_n": _let(
        f"CASE WHEN regexp_full_match(z, {literal(_AMOUNT_NUM_RE)}) "
        "THEN TRY_CAST(replace(z, ',', '') AS DECIMAL(38,6)) END"
    ),
    "xa_amount_c": "xa_amount_scaled_c(s, 1)",
    "xa_amount": "xa_amount_scaled_c(xa_cell(s), 1)",
    "xa_int_n": _let("CASE WHEN z % 1 = 0 THEN TRY_CAST(z AS BIGINT) END"),
    "xa_int_c": _let(
        "coalesce(CASE WHEN regexp_full_match(z, '[-+]?[0-9]{1,18}') THEN TRY_CAST(z AS BIGINT) END, "
        f"xa_int_n(xa_amount_n(regexp_replace(z, {literal(_WS[:-1] + '人天次晚个辆间名位]')}, '', 'g'))))"
    ),
    "xa_int": "xa_int_c(xa_cell(s))",
    # plausibility bounds: DuckDB variables xa_date_min / xa_date_max (set_date_bounds), or defaults
    "xa_date_in": _let(
        f"CASE WHEN z BETWEEN coalesce(CAST(getvariable('xa_date_min') AS DATE), DATE '{DATE_MIN}') "
        f"AND coalesce(CAST(getvariable('xa_date_max') AS DATE), DATE '{DATE_MAX}') THEN z END"
    ),
    "xa_ymd": _let(
        "CASE WHEN z.h = '' OR (CAST(z.h AS INTEGER) <= 23 AND CAST(z.mi AS INTEGER) <= 59 "
        "AND (z.s = '' OR CAST(z.s AS INTEGER) <= 59)) "
        "THEN TRY_CAST(z.y || '-' || lpad(z.m, 2, '0') || '-' || lpad(z.d, 2, '0') AS DATE) END"
    ),
    "xa_ym": _let("TRY_CAST(z.y || '-' || lpad(z.m, 2, '0') || '-01' AS DATE)"),
    "xa_date_y": _let(
        f"CASE WHEN regexp_full_match(z, {literal(_DATE_RE)}) THEN "
        f"xa_ymd(regexp_extract(z, {literal(_DATE_RE)}, ['y', 'm', 'd', 't', 'h', 'mi', 's'])) "
        "WHEN regexp_full_match(z, '[0-9]{8}') THEN TRY_CAST("
        "substr(z, 1, 4) || '-' || substr(z, 5, 2) || '-' || substr(z, 7, 2) AS DATE) "
        r"WHEN regexp_full_match(z, '[0-9]{5}(\.[0-9]+)?') "
        f"AND CAST(floor(CAST(z AS DECIMAL(18,6))) AS INTEGER) BETWEEN {SERIAL_MIN} AND {SERIAL_MAX} THEN "
        "CAST(DATE '1899-12-30' + CAST(floor(CAST(z AS DECIMAL(18,6))) AS INTEGER) AS DATE) END"
    ),
    # ISO dates (2024-03-05) take the fast path (a cast); two-digit years match nothing
    "xa_date_x": _let(
        "xa_date_in(CASE WHEN regexp_full_match(z, '[0-9]{4}-[0-9]{2}-[0-9]{2}') "
        "THEN TRY_CAST(z AS DATE) ELSE xa_date_y(z) END)"
    ),
    "xa_date": "xa_date_x(xa_cell(s))",
    "xa_month_x": _let(
        f"xa_date_in(CASE WHEN regexp_full_match(z, {literal(_MONTH_RE)}) THEN "
        f"xa_ym(regexp_extract(z, {literal(_MONTH_RE)}, ['y', 'm'])) "
        "WHEN regexp_full_match(z, '[0-9]{6}') THEN TRY_CAST("
        "substr(z, 1, 4) || '-' || substr(z, 5, 2) || '-01' AS DATE) "
        "ELSE CAST(date_trunc('month', xa_date_x(z)) AS DATE) END)"
    ),
    "xa_month": "xa_month_x(xa_cell(s))",
    "xa_bool_c": _let(
        f"CASE WHEN list_contains({_list(_TRUE)}, lower(z)) THEN TRUE "
        f"WHEN list_contains({_list(_FALSE)}, lower(z)) THEN FALSE END"
    ),
    "xa_bool": "xa_bool_c(xa_cell(s))",
    "xa_displacement_x": _let(
        r"CASE WHEN regexp_full_match(z, '([0-9.]+)(ml|毫升|cc)') "
        r"THEN TRY_CAST(xa_num(regexp_extract(z, '^([0-9.]+)', 1)) / 1000 AS DECIMAL(18,2)) "
        r"WHEN regexp_full_match(z, '([0-9.]+)(l|升|t|td|tsi|tfsi)?') "
        r"THEN TRY_CAST(xa_num(regexp_extract(z, '^([0-9.]+)', 1)) AS DECIMAL(18,2)) END"
    ),
    "xa_displacement_c": f"xa_displacement_x(lower(regexp_replace(s, {literal(_WS + '+')}, '', 'g')))",
    "xa_displacement": "xa_displacement_c(xa_cell(s))",
    "xa_text_c": _let(
        f"CASE WHEN strlen(z) <= 8 AND list_contains({_list(_PLACEHOLDERS)}, lower(z)) THEN NULL ELSE z END"
    ),
}

# One match splits an amount (without currency marks and spaces) into an optional opening
# bracket, the number, an optional unit and an optional closing bracket; the brackets must
# pair. One regular expression instead of three in a row (brackets, unit, number): the same
# amounts read, and a third of the planning (every amount column plans it, every sheet).
_AMOUNT_RE = (r"^(\()?((?:" + _AMOUNT_NUM_RE.replace("(", "(?:") + "))("  # groups: o, n, u, c
               + "|".join(AMOUNT_UNITS) + r")?(\))?$")

# Macros of two arguments: (s, f) with f an integer column factor.
PARSE_MACROS_2 = {
    # s: the parts of _AMOUNT_RE (o, n, u, c), bound once as z; a cell unit wins over f
    "xa_amount_p": _let(
        "CASE WHEN z.n <> '' AND (z.o = '') = (z.c = '') THEN "
        "list_transform([TRY_CAST(replace(z.n, ',', '') AS DECIMAL(38,6))], lambda v: "
        "CASE WHEN abs(v) < 100000000000000000000 THEN CASE WHEN z.o = '' THEN 1 ELSE -1 END * v * "
        "CASE z.u " + " ".join(f"WHEN {literal(u)} THEN {n}" for u, n in AMOUNT_UNITS.items())
        + " ELSE CAST(f AS BIGINT) END END)[1] END"
    ),
    # plain numbers take the fast path (a cast); the rest goes through the full parser
    "xa_amount_scaled_c": (
        "list_transform([s], lambda z: CASE WHEN z IS NULL THEN NULL "
        "WHEN f = 1 AND regexp_full_match(z, '[-+]?[0-9]+(\\.[0-9]+)?') "
        "THEN TRY_CAST(z AS DECIMAL(18,2)) "
        # thousands groups and at most two decimals (25,788.34: what 用友 and 金蝶 write)
        # read as the full parser reads them, without its regular expressions
        "WHEN f = 1 AND regexp_full_match(z, '[-+]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]{1,2})?') "
        "THEN TRY_CAST(replace(z, ',', '') AS DECIMAL(18,2)) "
        "ELSE TRY_CAST(xa_amount_p(regexp_extract(regexp_replace(z, "
        f"{literal(_WS[:-1] + '￥¥$]|RMB|rmb|CNY|人民币')}, '', 'g'), {literal(_AMOUNT_RE)}, "
        "['o', 'n', 'u', 'c']), f) AS DECIMAL(18,2)) END)[1]"
    ),
    "xa_amount_scaled": "xa_amount_scaled_c(xa_cell(s), f)",
}


# contract type -> (macro on an xa_cell-cleaned value, reason_zh, reason_en)
TYPE_PARSERS = {
    "text": ("xa_text_c", None, None),
    "decimal": ("xa_amount_c", "无法识别的金额/数值", "unparseable amount"),
    "int": ("xa_int_c", "无法识别的整数", "unparseable integer"),
    "date": ("xa_date_x", "无法识别的日期", "unparseable date"),
    "month": ("xa_month_x", "无法识别的月份", "unparseable month"),
    "bool": ("xa_bool_c", "无法识别的是/否值", "unparseable yes/no value"),
}
DISPLACEMENT_PARSER = ("xa_displacement_c", "无法识别的排气量", "unparseable displacement")


def install_parse_macros(con) -> None:
    """Create the ``xa_*`` parsing macros (and the normalisers they build on)."""
    install_macros(con)
    be = of(con)
    later = {n: b for n, b in PARSE_MACROS.items() if "xa_amount_scaled" in b}
    for name, body in PARSE_MACROS.items():
        if name not in later:
            be.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")
    for name, body in PARSE_MACROS_2.items():
        be.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s, f) AS {body}")
    for name, body in later.items():
        be.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")


def set_date_bounds(con, start=None, end=None) -> tuple[str, str]:
    """Narrow the plausible dates from the inspection period: from 70 years before its start
    (staff records carry dates of birth and of joining work decades before) to 10 years after
    its end (contract and lease ends). Without a period the defaults 1900-01-01 .. 2099-12-31 stay. Returns the
    bounds in force (ISO dates)."""
    import datetime as dt

    lo = dt.date.fromisoformat(DATE_MIN)
    hi = dt.date.fromisoformat(DATE_MAX)
    if start is not None:
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        lo = max(lo, start.replace(year=start.year - 70, day=min(start.day, 28)))
    if end is not None:
        end = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
        hi = min(hi, end.replace(year=end.year + 10, day=min(end.day, 28)))
    be = of(con)
    be.execute(f"SET VARIABLE xa_date_min = DATE '{lo.isoformat()}'")
    be.execute(f"SET VARIABLE xa_date_max = DATE '{hi.isoformat()}'")
    return lo.isoformat(), hi.isoformat()


def unit_factor(text: str | None) -> int | None:
    """The amount unit a header or title names, as an integer factor: ``合同金额（万元）``,
    ``金额(万元)``, ``金额单位：万元``, ``单位：千元``, ``亿元`` -> 10000 / 1000 / 100000000;
    ``（元）`` -> 1; None when the text names no unit."""
    import re
    import unicodedata

    if not text:
        return None
    t = unicodedata.normalize("NFKC", text)
    m = re.search(r"[(\[【]\s*(万元|千元|亿元|元)\s*[)\]】]|单位\s*[:：]?\s*(?:人民币)?\s*(万元|千元|亿元|元)", t)
    if not m:
        return None
    return AMOUNT_UNITS[m.group(1) or m.group(2)]


def amount_sql(expr: str, factor: int = 1) -> str:
    """SQL reading the raw cell ``expr`` as an amount in yuan, applying a column ``factor``
    (from :func:`unit_factor`) exactly, before rounding; a cell with its own unit keeps it."""
    if int(factor) != factor or factor < 1:
        raise ValueError(f"amount factor must be a positive integer, got {factor!r}")
    return f"xa_amount_scaled({expr}, {int(factor)})"


def parser_for(col) -> tuple[str, str | None, str | None]:
    """(macro on a cleaned cell, reason_zh, reason_en) for a contract column."""
    if col.norm == "displacement":
        return DISPLACEMENT_PARSER
    return TYPE_PARSERS[col.type]


__all__ = [
    "AMOUNT_UNITS",
    "CELL_GATE",
    "PARSE_MACROS",
    "PARSE_MACROS_2",
    "TYPE_PARSERS",
    "amount_sql",
    "cell_sql",
    "install_parse_macros",
    "parser_for",
    "set_date_bounds",
    "unit_factor",
]
