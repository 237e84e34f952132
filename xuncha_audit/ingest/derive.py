"""Derived and normalised columns of a canonical table (set-based, idempotent).

``derive_columns(con, table)`` runs on a canonical table that already holds typed contract
values (ingestion calls it after loading; the check-case runner calls it on tiny inline
tables). It

* fills ``unit`` where NULL (``unit`` argument, else ``默认单位``);
* fills contract ``default:`` values where NULL (e.g. ``hospitality.meals`` = 1);
* numbers ``line_no`` within ``(unit, voucher_no)`` where NULL (columns marked
  ``generated: number_within_voucher``), in ``_source_row`` order, after the highest
  line number already present in that voucher;
* normalises in place, per the column's ``norm``:

  ============  ==========================================================================
  name          NFKC full-width -> half-width, all whitespace removed (incl. U+3000, NBSP,
                zero-width); middle-dot variants (・ • ‧ ∙ . ．) unified to ``·``
  plate         NFKC, upper case, no whitespace, dots, hyphens or middle dots
  phone         digits only; a leading 86 / 0086 before an 11-digit mobile is dropped
  bank_account  digits only
  id_number     NFKC, whitespace removed, upper case (``x`` -> ``X``)
  credit_code   NFKC, whitespace removed, upper case
  name_list     split on ``、 ; ； , ， / ／`` and whitespace, each part normalised as a
                name, re-joined with ``、``
  displacement  litres: a value above 100 is taken as millilitres and divided by 1000
  ============  ==========================================================================

  Empty results become NULL.
* fills ``<col>_norm`` for ``norm: company`` columns with :func:`company_norm_sql`
  (documented there; Python twin :func:`normalize_company` for tests and tools);
* fills ``<col>_norm`` for ``norm: rank`` columns with
  ``xuncha_audit.standards.ranks.normalize_rank(raw, level)`` applied over the distinct raw
  values (level from ``_units`` for the row's unit when that table exists, else the
  ``level`` argument); left NULL when that module is not importable;
* builds ``_key``: the key columns cast to VARCHAR joined with ``|``. When every key column
  is NULL and the table has ``key_fallback`` (with a value), the fallback columns are used. A NULL
  ``person_id`` inside a key falls back to ``id_number`` and then ``name`` when the table
  has those columns (payroll and relations exports often lack a staff number). Other NULL
  key parts are rendered as the empty string. In a table marked ``duplicates: keep`` in the
  contract (payroll: a line paid twice is evidence), the second and later records with the
  same key get ``#2``, ``#3`` ... appended instead of being treated as duplicates.
"""

from __future__ import annotations

import itertools
import unicodedata

import duckdb
import pyarrow as pa

from xuncha_audit.contract import Table, load_contract

DEFAULT_UNIT = "默认单位"

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space -> half-width; what NFKC does
# to the characters that actually occur in exports.
_FW = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HW = "".join(chr(c) for c in range(0x21, 0x7F)) + " "

_WS = r"[\s\p{Z}\x{FEFF}\x{200B}\x{200C}\x{200D}\x{2060}]"

# Company legal-form suffixes dropped (repeatedly, from the end) for matching.
COMPANY_SUFFIXES = (
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
    "股份",
    "有限责任",
    "有限",
    "有限合伙",
    "普通合伙",
)
# Bracketed segments of 1-8 Chinese characters (region prefixes such as (湖南), （长沙）,
# legal-form notes such as (有限合伙)) are dropped for matching.
_BRACKET_RE = r"[(\[【〔〖][\p{Han}]{1,8}[)\]】〕〗]"
_SUFFIX_RE = "(" + "|".join(sorted(COMPANY_SUFFIXES, key=len, reverse=True)) + ")+$"


def _lit(text: str) -> str:
    """A SQL string literal for a constant of this module (never user data)."""
    return "'" + text.replace("'", "''") + "'"


