"""The user mapping file (YAML): extra header aliases, files forced onto tables.

```yaml
tables:                      # extra header spellings, per canonical table and column
  ledger:
    aliases:
      voucher_no: [凭证字号（新）, 记账凭证号]
      debit: [本币借方]
files:                       # rules tried in order; the first whose glob matches a file wins
  - glob: "财务/*凭证*.xls"    # matched against the path relative to DATA_DIR (and the file name)
    table: ledger            # force the table
    sheet: 明细               # optional: read only this sheet
    unit: 某某局              # optional: force the unit of the file
  - glob: "**/说明*.xlsx"
    skip: true               # do not load
```

Unknown keys, tables or columns are :class:`~xuncha_audit.errors.ConfigError`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from xuncha_audit.contract import load_contract
from xuncha_audit.errors import ConfigError

_TOP_KEYS = {"tables", "files"}
_TABLE_KEYS = {"aliases"}
_RULE_KEYS = {"glob", "table", "sheet", "unit", "skip"}


@dataclass(frozen=True)
class FileRule:
    glob: str
    table: str | None = None
    sheet: str | None = None
    unit: str | None = None
    skip: bool = False

    def matches(self, rel_path: str) -> bool:
        p = PurePosixPath(rel_path)
        return (
            fnmatch.fnmatch(rel_path, self.glob)
            or fnmatch.fnmatch(p.name, self.glob)
            or p.match(self.glob)
        )


@dataclass(frozen=True)
class UserMapping:
    aliases: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    files: tuple[FileRule, ...] = ()

    def rule_for(self, rel_path: str) -> FileRule | None:
        for rule in self.files:
            if rule.matches(rel_path):
                return rule
        return None


def _err(zh: str, en: str, source: str | None) -> ConfigError:
    return ConfigError(zh, en, file=source)


def parse_mapping(data: object, source: str | None = None) -> UserMapping:
    """Validate and parse a mapping document (already loaded from YAML)."""
    if data is None:
        return UserMapping()
    if not isinstance(data, dict):
        raise _err("映射文件应为键值结构（YAML 映射）", "mapping file must be a YAML mapping", source)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _err(
            f"映射文件中有未知的键：{'、'.join(sorted(map(str, unknown)))}（允许：tables、files）",
            f"unknown keys {sorted(map(str, unknown))}",
            source,
        )
    contract = load_contract()
    aliases: dict[str, dict[str, tuple[str, ...]]] = {}
    for tname, tdef in (data.get("tables") or {}).items():
        if tname not in contract.tables:
            raise _err(f"映射文件中有未知的数据表「{tname}」", f"unknown table {tname!r}", source)
        if not isinstance(tdef, dict):
            raise _err(f"数据表「{tname}」的设置应为键值结构", f"table {tname}: not a mapping", source)
        bad = set(tdef) - _TABLE_KEYS
        if bad:
            raise _err(
                f"数据表「{tname}」下有未知的键：{'、'.join(sorted(map(str, bad)))}（允许：aliases）",
                f"table {tname}: unknown keys {sorted(map(str, bad))}",
                source,
            )
        cols: dict[str, tuple[str, ...]] = {}
        for cname, values in (tdef.get("aliases") or {}).items():
            if cname not in contract.tables[tname].columns:
                raise _err(
                    f"数据表「{tname}」没有字段「{cname}」", f"table {tname}: unknown column {cname!r}", source
                )
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not all(isinstance(v, str | int) for v in values):
                raise _err(
                    f"字段「{tname}.{cname}」的别名应为文字列表", f"{tname}.{cname}: aliases must be a list", source
                )
            cols[cname] = tuple(str(v) for v in values)
        aliases[tname] = cols
    rules = []
    files = data.get("files") or []
    if not isinstance(files, list):
        raise _err("files 应为规则列表", "files must be a list", source)
    for i, rule in enumerate(files, 1):
        if not isinstance(rule, dict):
            raise _err(f"files 第 {i} 条规则应为键值结构", f"files[{i}] not a mapping", source)
        bad = set(rule) - _RULE_KEYS
        if bad:
            raise _err(
                f"files 第 {i} 条规则有未知的键：{'、'.join(sorted(map(str, bad)))}"
                "（允许：glob、table、sheet、unit、skip）",
                f"files[{i}]: unknown keys {sorted(map(str, bad))}",
                source,
            )
        if not rule.get("glob"):
            raise _err(f"files 第 {i} 条规则缺少 glob", f"files[{i}]: glob missing", source)
        table = rule.get("table")
        if table is not None and table not in contract.tables:
            raise _err(f"files 第 {i} 条规则的数据表「{table}」未知", f"files[{i}]: unknown table {table!r}", source)
        if not table and not rule.get("skip") and not rule.get("sheet") and not rule.get("unit"):
            raise _err(f"files 第 {i} 条规则没有任何设置", f"files[{i}]: rule does nothing", source)
        rules.append(
            FileRule(
                glob=str(rule["glob"]),
                table=table,
                sheet=None if rule.get("sheet") is None else str(rule["sheet"]),
                unit=None if rule.get("unit") is None else str(rule["unit"]),
                skip=bool(rule.get("skip", False)),
            )
        )
    return UserMapping(aliases=aliases, files=tuple(rules))


def load_mapping(path: str | Path | None) -> UserMapping:
    """Read a mapping file; ``None`` gives the empty mapping."""
    if path is None:
        return UserMapping()
    p = Path(path)
    if not p.is_file():
        raise ConfigError("找不到映射文件", f"mapping file not found: {p}", file=str(p))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError("映射文件不是有效的 YAML", f"invalid YAML: {exc}", file=str(p)) from exc
    return parse_mapping(data, str(p))


__all__ = ["FileRule", "UserMapping", "load_mapping", "parse_mapping"]
