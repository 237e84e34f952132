"""Shared fixtures of the check tests."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit import standards
from xuncha_audit.contract import create_tables
from xuncha_audit.engine.runner import ensure_output_tables


@pytest.fixture(scope="module")
def base():
    """An in-memory database with the contract's tables, the standards and the output tables
    (one per test module; tests empty what they fill)."""
    con = duckdb.connect()
    create_tables(con)
    standards.install(con)
    ensure_output_tables(con)
    return con
