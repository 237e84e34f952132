"""The suite's shared vocabulary: areas, severities, routes, entity types and check codes.

Neutral ground: the catalogue (engine/registry.py), the exports (findings/labels.py) and the
charts (viz/) all import from here, so none of them depends on another for a word.

Check codes are ``<area letter><two digits>`` (P01). A check that is renumbered keeps its old
code as an alias in :data:`CODE_ALIASES` (old -> new), so configs, triage stores and links
that name the old code still resolve (:func:`canonical_code`).
"""

from __future__ import annotations

import re

AREAS = {
    "procurement": ("P", "采购与招投标"),
    "reimbursement": ("R", "报销"),
    "vehicles": ("V", "公务用车"),
    "office": ("O", "办公用房"),
    "payroll": ("H", "人事与薪酬"),
    "ledger": ("L", "账务"),
}
AREA_ZH = {area: title for area, (_, title) in AREAS.items()}
AREA_BY_LETTER = {letter: area for area, (letter, _) in AREAS.items()}

SEVERITIES = ("high", "medium", "low")
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}

# Route codes (check metadata, triage store) -> display names (workbook, report).
ROUTES = {
    "纪检监察": "移送纪检监察机关",
    "组织人事": "移交组织人事部门",
    "反馈": "反馈被巡察党组织",
}

ENTITY_TYPES = ("person", "vendor", "account", "vehicle", "room", "unit", "contract", "project")

CODE_RE = re.compile(r"^[PRVOHL]\d{2}$")

# Renumbered checks: old code -> current code (none yet).
CODE_ALIASES: dict[str, str] = {}


def canonical_code(code: str) -> str:
    """The current code of a check named by its code or by an alias (upper-cased)."""
    up = str(code).strip().upper()
    seen = set()
    while up in CODE_ALIASES and up not in seen:
        seen.add(up)
        up = CODE_ALIASES[up]
    return up


def area_of(code: str) -> str | None:
    """The area of a check code (``P01`` -> procurement), None for a malformed code."""
    up = canonical_code(code)
    return AREA_BY_LETTER.get(up[:1]) if CODE_RE.match(up) else None
