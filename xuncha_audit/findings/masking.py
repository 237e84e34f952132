"""Masking of personal data (ID numbers, bank accounts, phone numbers) in every export.

Two layers, both applied as DuckDB SQL expressions (set-based, no Python row loops):

1. **Patterns** anywhere in a text: an 18-character resident ID number (GB 11643 shape:
   6-digit region, birth date 19xx/20xx, 3 digits, check digit) keeps its first 3 and last 4
   characters; a mobile number (11 digits starting 13-19) keeps 3 + 4; any other run of
   12-19 digits (bank account) keeps its last 4.
2. **Keys** inside JSON text (evidence ``record``, quarantine ``raw_row``): the value of every
   ``sensitive: true`` contract column, under its canonical name or any of its header
   aliases, keeps only its last 4 characters, whatever it looks like (landlines, short
   accounts).

A digit run must not touch other letters/digits, so ``PZ2024000123`` (a voucher number) is
left alone. Limitation: an all-digit 18-character credit code would be masked as an
account number.
"""

from __future__ import annotations

import re
from functools import cache

import duckdb
import pandas as pd

_G = r"(^|[^0-9A-Za-z])"  # left guard (RE2 has no look-behind)
_E = r"($|[^0-9A-Za-z])"  # right guard
# (pattern, replacement) pairs, applied in order, each twice (adjacent matches share a guard).
PATTERNS: tuple[tuple[str, str], ...] = (
    (_G + r"(\d{3})\d{3}(?:19|20)\d{2}[01]\d[0-3]\d(\d{3}[0-9Xx])" + _E, r"\1\2***********\3\4"),
    (_G + r"(1[3-9]\d)\d{4}(\d{4})" + _E, r"\1\2****\3\4"),
    (_G + r"\d{8,15}(\d{4})" + _E, r"\1************\2\3"),
)


@cache
def sensitive_keys() -> tuple[str, ...]:
    """Canonical names and header aliases of every sensitive contract column."""
    from xuncha_audit.contract import load_contract

    keys: set[str] = set()
    for table in load_contract().tables.values():
        for col in table.column_list():
            if col.sensitive:
                keys.add(col.name)
                keys.update(col.aliases)
    return tuple(sorted(keys, key=lambda k: (-len(k), k)))


@cache
def sensitive_columns() -> frozenset[str]:
    from xuncha_audit.contract import load_contract

    return frozenset(
        c.name for t in load_contract().tables.values() for c in t.column_list() if c.sensitive
    )


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_KEY_REPL = r'\1****\2"'


@cache
def _key_regex() -> str:
    alts = "|".join(re.escape(k) for k in sensitive_keys())
    return r'("(?:' + alts + r')"\s*:\s*")[^"]*?([^"]{0,4})"'


def mask_sql(expr: str, *, json_keys: bool = True) -> str:
    """SQL expression masking personal data in the text expression ``expr``."""
    out = f"CAST({expr} AS VARCHAR)"
    if json_keys:
        out = f"regexp_replace({out}, {_lit(_key_regex())}, {_lit(_KEY_REPL)}, 'g')"
    for pat, rep in PATTERNS:
        for _ in range(2):
            out = f"regexp_replace({out}, {_lit(pat)}, {_lit(rep)}, 'g')"
    return out


def mask_value_sql(expr: str) -> str:
    """SQL expression masking a whole value that is sensitive as such (keeps the last 4)."""
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL WHEN length(CAST({expr} AS VARCHAR)) <= 4 "
        f"THEN '****' ELSE '****' || right(CAST({expr} AS VARCHAR), 4) END"
    )


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Copy of ``df`` with personal data masked in its text columns (via DuckDB)."""
    if df.empty:
        return df.copy()
    cols = columns or [c for c in df.columns if _is_text(df[c])]
    if not cols:
        return df.copy()
    con = duckdb.connect()
    try:
        con.register("_df", df)
        sel = ", ".join(
            (mask_sql(f'"{c}"') + f' AS "{c}"') if c in cols else f'"{c}"' for c in df.columns
        )
        out = con.execute(f"SELECT {sel} FROM _df").df()
    finally:
        con.close()
    out.index = df.index
    return out


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object
