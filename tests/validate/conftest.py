"""Fixtures for the validation tests (data in validate_testdata.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from validate_testdata import BROKEN_SQL, GOOD_SQL, build_db


@pytest.fixture(scope="session")
def gx_loaded():
    """Import great_expectations once per test session (slow: several seconds)."""
    import great_expectations

    return great_expectations


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("good") / "good.duckdb", GOOD_SQL)


@pytest.fixture(scope="module")
def broken_db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("broken") / "broken.duckdb", BROKEN_SQL)
