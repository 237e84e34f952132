"""Rows of the long listings as sheet XML built by DuckDB, byte for byte what
:meth:`FastWorksheet.write_cells <xuncha_audit.findings.xlsxfast.FastWorksheet.write_cells>` writes.

findings.xlsx lists every finding (全部疑点) and, on the check sheets, each finding with up to
50 evidence records: at 100 units about 115,000 rows and 2 million cells, at a province ten
times that. Typing each cell in Python and turning it into XML cost ~5 µs a cell — most of the
export's time (10 of 12 s at 100 units), on one core. Here the query that selects the rows
also writes each row's ``<row>…</row>`` element, with the same escapes, styles, number and
date forms as the Python path; Python only copies the text into the sheet.

What the SQL path does not write itself it leaves to the Python path, row by row: a text
that needs xlsxwriter's control-character escapes (C0 controls, ``_xHHHH_``), looks like a
rich string (``<r>…</r>``), may pass Excel's length limit, a NaN or infinite number, a date
before 1900-03-01 (Excel's 1900 leap-year quirk). A column of a type it does not know makes
the whole listing go the Python way (:func:`row_xml` returns None).

``tests/findings/test_xlsxsql.py`` writes sheets both ways and compares the sheet XML byte for
byte, on texts and values chosen to hit every branch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name

# Python's \s on str (str.isspace()), for xml:space="preserve" (xlsxfast: first or last character)
_WS_CODES = (9, 10, 11, 12, 13, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
# the same set as a text (made of chr() calls: a literal would carry control characters);
# a cell's first and last character are looked up in it: a regex over the whole text
# (^\s|\s$) scanned every character of every cell (a quarter of a long listing's time)
_WS_TEXT = "(" + " || ".join(f"chr({c})" for c in _WS_CODES) + ")"
# xlsxfast._NEEDS_CONTROL_ESCAPE
_CONTROL = r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]"
# a text this long may pass Excel's 32,767 UTF-16 units: the Python path decides
_LONG_TEXT = 16_000

_TEXT_TYPES = ("VARCHAR",)
_INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
              "UINTEGER", "UBIGINT")
_FLOAT_TYPES = ("FLOAT", "DOUBLE")


@dataclass(frozen=True)
class Role:
    """How a kind of row is written: the kinds of its columns, the role its first ``shown``
    columns are styled with (``_Writer.fmt``), its outline level."""

    kinds: Sequence[str]
    role: str | None
    level: int = 0


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _value_class(sql_type: str) -> str | None:
    t = sql_type.upper()
    if t in _TEXT_TYPES:
        return "text"
    if t in _INT_TYPES:
        return "int"
    if t in _FLOAT_TYPES or t.startswith("DECIMAL"):
        return "float"
    if t == "DATE":
        return "date"
    if t in ("TIMESTAMP", "TIMESTAMP_US", "DATETIME"):
        return "ts"
    if t == "BOOLEAN":
        return "bool"
    if t == '"NULL"':  # a column NULL in every branch of the query
        return "null"
    return None


def _serial(v: str, cls: str) -> str:
    """Excel serial number of a date/timestamp as xlsxwriter computes it (1900 system;
    dates before 1900-03-01 go the Python way)."""
    if cls == "date":
        return f"CAST(({v} - DATE '1899-12-31') + 1 AS DOUBLE)"
    us = f"(epoch_us({v}) - epoch_us(TIMESTAMP '1899-12-31'))"
    days = f"({us} // 86400000000)"
    rem = f"({us} - {days} * 86400000000)"
    return (f"(CAST({days} AS DOUBLE) + (CAST({rem} // 1000000 AS DOUBLE) "
            f"+ CAST({rem} % 1000000 AS DOUBLE) / 1e6) / 86400.0 + 1)")


def listing_sql(sql: str, columns: Sequence[tuple[str, str]], roles: Sequence[Role], shown: int,
                style: Callable[[str, str | None], int | None], *, python_rows: str = "FALSE",
                values_rows: str = "FALSE", per_column: bool = False) -> str | None:
    """The query that writes a listing's rows: over ``sql``, which selects ``_page``, ``_r``
    (the sheet row, 0-based), ``_role`` (1-based index into ``roles``) and then ``columns``
    (``(name, DuckDB type)``, in sheet order), it selects ``_page, _r, _role``, ``_xml`` (the
    row element; NULL where the row goes the Python way), ``_c0``/``_c1`` (the row's first and
    last column with a cell, for the sheet's dimensions) and then the columns, NULL except on
    rows that go the Python way: those the SQL path cannot write and those ``python_rows``
    (SQL over the same columns) names — and on rows ``values_rows`` names, which come with
    both their XML and their values (the caller measures them). Ordered by ``_page, _r``.

    ``shown``: columns styled with the row's role, the rest with none; ``style(kind, role)``:
    the xf index of ``_Writer.fmt(kind, role)``. None when a column's type is not one the SQL
    path writes.

    Two ways to the same bytes (one cell formula, :func:`_cell`). By default the cells are
    made by one lambda over the row's values as text (``_v``), each column's reference, kind
    of value and style attributes in constant lists: DuckDB plans one expression whatever the
    number of columns (a CASE per column and role took ~0.25 s to plan for a sheet of 38
    columns). ``per_column``: an expression per column over its own value (``_v{i}``), the
    style a literal where every role has the same — twice the planning (~0.06 s for 40
    columns against ~0.025), a third less work a row (no list made per row): a province's
    listings (1.09 million rows) 17.4 s the lambda way, 14.8 s this way; the caller takes it
    for long listings (``workbook.PER_COLUMN_ROWS``). Either way a cell is one ``concat``
    (each ``||`` made a string of its own) and the XML escapes are applied only to a text
    holding ``&``, ``<`` or ``>`` (the old chain of ``||`` and ``replace``: a province's
    listings 19.7 s)."""
    classes = [_value_class(t) for _, t in columns]
    if any(c is None for c in classes):
        return None
    payload, tags, texts, python = [], [], [], []
    for (name, _), cls in zip(columns, classes, strict=True):
        v = _q(name)
        if cls == "text":
            payload.append(v)
            texts.append(v)
        elif cls == "bool":
            payload.append(f"CASE WHEN {v} THEN '是' ELSE '否' END")
        elif cls in ("int", "float"):
            payload.append(f"printf('%.16G', CAST({v} AS DOUBLE))")
            if cls == "float":
                python.append(f"isnan(CAST({v} AS DOUBLE)) OR isinf(CAST({v} AS DOUBLE))")
        elif cls in ("date", "ts"):
            payload.append(f"printf('%.16G', {_serial(v, cls)})")
            python.append(f"{v} < {'DATE' if cls == 'date' else 'TIMESTAMP'} '1900-03-01'")
        else:
            payload.append("CAST(NULL AS VARCHAR)")
        tags.append("s" if cls in ("text", "bool", "null") else "n")
    value_attr, blank_attr = [], []
    for r in roles:
        va, ba = [], []
        for c, cls in enumerate(classes):
            kind = r.kinds[c]
            role = r.role if c < shown else None
            if cls in ("text", "null"):
                s = style(kind if kind in ("wrap", "status", "text") else "text", role)
            elif cls == "bool":  # a yes/no is text styled as text whatever the column's kind
                s = style("text", role)
            elif cls in ("int", "float"):
                s = style(kind if kind in ("money", "int", "num") else ("money" if cls == "float" else "int"), role)
            else:
                s = style("date" if cls == "date" else "datetime", role)
            va.append(_s(s))
            b = style(kind, role) if (role == "finding" or kind == "status") else None
            ba.append(_s(b) if b is not None else None)
        value_attr.append(va)
        blank_attr.append(ba)
    if texts:
        python.append(f"regexp_matches(concat({', '.join(texts)}), {_lit(_CONTROL)})")
        python.append(f"list_bool_or(list_transform([{', '.join(texts)}], lambda t: (starts_with(t, '<r>') "
                      f"AND ends_with(t, '</r>')) OR length(t) > {_LONG_TEXT}))")
    n = len(columns)
    if per_column:
        # a text is its own column; another value's text is computed once, as _v{i}
        vals = [p if cls in ("text", "null") else f"_v{c}"
                for c, (p, cls) in enumerate(zip(payload, classes, strict=True))]
        values = "".join(f"{p} AS _v{c}, " for c, p in enumerate(payload) if vals[c] == f"_v{c}")
        cells = ", ".join(
            _cell(vals[c], _lit(xl_col_to_name(c)), _by_role([va[c] for va in value_attr]),
                  _by_role([ba[c] for ba in blank_attr]), tags[c] == "n") + f" AS _x{c}"
            for c in range(n))
        row_cells = ", ".join(f"_x{c}" for c in range(n))
        first = "CASE " + " ".join(f"WHEN _x{c} <> '' THEN {c}" for c in range(n)) + " END"
        last = "CASE " + " ".join(f"WHEN _x{c} <> '' THEN {c}" for c in reversed(range(n))) + " END"
    else:
        values = f"[{', '.join(payload)}] AS _v, "
        cell = _cell("_v[i]", f"{_list([xl_col_to_name(c) for c in range(n)])}[i]",
                     f"{_matrix(value_attr)}[_role][i]", f"{_matrix(blank_attr)}[_role][i]",
                     f"{_list(tags)}[i] = 'n'")
        cells = f"list_transform(range(1, {n + 1}), lambda i: {cell}) AS _cells"
        row_cells = "array_to_string(_cells, '')"
        marks = "list_transform(_cells, lambda x: x <> '')"
        first, last = f"list_position({marks}, true) - 1", f"len(_cells) - list_position(list_reverse({marks}), true)"
    levels = _list([f' outlineLevel="{r.level}"' if r.level else "" for r in roles])
    cond = " OR ".join(f"coalesce({x}, FALSE)" for x in python) or "FALSE"
    keep = ", ".join(f"CASE WHEN _py OR ({values_rows}) THEN {_q(c)} END AS {_q(c)}" for c, _ in columns)
    return f"""
        SELECT _page, _r, _role,
               CASE WHEN NOT _py THEN concat('<row r="', _rs, '"', {levels}[_role], '>', {row_cells}, '</row>')
               END AS _xml, _c0, _c1, {keep}
        FROM (SELECT *, {cond} OR _c0 IS NULL OR ({python_rows}) AS _py FROM (
            SELECT *, {first} AS _c0, {last} AS _c1 FROM (
                SELECT *, {cells} FROM (
                    SELECT *, {values}CAST(_r + 1 AS VARCHAR) AS _rs, {_WS_TEXT} AS _ws FROM ({sql})))))
        ORDER BY _page, _r"""


def _cell(v: str, ref: str, attr: str, blank: str, number: bool | str) -> str:
    """A cell's ``<c>`` element ('' for a blank without a fill): ``v`` its value as text, ``ref``
    its column letters, ``attr``/``blank`` its style attribute with a value/without (NULL:
    none), ``number`` whether it is written as a number (a Python bool, or SQL deciding per
    cell). Each piece is SQL. The white-space set ``_ws`` is a column of the inner SELECT:
    written into every cell's test it was a thousand ``chr()`` calls to plan per sheet."""
    head = f"'<c r=\"', {ref}, _rs, '\"', {attr}"
    as_number = f"concat({head}, '><v>', {v}, '</v></c>')"
    as_text = (f"concat({head}, ' t=\"inlineStr\"><is><t', "
               f"CASE WHEN {v} <> '' AND (contains(_ws, left({v}, 1)) OR contains(_ws, right({v}, 1))) "
               f"THEN ' xml:space=\"preserve\"' END, '>', "
               f"CASE WHEN contains({v}, '&') OR contains({v}, '<') OR contains({v}, '>') "
               f"THEN replace(replace(replace({v}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') ELSE {v} END, "
               "'</t></is></c>')")
    body = as_number if number is True else as_text if number is False else (
        f"CASE WHEN {number} THEN {as_number} ELSE {as_text} END")
    empty = "''" if blank == "NULL" else f"coalesce('<c r=\"' || {ref} || _rs || '\"' || {blank} || '/>', '')"
    return f"CASE WHEN {v} IS NULL THEN {empty} ELSE {body} END"


def _by_role(attrs: Sequence[str | None]) -> str:
    """A column's attribute for the row's role: one literal where every role has the same."""
    if len(set(attrs)) == 1:
        return "NULL" if attrs[0] is None else _lit(attrs[0])
    return f"{_list(attrs)}[_role]"


def _s(index: int | None) -> str:
    return f' s="{index}"' if index else ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(items: Sequence[str | None]) -> str:
    return "([" + ", ".join("NULL" if x is None else _lit(x) for x in items) + "]::VARCHAR[])"


def _matrix(rows: Sequence[Sequence[str | None]]) -> str:
    return "[" + ", ".join(_list(r) for r in rows) + "]"
