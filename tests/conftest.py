"""Test tiers, by marker (see the Makefile):

* ``spark``  — runs on Apache Spark local[2] (tests/spark);
* ``e2e``    — end-to-end runs: the sample-data answer key and the notebooks;
* ``slow``   — other long tests.

``make test-fast`` deselects all three; ``make test`` runs everything. A run that selects no
test at all fails with a clear message instead of passing quietly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_E2E = (_HERE / "notebooks", _HERE / "test_sample_run.py")
_SPARK = _HERE / "spark"


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if any(path == p or p in path.parents for p in _E2E):
            item.add_marker(pytest.mark.e2e)
        if _SPARK in path.parents:
            item.add_marker(pytest.mark.spark)


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and not session.config.option.collectonly:
        session.config.get_terminal_writer().line(
            "没有选中任何测试 / no test was selected: check the -m/-k expression and the paths",
            red=True)
