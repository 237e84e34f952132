"""Findings: triage store, exports (Parquet/CSV/xlsx/HTML/manifest), routing, profiles,
batch-run safety. See docs/findings.md and docs/scheduling.md.

Names are imported lazily so that ``xuncha-audit --help`` stays fast.
"""

from __future__ import annotations

import importlib

_API = {
    "exit_code_for": "batch",
    "exit_code_for_exception": "batch",
    "open_db_or_explain": "batch",
    "run_lock": "batch",
    "setup_json_log": "batch",
    "export_all": "export",
    "build_profiles": "profiles",
    "leading_cadres": "profiles",
    "TriageStore": "triage",
    "apply_triage": "triage",
    "import_workbook": "triage",
    "set_triage": "triage",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
    raise AttributeError(name)
