"""The check catalogue: discover `.sql` checks, parse their metadata headers, select them.

One check = one file ``xuncha_audit/checks/<area>/<CODE>_<slug>.sql`` that starts with a
YAML header in a block comment (``/* --- ... --- */``); see docs/ARCHITECTURE.md §2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from xuncha_audit.engine.derived import DERIVATIONS
from xuncha_audit.errors import ConfigError

# The vocabulary (areas, severities, routes, the code table) lives in xuncha_audit.vocabulary.
from xuncha_audit.vocabulary import AREAS, ENTITY_TYPES, ROUTES, SEVERITIES, canonical_code
from xuncha_audit.vocabulary import CODE_RE as _CODE_RE
from xuncha_audit.yamldata import load_data

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"

_HEADER_RE = re.compile(r"\A\s*/\*\s*---\s*\n(?P<yaml>.*?)\n\s*---\s*\*/\s*\n?(?P<sql>.*)\Z", re.S)
_PARAM_REF_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

_HEADER_KEYS = {
    "code": True, "slug": True, "title_zh": True, "title_en": True, "area": True,
    "severity": True, "route": True, "inputs": True, "evidence": True, "entity_type": True,
    "what_zh": True, "why_zh": True, "regulation": True, "template": True,
    "exclusions_zh": False, "method_zh": False, "python": False, "params": False,
    "example_zh": False, "what_en": False, "why_en": False, "rules": False, "requires": False,
    "needs": False, "derived": False,
}
_PARAM_KEYS = {"type", "default", "default_from", "min", "max", "description_zh", "description_en", "choices"}
PARAM_TYPES = {"int": int, "decimal": float, "float": float, "text": str, "bool": bool}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a check, as declared in its header."""

    name: str
    type: str
    description_zh: str
    default: object | None = None
    default_from: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    description_en: str | None = None

    def coerce(self, value: object, *, check: str) -> object:
        """Validate and convert a user-supplied value; ConfigError when out of bounds."""
        py = PARAM_TYPES[self.type]
        try:
            if py is bool:
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0", "是", "否"):
                        raise ValueError(value)
                    value = value.lower() in ("true", "1", "是")
                out = bool(value)
            elif py is int:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)
                out = int(value)
            else:
                out = py(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"检查 {check} 的参数 {self.name} 取值「{value}」不是 {self.type} 类型",
                f"parameter {check}.{self.name}: {value!r} is not a {self.type}",
            ) from None
        if self.min is not None and out < self.min:
            raise ConfigError(
                f"检查 {check} 的参数 {self.name}={out} 小于下限 {self.min}",
                f"parameter {check}.{self.name}={out} below minimum {self.min}",
            )
        if self.max is not None and out > self.max:
            raise ConfigError(
                f"检查 {check} 的参数 {self.name}={out} 超过上限 {self.max}",
                f"parameter {check}.{self.name}={out} above maximum {self.max}",
            )
        if self.choices and out not in self.choices:
            raise ConfigError(
                f"检查 {check} 的参数 {self.name} 只能取 {list(self.choices)}",
                f"parameter {check}.{self.name} must be one of {list(self.choices)}",
            )
        return out


@dataclass(frozen=True)
class CheckSpec:
    """A check: its metadata header and its SQL body."""

    code: str
    slug: str
    title_zh: str
    title_en: str
    area: str
    severity: str
    route: str
    inputs: tuple[str, ...]
    evidence: tuple[str, ...]
    entity_type: str
    what_zh: str
    why_zh: str
    regulation: str
    template: str
    sql: str
    path: Path
    params: dict[str, ParamSpec] = field(default_factory=dict)
    exclusions_zh: str | None = None
    method_zh: str | None = None
    python: str | None = None
    example_zh: str | None = None
    what_en: str | None = None
    why_en: str | None = None
    rules: dict[str, str] = field(default_factory=dict)
    # Reference tables a unit must have supplied for the check to judge it (a unit that sent
    # no roster must not see every payee flagged as "not on the roster").
    requires: tuple[str, ...] = ()
    # Per-rule finding sentences (``template:`` given as a mapping rule -> sentence); empty when
    # one sentence serves every rule. ``template`` then holds them all, for the docs.
    rule_templates: dict[str, str] = field(default_factory=dict)
    needs: tuple = ()  # per unit: tables (or tuples of alternatives) it cannot judge without
    # Values the engine derives from the loaded standards and binds like parameters (not set by
    # a user): name -> (derivation, its arguments); see xuncha_audit.engine.derived.
    derived: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.area}.{self.slug}"

    def referenced_params(self) -> list[str]:
        return sorted(set(_PARAM_REF_RE.findall(_strip_sql_comments(self.sql))))