MACROS = {
    # translate() is slow in DuckDB (per-call map); only strings holding full-width
    # characters pay for it.
    "xa_fw": (
        r"CASE WHEN regexp_matches(s, '[\x{FF01}-\x{FF5E}\x{3000}]') "
        f"THEN translate(s, {_lit(_FW)}, {_lit(_HW)}) ELSE s END"
    ),
    "xa_nows": f"regexp_replace(s, {_lit(_WS + '+')}, '', 'g')",
    "xa_norm_name": (
        "nullif(regexp_replace(xa_nows(xa_fw(s)), '[・•‧∙.．]', '·', 'g'), '')"
    ),
    "xa_norm_plate": (
        "nullif(upper(regexp_replace(xa_fw(s), " + _lit(_WS[:-1] + r".\-·・•_]")
        + ", '', 'g')), '')"
    ),
    "xa_norm_phone": (
        "nullif(regexp_replace(regexp_replace(xa_fw(s), '[^0-9]', '', 'g'),"
        " '^(0086|86)(1[0-9]{10})$', '\\2'), '')"
    ),
    "xa_norm_digits": "nullif(regexp_replace(xa_fw(s), '[^0-9]', '', 'g'), '')",
    "xa_norm_code": "nullif(upper(xa_nows(xa_fw(s))), '')",
    # Split on explicit separators; a part holding whitespace is split further only when
    # every token is at least two characters ("张三 李四"), so a padded two-character
    # name ("张　三", common in exports) stays one name.
    "xa_ws_tokens": f"string_split_regex(trim(s), {_lit(_WS + '+')})",
    "xa_norm_name_list": (
        "nullif(array_to_string(list_filter(list_transform(flatten(list_transform("
        "string_split_regex(xa_fw(s), '[、;,/]+'), lambda x: CASE WHEN len(xa_ws_tokens(x)) > 1"
        " AND list_bool_and(list_transform(xa_ws_tokens(x), lambda t: length(t) >= 2))"
        " THEN xa_ws_tokens(x) ELSE [x] END)),"
        " lambda x: xa_norm_name(x)), lambda x: x IS NOT NULL), '、'), '')"
    ),
    "xa_company_norm": (
        "coalesce(nullif(regexp_replace(regexp_replace(lower(xa_nows(xa_fw(s))),"
        f" {_lit(_BRACKET_RE)}, '', 'g'), {_lit(_SUFFIX_RE)}, ''), ''),"
        " nullif(lower(xa_nows(xa_fw(s))), ''))"
    ),
}

_IN_PLACE = {
    "name": "xa_norm_name",
    "plate": "xa_norm_plate",
    "phone": "xa_norm_phone",
    "bank_account": "xa_norm_digits",
    "id_number": "xa_norm_code",
    "credit_code": "xa_norm_code",
    "name_list": "xa_norm_name_list",
}


def install_macros(con, *, force: bool = True) -> None:
    """Create the ``xa_*`` normalisation macros (temporary, per connection).

    ``force=False`` only creates them when the connection does not have them yet.
    """
    if not force:
        try:
            con.execute("SELECT xa_macros_v1()").fetchall()
            return
        except duckdb.Error:
            pass
    for name, body in MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")
    con.execute("CREATE OR REPLACE TEMP MACRO xa_macros_v1() AS 1")  # marker: installed


def company_norm_sql(expr: str) -> str:
    """SQL for the matching form of a company name (needs :func:`install_macros`).

    Full-width -> half-width, whitespace removed, lower case, bracketed 1-8 Chinese
    characters dropped ((湖南), （长沙）, (有限合伙)), then trailing legal-form words
    (:data:`COMPANY_SUFFIXES`: 有限责任公司, 股份有限公司, 有限公司, 集团, 分公司, 公司 ...)
    dropped repeatedly. If nothing would be left, the cleaned name itself is kept.
    """
    return f"xa_company_norm({expr})"


def normalize_company(name: str | None) -> str | None:
    """Python twin of :func:`company_norm_sql` (same rules), for tools and tests."""
    import re

    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).lower()
    s = re.sub(r"[\s\u00a0\u3000\ufeff\u200b-\u200d\u2060]+", "", s)
    cleaned = s
    s = re.sub(r"[(\[【〔〖][\u3400-\u9fff]{1,8}[)\]】〕〗]", "", s)
    s = re.sub(_SUFFIX_RE, "", s)
    return s or cleaned or None


_counter = itertools.count()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _key_expr(tdef: Table) -> str:
    cols = tdef.columns

    def part(c: str) -> str:
        expr = f"CAST({_q(c)} AS VARCHAR)"
        if c == "person_id":
            alts = [f"CAST({_q(a)} AS VARCHAR)" for a in ("id_number", "name") if a in cols]
            if alts:
                expr = f"coalesce({expr}, {', '.join(alts)})"
        return f"coalesce({expr}, '')"

    main = " || '|' || ".join(part(c) for c in tdef.key)
    if not tdef.key_fallback:
        return main
    all_null = " AND ".join(f"{_q(c)} IS NULL" for c in tdef.key)
    fb_present = " OR ".join(f"{_q(c)} IS NOT NULL" for c in tdef.key_fallback)
    fallback = " || '|' || ".join(part(c) for c in tdef.key_fallback)
    return f"CASE WHEN {all_null} AND ({fb_present}) THEN {fallback} ELSE {main} END"


