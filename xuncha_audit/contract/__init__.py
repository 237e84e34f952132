"""The data contract as data: canonical tables, columns, types, keys and aliases.

Everything (ingestion, GX suites, checks, docs) reads ``tables.yaml`` through this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from xuncha_audit.db import of
from xuncha_audit.yamldata import load_data

CONTRACT_PATH = Path(__file__).with_name("tables.yaml")

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "date": "DATE",
    "month": "DATE",
    "bool": "BOOLEAN",
}

_COLUMN_KEYS = {
    "type", "norm", "required", "min", "values", "sensitive", "aliases", "generated", "default",
}
_TABLE_KEYS = {
    "title", "names", "key", "key_fallback", "signature", "columns", "layout", "duplicates",
    "key_format", "roles", "parallel_accounting", "wide",
}
_ROLE_NAMES = {"direction", "amount", "foreign_amount", "deleted", "auxiliary"}
_ROLE_KEYS = {"aliases"}
_PARALLEL_KEYS = {"budget_prefixes", "detect_prefixes", "detect_words"}
_WIDE_KEYS = {
    "attributes", "descriptors", "totals", "gross_words", "net_words", "deductions", "items", "money_share",
    "code_digits",
}
_GENERATED = {
    "number_within_voucher", "year_of_voucher_date", "month_of_voucher_date", "voucher_identity",
    "book_by_account",
}
# Columns every canonical table carries besides the contract columns.
SYSTEM_COLUMNS = {
    "unit": "VARCHAR",
    "_key": "VARCHAR",
    "_source_file": "VARCHAR",
    "_source_sheet": "VARCHAR",
    "_source_row": "BIGINT",
    "_extra": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    norm: str | None = None
    required: bool = False
    min: float | None = None
    values: tuple[str, ...] = ()
    sensitive: bool = False
    aliases: tuple[str, ...] = ()
    generated: str | None = None
    default: object | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def derived_norm_column(self) -> str | None:
        """Name of the extra matching column this column gets (``vendor_norm``), if any."""
        return f"{self.name}_norm" if self.norm in ("company", "rank") else None


@dataclass(frozen=True)
class WideSpec:
    """How a wide payroll sheet's columns are classified (contract ``wide:``)."""

    attributes: tuple[str, ...] = ()
    descriptors: tuple[str, ...] = ()
    totals: tuple[str, ...] = ()
    gross_words: tuple[str, ...] = ()
    net_words: tuple[str, ...] = ()
    deductions: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    money_share: float = 0.9
    code_digits: int = 6

    def kind(self, header: str) -> str | None:
        """attribute | total | deduction | item | None (decided by content) for a header."""
        h = header_key(header)
        for kind, words in (("total", self.totals), ("deduction", self.deductions),
                            ("attribute", self.attributes), ("item", self.items),
                            ("attribute", self.descriptors)):
            if any(header_key(w) in h for w in words):
                return kind
        return None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    names: tuple[str, ...]
    key: tuple[str, ...]
    columns: dict[str, Column] = field(default_factory=dict)
    key_fallback: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    layout: str | None = None
    duplicates: str = "quarantine"  # or "keep": repeated keys are numbered (#2), not quarantined
    key_format: str | None = None  # e.g. "{voucher_id} #{line_no}"; default: key joined by |
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> header aliases
    parallel_accounting: dict[str, tuple[str, ...]] = field(default_factory=dict)
    wide: WideSpec | None = None

    def column_list(self) -> list[Column]:
        return list(self.columns.values())

    def all_columns(self) -> dict[str, str]:
        """Every column of the DuckDB table with its type, in table order."""
        out: dict[str, str] = {"unit": "VARCHAR"}
        for col in self.columns.values():
            out[col.name] = col.duckdb_type
            if col.derived_norm_column:
                out[col.derived_norm_column] = "VARCHAR"
        for name, typ in SYSTEM_COLUMNS.items():
            out.setdefault(name, typ)
        return out

    def ddl(self, name: str | None = None) -> str:
        cols = ", ".join(f'"{c}" {t}' for c, t in self.all_columns().items())
        return f'CREATE TABLE IF NOT EXISTS "{name or self.name}" ({cols})'

    @property
    def sensitive_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.sensitive]


@dataclass(frozen=True)
class Contract:
    version: int
    tables: dict[str, Table]
    unit_aliases: tuple[str, ...]
    unit_of_measure_words: tuple[str, ...] = ()

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            from xuncha_audit.errors import ConfigError

            raise ConfigError(
                f"未知的数据表「{name}」", f"unknown canonical table {name!r}"
            ) from None


