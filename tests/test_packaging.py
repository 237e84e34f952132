"""pyproject.toml and environment.yml declare the same dependencies; the CLI is installed."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _split(req: str) -> tuple[str, str]:
    """(normalised name, version specifier); extras (``pyspark[connect]``) are left out: the
    lock pins the package, and the extra's own packages are pinned as dependencies."""
    req = req.split("#")[0]
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)$", req)
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    return name, m.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_split(r) for r in py["dependencies"] + py["optional-dependencies"]["dev"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    got: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item.split(">")[0].split("=")[0] in ("python", "pip"):
                continue
            name, spec = _split(item)
            got[name] = spec
    assert got == wanted


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "xuncha_audit.cli", "--help"], capture_output=True, text=True,
                         check=True)
    assert "checks" in out.stdout


def _lock(name: str) -> dict[str, str]:
    """name -> version of one lock file (environment markers ignored)."""
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return pins


def test_lock_files_cover_pyproject():
    """`make setup` installs requirements/dev.lock: a dependency added to pyproject.toml without
    `make lock` would be missing from every fresh install (and from the offline bundle)."""
    from packaging.specifiers import SpecifierSet

    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = dict(_split(r) for r in py["dependencies"])
    dev = dict(_split(r) for r in py["optional-dependencies"]["dev"])
    for lock, wanted in (("dev.lock", runtime | dev), ("linux.lock", runtime), ("windows.lock", runtime)):
        pins = _lock(lock)
        missing = sorted(set(wanted) - set(pins))
        assert not missing, f"{lock} lacks {missing}: run `make lock`"
        for name, spec in wanted.items():
            assert pins[name] in SpecifierSet(spec), f"{lock}: {name}=={pins[name]} does not satisfy {spec}"
    # the Windows lock is resolved for Windows (pip could not: it evaluates markers on the host)
    assert "pywinpty" in _lock("windows.lock") and "pywinpty" not in _lock("linux.lock")


def test_windows_launchers_are_crlf():
    for bat in (ROOT / "release" / "windows").glob("*.bat"):
        data = bat.read_bytes()
        assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n"), bat.name


def test_tests_never_import_conftest_by_name():
    """conftest.py files in folders without __init__.py are all imported as ``conftest``: a
    ``from conftest import`` finds whichever folder's was imported last (under xdist, or when
    a few files are selected, another folder's). Helpers live in ``<folder>_support.py``."""
    bad = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "tests").rglob("*.py")
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if re.match(r"^\s*(from conftest import|import conftest)", line)]
    assert not bad, bad


def test_test_module_names_are_unique():
    """Test folders have no __init__.py, so two test files with one basename (tests/db/x.py and
    tests/spark/x.py) stop the whole session with "import file mismatch" at collection."""
    seen: dict[str, list[str]] = {}
    for p in (ROOT / "tests").rglob("*.py"):
        if p.name != "conftest.py" and "__pycache__" not in p.parts:
            seen.setdefault(p.name, []).append(str(p.relative_to(ROOT)))
    assert not {k: v for k, v in seen.items() if len(v) > 1}


@pytest.mark.slow
def test_xdist_loadgroup_keeps_a_group_on_one_worker(tmp_path):
    """`make test` relies on --dist loadgroup: the Spark tests share one JVM on one worker and the
    run/kill tests do not compete for the same cores. pytest 9.2 + pytest-xdist 3.8 silently
    stopped grouping (xdist renames `_nodeid`, pytest 9.2 reads `_id`); pyproject pins pytest
    below 9.2 until they agree again — this test says when the pin can go."""
    import subprocess
    import sys

    (tmp_path / "test_g.py").write_text(
        "import pytest\n"
        "pytestmark = pytest.mark.xdist_group('g')\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_x(i):\n    pass\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
                          "-p", "no:cacheprovider", "test_g.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120).stdout
    workers = set(re.findall(r"\[(gw\d+)\].*test_x", out))
    assert len(workers) == 1, out[-2000:]
