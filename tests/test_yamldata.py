"""The packaged YAML parsed by libyaml (xuncha_audit.yamldata) reads as PyYAML's own safe loader
reads it: every check header, the contract, the layouts' defaults and every built-in layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from xuncha_audit.contract import CONTRACT_PATH
from xuncha_audit.engine.registry import CHECKS_DIR
from xuncha_audit.ingest.layouts import DEFAULTS_FILE
from xuncha_audit.yamldata import load_data

LAYOUTS = DEFAULTS_FILE.parent
FILES = ([*sorted(CHECKS_DIR.glob("*/*.sql")), CONTRACT_PATH, DEFAULTS_FILE, *sorted(LAYOUTS.glob("*.yaml"))])


def _text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".sql":
        m = re.match(r"/\* ---\n(.*?)--- \*/", text, re.S)
        assert m, path
        return m.group(1)
    return text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_packaged_yaml_reads_the_same_with_libyaml(path):
    text = _text(path)
    assert load_data(text) == yaml.safe_load(text)


def test_it_is_libyaml_where_pyyaml_has_it():
    import xuncha_audit.yamldata as yd

    assert yd._LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    assert len(FILES) > 40
