"""Ingestion: read a folder of CSV/Excel exports into the canonical DuckDB tables.

Public entry points (imported lazily so that ``xuncha_audit.ingest.derive`` stays cheap):

* :func:`load_folder` (``xuncha_audit.ingest.loader``) -> :class:`LoadReport`
* :func:`derive_columns` (``xuncha_audit.ingest.derive``)
* :func:`load_mapping` / :func:`parse_mapping` (``xuncha_audit.ingest.mapping``)
"""

from __future__ import annotations

_EXPORTS = {
    "load_folder": "xuncha_audit.ingest.loader",
    "LoadReport": "xuncha_audit.ingest.loader",
    "LoadEntry": "xuncha_audit.ingest.loader",
    "derive_columns": "xuncha_audit.ingest.derive",
    "load_mapping": "xuncha_audit.ingest.mapping",
    "parse_mapping": "xuncha_audit.ingest.mapping",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
