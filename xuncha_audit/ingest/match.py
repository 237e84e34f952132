"""Matching a sheet to a canonical table and its headers to contract columns.

* Header row: among the first rows of a sheet, the row with the most cells that are a known
  header (any alias or canonical column name of any table, a unit alias, or a common pay
  item), at least 2; the first such row wins ties. Title blocks and merged title cells
  above it are skipped.
* Table: a mapping-file rule forces it; else the longest table name (canonical or Chinese
  ``names``) contained in the sheet name, then in the file name; else the table whose
  ``signature`` columns are all present (most mapped columns wins). A name match is
  overruled by a header match when it lacks required columns that the header match has.
* Columns: by :func:`xuncha_audit.contract.header_key` against canonical names, contract
  aliases and mapping-file aliases. When two headers map to the same column, the earlier
  alias in the contract list wins and the other is kept in ``_extra``. A header matching
  ``unit_aliases`` (and no column of the table) carries the unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from xuncha_audit.contract import Table, head_keys, header_key, load_contract
from xuncha_audit.ingest.mapping import UserMapping

# Pay items seen as columns of a wide payroll sheet (used for header detection and for
# recognising a wide payroll by its headers).
PAY_ITEM_WORDS = (
    "基本工资", "职务工资", "级别工资", "岗位工资", "薪级工资", "职级工资", "津贴", "补贴",
    "奖金", "绩效", "绩效工资", "基础性绩效", "奖励性绩效", "基础绩效", "奖励绩效", "过节费",
    "加班费", "值班费", "交通补贴", "通讯补贴", "车补", "误餐补贴", "取暖费", "降温费",
    "年终奖", "年终一次性奖金", "工作性津贴", "生活性补贴", "改革性补贴", "乡镇工作补贴",
    "艰苦边远地区津贴", "物业补贴", "住房补贴", "提租补贴", "独生子女费", "考核奖",
    "目标考核奖", "综治奖", "精神文明奖", "加班补贴", "下乡补贴", "驻村补贴",
)
def _name_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


@dataclass
class Vocabulary:
    """Header spellings of the contract plus a user mapping."""

    mapping: UserMapping
    table_aliases: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    all_keys: set[str] = field(default_factory=set)
    unit_keys: set[str] = field(default_factory=set)
    pay_keys: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, mapping: UserMapping | None = None) -> Vocabulary:
        mapping = mapping or UserMapping()
        contract = load_contract()
        vocab = cls(mapping=mapping)
        for tname, tdef in contract.tables.items():
            amap: dict[str, tuple[str, int]] = {}
            for col in tdef.column_list():
                extra = mapping.aliases.get(tname, {}).get(col.name, ())
                spellings = [*extra, col.name, *col.aliases]
                for prio, spelling in enumerate(spellings):
                    k = header_key(spelling)
                    if k and (k not in amap or amap[k][1] > prio):
                        amap[k] = (col.name, prio)
            vocab.table_aliases[tname] = amap
            vocab.all_keys.update(amap)
        vocab.unit_keys = {header_key(a) for a in contract.unit_aliases}
        vocab.pay_keys = {header_key(w) for w in PAY_ITEM_WORDS}
        vocab.all_keys |= vocab.unit_keys | vocab.pay_keys
        return vocab


def find_header_row(head: list[list[str | None]], vocab: Vocabulary,
                    keys: list[set[str]] | None = None) -> int | None:
    """Index of the header row within ``head`` (None when no row looks like a header).
    ``keys``: :func:`~xuncha_audit.contract.head_keys` of ``head``, when the caller has them."""
    best, best_score = None, 1
    for i, row_keys in enumerate(head_keys(head) if keys is None else keys):
        score = len(row_keys & vocab.all_keys)
        if score > best_score:
            best, best_score = i, score
    return best


def table_by_name(text: str | None) -> str | None:
    """The table whose canonical or Chinese name is the longest substring of ``text``."""
    if not text:
        return None
    key = _name_key(text)
    best, best_len = None, 0
    for tname, nk in _table_name_keys():
        if nk in key and len(nk) > best_len:
            best, best_len = tname, len(nk)
    return best


_NAME_KEYS: list = [None, ()]  # [contract, its (table, name key) pairs]


def _table_name_keys() -> tuple[tuple[str, str], ...]:
    """(table, name key) of every canonical and Chinese table name, in the contract's order:
    the same for every sheet of a contract (recomputed per sheet it was most of the time of
    planning a generic sheet: 1,800 files, 0.9 s)."""
    contract = load_contract()
    if _NAME_KEYS[0] is not contract:
        _NAME_KEYS[:] = [contract, tuple((tname, nk) for tname, tdef in contract.tables.items()
                                         for name in (tname, *tdef.names) if (nk := _name_key(name)))]
    return _NAME_KEYS[1]


@dataclass
class ColumnMap:
    """Where each contract column of a table comes from in a sheet."""

    table: str
    columns: dict[str, int]  # contract column -> source column index
    unit_index: int | None
    extras: list[int]  # source column indices kept in _extra (or unpivoted, wide payroll)
    labels: list[str]  # unique display label per source column
    headers: list[str | None] = field(default_factory=list)

    def missing_required(self, tdef: Table) -> list[str]:
        return [c.name for c in tdef.column_list() if c.required and c.name not in self.columns]

    @property
    def pay_item_candidates(self) -> list[int]:
        """Unmapped columns that may be pay items of a wide payroll: not a total, deduction
        or attribute by its header (contract ``payroll.wide``; the loader decides the rest by
        the cells)."""
        spec = load_contract().table("payroll").wide
        return [
            i for i in self.extras
            if (self.headers[i] or "").strip()
            and (spec is None or spec.kind(self.labels[i]) not in ("attribute", "total", "deduction"))
        ]


def labels_for(headers: list[str | None]) -> list[str]:
    """Unique, non-empty display labels for a header row."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        label = (h or "").strip() or f"第{i + 1}列"
        if label in seen:
            seen[label] += 1
            label = f"{label}_{seen[label]}"
        else:
            seen[label] = 1
        out.append(label)
    return out


