"""The parts of the code keep to their layers (docs/ARCHITECTURE.md, "Layers").

A module may import only from layers below its own; only the command line (``cli/``)
imports Typer, Rich or Click, so the run itself (``app/``), the checks and the exports work
the same from a notebook, a scheduler or a test. The imports are read from the source
(``ast``), every import counts, also one inside a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "xuncha_audit"

# Lower number = lower layer. A new top-level module or package gets a place here.
LAYERS = {
    "errors": 0, "vocabulary": 0, "yamldata": 0,
    "db": 1, "locks": 1,
    "dbsettings": 2, "contract": 2, "standards": 2, "checks": 2,
    "ingest": 3, "validate": 3, "synth": 3,
    "engine": 4,
    "config": 3,
    "findings": 5,
    "viz": 6,
    "app": 7,
    "cli": 8,
}
TERMINAL = ("typer", "rich", "click")


def _imports() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out += [(path, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module))
    return out


def _part(path: Path) -> str:
    first = path.relative_to(PKG).parts[0]
    return first.removesuffix(".py")


def test_every_part_has_a_layer():
    parts = {_part(p) for p in PKG.rglob("*.py")} - {"__init__"}
    assert parts <= set(LAYERS), f"place these in tests/test_layers.py LAYERS: {sorted(parts - set(LAYERS))}"


def test_imports_go_down_the_layers():
    wrong = []
    for path, module in _imports():
        names = module.split(".")
        if names[0] != "xuncha_audit" or len(names) < 2:
            continue
        src, dst = _part(path), names[1]
        if dst != src and dst in LAYERS and LAYERS[dst] >= LAYERS[src]:
            wrong.append(f"{path.relative_to(PKG.parent)} imports {module} ({src} {LAYERS[src]} -> {dst} {LAYERS[dst]})")
    assert not wrong, "\n".join(wrong)


def test_only_the_command_line_imports_typer_or_rich():
    wrong = [f"{p.relative_to(PKG.parent)} imports {m}" for p, m in _imports()
             if m.split(".")[0] in TERMINAL and _part(p) != "cli"]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", ["xuncha_audit.app.pipeline", "xuncha_audit.findings.export",
                                    "xuncha_audit.viz"])
def test_the_run_loads_no_terminal_library(module):
    # Also what the imported libraries import: the run works without a terminal.
    code = f"import sys, {module}; print(sorted(m for m in {TERMINAL!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
