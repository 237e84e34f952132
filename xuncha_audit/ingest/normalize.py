"""Typed parsing of raw (all-VARCHAR) cells, as DuckDB macros.

Every parser returns NULL for an empty cell and NULL for a cell it cannot read; ingestion
tells the two apart (``xa_cell(raw) IS NOT NULL AND parsed IS NULL`` = unparseable) and
quarantines the row.

* ``xa_cell``: full-width -> half-width, trimmed (incl. U+3000, NBSP, BOM); empty and the
  placeholders ``- -- — —— / \\ null none nan #N/A`` become NULL.
* ``xa_amount`` (decimal): ``1,234.56``, ``￥1,234.56``, ``¥``, ``1234.56元``, ``RMB``,
  ``(1,234.56)`` and ``-1234.56`` (negative), full-width digits, ``1.2万`` / ``12.5万元``
  (x 10,000), scientific notation from Excel; rounded to 2 decimals.
* ``xa_int``: an integer, optionally written ``3.0`` (Excel) or with a counter word
  (``3人``, ``2天``, ``1次``, ``4晚``); ``2.5`` is not an integer.
* ``xa_date``: ``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日`` (or ``号``),
  ``20240305``, any of those followed by a time (datetimes), Excel serial numbers
  (5 digits, days since 1899-12-30); impossible dates (2024-02-30) are unparseable.
* ``xa_month``: ``2024-03``, ``2024/3``, ``2024.03``, ``202403``, ``2024年3月`` (``月份``),
  or any date above -> the first day of the month.
* ``xa_bool``: 是/否, 有/无, Y/N, yes/no, 1/0 (also ``1.0``/``0.0``), true/false, T/F,
  √/×, ✓/✗, 对/错.
* ``xa_displacement`` (litres): ``1.8``, ``1.8L``, ``1.8升``, ``1.4T``, ``1798ml``,
  ``1798cc``, ``1798毫升``.
"""

from __future__ import annotations

from xuncha_audit.ingest.derive import _WS, install_macros

_NUM_RE = r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
_PLACEHOLDERS = ("-", "--", "—", "——", "/", "\\", "null", "none", "nan", "#n/a", "n/a", "－")
_TRUE = ("是", "有", "y", "yes", "1", "1.0", "true", "t", "√", "✓", "✔", "对")
_FALSE = ("否", "无", "n", "no", "0", "0.0", "false", "f", "×", "✗", "✘", "x", "错", "没有")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


_DATE_RE = (
    r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?"
    r"([T ]+[0-9]{1,2}[:时][0-9]{1,2}([:分][0-9]{1,2}(\.[0-9]+)?秒?)?)?"
)
_MONTH_RE = r"([0-9]{4})[-/.年]([0-9]{1,2})(月份|月)?"

# Characters trimmed from both ends of every cell (after full-width -> half-width).
TRIM_CHARS = " \t\r\n\x0b\x0c\u00a0\u3000\ufeff\u200b\u2002\u2003\u2009\u202f\u2060"
_CELL_BODY = (
    f"CASE WHEN strlen(z) <= 5 AND lower(z) IN ({', '.join(_lit(p) for p in _PLACEHOLDERS)}) "
    "THEN NULL ELSE nullif(z, '') END"
)


_GATE_CLASS = "".join(f"\\x{{{ord(c):X}}}" for c in TRIM_CHARS)
# A raw cell that xa_cell would change: whitespace at either end, full-width characters,
# the minus sign U+2212, a placeholder, or the empty string. Cells that do not match are
# already clean, so the (costlier) cleaning runs only on the others.
CELL_GATE = (
    f"^[{_GATE_CLASS}]|[{_GATE_CLASS}]$|[\\x{{FF01}}-\\x{{FF5E}}\\x{{3000}}\\x{{2212}}]"
    "|^(?i:-+|—+|/|\\\\|null|none|nan|#n/a|n/a)$|^$"
)


def cell_sql(src: str) -> str:
    """``xa_cell(src)``, computed only for cells that need it (see :data:`CELL_GATE`)."""
    return f"CASE WHEN regexp_matches({src}, {_lit(CELL_GATE)}) THEN xa_cell({src}) ELSE {src} END"


def _let(body: str, arg: str = "s") -> str:
    """``body`` (written over ``z``) with ``z`` bound once to ``arg``: a macro that uses its
    argument several times would otherwise copy the whole argument expression each time."""
    return f"list_transform([{arg}], lambda z: {body})[1]"