def _strip_sql_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def _err(path: Path, zh: str, en: str) -> ConfigError:
    return ConfigError(zh, en, file=str(path))


def parse_check_file(path: Path) -> CheckSpec:
    """Parse one check file; raise ConfigError naming the file on any problem."""
    text = path.read_text(encoding="utf-8")
    m = _HEADER_RE.match(text)
    if not m:
        raise _err(path, "检查文件缺少 /* --- ... --- */ 元数据头", "missing metadata header")
    try:
        meta = (load_data if path.is_relative_to(CHECKS_DIR) else yaml.safe_load)(m.group("yaml")) or {}
    except yaml.YAMLError as exc:
        raise _err(path, "检查元数据头不是合法的 YAML", f"bad YAML header: {exc}") from None
    unknown = set(meta) - set(_HEADER_KEYS)
    if unknown:
        raise _err(path, f"检查元数据头有未知字段 {sorted(unknown)}", f"unknown header keys {sorted(unknown)}")
    missing = [k for k, req in _HEADER_KEYS.items() if req and not meta.get(k)]
    if missing:
        raise _err(path, f"检查元数据头缺少字段 {missing}", f"missing header keys {missing}")
    code, slug, area = meta["code"], meta["slug"], meta["area"]
    if not _CODE_RE.match(str(code)):
        raise _err(path, f"检查编号 {code} 不合规（应为 P01 形式）", f"bad check code {code!r}")
    if path.name != f"{code}_{slug}.sql":
        raise _err(path, f"文件名应为 {code}_{slug}.sql", f"file name must be {code}_{slug}.sql")
    if area not in AREAS or path.parent.name != area or AREAS[area][0] != code[0]:
        raise _err(path, f"检查 {code} 的领域 {area} 与目录或编号不符", f"area {area!r} does not match folder/code")
    if meta["severity"] not in SEVERITIES:
        raise _err(path, f"严重程度只能是 {SEVERITIES}", f"severity must be one of {SEVERITIES}")
    if meta["route"] not in ROUTES:
        raise _err(path, f"移送去向只能是 {list(ROUTES)}", f"route must be one of {list(ROUTES)}")
    if meta["entity_type"] not in ENTITY_TYPES:
        raise _err(path, f"entity_type 只能是 {ENTITY_TYPES}", f"entity_type must be one of {ENTITY_TYPES}")
    params: dict[str, ParamSpec] = {}
    for pname, pdef in (meta.get("params") or {}).items():
        if not isinstance(pdef, dict):
            raise _err(path, f"参数 {pname} 的定义应为映射", f"param {pname} must be a mapping")
        bad = set(pdef) - _PARAM_KEYS
        if bad:
            raise _err(path, f"参数 {pname} 有未知字段 {sorted(bad)}", f"param {pname}: unknown keys {sorted(bad)}")
        if pdef.get("type") not in PARAM_TYPES:
            raise _err(path, f"参数 {pname} 类型应为 {list(PARAM_TYPES)}", f"param {pname}: bad type")
        if not pdef.get("description_zh"):
            raise _err(path, f"参数 {pname} 缺少中文说明", f"param {pname}: missing description_zh")
        if ("default" in pdef) == ("default_from" in pdef):
            raise _err(path, f"参数 {pname} 须有且只有 default 或 default_from 之一",
                       f"param {pname}: exactly one of default/default_from")
        params[pname] = ParamSpec(
            name=pname,
            type=pdef["type"],
            description_zh=pdef["description_zh"],
            default=pdef.get("default"),
            default_from=pdef.get("default_from"),
            min=pdef.get("min"),
            max=pdef.get("max"),
            choices=tuple(pdef.get("choices") or ()),
            description_en=pdef.get("description_en"),
        )
    derived = _derived(path, meta.get("derived"), params)
    spec = CheckSpec(
        code=code, slug=slug, title_zh=meta["title_zh"], title_en=meta["title_en"], area=area,
        severity=meta["severity"], route=meta["route"],
        inputs=tuple(meta["inputs"]), evidence=tuple(meta["evidence"]),
        entity_type=meta["entity_type"], what_zh=str(meta["what_zh"]).strip(),
        why_zh=str(meta["why_zh"]).strip(), regulation=str(meta["regulation"]).strip(),
        template=_template_text(meta["template"]), sql=m.group("sql").strip().rstrip(";"),
        rule_templates=_rule_templates(path, meta),
        path=path, params=params,
        exclusions_zh=meta.get("exclusions_zh"), method_zh=meta.get("method_zh"),
        python=meta.get("python"), example_zh=meta.get("example_zh"),
        what_en=meta.get("what_en"), why_en=meta.get("why_en"),
        rules=dict(meta.get("rules") or {}),
        requires=tuple(meta.get("requires") or ()),
        needs=tuple(tuple(g) if isinstance(g, list) else g for g in (meta.get("needs") or ())),
        derived=derived,
    )
    from xuncha_audit.contract import load_contract

    needed = [t for g in spec.needs for t in (g if isinstance(g, tuple) else (g,))]
    from xuncha_audit.engine.coverage import need_parts

    tables = load_contract().tables

    def unknown(item: str) -> bool:
        t, c = need_parts(item)
        return t not in tables or (c is not None and c not in tables[t].columns)

    unknown_tables = [item for item in (*spec.requires, *needed) if unknown(item)]
    if unknown_tables:
        raise _err(path, f"requires/needs 中有未知的数据表或列 {unknown_tables}",
                   f"requires/needs: unknown tables or columns {unknown_tables}")
    refs = spec.referenced_params()
    undeclared = [p for p in refs if p not in params and p not in derived]
    if undeclared:
        raise _err(path, f"SQL 引用了未声明的参数 {undeclared}", f"SQL references undeclared params {undeclared}")
    unused = [p for p in (*params, *derived) if p not in refs]
    if unused and not spec.python:  # a python prepare() may be the only user of a parameter
        raise _err(path, f"声明的参数 {unused} 未在 SQL 中使用", f"declared params {unused} not used in SQL")
    return spec