def _tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def parse_contract(data: dict) -> Contract:
    tables: dict[str, Table] = {}
    for tname, tdef in data["tables"].items():
        unknown = set(tdef) - _TABLE_KEYS
        if unknown:
            raise ValueError(f"contract table {tname}: unknown keys {sorted(unknown)}")
        cols: dict[str, Column] = {}
        for cname, cdef in tdef["columns"].items():
            unknown = set(cdef) - _COLUMN_KEYS
            if unknown:
                raise ValueError(f"contract column {tname}.{cname}: unknown keys {sorted(unknown)}")
            if cdef.get("generated") is not None and cdef["generated"] not in _GENERATED:
                raise ValueError(f"contract column {tname}.{cname}: unknown generated {cdef['generated']}")
            if cdef["type"] not in DUCKDB_TYPES:
                raise ValueError(f"contract column {tname}.{cname}: bad type {cdef['type']}")
            cols[cname] = Column(
                name=cname,
                type=cdef["type"],
                norm=cdef.get("norm"),
                required=bool(cdef.get("required", False)),
                min=cdef.get("min"),
                values=_tuple(cdef.get("values")),
                sensitive=bool(cdef.get("sensitive", False)),
                aliases=_tuple(cdef.get("aliases")),
                generated=cdef.get("generated"),
                default=cdef.get("default"),
            )
        roles: dict[str, tuple[str, ...]] = {}
        for rname, rdef in (tdef.get("roles") or {}).items():
            if rname not in _ROLE_NAMES:
                raise ValueError(f"contract table {tname}: unknown role {rname}")
            unknown = set(rdef) - _ROLE_KEYS
            if unknown:
                raise ValueError(f"contract role {tname}.{rname}: unknown keys {sorted(unknown)}")
            roles[rname] = _tuple(rdef.get("aliases"))
        parallel = tdef.get("parallel_accounting") or {}
        unknown = set(parallel) - _PARALLEL_KEYS
        if unknown:
            raise ValueError(f"contract table {tname}: parallel_accounting unknown keys {sorted(unknown)}")
        wide = None
        if tdef.get("wide"):
            unknown = set(tdef["wide"]) - _WIDE_KEYS
            if unknown:
                raise ValueError(f"contract table {tname}: wide unknown keys {sorted(unknown)}")
            w = tdef["wide"]
            wide = WideSpec(
                **{k: _tuple(w.get(k)) for k in _WIDE_KEYS - {"money_share", "code_digits"}},
                money_share=float(w.get("money_share", 0.9)),
                code_digits=int(w.get("code_digits", 6)),
            )
        key = _tuple(tdef["key"])
        for k in key + _tuple(tdef.get("key_fallback")) + _tuple(tdef.get("signature")):
            if k not in cols:
                raise ValueError(f"contract table {tname}: key/signature column {k} not defined")
        tables[tname] = Table(
            name=tname,
            title=tdef["title"],
            names=_tuple(tdef.get("names")),
            key=key,
            columns=cols,
            key_fallback=_tuple(tdef.get("key_fallback")),
            signature=_tuple(tdef.get("signature")),
            layout=tdef.get("layout"),
            duplicates=tdef.get("duplicates", "quarantine"),
            key_format=tdef.get("key_format"),
            roles=roles,
            parallel_accounting={k: _tuple(v) for k, v in parallel.items()},
            wide=wide,
        )
        if tables[tname].key_format:
            named = set(re.findall(r"{(\w+)}", tables[tname].key_format))
            if named != set(key):
                raise ValueError(f"contract table {tname}: key_format must name exactly the key columns")
        if tables[tname].duplicates not in ("quarantine", "keep"):
            raise ValueError(f"contract table {tname}: duplicates must be quarantine or keep")
    return Contract(
        version=int(data.get("version", 1)),
        tables=tables,
        unit_aliases=_tuple(data.get("unit_aliases")),
        unit_of_measure_words=_tuple(data.get("unit_of_measure_words")),
    )


@cache
def load_contract() -> Contract:
    """The packaged contract (cached)."""
    with CONTRACT_PATH.open(encoding="utf-8") as fh:
        return parse_contract(load_data(fh))


_UNIT_SUFFIX = re.compile(r"[（(]\s*(元|万元|㎡|m2|m²|平方米|升|l|km|公里|人|天)\s*[)）]$|/(元|万元)$")


def header_key(text: object) -> str:
    """Canonical form of a header for alias matching.

    Case-, space- and full-width-insensitive; unit suffixes such as ``（元）``, ``(元)``,
    ``/元`` are dropped.
    """
    return _header_key(str(text or ""))


def head_keys(head: list[list]) -> list[set[str]]:
    """The header keys of each row of a sheet's first rows (its non-empty cells): computed once
    per sheet for layout recognition and the header-row search (1,800 files: 0.5 s of calls)."""
    return [{_header_key(c if type(c) is str else str(c)) for c in row if c} for row in head]


@lru_cache(maxsize=65536)
def _header_key(text: str) -> str:
    # cached: planning a sheet asks for the same headers many times (layout recognition, each
    # table's mapping), which on a 6,000-column sheet was 370,000 calls
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"\s+", "", s)
    s = s.replace("*", "").replace("★", "")
    prev = None
    while prev != s:
        prev = s
        s = _UNIT_SUFFIX.sub("", s)
    return s


def create_tables(con, names: list[str] | None = None) -> None:
    """Create empty canonical tables (all contract columns + system columns) in ``con``."""
    contract = load_contract()
    be = of(con)
    for name in names or list(contract.tables):
        be.execute(contract.table(name).ddl())


__all__ = [
    "CONTRACT_PATH",
    "SYSTEM_COLUMNS",
    "Column",
    "Contract",
    "Table",
    "WideSpec",
    "create_tables",
    "head_keys",
    "header_key",
    "load_contract",
]
