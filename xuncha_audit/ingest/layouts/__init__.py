"""Export layouts as data: one small YAML file per layout of a real system's export.

A layout says how to recognise a sheet (file/sheet name words, header words, column count),
where its header is (rows, merged multi-row headers), what each column means, and the
conventions of the export (direction + amount, amount unit, date parts, summary-row words,
deleted marker, 辅助核算 format, voucher numbering). The format is documented in
``docs/layouts.md``; the shipped layouts are the ``*.yaml`` files next to this module, and a
user adds their own with ``--layouts DIR``. Unknown keys are errors.

Recognition reads the first rows of a sheet only (``Sheet.head``): the header words of a
layout must all occur in one header block. When several layouts match, the one with the
most header words wins (file and sheet name words break ties); user layouts win over shipped
ones at equal score. A sheet no layout recognises takes the generic alias path
(:mod:`xuncha_audit.ingest.match`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from xuncha_audit.contract import head_keys, header_key, load_contract
from xuncha_audit.errors import ConfigError
from xuncha_audit.yamldata import load_data

LAYOUT_DIR = Path(__file__).parent
DEFAULTS_FILE = LAYOUT_DIR / "_defaults.yaml"

_TOP_KEYS = {
    "name", "title", "system", "table", "source", "notes", "recognise", "header_rows", "columns",
    "constants", "conventions", "skip_sheets",
}
_RECOGNISE_KEYS = {"file_words", "sheet_words", "header_words", "header_any", "min_columns",
                   "max_columns"}
_CONVENTION_KEYS = {
    "summary_words", "reconcile_words", "direction", "deleted_values", "void_cell_words",
    "amount_units", "amount_unit", "non_money_columns", "metadata_sheets", "auxiliary",
    "voucher_numbering", "line_base", "balanced", "year_from_header", "account_from_title",
    "budget_prefixes",
}
# Column meanings besides the contract columns of the layout's table.
ROLE_TARGETS = {
    "direction", "amount", "foreign_amount", "deleted", "auxiliary", "year", "month", "day",
    "extra",
}
WIDE_TARGETS = {"attribute", "total", "gross", "net", "deduction", "item"}
_AUX_RE = re.compile(r"^aux_(category|code|name)_([1-9])$")


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    table: str
    system: str = ""
    source: str = ""
    notes: str = ""
    file_words: tuple[str, ...] = ()
    sheet_words: tuple[str, ...] = ()
    header_words: tuple[str, ...] = ()
    header_any: tuple[str, ...] = ()
    min_columns: int = 1
    max_columns: int = 1000
    header_rows: int = 1
    columns: dict[str, str] = field(default_factory=dict)  # header_key -> target
    constants: dict[str, object] = field(default_factory=dict)
    conventions: dict[str, object] = field(default_factory=dict)
    skip_sheets: tuple[str, ...] = ()
    path: str = ""
    user: bool = False

    def target_for(self, header: str | None) -> str | None:
        if not header:
            return None
        return self.columns.get(header_key(header))


def _tuple(v) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str | int | float):
        return (str(v),)
    return tuple(str(x) for x in v)


def _err(zh: str, en: str, path: str) -> ConfigError:
    return ConfigError(zh, en, file=path)


def _unknown(keys, allowed, where: str, path: str) -> None:
    bad = set(keys) - allowed
    if bad:
        raise _err(
            f"版式文件中{where}有未知的键：{'、'.join(sorted(map(str, bad)))}"
            f"（允许：{'、'.join(sorted(allowed))}）",
            f"layout {where}: unknown keys {sorted(map(str, bad))}",
            path,
        )


@cache
def defaults() -> dict:
    data = load_data(DEFAULTS_FILE.read_text(encoding="utf-8")) or {}
    _unknown(data, _CONVENTION_KEYS, "默认约定", str(DEFAULTS_FILE))
    return data


def parse_layout(data: object, path: str, user: bool = False) -> Layout:
    """Validate one layout document (already read from YAML)."""
    if not isinstance(data, dict):
        raise _err("版式文件应为键值结构（YAML 映射）", "layout must be a YAML mapping", path)
    _unknown(data, _TOP_KEYS, "顶层", path)
    for req in ("name", "title", "table", "recognise"):
        if not data.get(req):
            raise _err(f"版式文件缺少「{req}」", f"layout: {req} missing", path)
    contract = load_contract()
    table = str(data["table"])
    if table not in contract.tables:
        raise _err(f"版式文件的数据表「{table}」未知", f"layout: unknown table {table!r}", path)
    tdef = contract.table(table)
    rec = data["recognise"] or {}
    if not isinstance(rec, dict):
        raise _err("recognise 应为键值结构", "recognise must be a mapping", path)
    _unknown(rec, _RECOGNISE_KEYS, "recognise 下", path)
    if not rec.get("header_words"):
        raise _err("recognise 下缺少 header_words（识别用的表头词）", "recognise.header_words missing", path)
    valid = set(tdef.columns) | ROLE_TARGETS | (WIDE_TARGETS if tdef.wide else set())
    columns: dict[str, str] = {}
    for header, target in (data.get("columns") or {}).items():
        target = str(target)
        if target not in valid and not _AUX_RE.match(target):
            raise _err(
                f"版式文件中列「{header}」的含义「{target}」未知（应为数据表「{table}」的字段或 "
                f"{'、'.join(sorted(ROLE_TARGETS))}）",
                f"layout column {header!r}: unknown target {target!r}",
                path,
            )
        columns[header_key(header)] = target
    constants = dict(data.get("constants") or {})
    for col in constants:
        if col not in tdef.columns:
            raise _err(f"constants 中的字段「{col}」不是数据表「{table}」的字段",
                       f"constants: unknown column {col!r}", path)
    conv = data.get("conventions") or {}
    if not isinstance(conv, dict):
        raise _err("conventions 应为键值结构", "conventions must be a mapping", path)
    _unknown(conv, _CONVENTION_KEYS, "conventions 下", path)
    if conv.get("voucher_numbering", "period") not in ("period", "year"):
        raise _err("voucher_numbering 应为 period（每期重新编号）或 year（每年连续编号）",
                   "voucher_numbering must be period or year", path)
    unit = conv.get("amount_unit")
    if unit is not None and str(unit) not in (conv.get("amount_units") or defaults()["amount_units"]):
        raise _err(f"amount_unit「{unit}」未知", f"unknown amount_unit {unit!r}", path)
    try:
        header_rows = int(data.get("header_rows", 1))
        min_c, max_c = int(rec.get("min_columns", 1)), int(rec.get("max_columns", 1000))
    except (TypeError, ValueError):
        raise _err("header_rows、min_columns、max_columns 应为整数", "integers expected", path) from None
    if header_rows not in (1, 2, 3):
        raise _err("header_rows 应为 1、2 或 3", "header_rows must be 1..3", path)
    return Layout(
        name=str(data["name"]), title=str(data["title"]), table=table,
        system=str(data.get("system") or ""), source=str(data.get("source") or ""),
        notes=str(data.get("notes") or ""),
        file_words=_tuple(rec.get("file_words")), sheet_words=_tuple(rec.get("sheet_words")),
        header_words=_tuple(rec.get("header_words")), header_any=_tuple(rec.get("header_any")),
        min_columns=min_c, max_columns=max_c, header_rows=header_rows, columns=columns,
        constants=constants, conventions=dict(conv), skip_sheets=_tuple(data.get("skip_sheets")),
        path=path, user=user,
    )


def _read(path: Path, user: bool) -> Layout:
    try:
        data = (yaml.safe_load if user else load_data)(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _err("版式文件不是有效的 YAML", f"invalid YAML: {exc}", str(path)) from exc
    return parse_layout(data, str(path), user)


@cache
def shipped_layouts() -> tuple[Layout, ...]:
    return tuple(_read(p, False) for p in sorted(LAYOUT_DIR.glob("*.yaml")) if not p.name.startswith("_"))


def load_layouts(extra_dirs: list[str | Path] | tuple = ()) -> list[Layout]:
    """User layouts (``--layouts DIR``: every ``*.yaml``/``*.yml`` in it) then the shipped
    ones. A user layout with the name of a shipped one replaces it."""
    user: list[Layout] = []
    for d in extra_dirs or ():
        d = Path(d)
        if not d.is_dir():
            raise ConfigError("版式目录不存在", f"layouts directory not found: {d}", file=str(d))
        for p in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
            user.append(_read(p, True))
    names = {lay.name for lay in user}
    return user + [lay for lay in shipped_layouts() if lay.name not in names]


def conventions(layout: Layout | None) -> dict:
    out = dict(defaults())
    if layout is not None:
        out.update(layout.conventions)
    return out


@dataclass
class Recognised:
    layout: Layout
    header_start: int
    header_end: int  # last header row (data starts below it)
    score: int


def recognise(layouts: list[Layout], file_name: str, sheet_name: str | None,
              head: list[list[str | None]], keys: list[set[str]] | None = None) -> Recognised | None:
    """The layout that fits the first rows of a sheet best (headers only), or None.
    ``keys``: :func:`head_keys` of ``head``, when the caller has them."""
    fname = header_key(file_name)
    sname = header_key(sheet_name or "")
    best: Recognised | None = None
    row_keys = head_keys(head) if keys is None else keys  # once per sheet, not per layout and block
    # a layout whose words are not all in the sheet's first rows fits none of its blocks:
    # passed over without a look at each row (most layouts, for most sheets)
    everywhere = set().union(*row_keys)
    for lay in layouts:
        words = [header_key(w) for w in lay.header_words]
        anyw = [header_key(w) for w in lay.header_any]
        need, some = set(words), set(anyw)
        if not need <= everywhere or (some and not some & everywhere):
            continue
        for i in range(len(head)):
            block = head[i:i + lay.header_rows]
            keys = row_keys[i] if lay.header_rows == 1 else set().union(*row_keys[i:i + lay.header_rows])
            if not need <= keys:
                continue
            if some and not some & keys:
                continue
            width = max((sum(1 for c in row if c) for row in block), default=0)
            width = max(width, sum(1 for j in range(max(len(r) for r in block))
                                   if any(j < len(r) and r[j] for r in block)))
            if not lay.min_columns <= width <= lay.max_columns:
                continue
            score = 10 * len(words) + len(anyw)
            score += sum(2 for w in lay.file_words if header_key(w) in fname)
            score += sum(2 for w in lay.sheet_words if header_key(w) in sname)
            score += 1 if lay.user else 0
            if best is None or score > best.score:
                best = Recognised(lay, i, i + lay.header_rows - 1, score)
            break
    return best


def combine_header(head: list[list[str | None]], start: int, end: int,
                   width: int) -> tuple[list[str | None], list[str | None]]:
    """Labels and parent labels of a (possibly merged, multi-row) header block.

    A merged cell carries its value in its top-left cell only; the upper rows are filled to
    the right across empty cells. The label of a column is its lowest non-empty header cell;
    its parent the cell above that (``2024年`` over ``月``/``日``)."""
    rows = [(list(head[r]) + [None] * width)[:width] for r in range(start, end + 1)]
    for row in rows[:-1]:
        last = None
        for j in range(width):
            if row[j]:
                last = row[j]
            elif last is not None and rows[-1][j]:
                row[j] = last
    labels: list[str | None] = []
    parents: list[str | None] = []
    for j in range(width):
        cells = [row[j] for row in rows]
        idx = max((k for k, c in enumerate(cells) if c), default=None)
        labels.append(cells[idx] if idx is not None else None)
        parent = None
        if idx is not None:
            for k in range(idx - 1, -1, -1):
                if cells[k] and cells[k] != cells[idx]:
                    parent = cells[k]
                    break
        parents.append(parent)
    return labels, parents


def is_metadata_sheet(layout: Layout | None, sheet_name: str | None) -> bool:
    if not sheet_name:
        return False
    names = list(conventions(layout).get("metadata_sheets") or [])
    if layout is not None:
        names += list(layout.skip_sheets)
    key = header_key(sheet_name)
    return any(key == header_key(n) for n in names)


__all__ = [
    "Layout",
    "Recognised",
    "combine_header",
    "conventions",
    "defaults",
    "is_metadata_sheet",
    "load_layouts",
    "parse_layout",
    "recognise",
    "shipped_layouts",
]