def _derived(path: Path, meta, params: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``derived:`` — ``name: {derivation: [arguments]}``, one derivation per name."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise _err(path, "derived 应为映射", "derived must be a mapping")
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, d in meta.items():
        if name in params:
            raise _err(path, f"派生值 {name} 与参数同名", f"derived value {name} shadows a parameter")
        if not (isinstance(d, dict) and len(d) == 1 and next(iter(d)) in DERIVATIONS):
            raise _err(path, f"派生值 {name} 应写作 {{派生方式: [参数]}}，派生方式只能是 {sorted(DERIVATIONS)}",
                       f"derived {name}: one of {sorted(DERIVATIONS)} with its arguments")
        kind, args = next(iter(d.items()))
        if not (isinstance(args, list) and args and all(isinstance(a, str) and a for a in args)):
            raise _err(path, f"派生值 {name} 的参数应为非空的文字列表", f"derived {name}: arguments must be a list of names")
        out[str(name)] = (kind, tuple(args))
    return out


def _template_text(template) -> str:
    if isinstance(template, dict):
        return " / ".join(f"{rule}：{str(t).strip()}" for rule, t in template.items())
    return str(template).strip()


def _rule_templates(path: Path, meta: dict) -> dict[str, str]:
    """``template`` as a mapping: one sentence per rule (every rule of ``rules`` covered), and
    optionally one for a combination of rules a single row reports (``price,displacement``)."""
    template = meta["template"]
    if not isinstance(template, dict):
        return {}
    rules = dict(meta.get("rules") or {})
    unknown = [k for k in template if any(r not in rules for r in str(k).split(","))]
    missing = [r for r in rules if r not in template]
    if unknown or missing:
        raise _err(path, f"按子规则的模板须覆盖 rules 中的每个子规则（未知 {unknown}，缺少 {missing}）",
                   f"per-rule templates must cover the rules (unknown {unknown}, missing {missing})")
    return {str(r): str(t).strip() for r, t in template.items()}


@dataclass(frozen=True)
class SharedRelation:
    """A relation several checks of one area use, computed once: ``<area>/_shared/<name>.sql``.

    The file holds one SELECT (comments allowed, no parameters); the engine materialises it
    as a temporary table called ``<name>`` before the area's checks run.
    """

    name: str
    area: str
    sql: str
    path: Path


def parse_shared_file(path: Path) -> SharedRelation:
    area = path.parent.parent.name
    if area not in AREAS or not re.fullmatch(r"[a-z][a-z0-9_]*", path.stem):
        raise _err(path, "共享关系文件应位于 <领域>/_shared/<小写名称>.sql", "bad shared relation path")
    sql = path.read_text(encoding="utf-8").strip().rstrip(";")
    if _PARAM_REF_RE.search(_strip_sql_comments(sql)):
        raise _err(path, "共享关系不能使用参数", "shared relations take no parameters")
    return SharedRelation(path.stem, area, sql, path)


class Registry:
    """All checks found under the checks folder, by code."""

    def __init__(self, checks: list[CheckSpec], shared: list[SharedRelation] | None = None):
        self.shared: dict[str, list[SharedRelation]] = {}
        for rel in shared or []:
            self.shared.setdefault(rel.area, []).append(rel)
        codes: dict[str, CheckSpec] = {}
        for c in checks:
            if c.code in codes:
                raise _err(c.path, f"检查编号 {c.code} 重复（另见 {codes[c.code].path}）", f"duplicate code {c.code}")
            codes[c.code] = c
        self.checks = dict(sorted(codes.items()))

    def __iter__(self):
        return iter(self.checks.values())

    def __len__(self) -> int:
        return len(self.checks)

    def get(self, code: str) -> CheckSpec:
        try:
            return self.checks[canonical_code(code)]
        except KeyError:
            raise ConfigError(f"未知的检查编号 {code}", f"unknown check code {code!r}") from None

    def _match(self, token: str) -> list[CheckSpec]:
        t = token.strip()
        if t in AREAS:
            return [c for c in self if c.area == t]
        up = canonical_code(t)
        if up in self.checks:
            return [self.checks[up]]
        if re.fullmatch(r"[PRVOHL]\d?", up):
            found = [c for c in self if c.code.startswith(up)]
            if found:
                return found
        raise ConfigError(
            f"未知的检查编号、前缀或领域「{token}」",
            f"unknown check code, prefix or area {token!r} (areas: {', '.join(AREAS)})",
        )

    def select(self, select: list[str] | None = None, ignore: list[str] | None = None) -> list[CheckSpec]:
        """Checks chosen by code (P01), prefix (P, P0) or area (procurement); ignore wins."""
        chosen = list(self) if not select else [c for t in select for c in self._match(t)]
        dropped = {c.code for t in (ignore or []) for c in self._match(t)}
        seen: dict[str, CheckSpec] = {}
        for c in chosen:
            if c.code not in dropped:
                seen.setdefault(c.code, c)
        return sorted(seen.values(), key=lambda c: c.code)


def discover(root: Path = CHECKS_DIR) -> Registry:
    return Registry([parse_check_file(p) for p in sorted(root.glob("*/*.sql"))],
                    [parse_shared_file(p) for p in sorted(root.glob("*/_shared/*.sql"))])


@cache
def default_registry() -> Registry:
    return discover(CHECKS_DIR)