def _derive_ranks(con, table: str, col: str, level: str) -> None:
    """``<col>_norm`` from the raw rank, read with the row's 职务 (position), department and
    unit where the table has them (a bare 主任 means different ranks in different places)."""
    try:
        from xuncha_audit.standards.ranks import normalize_rank
    except ImportError:
        return
    t, c, n = _q(table), _q(col), _q(f"{col}_norm")
    have = {r[0] for r in con.execute(f"SELECT * FROM {t} LIMIT 0").description}
    extra = [x for x in ("position", "department") if x in have and x != col]
    ex_sel = "".join(f", t.{_q(x)} AS {x}" for x in extra)
    ex_eq = "".join(f" AND t.{_q(x)} IS NOT DISTINCT FROM m.{x}" for x in extra)
    ex_nonnull = " OR ".join([f"{c} IS NOT NULL", *(f"t.{_q(x)} IS NOT NULL" for x in extra)])
    level_expr = "coalesce((SELECT max(u.level) FROM _units u WHERE u.unit = t.unit), $level)"
    sql = (f"SELECT DISTINCT t.{c} AS raw, {{lvl}} AS lvl, t.unit AS unit{ex_sel} FROM {t} t "
           f"WHERE {ex_nonnull}")
    try:
        rows = con.execute(sql.format(lvl=level_expr), {"level": level}).fetchall()
    except duckdb.CatalogException:  # no _units table: the level argument for every row
        level_expr = "$level"
        rows = con.execute(sql.format(lvl=level_expr), {"level": level}).fetchall()
    if not rows:
        return
    cols: dict[str, list] = {k: [] for k in ("raw", "lvl", "unit", *extra, "norm")}
    for row in rows:
        for k, v in zip(("raw", "lvl", "unit", *extra), row, strict=True):
            cols[k].append(v)
        kw = dict(zip(extra, row[3:], strict=True))
        cols["norm"].append(normalize_rank(row[0], row[1], unit=row[2], **kw))
    mapping = pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})
    view = f"_xa_rank_map_{next(_counter)}"
    con.register(view, mapping)
    try:
        con.execute(
            f"UPDATE {t} AS t SET {n} = m.norm FROM {view} m "
            f"WHERE t.{c} IS NOT DISTINCT FROM m.raw AND m.lvl = {level_expr} "
            f"AND t.unit IS NOT DISTINCT FROM m.unit{ex_eq}",
            {"level": level},
        )
    finally:
        con.unregister(view)


def derive_columns(
    con,
    table: str,
    *,
    level: str = "市级",
    unit: str | None = None,
    target: str | None = None,
    normalised: bool = False,
) -> None:
    """Fill unit, defaults, line numbers, normalised columns and ``_key`` of ``table``.

    ``table`` is a canonical table name; its DuckDB table has the same name unless
    ``target`` names another table of the same shape (ingestion derives a staging table
    before appending it). Safe to run more than once. ``normalised=True`` (ingestion, which
    normalises each distinct value while parsing) skips the in-place normalisation and the
    company norms and leaves ``unit`` alone.
    """
    tdef = load_contract().table(table)
    install_macros(con, force=False)
    physical = target or table
    t = _q(physical)

    sets = [] if normalised else ["unit = coalesce(unit, $unit)"]
    for col in tdef.column_list():
        c = _q(col.name)
        if normalised:
            pass
        elif col.norm in _IN_PLACE and col.type == "text":
            sets.append(f"{c} = {_IN_PLACE[col.norm]}({c})")
        elif col.norm == "displacement" and col.type == "decimal":
            sets.append(f"{c} = CASE WHEN {c} > 100 THEN {c} / 1000 ELSE {c} END")
        if col.norm == "company" and not normalised:
            sets.append(f"{_q(col.name + '_norm')} = {company_norm_sql(c)}")
        if col.default is not None:
            sets.append(f"{c} = coalesce({c}, CAST($d_{col.name} AS {col.duckdb_type}))")
    params: dict[str, object] = {} if normalised else {"unit": unit or DEFAULT_UNIT}
    for col in tdef.column_list():
        if col.default is not None:
            params[f"d_{col.name}"] = str(col.default)
    if sets:
        con.execute(f"UPDATE {t} SET {', '.join(sets)}", params)

    for col in tdef.column_list():
        if col.generated == "number_within_voucher" and "voucher_no" in tdef.columns:
            c = _q(col.name)
            if not con.execute(f"SELECT count(*) FROM {t} WHERE {c} IS NULL").fetchall()[0][0]:
                continue
            con.execute(
                f"""
                UPDATE {t} AS t SET {c} = s.n FROM (
                    SELECT rid, coalesce(mx, 0) + row_number() OVER (
                        PARTITION BY unit, voucher_no ORDER BY _source_row NULLS LAST, rid) AS n
                    FROM (
                        SELECT rowid AS rid, unit, voucher_no, _source_row, {c} AS v,
                               max({c}) OVER (PARTITION BY unit, voucher_no) AS mx
                        FROM {t}
                    ) WHERE v IS NULL
                ) s WHERE t.rowid = s.rid
                """
            )
        if col.norm == "rank":
            _derive_ranks(con, physical, col.name, level)

    con.execute(f"UPDATE {t} SET _key = {_key_expr(tdef)}")
    if tdef.duplicates == "keep":
        # A repeated record is evidence here (one item paid twice): keep it, number the key.
        con.execute(
            f"""
            UPDATE {t} AS t SET _key = t._key || '#' || CAST(s.rn AS VARCHAR) FROM (
                SELECT rowid AS rid, row_number() OVER (
                    PARTITION BY unit, _key ORDER BY _source_row NULLS LAST, rowid) AS rn
                FROM {t}
            ) s WHERE t.rowid = s.rid AND s.rn > 1
            """
        )


__all__ = [
    "COMPANY_SUFFIXES",
    "DEFAULT_UNIT",
    "MACROS",
    "company_norm_sql",
    "derive_columns",
    "install_macros",
    "normalize_company",
]
