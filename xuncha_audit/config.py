"""The run configuration file (`--config FILE`, YAML). Unknown keys are errors.

```yaml
level: 市级                 # 中央 / 省级 / 市级 / 县级 / 乡级 (default 市级)
region: 湖南                # province-level region, for regional standards
city: 长沙
unit: 某市住房和城乡建设局   # single-unit folder (else sub-folders or a unit column)
period: {start: 2024-01-01, end: 2024-12-31}   # inspection period (validation)
mapping: {...}              # ingestion mapping (aliases, file -> table), see docs/ingest.md
standards: {...}            # overrides of standards values for this province/city, see docs/standards.md
checks:                     # select / ignore / params per check code
  select: [P, R]
  ignore: [L03]
  params: {P01: {window_days: 90}}
export: {mask: true}
duckdb: {memory_limit: 2GB, threads: 2, temp_directory: /data/tmp}   # optional, see dbsettings
fail_on: high               # exit 1 when findings at or above this severity exist
on_unreadable: stop         # a data file that cannot be read at all: stop (exit 2, default) or continue
```
Each section is validated by the part that owns it; this module checks the top level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from xuncha_audit.errors import ConfigError
from xuncha_audit.vocabulary import SEVERITY_RANK as SEVERITY_ORDER

LEVELS = ("中央", "省级", "市级", "县级", "乡级")

TOP_KEYS = {"level", "region", "city", "unit", "period", "mapping", "standards", "checks", "export", "fail_on",
            "on_unreadable", "duckdb"}
EXPORT_KEYS = {"mask"}


@dataclass
class RunConfig:
    level: str = "市级"
    region: str | None = None
    city: str | None = None
    unit: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    mapping: dict | None = None
    standards: dict | None = None
    checks: dict = field(default_factory=dict)
    mask: bool = True
    fail_on: str | None = None
    on_unreadable: str = "stop"
    source: str | None = None
    duckdb: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "level": self.level, "region": self.region, "city": self.city, "unit": self.unit,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "mapping": self.mapping, "standards": self.standards, "checks": self.checks,
            "mask": self.mask, "fail_on": self.fail_on, "on_unreadable": self.on_unreadable,
            "source": self.source,
            **({"duckdb": self.duckdb} if self.duckdb else {}),
        }


def _date(value, what: str, file: str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{what} 不是日期（应为 2024-01-31 格式）：{value}", f"{what}: not a date {value!r}",
                          file=file) from None


def parse_run_config(data: dict | None, *, source: str | None = None) -> RunConfig:
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError("配置文件应为 YAML 映射", "config must be a mapping", file=source)
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConfigError(f"配置文件有未知字段 {sorted(unknown)}（可用：{', '.join(sorted(TOP_KEYS))}）",
                          f"unknown config keys {sorted(unknown)}", file=source)
    cfg = RunConfig(source=source)
    if "level" in data:
        cfg.level = check_level(data["level"], source)
    cfg.region, cfg.city, cfg.unit = data.get("region"), data.get("city"), data.get("unit")
    period = data.get("period") or {}
    if set(period) - {"start", "end"}:
        raise ConfigError("period 只能有 start、end", "period takes start and end only", file=source)
    cfg.period_start = _date(period.get("start"), "period.start", source)
    cfg.period_end = _date(period.get("end"), "period.end", source)
    cfg.mapping, cfg.standards = data.get("mapping"), data.get("standards")
    cfg.checks = data.get("checks") or {}
    export = data.get("export") or {}
    if set(export) - EXPORT_KEYS:
        raise ConfigError(f"export 有未知字段 {sorted(set(export) - EXPORT_KEYS)}", "unknown export keys",
                          file=source)
    cfg.mask = bool(export.get("mask", True))
    if data.get("duckdb") is not None:
        from xuncha_audit.dbsettings import parse as parse_duckdb

        cfg.duckdb = parse_duckdb(data["duckdb"], source=source)
    if data.get("fail_on") is not None:
        cfg.fail_on = check_severity(data["fail_on"], source)
    if data.get("on_unreadable") is not None:
        if data["on_unreadable"] not in ("stop", "continue"):
            raise ConfigError(f"on_unreadable 只能是 stop（停止，退出码 2）或 continue（继续），收到「{data['on_unreadable']}」",
                              f"on_unreadable must be stop or continue, got {data['on_unreadable']!r}",
                              file=source)
        cfg.on_unreadable = data["on_unreadable"]
    return cfg


def check_level(level: str, source: str | None = None) -> str:
    if level not in LEVELS:
        raise ConfigError(f"单位层级「{level}」无效，应为 {'、'.join(LEVELS)} 之一", f"bad level {level!r}", file=source)
    return level


def check_severity(sev: str, source: str | None = None) -> str:
    if sev not in SEVERITY_ORDER:
        raise ConfigError(f"严重程度「{sev}」无效，应为 high、medium、low 之一", f"bad severity {sev!r}", file=source)
    return sev


def load_run_config(path: Path | str | None) -> RunConfig:
    if path is None:
        return RunConfig()
    p = Path(path)
    if not p.exists():
        raise ConfigError("配置文件不存在", "config file not found", file=str(p))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError("配置文件不是合法的 YAML", str(exc), file=str(p)) from None
    return parse_run_config(data, source=str(p))