def map_columns(headers: list[str | None], table: str, vocab: Vocabulary) -> ColumnMap:
    amap = vocab.table_aliases[table]
    best: dict[str, tuple[int, int]] = {}  # col -> (prio, index)
    unit_index = None
    for i, h in enumerate(headers):
        if not h:
            continue
        k = header_key(h)
        if k in amap:
            col, prio = amap[k]
            if col not in best or prio < best[col][0]:
                best[col] = (prio, i)
        elif k in vocab.unit_keys and unit_index is None:
            unit_index = i
    columns = {col: idx for col, (_, idx) in best.items()}
    used = set(columns.values()) | ({unit_index} if unit_index is not None else set())
    labels = labels_for(headers)
    extras = [i for i in range(len(headers)) if i not in used]
    return ColumnMap(
        table=table, columns=columns, unit_index=unit_index, extras=extras, labels=labels,
        headers=list(headers),
    )


def is_wide_payroll(cmap: ColumnMap, vocab: Vocabulary) -> bool:
    """A payroll sheet with pay items as columns instead of item/amount rows."""
    if cmap.table != "payroll" or "amount" in cmap.columns or "item" in cmap.columns:
        return False
    return bool(cmap.pay_item_candidates)


@dataclass
class TableChoice:
    table: str | None
    how: str  # forced | sheet_name | file_name | headers | none
    cmap: ColumnMap | None = None


def choose_table(
    file_name: str,
    sheet_name: str | None,
    headers: list[str | None],
    vocab: Vocabulary,
    forced: str | None = None,
) -> TableChoice:
    contract = load_contract()
    if forced:
        return TableChoice(forced, "forced", map_columns(headers, forced, vocab))

    def complete(cmap: ColumnMap) -> bool:
        missing = cmap.missing_required(contract.tables[cmap.table])
        if cmap.table == "payroll" and is_wide_payroll(cmap, vocab):
            missing = [m for m in missing if m not in ("item", "amount", "month")]
        return not missing

    by_header: ColumnMap | None = None
    header_score = -1
    keys = {header_key(h) for h in headers if h}
    for tname, tdef in contract.tables.items():
        cmap = map_columns(headers, tname, vocab)
        sig = all(c in cmap.columns for c in tdef.signature)
        if tname == "payroll" and not sig:
            sig = "name" in cmap.columns and len(keys & vocab.pay_keys) >= 2
        if sig and len(cmap.columns) > header_score:
            by_header, header_score = cmap, len(cmap.columns)

    for how, text in (("sheet_name", sheet_name), ("file_name", file_name)):
        tname = table_by_name(text)
        if tname:
            cmap = map_columns(headers, tname, vocab)
            if complete(cmap) or by_header is None or not complete(by_header):
                return TableChoice(tname, how, cmap)
            return TableChoice(by_header.table, "headers", by_header)
    if by_header is not None:
        return TableChoice(by_header.table, "headers", by_header)
    return TableChoice(None, "none")


MONTH_HINT = re.compile(r"(20[0-9]{2})\s*年\s*([0-9]{1,2})\s*月|(20[0-9]{2})[-_.]?(0[1-9]|1[0-2])(?![0-9])")


def month_hint(*texts: str | None) -> str | None:
    """``YYYY-MM-01`` from a title, sheet or file name such as ``2024年3月工资表``."""
    for text in texts:
        if not text:
            continue
        m = MONTH_HINT.search(unicodedata.normalize("NFKC", text))
        if m:
            y, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if 1 <= int(mo) <= 12:
                return f"{y}-{int(mo):02d}-01"
    return None


__all__ = [
    "PAY_ITEM_WORDS",
    "ColumnMap",
    "TableChoice",
    "Vocabulary",
    "choose_table",
    "find_header_row",
    "is_wide_payroll",
    "labels_for",
    "map_columns",
    "month_hint",
    "table_by_name",
]
