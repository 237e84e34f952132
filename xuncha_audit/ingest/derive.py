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
import re
import unicodedata

import duckdb
import pyarrow as pa

from xuncha_audit.contract import Table, load_contract
from xuncha_audit.db import literal, of, quote

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


def let_sql(body: str, arg: str = "s") -> str:
    """``body`` (written over ``z``) with ``z`` bound once to ``arg``. A macro is expanded where
    it is used: one that names its argument several times copies the whole argument expression
    each time, and DuckDB plans (compiles the regular expressions of) every copy — planning,
    not the rows, was most of a short sheet's load (docs/benchmarks.md, 2026-12-03 night)."""
    return f"list_transform([{arg}], lambda z: {body})[1]"


MACROS = {
    # translate() is slow in DuckDB (per-call map); only strings holding full-width
    # characters pay for it.
    "xa_fw": let_sql(
        r"CASE WHEN regexp_matches(z, '[\x{FF01}-\x{FF5E}\x{3000}]') "
        f"THEN translate(z, {literal(_FW)}, {literal(_HW)}) ELSE z END"
    ),
    "xa_nows": f"regexp_replace(s, {literal(_WS + '+')}, '', 'g')",
    "xa_norm_name": (
        "nullif(regexp_replace(xa_nows(xa_fw(s)), '[・•‧∙.．]', '·', 'g'), '')"
    ),
    "xa_norm_plate": (
        "nullif(upper(regexp_replace(xa_fw(s), " + literal(_WS[:-1] + r".\-·・•_]")
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
    "xa_ws_tokens": f"string_split_regex(trim(s), {literal(_WS + '+')})",
    "xa_norm_name_list": (
        "nullif(array_to_string(list_filter(list_transform(flatten(list_transform("
        "string_split_regex(xa_fw(s), '[、;,/]+'), lambda x: CASE WHEN len(xa_ws_tokens(x)) > 1"
        " AND list_bool_and(list_transform(xa_ws_tokens(x), lambda t: length(t) >= 2))"
        " THEN xa_ws_tokens(x) ELSE [x] END)),"
        " lambda x: xa_norm_name(x)), lambda x: x IS NOT NULL), '、'), '')"
    ),
    "xa_company_norm": let_sql(
        "coalesce(nullif(regexp_replace("
        f"regexp_replace(z, {literal(_BRACKET_RE)}, '', 'g'), {literal(_SUFFIX_RE)}, ''), ''),"
        " nullif(z, ''))", "lower(xa_nows(xa_fw(s)))"
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
    be = of(con)
    if not force:
        try:
            be.fetch_all("SELECT xa_macros_v1()")
            return
        except duckdb.Error:
            pass
    for name, body in MACROS.items():
        be.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")
    be.execute("CREATE OR REPLACE TEMP MACRO xa_macros_v1() AS 1")  # marker: installed


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
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).lower()
    s = re.sub(r"[\s\u00a0\u3000\ufeff\u200b-\u200d\u2060]+", "", s)
    cleaned = s
    s = re.sub(r"[(\[【〔〖][\u3400-\u9fff]{1,8}[)\]】〕〗]", "", s)
    s = re.sub(_SUFFIX_RE, "", s)
    return s or cleaned or None


_counter = itertools.count()


VOUCHER_DISPLAY_SQL = (
    "CASE WHEN voucher_type IS NOT NULL AND NOT starts_with(coalesce(voucher_no, ''), voucher_type) "
    "THEN voucher_type || '-' || coalesce(voucher_no, '') ELSE voucher_no END"
)


# bytes of UPDATE changes DuckDB holds in memory per row of a staging table, taken high (the
# voucher identity, line numbers and key of a ledger line): above half the memory limit, a
# staging table is rewritten instead of updated (set_columns)
UPDATE_BYTES_PER_ROW = 128
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def memory_limit_bytes(con) -> int | None:
    """DuckDB's ``memory_limit`` of this connection in bytes (it reads like ``1.2 GiB``)."""
    text = str(of(con).scalar("SELECT current_setting('memory_limit')") or "")
    m = re.match(r"^\s*([0-9.]+)\s*([A-Za-z]+)\s*$", text)
    if not m or m.group(2).upper() not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def rewrite_staging(con, t: str) -> bool:
    """Whether whole-column changes of staging table ``t`` should rewrite it (see set_columns):
    when its rows' UPDATE changes would take more than half of DuckDB's memory limit. Smaller
    tables are updated in place, which is faster (a 4M-line ledger loads in 55 s updated,
    98 s rewritten)."""
    limit = memory_limit_bytes(con)
    rows = of(con).scalar(f"SELECT count(*) FROM {t}") or 0
    return limit is not None and rows * UPDATE_BYTES_PER_ROW > limit // 2


class Rewrite:
    """``rewrite=`` of :func:`set_columns` that also runs ``step()`` after each rewrite: the
    loader commits there, so the replaced copy of a huge staging table is freed at once (a
    transaction keeps it until it ends, for a rollback)."""

    def __init__(self, step):
        self.step = step

    def __bool__(self) -> bool:
        return True


def _stepped(rewrite) -> None:
    if isinstance(rewrite, Rewrite):
        rewrite.step()


def set_columns(con, tdef: Table, t: str, sets: dict[str, str], *, where: str | None = None,
                join: tuple[str, str, str] | None = None, params: dict | None = None,
                rewrite: bool | Rewrite = False) -> None:
    """``UPDATE t AS t SET col = expr, … [FROM relation AS alias] [WHERE on AND where]``
    (``sets`` by column name; ``join`` = (relation, alias, on)).

    ``rewrite=True`` (a staging table of ingestion, most rows changed): the same rows as one
    ``CREATE OR REPLACE TEMP TABLE t AS SELECT t.* REPLACE (…) FROM t [LEFT JOIN …]``, in row
    order. DuckDB keeps an UPDATE's changes in memory it cannot spill: updating one column of a
    50M-line ledger ran out of memory under the 1.25 GiB cap, where the rewritten table spills.
    Rows without a match in ``join``, or failing ``where``, keep their values, as with UPDATE.
    """
    be = of(con)
    if not rewrite:
        set_sql = ", ".join(f"{quote(c)} = {e}" for c, e in sets.items())
        conds = [x for x in (join[2] if join else None, where) if x]
        from_sql = f" FROM {join[0]} AS {join[1]}" if join else ""
        be.execute(f"UPDATE {t} AS t SET {set_sql}{from_sql}"
                   + (" WHERE " + " AND ".join(f"({x})" for x in conds) if conds else ""), params)
        return
    types = tdef.all_columns()
    cond = " AND ".join(f"({x})" for x in (f"{join[1]}.__xa_hit" if join else None, where) if x)
    repl = ", ".join(
        f"CAST({f'CASE WHEN {cond} THEN {e} ELSE t.{quote(c)} END' if cond else e} AS {types[c]}) AS {quote(c)}"
        for c, e in sets.items())
    src = f"{t} AS t"
    if join:
        rel, alias, on = join
        src += f" LEFT JOIN (SELECT *, true AS __xa_hit FROM {rel}) AS {alias} ON {on} ORDER BY t.rowid"
    be.execute(f"CREATE OR REPLACE TEMP TABLE {t} AS SELECT t.* REPLACE ({repl}) FROM {src}", params)
    _stepped(rewrite)


def _default_sql(col, expr: str) -> str:
    """``expr`` or, where NULL, the contract's default of ``col`` (parameter ``$d_<col>``)."""
    return f"coalesce({expr}, CAST($d_{col.name} AS {col.duckdb_type}))"


def _default_params(tdef: Table) -> dict[str, object]:
    return {f"d_{c.name}": str(c.default) for c in tdef.column_list() if c.default is not None}


def _identity_layers(tdef: Table, year_numbering: bool = False) -> list[dict[str, str]]:
    """fiscal_year and period from the voucher date where absent, then voucher_id where absent:
    ``YYYY-MM 凭证字-凭证号`` (period numbering) or, with ``year_numbering`` (a layout that
    numbers vouchers through the year), ``YYYY 记-15``. Layers of {column: expression}, each
    reading the columns the layers before it set; the same expressions for an UPDATE of a
    table (:func:`derive_columns`) and for the loader's one INSERT (:func:`derived_select`)."""
    gens = {c.generated: c.name for c in tdef.column_list() if c.generated}
    dates = {gens[g]: f"coalesce({quote(gens[g])}, {fn}(voucher_date))"
             for g, fn in (("year_of_voucher_date", "year"), ("month_of_voucher_date", "month")) if g in gens}
    layers = [dates] if dates else []
    if "voucher_identity" in gens:
        vid = quote(gens["voucher_identity"])
        if year_numbering:
            layers.append({gens["voucher_identity"]: f"""coalesce({vid}, CAST(coalesce(fiscal_year,
                year(voucher_date)) AS VARCHAR) || ' ' || coalesce({VOUCHER_DISPLAY_SQL}, ''))"""})
        layers.append({gens["voucher_identity"]: f"""coalesce({vid}, CASE WHEN fiscal_year IS NULL OR period IS NULL
                THEN {VOUCHER_DISPLAY_SQL}
                ELSE lpad(CAST(fiscal_year AS VARCHAR), 4, '0') || '-' || lpad(CAST(period AS VARCHAR), 2, '0')
                     || ' ' || coalesce({VOUCHER_DISPLAY_SQL}, '') END)"""})
    return layers


def line_number_column(tdef: Table):
    """The column numbered within each voucher (``generated: number_within_voucher``), or None."""
    if "voucher_no" not in tdef.columns:
        return None
    return next((c for c in tdef.column_list() if c.generated == "number_within_voucher"), None)


def _books(col) -> tuple[str, str]:
    """The 财务会计 and 预算会计 values of a ``book_by_account`` column, as the contract lists
    them (``values: [财务会计, 预算会计]``)."""
    financial, budget = col.values
    return financial, budget


def _derive_book(con, tdef: Table, t: str, rewrite: bool = False, units: list[str] | None = None) -> None:
    """政府会计制度 平行记账: tag each line 财务会计 or 预算会计 (contract
    ``parallel_accounting``). A unit keeps 政府会计 平行记账 when its ledger holds an account
    whose code starts with a ``detect_prefixes`` digit (or whose name holds a ``detect_words``
    word) and also 财务会计 accounts (1xxx-5xxx); its lines whose code starts with a
    ``budget_prefixes`` digit are then 预算会计 (the second booking of an event the 财务会计
    lines already hold), all others 财务会计. Other units (企业会计准则: 6xxx are 损益类; an
    export of one book only) are all 财务会计, so every line counts.
    ``units``: the lines of these units are tagged (again), whatever they hold; otherwise the
    lines without a tag. With ``units`` only the lines whose tag changes are written (the
    loader stages every line as 财务会计, what most lines stay): an UPDATE of every line of a
    province's ledgers held 22M changed values in memory it cannot spill."""
    pa_cfg = tdef.parallel_accounting
    book = next(c for c in tdef.column_list() if c.generated == "book_by_account")
    col = book.name
    financial, budget_book = _books(book)
    budget = list(pa_cfg.get("budget_prefixes", ()))
    detect = list(pa_cfg.get("detect_prefixes", ()))
    words = list(pa_cfg.get("detect_words", ()))
    tag = """CASE WHEN g.gov AND list_contains($budget, left(trim(t.account_code), 1)) THEN $budget_book
                  ELSE $financial END"""
    set_columns(
        con, tdef, t,
        {col: tag},
        join=(f"""(SELECT unit, bool_or(list_contains($detect, left(trim(account_code), 1))
                                   OR list_has_any($words, list_filter($words, lambda w: contains(coalesce(account_name, ''), w))))
                            AND bool_or(regexp_matches(trim(coalesce(account_code, '')), '^[1-5]')) AS gov
               FROM {t} {'WHERE list_contains($units, unit)' if units is not None else ''} GROUP BY unit)""",
              "g", "g.unit IS NOT DISTINCT FROM t.unit"),
        where=(f"list_contains($units, t.unit) AND t.{quote(col)} IS DISTINCT FROM {tag}" if units is not None
               else f"t.{quote(col)} IS NULL"),
        params={"budget": budget, "detect": detect, "words": words, "financial": financial,
                "budget_book": budget_book,
                **({"units": list(units)} if units is not None else {})}, rewrite=rewrite)


#: what joins the key columns where a table has no key format (``voucher_no|line_no``)
KEY_SEPARATOR = "|"


def _key_pieces(key_format: str) -> list[tuple[str, str]]:
    """``key_format`` as (literal text, column name) pieces: ``"{voucher_id} #{line_no}"`` ->
    ``[("", "voucher_id"), (" #", "line_no")]``."""
    return [(lit, name) for lit, name in re.findall(r"([^{]*)(?:{(\w+)})?", key_format) if lit or name]


def _voucher_column(tdef: Table) -> str:
    """The column that identifies a voucher: ``voucher_id`` (period included) where the table
    has it, else ``voucher_no``."""
    return "voucher_id" if "voucher_id" in tdef.columns else "voucher_no"


def _key_expr(tdef: Table) -> str:
    cols = tdef.columns
    if tdef.key_format:
        pieces = []
        for lit, name in _key_pieces(tdef.key_format):
            if lit:
                pieces.append(literal(lit))
            if name:
                pieces.append(f"coalesce(CAST({quote(name)} AS VARCHAR), '')")
        return " || ".join(pieces)

    def part(c: str) -> str:
        expr = f"CAST({quote(c)} AS VARCHAR)"
        if c == "person_id":
            alts = [f"CAST({quote(a)} AS VARCHAR)" for a in ("id_number", "name") if a in cols]
            if alts:
                expr = f"coalesce({expr}, {', '.join(alts)})"
        return f"coalesce({expr}, '')"

    sep = f" || {literal(KEY_SEPARATOR)} || "
    main = sep.join(part(c) for c in tdef.key)
    if not tdef.key_fallback:
        return main
    all_null = " AND ".join(f"{quote(c)} IS NULL" for c in tdef.key)
    fb_present = " OR ".join(f"{quote(c)} IS NOT NULL" for c in tdef.key_fallback)
    fallback = sep.join(part(c) for c in tdef.key_fallback)
    return f"CASE WHEN {all_null} AND ({fb_present}) THEN {fallback} ELSE {main} END"


def _derive_ranks(con, table: str, col: str, level: str) -> None:
    """``<col>_norm`` from the raw rank, read with the row's 职务 (position), department and
    unit where the table has them (a bare 主任 means different ranks in different places)."""
    try:
        from xuncha_audit.standards.ranks import normalize_rank
    except ImportError:
        return
    be = of(con)
    t, c, n = quote(table), quote(col), quote(f"{col}_norm")
    have = set(be.columns(table))
    extra = [x for x in ("position", "department") if x in have and x != col]
    ex_sel = "".join(f", t.{quote(x)} AS {x}" for x in extra)
    ex_eq = "".join(f" AND t.{quote(x)} IS NOT DISTINCT FROM m.{x}" for x in extra)
    ex_nonnull = " OR ".join([f"{c} IS NOT NULL", *(f"t.{quote(x)} IS NOT NULL" for x in extra)])
    level_expr = "coalesce((SELECT max(u.level) FROM _units u WHERE u.unit = t.unit), $level)"
    sql = (f"SELECT DISTINCT t.{c} AS raw, {{lvl}} AS lvl, t.unit AS unit{ex_sel} FROM {t} t "
           f"WHERE {ex_nonnull}")
    try:
        rows = be.fetch_all(sql.format(lvl=level_expr), {"level": level})
    except duckdb.CatalogException:  # no _units table: the level argument for every row
        level_expr = "$level"
        rows = be.fetch_all(sql.format(lvl=level_expr), {"level": level})
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
    with be.registered(view, mapping):
        be.execute(
            f"UPDATE {t} AS t SET {n} = m.norm FROM {view} m "
            f"WHERE t.{c} IS NOT DISTINCT FROM m.raw AND m.lvl = {level_expr} "
            f"AND t.unit IS NOT DISTINCT FROM m.unit{ex_eq}",
            {"level": level},
        )


def derive_columns(
    con,
    table: str,
    *,
    level: str = "市级",
    unit: str | None = None,
    target: str | None = None,
    normalised: bool = False,
    rewrite_step=None,
    books: bool = True,
    keys: bool = True,
) -> None:
    """Fill unit, defaults, line numbers, normalised columns and ``_key`` of ``table``.

    ``table`` is a canonical table name; its DuckDB table has the same name unless
    ``target`` names another table of the same shape (ingestion derives a staging table
    before appending it). Safe to run more than once. ``normalised=True`` (ingestion, which
    normalises each distinct value while parsing) skips the in-place normalisation and the
    company norms and leaves ``unit`` alone.
    ``rewrite_step``: called after each rewrite of a large staging table (see :class:`Rewrite`).
    ``books=False`` / ``keys=False`` (ingestion): the 平行记账 tags are left to the whole-ledger
    pass once every file is in, the keys to :func:`derive_keys` once line numbers are final.
    """
    tdef = load_contract().table(table)
    install_macros(con, force=False)
    physical = target or table
    t = quote(physical)

    # a large staging table (ingestion) is rewritten, not updated: see set_columns
    rewrite = target is not None and rewrite_staging(con, t)
    if rewrite and rewrite_step is not None:
        rewrite = Rewrite(rewrite_step)
    sets: dict[str, str] = {} if normalised else {"unit": "coalesce(t.unit, $unit)"}
    for col in tdef.column_list():
        c = quote(col.name)
        expr = f"t.{c}"
        if normalised:
            pass
        elif col.norm in _IN_PLACE and col.type == "text":
            expr = f"{_IN_PLACE[col.norm]}({expr})"
        elif col.norm == "displacement" and col.type == "decimal":
            expr = f"CASE WHEN {expr} > 100 THEN {expr} / 1000 ELSE {expr} END"
        if col.norm == "company" and not normalised:
            sets[col.name + "_norm"] = company_norm_sql(f"t.{c}")
        if col.default is not None:
            expr = _default_sql(col, expr)
        if expr != f"t.{c}":
            sets[col.name] = expr
    params = _default_params(tdef) | ({} if normalised else {"unit": unit or DEFAULT_UNIT})
    if sets:
        set_columns(con, tdef, t, sets, params=params, rewrite=rewrite)

    for layer in _identity_layers(tdef):
        set_columns(con, tdef, t, layer, rewrite=rewrite)
    number_lines(con, tdef, t, rewrite)
    derive_ranks(con, tdef, physical, level)

    if books and any(c.generated == "book_by_account" for c in tdef.column_list()):
        _derive_book(con, tdef, t, rewrite)
    if keys:
        derive_keys(con, tdef, t, rewrite)


def derived_select(tdef: Table, src: str, present: set[str], *, keys: bool = True,
                   year_numbering: bool = False) -> tuple[str, dict[str, object]]:
    """The rows of ``src`` (a query with the typed, normalised columns ``present``) with every
    column of ``tdef`` and what :func:`derive_columns` (``normalised=True``) fills in row by
    row: defaults, fiscal year and period, the voucher identity, and ``_key`` when ``keys``.
    One query instead of an INSERT and an UPDATE per derived column (each of those read and
    wrote every row of a 4M-line ledger). Line numbers (:func:`number_lines`), ranks,
    repeated keys of a ``duplicates: keep`` table and 平行记账 tags are not made here: they
    need the other rows (a line's book is staged as 财务会计 and tagged once every file is in).
    ``year_numbering``: vouchers numbered through the year (``YYYY 记-15``). Returns the query
    and its parameters."""
    types = tdef.all_columns()
    sql = ("SELECT " + ", ".join(quote(c) if c in present else f"CAST(NULL AS {t}) AS {quote(c)}"
                                 for c, t in types.items()) + f" FROM ({src})")
    defaults = {c.name: _default_sql(c, quote(c.name)) for c in tdef.column_list() if c.default is not None}
    # 平行记账 tags: every line staged as 财务会计; the pass over the unit's whole ledger once
    # every file is in (_derive_book with units) writes only the lines that are 预算会计
    books = [c for c in tdef.column_list() if c.generated == "book_by_account"]
    staged_books = {c.name: f"coalesce({quote(c.name)}, $staged_book)" for c in books}
    layers = [defaults | staged_books, *_identity_layers(tdef, year_numbering),
              {"_key": _key_expr(tdef)} if keys else {}]
    for sets in layers:
        if sets:
            repl = ", ".join(f"CAST({e} AS {types[c]}) AS {quote(c)}" for c, e in sets.items())
            sql = f"SELECT * REPLACE ({repl}) FROM ({sql})"
    params = _default_params(tdef)
    if books:
        params["staged_book"] = _books(books[0])[0]
    return sql, params


def number_repeated_keys(con, tdef: Table, t: str) -> None:
    """In a table marked ``duplicates: keep``, a repeated ``_key`` numbered ``#2``, ``#3`` …
    in file order (the first keeps its key)."""
    if tdef.duplicates != "keep":
        return
    # A repeated record is evidence here (one item paid twice): keep it, number the key.
    of(con).execute(
        f"""
        UPDATE {t} AS t SET _key = t._key || '#' || CAST(s.rn AS VARCHAR) FROM (
            SELECT rowid AS rid, row_number() OVER (
                PARTITION BY unit, _key ORDER BY _source_row NULLS LAST, rowid) AS rn
            FROM {t} SEMI JOIN (  -- numbered only where a key repeats (a window over
                -- every line sorted a province's payroll for its few repeated items)
                SELECT unit AS u, _key AS k FROM {t} GROUP BY ALL HAVING count(*) > 1) d
              ON d.u IS NOT DISTINCT FROM unit AND d.k IS NOT DISTINCT FROM _key
        ) s WHERE t.rowid = s.rid AND s.rn > 1
        """
    )


def derive_ranks(con, tdef: Table, t: str, level: str) -> None:
    """``<col>_norm`` of every ``norm: rank`` column of ``t`` (see :func:`_derive_ranks`)."""
    for col in tdef.column_list():
        if col.norm == "rank":
            _derive_ranks(con, t, col.name, level)


def number_lines(con, tdef: Table, t: str, rewrite: bool | Rewrite = False) -> bool:
    """``line_no`` (:func:`line_number_column`) where NULL: numbered within ``(unit,
    voucher_id)`` in ``_source_row`` order, after the highest number the voucher has (keys
    are made after: :func:`derive_keys`). Where no line has a number (an export
    without 分录号, the usual case), one plain window numbers the lines: the general form (the
    voucher's highest number, a partition by which lines have one) costs three times as much.

    Returns whether every line of ``t`` was numbered here (none had a number of its own):
    then no two lines of a voucher share a number (see :func:`keys_unique_by_numbering`)."""
    be = of(con)
    col = line_number_column(tdef)
    if col is None:
        return False
    c = quote(col.name)
    part = _voucher_column(tdef)
    nulls, total = be.fetch_one(f"SELECT count(*) FILTER (WHERE {c} IS NULL), count(*) FROM {t}")
    if nulls and nulls == total and not rewrite:
        # the numbers into a narrow table first: the same window inside the UPDATE kept
        # the table's every column in the sort and spilled (8.5 s against 0.7 s at 1.25 GiB)
        be.execute(
            f"""CREATE OR REPLACE TEMP TABLE _xa_line_no AS SELECT rowid AS rid, row_number() OVER (
                    PARTITION BY unit, {part} ORDER BY _source_row NULLS LAST, rowid) AS n
                FROM {t}""")
        be.execute(f"UPDATE {t} AS t SET {c} = s.n FROM _xa_line_no s WHERE t.rowid = s.rid")
        be.execute("DROP TABLE _xa_line_no")
    elif nulls and rewrite:
        # one pass of two windows over the table, then back in row order
        be.execute(
            f"""CREATE OR REPLACE TEMP TABLE {t} AS SELECT * REPLACE (
                CAST(CASE WHEN {c} IS NULL THEN coalesce(max({c}) OVER (PARTITION BY unit, {part}), 0)
                     + row_number() OVER (PARTITION BY unit, {part}, {c} IS NULL
                                          ORDER BY _source_row NULLS LAST, rowid)
                     ELSE {c} END AS {tdef.all_columns()[col.name]}) AS {c})
            FROM {t} ORDER BY rowid""")
        _stepped(rewrite)
    elif nulls:
        be.execute(
            f"""
            UPDATE {t} AS t SET {c} = s.n FROM (
                SELECT rid, coalesce(mx, 0) + row_number() OVER (
                    PARTITION BY unit, {part} ORDER BY _source_row NULLS LAST, rid) AS n
                FROM (
                    SELECT rowid AS rid, unit, {part}, _source_row, {c} AS v,
                           max({c}) OVER (PARTITION BY unit, {part}) AS mx
                    FROM {t}
                ) WHERE v IS NULL
            ) s WHERE t.rowid = s.rid
            """
        )
    return bool(total) and nulls == total


def keys_unique_by_numbering(con, tdef: Table, t: str) -> bool:
    """Whether the keys :func:`derive_keys` makes for ``t`` cannot repeat, once
    :func:`number_lines` numbered every line (it returned True): the key is the voucher and
    the line number joined by a separator holding no digit (``{voucher_id} #{line_no}``),
    so two equal keys would split at the same separator into the same voucher and the same
    number, which the numbering gives one line of a voucher only. The one exception: a
    voucher read as NULL and one read as '' (both written ''), looked for here. A grouping of
    every key to find repeats (0.6 s for a 4M-line ledger) is then not needed."""
    col = line_number_column(tdef)
    part = _voucher_column(tdef)
    if col is None or list(tdef.key) != [part, col.name] or tdef.key_fallback:
        return False
    # the separator before the number: the key format's (``" #"``), or the default one
    pieces = (_key_pieces(tdef.key_format) if tdef.key_format
              else [("", part), (KEY_SEPARATOR, col.name)])
    if [name for _, name in pieces] != [part, col.name] or pieces[0][0]:
        return False
    sep = pieces[1][0]
    if not sep or any(ch.isdigit() for ch in sep):
        return False
    p = quote(part)
    return not of(con).scalar(
        f"SELECT count(*) FILTER (WHERE {p} IS NULL) > 0 AND count(*) FILTER (WHERE {p} = '') > 0 FROM {t}")


def derive_keys(con, tdef: Table, t: str, rewrite: bool | Rewrite = False) -> None:
    """``_key`` of every row of ``t`` (a quoted table name) from the contract's key columns;
    in a table marked ``duplicates: keep``, repeated keys numbered ``#2``, ``#3`` …"""
    set_columns(con, tdef, t, {"_key": _key_expr(tdef)}, rewrite=rewrite)
    number_repeated_keys(con, tdef, t)


__all__ = [
    "COMPANY_SUFFIXES",
    "DEFAULT_UNIT",
    "MACROS",
    "company_norm_sql",
    "derive_columns",
    "derive_keys",
    "derive_ranks",
    "derived_select",
    "install_macros",
    "keys_unique_by_numbering",
    "line_number_column",
    "normalize_company",
    "number_lines",
    "number_repeated_keys",
]
