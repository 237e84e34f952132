"""Check digits of Chinese identity numbers (GB 11643-1999) and unified social credit codes
(GB 32100-2015), in Python and as DuckDB macros.

Ingestion keeps invalid values (the value as exported is evidence) and reports how many
failed the check in the ``_load_log`` message of the file; validation can flag them with
the same macros (``xa_id_number_valid(s)``, ``xa_credit_code_valid(s)``, NULL for NULL).

* Identity number: 18 characters, 17 digits + check character (0-9 or X); weights
  ``2^(17-i) mod 11``; check = ``(12 - sum mod 11) mod 11`` with 10 written ``X``; the
  birth date (characters 7-14) must be a real date. A 15-digit first-generation number
  (no check digit) is accepted when its 6-digit birth date (19YYMMDD) is a real date.
* Credit code: 18 characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V);
  weights ``3^i mod 31``; check = ``31 - sum mod 31`` (31 -> 0).
"""

from __future__ import annotations

import datetime as _dt
import re

from xuncha_audit.db import of

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _real_date(y: int, m: int, d: int) -> bool:
    try:
        _dt.date(y, m, d)
    except ValueError:
        return False
    return True


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_number_valid(value: str | None) -> bool:
    """True when ``value`` is a well-formed identity number with a correct check digit."""
    if value is None:
        return False
    s = str(value).strip().upper()
    if re.fullmatch(r"[0-9]{15}", s):
        return _real_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", s):
        return False
    if not _real_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    return id_number_check_char(s[:17]) == s[17]


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_valid(value: str | None) -> bool:
    """True when ``value`` is a well-formed unified social credit code with a correct check."""
    if value is None:
        return False
    s = str(value).strip().upper()
    if len(s) != 18 or any(c not in CREDIT_CHARS for c in s):
        return False
    return credit_code_check_char(s[:17]) == s[17]


def _sql_list(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


SQL_MACROS = {
    "xa_id_number_valid": (
        "CASE WHEN s IS NULL THEN NULL "
        "WHEN regexp_full_match(s, '[0-9]{15}') THEN TRY_CAST("
        "'19' || substr(s, 7, 2) || '-' || substr(s, 9, 2) || '-' || substr(s, 11, 2) AS DATE) "
        "IS NOT NULL "
        "WHEN NOT regexp_full_match(upper(s), '[0-9]{17}[0-9X]') THEN FALSE "
        "WHEN TRY_CAST(substr(s, 7, 4) || '-' || substr(s, 11, 2) || '-' || substr(s, 13, 2) "
        "AS DATE) IS NULL THEN FALSE "
        f"ELSE substr('{ID_CHECK}', 1 + CAST(list_sum(list_transform(range(1, 18), "
        f"lambda i: TRY_CAST(substr(s, i, 1) AS INTEGER) * {_sql_list(ID_WEIGHTS)}[i])) % 11 AS INTEGER), 1)"
        " = upper(substr(s, 18, 1)) END"
    ),
    "xa_credit_code_valid": (
        "CASE WHEN s IS NULL THEN NULL "
        f"WHEN NOT regexp_full_match(upper(s), '[{CREDIT_CHARS}]{{18}}') THEN FALSE "
        f"ELSE substr('{CREDIT_CHARS}', 1 + CAST((31 - list_sum(list_transform(range(1, 18), "
        f"lambda i: (strpos('{CREDIT_CHARS}', substr(upper(s), i, 1)) - 1) * "
        f"{_sql_list(CREDIT_WEIGHTS)}[i])) % 31) % 31 AS INTEGER), 1) = upper(substr(s, 18, 1)) END"
    ),
}


def install_checkdigit_macros(con) -> None:
    """Create ``xa_id_number_valid(s)`` and ``xa_credit_code_valid(s)`` (temporary)."""
    be = of(con)
    for name, body in SQL_MACROS.items():
        be.execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {body}")


__all__ = [
    "credit_code_check_char",
    "credit_code_valid",
    "id_number_check_char",
    "id_number_valid",
    "install_checkdigit_macros",
]
