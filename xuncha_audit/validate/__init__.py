"""Great Expectations validation of the loaded DuckDB tables.

Public API (great_expectations is imported lazily, only when validating):

- :func:`validate_database` (``xuncha_audit.validate.runner``)
- :class:`ValidationReport`, :class:`ExpectationOutcome`
- suites: :mod:`xuncha_audit.validate.suites` (generation from the contract, loading, merging)
"""

from __future__ import annotations

__all__ = ["VALIDATION_TABLE", "ExpectationOutcome", "ValidationReport", "validate_database"]


def __getattr__(name: str):
    if name in __all__:
        from xuncha_audit.validate import runner

        return getattr(runner, name)
    raise AttributeError(name)
