"""Fixtures of tests/ingest: defined in ingest_support.py, which test modules import by that
unique name (every conftest.py is imported as ``conftest``: ``from conftest import`` finds
whichever folder's was imported last)."""

from ingest_support import *  # noqa: F403
