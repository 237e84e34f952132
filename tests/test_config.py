"""The run configuration file: unknown keys and bad values are errors naming the file."""

from __future__ import annotations

from datetime import date

import pytest

from xuncha_audit.config import load_run_config, parse_run_config
from xuncha_audit.errors import ConfigError


def test_full_config_parses(tmp_path):
    p = tmp_path / "run.yaml"
    p.write_text(
        "level: 县级\nregion: 湖南\ncity: 浏阳\nperiod: {start: 2024-01-01, end: 2024-12-31}\n"
        "checks: {select: [P], params: {P01: {window_days: 90}}}\nexport: {mask: false}\nfail_on: medium\n",
        encoding="utf-8",
    )
    cfg = load_run_config(p)
    assert (cfg.level, cfg.region, cfg.city, cfg.mask, cfg.fail_on) == ("县级", "湖南", "浏阳", False, "medium")
    assert (cfg.period_start, cfg.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert cfg.checks["params"]["P01"]["window_days"] == 90


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"levle": "市级"}, "未知字段"),
        ({"level": "地级"}, "单位层级"),
        ({"period": {"start": "2024-13-01"}}, "不是日期"),
        ({"period": {"begin": "2024-01-01"}}, "period"),
        ({"export": {"mask": True, "colour": 1}}, "export"),
        ({"fail_on": "urgent"}, "严重程度"),
    ],
)
def test_bad_config_rejected(data, message):
    with pytest.raises(ConfigError, match=message) as exc:
        parse_run_config(data, source="run.yaml")
    assert "run.yaml" in exc.value.message()


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="不存在"):
        load_run_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("level: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_run_config(bad)