PARSE_MACROS = {
    "xa_trim": f"trim(replace(xa_fw(s), chr(8722), '-'), {_lit(TRIM_CHARS)})",
    "xa_cell": _let(_CELL_BODY, "xa_trim(s)"),
    "xa_num": _let(
        f"CASE WHEN regexp_full_match(z, {_lit(_NUM_RE)}) THEN coalesce("
        "TRY_CAST(z AS DECIMAL(38,6)), TRY_CAST(TRY_CAST(z AS DOUBLE) AS DECIMAL(38,6))) END"
    ),
    "xa_amount_w": _let(
        "CASE WHEN ends_with(z, '万') THEN xa_num(regexp_replace(z, '万$', '')) * 10000 "
        "ELSE xa_num(z) END"
    ),
    "xa_amount_t": _let(
        "coalesce(TRY_CAST(z AS DECIMAL(18,2)), TRY_CAST(xa_amount_s(z) AS DECIMAL(18,2)))"
    ),
    "xa_amount_s": _let(
        r"CASE WHEN regexp_full_match(z, '\(.*\)') "
        r"THEN -xa_amount_w(regexp_extract(z, '^\((.*)\)$', 1)) ELSE xa_amount_w(z) END"
    ),
    # plain numbers take the fast path (a cast); then the same without separators and
    # currency marks; only the rest ((1,234.56), 1.2万) goes through the full parser
    "xa_amount_c": _let(
        "coalesce(TRY_CAST(z AS DECIMAL(18,2)), TRY_CAST(replace(z, ',', '') AS DECIMAL(18,2)), "
        "xa_amount_t(regexp_replace(z, "
        f"{_lit(_WS[:-1] + ',￥¥$]|元|RMB|rmb|CNY|人民币')}, '', 'g')))"
    ),
    "xa_amount": "xa_amount_c(xa_cell(s))",
    "xa_int_n": _let("CASE WHEN z % 1 = 0 THEN TRY_CAST(z AS BIGINT) END"),
    "xa_int_c": _let(
        "coalesce(CASE WHEN NOT contains(z, '.') THEN TRY_CAST(z AS BIGINT) END, "
        f"xa_int_n(xa_num(regexp_replace(z, {_lit(_WS[:-1] + ',人天次晚个辆间名位]')}, '', 'g'))))"
    ),
    "xa_int": "xa_int_c(xa_cell(s))",
    "xa_ymd": _let("TRY_CAST(z.y || '-' || lpad(z.m, 2, '0') || '-' || lpad(z.d, 2, '0') AS DATE)"),
    "xa_ym": _let("TRY_CAST(z.y || '-' || lpad(z.m, 2, '0') || '-01' AS DATE)"),
    "xa_date_y": _let(
        f"CASE WHEN regexp_full_match(z, {_lit(_DATE_RE)}) THEN "
        f"xa_ymd(regexp_extract(z, {_lit(_DATE_RE)}, ['y', 'm', 'd'])) "
        "WHEN regexp_full_match(z, '[0-9]{8}') THEN TRY_CAST("
        "substr(z, 1, 4) || '-' || substr(z, 5, 2) || '-' || substr(z, 7, 2) AS DATE) "
        r"WHEN regexp_full_match(z, '[0-9]{5}(\.[0-9]+)?') THEN "
        "CAST(DATE '1899-12-30' + CAST(floor(CAST(z AS DOUBLE)) AS INTEGER) AS DATE) END"
    ),
    # ISO-like dates (2024-03-05, 2024/3/5, with a time) take the fast path (a cast)
    "xa_date_x": _let(
        "coalesce(CASE WHEN substr(z, 5, 1) IN ('-', '/') THEN TRY_CAST(z AS DATE) END, xa_date_y(z))"
    ),
    "xa_date": "xa_date_x(xa_cell(s))",
    "xa_month_x": _let(
        f"CASE WHEN regexp_full_match(z, {_lit(_MONTH_RE)}) THEN "
        f"xa_ym(regexp_extract(z, {_lit(_MONTH_RE)}, ['y', 'm'])) "
        "WHEN regexp_full_match(z, '[0-9]{6}') THEN TRY_CAST("
        "substr(z, 1, 4) || '-' || substr(z, 5, 2) || '-01' AS DATE) "
        "ELSE CAST(date_trunc('month', xa_date_x(z)) AS DATE) END"
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
    "xa_displacement_c": f"xa_displacement_x(lower(regexp_replace(s, {_lit(_WS + '+')}, '', 'g')))",
    "xa_displacement": "xa_displacement_c(xa_cell(s))",
    "xa_text_c": "s",
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
    for name, body in PARSE_MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")


def parser_for(col) -> tuple[str, str | None, str | None]:
    """(macro on a cleaned cell, reason_zh, reason_en) for a contract column."""
    if col.norm == "displacement":
        return DISPLACEMENT_PARSER
    return TYPE_PARSERS[col.type]


__all__ = ["CELL_GATE", "PARSE_MACROS", "TYPE_PARSERS", "cell_sql", "install_parse_macros", "parser_for"]
