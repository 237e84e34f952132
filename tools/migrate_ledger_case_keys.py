"""Rewrite ledger evidence keys in check case files to the voucher-identity key format.

The ledger record key was ``<voucher_no>|<line_no>``; it is now ``YYYY-MM <voucher> #<line>``
(contract ``ledger.key_format``: fiscal year and period from the voucher date, so voucher
numbers that restart every month stay apart). This rewrites ``ledger:<voucher_no>|<line>``
in ``expect:`` lists of ``xuncha_audit/checks/*/cases/*.yaml`` using each file's own ledger
rows (voucher_no -> voucher_date). Idempotent: keys already in the new form are left alone.

    python tools/migrate_ledger_case_keys.py [FILES...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

KEY_RE = re.compile(r"(?<![\"'])ledger:([^,\]\s|\"']+)\|([0-9]+)")


def _periods(doc) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for case in (doc.get("cases") or {}).values():
        for row in ((case or {}).get("tables") or {}).get("ledger") or []:
            vno, d = row.get("voucher_no"), row.get("voucher_date")
            if vno is None or d is None:
                continue
            out.setdefault(str(vno), set()).add(str(d)[:7])
    return out


def migrate(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    periods = _periods(yaml.safe_load(text) or {})
    n = 0

    def repl(m: re.Match) -> str:
        nonlocal n
        vno, line = m.group(1), m.group(2)
        months = periods.get(vno)
        if not months or len(months) != 1:
            raise SystemExit(f"{path}: voucher {vno} has no single month in the case rows: {months}")
        n += 1
        return f'"ledger:{next(iter(months))} {vno} #{line}"'

    new = KEY_RE.sub(repl, text)
    if n:
        path.write_text(new, encoding="utf-8")
    return n


if __name__ == "__main__":
    files = [Path(a) for a in sys.argv[1:]] or sorted(Path("xuncha_audit/checks").glob("*/cases/*.yaml"))
    for f in files:
        k = migrate(f)
        if k:
            print(f"{f}: {k} keys rewritten")
