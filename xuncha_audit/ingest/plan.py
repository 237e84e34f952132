"""How one sheet is read: its layout (or the generic alias path), header, column meanings
and conventions, and the SQL that turns its raw cells into the source columns of the
contract (the *source* stage of ingestion).

:func:`plan_sheet` decides from the sheet's first rows only (headers, title lines, names).
:func:`prepare_sql` builds the ``_xa_prep`` staging table from ``_xa_raw`` (all VARCHAR):

* direction + amount -> ``s_debit``/``s_credit`` (本币 columns win over 原币);
* amount units: a header suffix （万元）/（千元）, a title line 金额单位：万元 or the layout's
  ``amount_unit`` multiply plain numeric cells exactly (DECIMAL(38,6)); a cell that names its
  own unit (``74.15万元``) is left to the cell parser;
* date parts (年/月/日 columns, the year from a merged header ``2024年`` or the title) ->
  ``s_voucher_date``; 会计期间 ``2024-03``/``第3期`` -> the period number;
* 辅助核算 (``供应商---0002---名称``, ``部门:办公室;职员:张三``, 核算项目n + 编码n/名称n) ->
  department, person, counterparty where those columns are not in the file;
* ``_kind``: ``summary`` (期初余额, 本月合计, 合计 ... wherever the word stands in the row),
  ``deleted`` (删除标记 set, or a cell reading 作废) or NULL (a record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xuncha_audit.contract import Table, head_keys, header_key, load_contract
from xuncha_audit.ingest.layouts import Layout, combine_header, conventions, recognise
from xuncha_audit.ingest.match import (
    ColumnMap,
    Vocabulary,
    choose_table,
    find_header_row,
    labels_for,
    map_columns,
)

_UNIT_IN_HEADER = re.compile(r"[（(]\s*(亿元|万元|千元|元)\s*[)）]\s*$|/\s*(亿元|万元|千元|元)\s*$")
_UNIT_IN_TITLE = re.compile(r"(?:金额)?单位\s*[:：]\s*(亿元|万元|千元|元)")
_YEAR = re.compile(r"(20[0-9]{2}|19[0-9]{2})\s*(?:年|[.\-/]\s*[0-9]{1,2})")
_ACCOUNT_TITLE = re.compile(r"科目\s*[:：]\s*([0-9]{3,})\s*[ \u3000]*([^\s|，,;；]+)?")


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


@dataclass
class SheetPlan:
    """Everything decided about a sheet before its rows are read."""

    table: str | None
    how: str  # layout | forced | sheet_name | file_name | headers | none | metadata
    header_idx: int | None = None  # last header row (data starts below)
    header_start: int | None = None
    layout: Layout | None = None
    cmap: ColumnMap | None = None
    roles: dict[str, list[int]] = field(default_factory=dict)
    aux: dict[int, dict[str, int]] = field(default_factory=dict)  # n -> {category, code, name}
    wide_kinds: dict[int, str] = field(default_factory=dict)  # declared wide payroll kinds
    multipliers: dict[int, Decimal] = field(default_factory=dict)
    constants: dict[str, object] = field(default_factory=dict)
    conv: dict = field(default_factory=dict)
    year: int | None = None
    title_text: str = ""
    notes: list[str] = field(default_factory=list)
    parents: list[str | None] = field(default_factory=list)

    @property
    def layout_name(self) -> str:
        return self.layout.name if self.layout else "generic"


def _title_text(head, upto: int | None) -> str:
    if not upto:
        return ""
    return " ".join(c for row in head[:upto] for c in row if c)


def plan_sheet(file_name: str, sheet_name: str | None, head: list[list[str | None]], width_for,
               vocab: Vocabulary, layouts: list[Layout], forced: str | None = None) -> SheetPlan:
    """Decide layout, table, header and column meanings from the first rows of a sheet
    (``width_for(header_row)``: the number of source columns with that header row)."""
    contract = load_contract()
    keys = head_keys(head)
    rec = recognise(layouts, file_name, sheet_name, head, keys) if layouts else None
    if rec is not None and forced and rec.layout.table != forced:
        rec = None  # a mapping-file rule forcing another table wins
    if rec is not None:
        lay = rec.layout
        width = width_for(rec.header_end)
        headers, parents = combine_header(head, rec.header_start, rec.header_end, width)
        cmap = map_columns(headers, lay.table, vocab)
        plan = SheetPlan(table=lay.table, how="layout", header_idx=rec.header_end,
                         header_start=rec.header_start, layout=lay, cmap=cmap,
                         constants=dict(lay.constants), parents=parents)
        # the layout's column meanings override alias matching
        for i, h in enumerate(headers):
            target = lay.target_for(h)
            if target is None:
                continue
            for col, idx in list(cmap.columns.items()):
                if idx == i:
                    del cmap.columns[col]
            if cmap.unit_index == i:
                cmap.unit_index = None
            if target in contract.table(lay.table).columns:
                if target in cmap.columns and cmap.columns[target] != i:
                    plan.roles.setdefault("also:" + target, []).append(i)
                else:
                    cmap.columns[target] = i
            elif target in ("attribute", "total", "gross", "net", "deduction", "item"):
                plan.wide_kinds[i] = target
            elif target.startswith("aux_"):
                _, part, n = target.split("_")
                plan.aux.setdefault(int(n), {})[part] = i
            elif target != "extra":
                plan.roles.setdefault(target, []).append(i)
        used = set(cmap.columns.values()) | ({cmap.unit_index} if cmap.unit_index is not None else set())
        used |= {i for v in plan.roles.values() for i in v}
        used |= {i for d in plan.aux.values() for i in d.values()}
        cmap.extras = [i for i in range(len(headers)) if i not in used]
    else:
        header_idx = find_header_row(head, vocab, keys)
        if header_idx is None:
            return SheetPlan(table=None, how="none")
        width = width_for(header_idx)
        headers = (list(head[header_idx]) + [None] * width)[:width]
        choice = choose_table(file_name, sheet_name, headers, vocab, forced)
        if choice.table is None:
            return SheetPlan(table=None, how="none", header_idx=header_idx)
        cmap = choice.cmap
        plan = SheetPlan(table=choice.table, how=choice.how, header_idx=header_idx,
                         header_start=header_idx, cmap=cmap, parents=[None] * len(headers))
        _generic_roles(plan, contract.table(choice.table), headers)
    plan.conv = conventions(plan.layout)
    plan.title_text = _title_text(head, plan.header_start)
    tdef = contract.table(plan.table)
    _amount_units(plan, tdef, headers)
    _year(plan, file_name, sheet_name)
    if plan.conv.get("account_from_title") and tdef.name == "ledger":
        m = _ACCOUNT_TITLE.search(plan.title_text) or _ACCOUNT_TITLE.search(sheet_name or "")
        if m and "account_code" not in plan.cmap.columns:
            plan.constants.setdefault("account_code", m.group(1))
            if m.group(2) and "account_name" not in plan.cmap.columns:
                plan.constants.setdefault("account_name", m.group(2))
    return plan


def _generic_roles(plan: SheetPlan, tdef: Table, headers: list[str | None]) -> None:
    """Roles (direction, amount, deleted, auxiliary ...) found by the contract's role aliases
    among the columns no contract column took."""
    cmap = plan.cmap
    if not tdef.roles:
        return
    role_keys = {header_key(a): role for role, aliases in tdef.roles.items() for a in aliases}
    for i in list(cmap.extras):
        role = role_keys.get(header_key(headers[i])) if headers[i] else None
        if role is None:
            continue
        if role == "direction" and ("debit" in cmap.columns or "credit" in cmap.columns):
            continue  # with 借方/贷方 columns, 方向 is the balance direction
        plan.roles.setdefault(role, []).append(i)
        cmap.extras.remove(i)
    if "amount" in plan.roles and "direction" not in plan.roles:
        cmap.extras.extend(plan.roles.pop("amount"))  # an amount without a direction is not money of record
        cmap.extras.sort()


def _amount_units(plan: SheetPlan, tdef: Table, headers: list[str | None]) -> None:
    units = plan.conv.get("amount_units") or {}
    non_money = set(plan.conv.get("non_money_columns") or ())
    title_unit = None
    m = _UNIT_IN_TITLE.search(plan.title_text)
    if m:
        title_unit = m.group(1)
    elif plan.conv.get("amount_unit"):
        title_unit = str(plan.conv["amount_unit"])
    money_idx: list[int] = []
    for col, idx in plan.cmap.columns.items():
        c = tdef.columns[col]
        if c.type == "decimal" and col not in non_money:
            money_idx.append(idx)
    for role in ("amount",):
        money_idx += plan.roles.get(role, [])
    if tdef.wide:
        money_idx += [i for i in plan.cmap.extras if i not in money_idx]
    for idx in money_idx:
        h = headers[idx] or ""
        hm = _UNIT_IN_HEADER.search(h)
        unit = (hm.group(1) or hm.group(2)) if hm else title_unit
        if unit and unit in units and Decimal(str(units[unit])) != 1:
            plan.multipliers[idx] = Decimal(str(units[unit]))
    if plan.multipliers:
        shown = sorted({str(v) for v in plan.multipliers.values()})
        plan.notes.append("金额单位换算为元（×" + "、×".join(shown) + "）")


def _year(plan: SheetPlan, file_name: str, sheet_name: str | None) -> None:
    for text in [*(p for p in plan.parents if p), plan.title_text, sheet_name or "", Path(file_name).stem]:
        m = _YEAR.search(text or "")
        if m:
            plan.year = int(m.group(1))
            return


# ---------------------------------------------------------------------------------------
# SQL of the source stage
def _plain_scaled(src: str, mult: Decimal) -> str:
    """A plain number (1,234.56 or (1,234.56)) times ``mult`` as exact text; other cells
    (empty, 74.15万元, garbage) unchanged, for the cell parser to read or reject."""
    z = f"regexp_replace(trim({src}), '[,，\\s]', '', 'g')"
    return (
        f"CASE WHEN regexp_full_match({z}, '[-+]?[0-9]*\\.?[0-9]+') "
        f"THEN CAST(CAST({z} AS DECIMAL(38,6)) * {mult} AS VARCHAR) "
        f"WHEN regexp_full_match({z}, '\\([0-9]*\\.?[0-9]+\\)') "
        f"THEN CAST(-CAST(regexp_extract({z}, '^\\((.*)\\)$', 1) AS DECIMAL(38,6)) * {mult} AS VARCHAR) "
        f"ELSE {src} END"
    )


# White space as exports write it between the characters of a word: ASCII, the full-width
# space (U+3000) and the no-break space (RE2's \s is ASCII only); with the repetition.
_SPACE_CLASS = r"[\s\x{3000}\x{A0}]*"


def _cell(i: int) -> str:
    return f"nullif(trim(r.c{i}), '')"


@dataclass
class Prepared:
    sql: str
    col_src: dict[str, tuple[str, str | None]]  # contract column -> (prep column, label)
    checks: list[tuple[str, str, str, str]]  # (bad condition, column label, reason_zh, reason_en)
    # ``_xa_kinds``: ``_row, _kind, _summary_word`` of the 合计/作废 rows only (none where the
    # sheet has no way to mark a row)
    kinds_sql: str
    # a column of every row costs enough that its readers should not each compute it again
    # (辅助核算 parsed into department, person, counterparty; 方向 + 金额 split; 万元 scaled;
    # 会计期间 read by a regex): _xa_prep made a table
    materialise: bool = False


def constant_text(value: object) -> str:
    """A plan constant as the cell text it stands for."""
    return "是" if value is True else ("否" if value is False else str(value))


def constant_column(col: str) -> str:
    """Column of ``_xa_raw`` holding a constant per row, when sheets are loaded as a group."""
    return f"_xa_k_{col}"


def prepare_sql(plan: SheetPlan, tdef: Table, labels: list[str], width: int,
                wide_items: list[int], constants_in_rows: bool = False,
                members_join: str | None = None) -> Prepared:
    """SELECT list turning ``_xa_raw r`` into ``_xa_prep`` (see module docstring).
    ``constants_in_rows``: the plan's constants are read from ``_xa_raw`` columns
    (:func:`constant_column`, one value per sheet of a group) instead of the plan.
    ``members_join``: a group of sheets whose columns stand in other places (``JOIN
    _xa_members xm ON …``): a row's cells are searched for 合计 words in each sheet's own
    column order (``xm.ord``), so the first word found is the one a sheet alone gives."""
    cmap = plan.cmap
    conv = plan.conv
    sel = ["r.*"]
    col_src: dict[str, tuple[str, str | None]] = {}
    checks: list[tuple[str, str, str, str]] = []
    expr_of: dict[str, str] = {}
    # what makes a column of every row cost regular expressions (万元 scaling, 会计期间, 方向 +
    # 金额, 辅助核算): then _xa_prep is made a table, computed once (Prepared.materialise)
    costly: list[str] = []

    def src(i: int) -> str:
        mult = plan.multipliers.get(i)
        if mult:
            costly.append("scaled")
        return _plain_scaled(f"r.c{i}", mult) if mult else f"r.c{i}"

    for col, idx in cmap.columns.items():
        also = plan.roles.get("also:" + col, [])
        expr = src(idx)
        if also:  # several headers meaning one column (客户, 供应商): the first non-empty
            expr = "coalesce(" + ", ".join([f"nullif(trim({src(i)}), '')" for i in [idx, *also]]) + ")"
        if col == "period":
            costly.append("period")
            z = f"nullif(trim({expr}), '')"
            expr = (f"CASE WHEN regexp_full_match({z}, '[0-9]{{1,2}}(\\.0+)?') THEN {z} "
                    f"ELSE nullif(regexp_extract({z}, '([0-9]{{1,2}})[^0-9]*$', 1), '') END")
        if col == "voucher_no":  # a number stored as 15.0 is voucher 15 (the regex only where a dot is)
            expr = (f"CASE WHEN contains({expr}, '.') THEN regexp_replace({expr}, '^\\s*([0-9]+)\\.0+\\s*$', '\\1') "
                    f"ELSE {expr} END")
        if col == "line_no" and int(conv.get("line_base", 1)) == 0:
            z = f"nullif(trim({expr}), '')"
            expr = f"coalesce(CAST(TRY_CAST(TRY_CAST({z} AS DOUBLE) AS BIGINT) + 1 AS VARCHAR), {z})"
        expr_of[col] = expr
        if expr == f"r.c{idx}":
            col_src[col] = (f"c{idx}", labels[idx])
        else:
            sel.append(f"{expr} AS s_{col}")
            col_src[col] = (f"s_{col}", labels[idx])

    # summary / deleted rows
    skip_cols = set(wide_items)
    text_cols = [i for i in range(width) if i not in skip_cols]
    words = [re.sub(r"\s+", "", w) for w in conv.get("summary_words") or []]
    sum_re = "(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + \
        r")([:：]|[（(][^）)]*[)）])?"
    # One expression over the row as a list, evaluated once per row in a subquery: a condition
    # per column (OR-ed, with the regex repeated) grew the statement with the sheet's width and
    # made DuckDB spend minutes binding a 6,000-column sheet.
    row_list = "[" + ", ".join(f"r.c{i}" for i in text_cols) + "]"
    if members_join and text_cols and not skip_cols:
        row_list = f"list_select({row_list}, xm.ord)"
    pre_cols: list[str] = []
    # the row's cells joined, for the prefilters: whether a cell may hold a 合计/作废 word
    # does not depend on the cells' order, and concat builds no list (the list of cells in
    # each sheet's own order is built only for the few rows that pass). No separator: a word
    # made of the end of one cell and the start of the next only lets that row on to the
    # test of each cell (4M rows: 0.92 s against 1.08 with concat_ws)
    row_text = "r._xa_text"
    text_sql = "concat(" + ", ".join(f"r.c{i}" for i in text_cols) + ")" if text_cols else "''"
    # one regular expression over the row's text finds the rows that may hold either kind of
    # word (``_xa_hit``, nearly none); each kind's own test runs on those rows only. The
    # summary words as they may be written — spaces between their characters (合  计, 本 月 合 计,
    # 合　计), a word inside a longer one covering it (合计 in 本月合计) — not their last two
    # characters: 余额 of 期初余额 is in 零余额账户用款额度, the account of nearly every payment of
    # a government unit (a real ledger's 4M lines: 900,000 rows on to the per-cell test, 5.9 s)
    hints: list[str] = []
    if words and text_cols:
        sum_hint = "|".join(_SPACE_CLASS.join(re.escape(ch) for ch in w)
                            for w in sorted(w for w in set(words) if not any(o != w and o in w for o in words)))
        hints.append(sum_hint)
        prefilter = f"r._xa_hit AND regexp_matches({row_text}, {_lit(sum_hint)})"
        full_re = "^" + sum_re + "$"
        word = (f"list_filter(list_transform({row_list}, lambda x: regexp_extract("
                f"regexp_replace(coalesce(x, ''), {_lit(_SPACE_CLASS[:-1])}, '', 'g'), {_lit(full_re)}, 1)), "
                f"lambda w: w <> '')[1]")
        pre_cols.append(f"CASE WHEN {prefilter} THEN {word} END AS _xa_sum_word")
        # judged once, over every row, by the statement that makes _xa_kinds; the columns of
        # _xa_prep read the result from _xa_raw._summary_word, set from there (a 合计 row's
        # debit/credit without 方向)
        kind_summary = "(r._xa_sum_word IS NOT NULL)"
        summary_cond = "(r._summary_word IS NOT NULL)"
    else:
        kind_summary = summary_cond = "FALSE"
    deleted_parts = []
    dvals = [str(v).lower() for v in conv.get("deleted_values") or []]
    for i in plan.roles.get("deleted", []):
        deleted_parts.append(f"list_contains({_list(dvals)}, lower(trim(coalesce(r.c{i}, ''))))")
    void = [str(w) for w in conv.get("void_cell_words") or []]
    if void and text_cols:
        cells = (f"list_has_any({_list(void)}, "
                 f"list_transform({row_list}, lambda x: trim(coalesce(x, ''))))")
        hints.append("作废|删除")
        pre_cols.append(f"CASE WHEN r._xa_hit AND regexp_matches({row_text}, '作废|删除') THEN {cells} "
                        "ELSE FALSE END AS _xa_void")
        deleted_parts.append("r._xa_void")
    deleted_cond = " OR ".join(deleted_parts) or "FALSE"
    # direction + amount -> debit / credit (本币 借方/贷方 columns win when the file has them)
    if "direction" in plan.roles and "amount" in plan.roles and tdef.name == "ledger":
        d = plan.roles["direction"][0]
        a = plan.roles["amount"][0]
        dirs = conv.get("direction") or {}
        dz = f"lower(regexp_replace(coalesce(r.c{d}, ''), '\\s', '', 'g'))"
        deb = _list([str(v).lower() for v in dirs.get("debit", [])])
        cre = _list([str(v).lower() for v in dirs.get("credit", [])])
        amt = src(a)
        for col, lst in (("debit", deb), ("credit", cre)):
            if col in col_src:
                continue
            costly.append("direction")
            # a 合计 row without a direction carries the total of both sides
            sel.append(f"CASE WHEN list_contains({lst}, {dz}) THEN {amt} "
                       f"WHEN {summary_cond} AND {dz} IN ('', '平') THEN {amt} END AS s_{col}")
            col_src[col] = (f"s_{col}", labels[a])
        if "debit" in col_src and col_src["debit"][0] == "s_debit":
            checks.append((
                f"nullif(trim(r.c{a}), '') IS NOT NULL AND NOT list_contains({deb}, {dz}) "
                f"AND NOT list_contains({cre}, {dz})",
                labels[d], "无法识别的借贷方向（应为 借/贷、1/0、D/C）", "unrecognised direction",
            ))

    # date parts
    if tdef.name == "ledger" and "voucher_date" not in col_src and "month" in plan.roles \
            and "day" in plan.roles:
        m, dd = plan.roles["month"][0], plan.roles["day"][0]
        year = (f"nullif(trim(r.c{plan.roles['year'][0]}), '')" if "year" in plan.roles
                else (_lit(str(plan.year)) if plan.year else "NULL"))
        sel.append(
            f"CASE WHEN {_cell(m)} IS NOT NULL AND {_cell(dd)} IS NOT NULL THEN "
            f"{year} || '-' || {_cell(m)} || '-' || {_cell(dd)} END AS s_voucher_date"
        )
        col_src["voucher_date"] = ("s_voucher_date", labels[m] + "/" + labels[dd])

    # auxiliary accounting -> department / person / counterparty
    aux_parts: list[str] = []
    for i in plan.roles.get("auxiliary", []):
        aux_parts.append(f"coalesce(r.c{i}, '')")
    for _n, parts in sorted(plan.aux.items()):
        if "category" in parts and "name" in parts:
            aux_parts.append(
                f"CASE WHEN {_cell(parts['category'])} IS NOT NULL AND {_cell(parts['name'])} IS NOT NULL "
                f"THEN {_cell(parts['category'])} || '---' || coalesce({_cell(parts['code'])}, '') "
                f"|| '---' || {_cell(parts['name'])} ELSE '' END"
                if "code" in parts else
                f"CASE WHEN {_cell(parts['category'])} IS NOT NULL AND {_cell(parts['name'])} IS NOT NULL "
                f"THEN {_cell(parts['category'])} || ':' || {_cell(parts['name'])} ELSE '' END"
            )
    if aux_parts and tdef.name == "ledger":
        aux_text = "concat_ws(';', " + ", ".join(aux_parts) + ")"
        cats = conv.get("auxiliary") or {}
        for col in ("department", "person", "counterparty"):
            if col not in tdef.columns or not cats.get(col):
                continue
            pattern = "|".join(re.escape(w) for w in cats[col])
            aux = f"list_filter(_aux_list, lambda e: regexp_matches(e.cat, {_lit(pattern)}))[1].name"
            if col in col_src:  # a column of its own wins where filled
                sel.append(f"coalesce(nullif(trim({expr_of[col]}), ''), {aux}) AS s_{col}_aux")
                col_src[col] = (f"s_{col}_aux", col_src[col][1])
            else:
                sel.append(f"{aux} AS s_{col}")
                col_src[col] = (f"s_{col}", "辅助核算")

    # constants (a layout's is_winner, an account from the title line)
    for col, value in plan.constants.items():
        if col in col_src:
            continue
        expr = f'r."{constant_column(col)}"' if constants_in_rows else _lit(constant_text(value))
        sel.append(f"{expr} AS s_{col}")
        col_src[col] = (f"s_{col}", None if tdef.columns[col].type == "text" else col)

    # The row kinds (合计, 作废) are judged by one statement over every row into _xa_kinds,
    # which holds the marked rows only; the loader sets them on those rows of _xa_raw
    # (columns _kind and _summary_word, NULL elsewhere), and _xa_prep is a view of _xa_raw
    # with the source columns. As a table, _xa_prep was a copy of every raw row (a 4M-line
    # ledger: 1.7-2.0 s of its load); as a view judging the kinds itself, each of its readers
    # (the counts, the typed rows, the 合计 reconciliation, a wide payroll's checks) would
    # judge them again; as a view joining _xa_kinds, the join's estimate turned the typed
    # rows' joins to the value maps around (hash tables built on the big side: a 547,000-row
    # group ran out of memory at 1.25 GiB). A sheet whose source columns cost regular
    # expressions on every row keeps the table: each value map, the distinct-value probe and
    # the typed rows read them (1M lines with 辅助核算: a load of 8.0-8.5 s as a view, 5.7-5.8 s
    # as a table; with 方向 + 金额（万元） and 会计期间: 6.0-6.3 s against 5.1 s).
    # pre_cols: the 合计 word, the 作废 cell (read over the row's text where it may hold one)
    join = f" {members_join}" if members_join and "xm." in " ".join(pre_cols) else ""
    if pre_cols and row_text in " ".join(pre_cols):
        text = f"(SELECT r.*, {text_sql} AS _xa_text FROM _xa_raw r) r"
        if hints:
            text = f"(SELECT r.*, regexp_matches(r._xa_text, {_lit('|'.join(hints))}) AS _xa_hit FROM {text}) r"
        ksource = f"(SELECT r.*, {', '.join(pre_cols)} FROM {text}{join}) r"
    elif pre_cols:
        ksource = f"(SELECT r.*, {', '.join(pre_cols)} FROM _xa_raw r{join}) r"
    else:
        ksource = "_xa_raw r"
    if kind_summary == "FALSE" and deleted_cond == "FALSE":  # no row can be marked: none read
        kinds_sql = ("SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS VARCHAR) AS _kind, "
                     "CAST(NULL AS VARCHAR) AS _summary_word WHERE false")
    else:
        word = "r._xa_sum_word" if kind_summary != "FALSE" else "CAST(NULL AS VARCHAR)"
        kinds_sql = (f"SELECT * FROM (SELECT r._row, CASE WHEN {kind_summary} THEN 'summary' "
                     f"WHEN {deleted_cond} THEN 'deleted' END AS _kind, {word} AS _summary_word "
                     f"FROM {ksource}) WHERE _kind IS NOT NULL")
    aux = aux_parts and tdef.name == "ledger"
    source = f"(SELECT r.*, {aux_entries_sql(aux_text)} AS _aux_list FROM _xa_raw r) r" if aux else "_xa_raw r"
    inner = "SELECT " + ", ".join(sel) + " FROM " + source
    return Prepared(sql=inner, col_src=col_src, checks=checks, kinds_sql=kinds_sql,
                    materialise=bool(aux or costly))


def aux_entries_sql(text: str) -> str:
    """SQL: a 辅助核算 text (``供应商---0002---名称``, ``部门:办公室;职员:张三``, entries
    separated by ; or ；) as a list of {cat, name} structs."""
    return (
        f"list_transform(list_filter(string_split_regex(coalesce({text}, ''), '[;；]'), "
        "lambda p: trim(p) <> ''), lambda p: CASE WHEN contains(p, '---') "
        "THEN {'cat': trim(string_split(p, '---')[1]), 'name': trim(string_split(p, '---')[-1])} "
        "WHEN regexp_matches(p, '[:：]') "
        "THEN {'cat': trim(regexp_extract(p, '^([^:：]*)[:：]', 1)), "
        "'name': trim(regexp_replace(p, '^[^:：]*[:：]', ''))} "
        "ELSE {'cat': '', 'name': trim(p)} END)"
    )


__all__ = ["Prepared", "SheetPlan", "aux_entries_sql", "constant_column", "constant_text", "labels_for",
           "plan_sheet", "prepare_sql"]
