"""The plain-SQL evaluation of the common expectation types gives GX's answers, without GX."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from validate_testdata import PERIOD

from xuncha_audit.validate import native
from xuncha_audit.validate.runner import validate_database
from xuncha_audit.validate.suites import load_suites

# Great Expectations is imported once per worker (~8 s): its tests share one worker
pytestmark = pytest.mark.xdist_group("gx")


def _key(o):
    return (o.expectation_id, o.success, o.unexpected_count,
            o.element_count if o.expectation != "unexpected_rows_expectation" else None)


@pytest.mark.slow
def test_native_equals_gx(gx_loaded, broken_db, tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    shutil.copy(broken_db, a)
    shutil.copy(broken_db, b)
    plain = validate_database(a, period=PERIOD)  # native SQL
    gx = validate_database(b, period=PERIOD, out_dir=tmp_path / "docs")  # everything through GX
    assert sorted(map(_key, plain.outcomes), key=str) == sorted(map(_key, gx.outcomes), key=str)
    by_id = {o.expectation_id: o for o in gx.outcomes}
    for o in plain.outcomes:
        if o.success is False and "examples" in o.details:
            g = by_id[o.expectation_id].details.get("examples")
            assert sorted(json.dumps(x, default=str) for x in o.details["examples"]) == sorted(
                json.dumps(x, default=str) for x in g), o.expectation_id


def test_generated_suites_need_no_gx():
    suites = load_suites()
    unsupported = [e["meta"]["id"] for ts in suites.values() for e in ts.expectations
                   if not native.supported(e)]
    assert unsupported == []


def test_validation_without_docs_does_not_import_gx(broken_db, tmp_path):
    db = tmp_path / "c.duckdb"
    shutil.copy(broken_db, db)
    code = (
        "import sys; from xuncha_audit.validate import validate_database; "
        f"r = validate_database({str(db)!r}, period=({PERIOD[0]!r}, {PERIOD[1]!r})); "
        "assert r.failures; print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
