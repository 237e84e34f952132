"""Regulatory standards as versioned data (``std_*`` tables), with citations and effective dates.

The data live in ``standards/data/*.csv`` (one file per table; see docs/standards.md).
``install(con, config)`` creates or replaces every ``std_*`` table in a DuckDB connection;
a user config (``load_overrides(path)``) overrides or adds rows for a province or city.
``lookup``/``cap`` answer "the value in force for X on date D" in Python; checks join the
same tables in SQL.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from xuncha_audit.db import of
from xuncha_audit.errors import ConfigError

DATA_DIR = Path(__file__).with_name("data")
DATA_VERSION = "2026.11.1"
OPEN_START = _dt.date(1900, 1, 1)

V, INT, D, M, DT, B = "VARCHAR", "INTEGER", "DOUBLE", "DECIMAL(18,2)", "DATE", "BOOLEAN"


@dataclass(frozen=True)
class TableSpec:
    name: str
    file: str
    columns: dict[str, str]
    key: tuple[str, ...]
    values: tuple[str, ...]          # columns an override row must give
    dated: bool = False
    wildcards: dict[str, str] = field(default_factory=dict)  # column -> fallback value
    title_zh: str = ""

    @property
    def all_columns(self) -> dict[str, str]:
        return {**self.columns, "origin": V}


def _cols(*pairs: tuple[str, str], dated: bool = False, reg: bool = True) -> dict[str, str]:
    out = dict(pairs)
    if dated:
        out.update(effective_from=DT, effective_to=DT)
    if reg:
        out.update(citation=V, verified=B, source_url=V, note=V)
    return out


TABLES: dict[str, TableSpec] = {s.name: s for s in [
    TableSpec("std_params", "params.csv",
              _cols(("key", V), ("value", D), ("unit_of_measure", V)),
              ("key",), ("value",), title_zh="标量参数"),
    TableSpec("std_places", "places.csv",
              {"name": V, "full_name": V, "city": V, "region": V, "province": V, "kind": V,
               "adcode": V, "ambiguous": B, "lodging_city": V},
              ("name", "city", "region"), ("name", "city", "region", "kind"),
              title_zh="地名（省、地市、区县）"),
    TableSpec("std_lodging_caps", "lodging_caps.csv",
              _cols(("region", V), ("city", V), ("tier", V), ("start_md", INT), ("end_md", INT),
                    ("season", V), ("cap", M), ("peak_period", V), dated=True),
              ("region", "city", "tier"), ("region", "city", "tier", "cap"), dated=True,
              wildcards={"city": "其他"}, title_zh="差旅住宿费标准"),
    TableSpec("std_travel_allowances", "travel_allowances.csv",
              _cols(("region", V), ("item", V), ("daily_rate", M), dated=True),
              ("region", "item"), ("region", "item", "daily_rate"), dated=True,
              wildcards={"region": "*"}, title_zh="伙食补助费与市内交通费"),
    TableSpec("std_transport_classes", "transport_classes.csv",
              {"pattern": V, "mode": V, "class_level": INT, "class_name": V, "note": V},
              ("pattern",), ("pattern", "mode", "class_level"), title_zh="交通工具席位等级"),
    TableSpec("std_travel_entitlement", "travel_entitlement.csv",
              _cols(("tier", V), ("mode", V), ("max_class_level", INT), ("max_class_name", V),
                    dated=True),
              ("tier", "mode"), ("tier", "mode", "max_class_level"), dated=True,
              title_zh="交通工具乘坐标准"),
    TableSpec("std_meeting_caps", "meeting_caps.csv",
              _cols(("kind", V), ("class", V), ("lodging", M), ("meals", M),
                    ("venue_materials_transport", M), ("other", M), ("per_person_day", M),
                    ("max_days", INT), ("max_attendees", INT), ("max_staff_ratio", D), dated=True),
              ("kind", "class"), ("kind", "class", "per_person_day"), dated=True,
              title_zh="会议费、培训费综合定额"),
    TableSpec("std_hospitality_caps", "hospitality_caps.csv",
              _cols(("region", V), ("city", V), ("per_head_cap", M), dated=True),
              ("region", "city"), ("region", "per_head_cap"), dated=True,
              wildcards={"region": "*", "city": "*"}, title_zh="公务接待每人每餐上限"),
    TableSpec("std_office_area", "office_area.csv",
              _cols(("level", V), ("position", V), ("rank_norm", V), ("area_m2", D), dated=True),
              ("level", "rank_norm"), ("level", "rank_norm", "area_m2"), dated=True,
              title_zh="办公用房面积标准"),
    TableSpec("std_vehicle_caps", "vehicle_caps.csv",
              _cols(("category", V), ("max_price", M), ("max_displacement_l", D), ("energy", V),
                    dated=True),
              ("category",), ("category",), dated=True, title_zh="公务用车配备标准"),
    TableSpec("std_procurement_thresholds", "procurement_thresholds.csv",
              _cols(("scope", V), ("region", V), ("level", V), ("category", V), ("kind", V),
                    ("threshold", M), dated=True),
              ("scope", "region", "level", "category", "kind"),
              ("category", "kind", "threshold"), dated=True,
              wildcards={"region": "*", "level": "*", "scope": "*"},
              title_zh="政府采购与招标限额"),
    TableSpec("std_keywords", "keywords.csv",
              {"list": V, "word": V, "category": V, "exclusions": V, "note": V},
              ("list", "word"), ("list", "word"), title_zh="关键词清单"),
    TableSpec("std_pay_items", "pay_items.csv",
              _cols(("item", V), ("approved", B), ("category", V), ("synonyms", V), ("pattern", V),
                    ("applies_to", V)),
              ("item",), ("item", "approved", "category"), title_zh="工资津补贴项目（项目族）"),
    TableSpec("std_tourist_destinations", "tourist_destinations.csv",
              {"place": V, "city": V, "region": V, "note": V},
              ("place",), ("place",), title_zh="旅游目的地"),
    TableSpec("std_rank_ladder", "rank_ladder.csv",
              {"rank_norm": V, "ordinal": INT, "travel_tier": V, "rank_group": V},
              ("rank_norm",), ("rank_norm", "ordinal", "travel_tier"), title_zh="职级序列"),
]}

ALIASES = {
    "params": "std_params", "places": "std_places", "lodging": "std_lodging_caps",
    "allowances": "std_travel_allowances", "meal": "std_travel_allowances",
    "local_transport": "std_travel_allowances", "transport": "std_transport_classes",
    "entitlement": "std_travel_entitlement", "meeting": "std_meeting_caps",
    "training": "std_meeting_caps", "hospitality": "std_hospitality_caps",
    "office": "std_office_area", "office_area": "std_office_area", "vehicle": "std_vehicle_caps",
    "procurement": "std_procurement_thresholds", "keywords": "std_keywords",
    "pay_items": "std_pay_items", "tourist": "std_tourist_destinations",
    "ranks": "std_rank_ladder",
}
VALUE_COLUMN = {
    "std_params": "value", "std_lodging_caps": "cap", "std_travel_allowances": "daily_rate",
    "std_meeting_caps": "per_person_day", "std_hospitality_caps": "per_head_cap",
    "std_office_area": "area_m2", "std_vehicle_caps": "max_price",
    "std_procurement_thresholds": "threshold", "std_travel_entitlement": "max_class_level",
}
_ALIAS_FILTERS = {"meal": {"item": "伙食补助"}, "local_transport": {"item": "市内交通"},
                  "meeting": {"kind": "会议"}, "training": {"kind": "培训"}}

# Districts grouped under one row of the lodging table (municipalities' 中心城区, new areas).
LODGING_GROUPS = {
    ("天津", "中心城区"): ["和平区", "河东区", "河西区", "南开区", "河北区", "红桥区"],
    ("重庆", "中心城区"): ["渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区",
                           "北碚区", "渝北区", "巴南区"],
    ("重庆", "两江新区"): ["北部新区", "两江新区"],
    ("陕西", "杨凌"): ["杨陵区", "杨凌"],
    ("福建", "平潭"): ["平潭县", "平潭综合实验区"],
}


# --------------------------------------------------------------------------- parsing
def _parse(value: Any, typ: str, *, where: str = "", column: str = "", file: str | None = None,
           row: int | None = None) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        if typ == V:
            return str(value).strip()
        if typ == INT:
            if isinstance(value, bool):
                raise ValueError(value)
            f = float(value)
            if f != int(f):
                raise ValueError(value)
            return int(f)
        if typ in (D, M):
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if typ == B:
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in ("true", "1", "yes", "y", "是", "t"):
                return True
            if s in ("false", "0", "no", "n", "否", "f"):
                return False
            raise ValueError(value)
        if typ == DT:
            if isinstance(value, _dt.datetime):
                return value.date()
            if isinstance(value, _dt.date):
                return value
            return _dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}列「{column}」的值「{value}」不是有效的{_TYPE_ZH[typ]}",
                          f"bad {typ} value {value!r} in column {column}",
                          file=file, row=row, column=column) from exc
    raise AssertionError(typ)  # pragma: no cover


_TYPE_ZH = {V: "文本", INT: "整数", D: "数值", M: "金额", DT: "日期（YYYY-MM-DD）", B: "是/否"}


@lru_cache(maxsize=1)
def _builtin() -> dict[str, tuple[dict, ...]]:
    out: dict[str, tuple[dict, ...]] = {}
    for spec in TABLES.values():
        path = DATA_DIR / spec.file
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = set(spec.columns) - set(reader.fieldnames or []) - {"lodging_city"}
            if missing:  # pragma: no cover - guarded by tests
                raise RuntimeError(f"{path}: missing columns {sorted(missing)}")
            rows = []
            for i, raw in enumerate(reader, start=2):
                rows.append({c: _parse(raw.get(c), t, column=c, file=str(path), row=i)
                             for c, t in spec.columns.items()} | {"origin": "builtin"})
        out[spec.name] = tuple(rows)
    return out


@lru_cache(maxsize=1)
def _file_hashes() -> dict[str, str]:
    return {s.name: hashlib.sha256((DATA_DIR / s.file).read_bytes()).hexdigest()
            for s in TABLES.values()}


# --------------------------------------------------------------------------- config
CONFIG_KEYS = {"params", "tables", "description"}
TABLE_CONFIG_KEYS = {"rows", "remove"}
PARAM_KEYS = {"value", "unit_of_measure", "citation", "verified", "source_url", "note"}


def _table_name(name: str, *, file: str | None) -> str:
    if name in TABLES:
        return name
    if name in ALIASES:
        return ALIASES[name]
    if f"std_{name}" in TABLES:
        return f"std_{name}"
    raise ConfigError(f"未知的标准表「{name}」；可用：{', '.join(TABLES)}",
                      f"unknown standards table {name!r}", file=file)


def validate_config(config: dict | None, *, file: str | None = None) -> dict:
    """Check a standards config (the ``standards`` section) and return it typed.

    Shape::

        params: {travel.meal_daily: 100, hospitality.per_head_cap_default: {value: 120, citation: ...}}
        tables:
          std_lodging_caps:
            rows: [{region: 湖南, city: 长沙, tier: 其他, cap: 300, effective_from: 2020-01-01, ...}]
            remove: [{list: sensitive, word: 月饼}]
    """
    if config is None:
        return {"params": {}, "tables": {}, "_validated": True}
    if isinstance(config, dict) and config.get("_validated") is True:
        return config
    if not isinstance(config, dict):
        raise ConfigError("标准配置必须是 YAML 映射（键: 值）", "standards config must be a mapping",
                          file=file)
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"标准配置中有未知的键：{', '.join(sorted(map(str, unknown)))}；"
                          f"允许：{', '.join(sorted(CONFIG_KEYS))}",
                          f"unknown keys {sorted(map(str, unknown))}", file=file)
    out: dict = {"params": {}, "tables": {}, "_validated": True}
    params = config.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError("params 必须是映射", "params must be a mapping", file=file)
    spec = TABLES["std_params"]
    for key, val in params.items():
        where = f"参数「{key}」"
        entry = val if isinstance(val, dict) else {"value": val}
        bad = set(entry) - PARAM_KEYS
        if bad:
            raise ConfigError(f"{where}有未知的键：{', '.join(sorted(bad))}",
                              f"unknown keys {sorted(bad)} in param {key}", file=file, column=str(key))
        row = {c: _parse(entry.get(c), spec.columns[c], where=where, column=c, file=file)
               for c in spec.columns if c != "key"}
        if row["value"] is None:
            raise ConfigError(f"{where}缺少数值 value", f"param {key} has no value", file=file)
        row["key"] = str(key)
        out["params"][str(key)] = row
    tables = config.get("tables") or {}
    if not isinstance(tables, dict):
        raise ConfigError("tables 必须是映射", "tables must be a mapping", file=file)
    for tname, body in tables.items():
        name = _table_name(str(tname), file=file)
        spec = TABLES[name]
        if isinstance(body, list):
            body = {"rows": body}
        if not isinstance(body, dict):
            raise ConfigError(f"表「{tname}」的配置必须是映射（rows / remove）",
                              f"table {tname} config must be a mapping", file=file)
        bad = set(body) - TABLE_CONFIG_KEYS
        if bad:
            raise ConfigError(f"表「{tname}」的配置有未知的键：{', '.join(sorted(map(str, bad)))}；"
                              f"允许 rows、remove", f"unknown keys {sorted(map(str, bad))}", file=file)
        rows, removes = [], []
        for i, raw in enumerate(body.get("rows") or [], start=1):
            rows.append(_config_row(spec, raw, i, file, full=True))
        for i, raw in enumerate(body.get("remove") or [], start=1):
            removes.append(_config_row(spec, raw, i, file, full=False))
        if name == "std_lodging_caps":
            _check_lodging_years(rows, file)
        out["tables"][name] = {"rows": rows, "remove": removes}
    return out


def _valid_md(md: int) -> bool:
    m, d = divmod(md, 100)
    days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= m <= 12 and 1 <= d <= days[m - 1]


def _check_lodging_years(rows: list[dict], file: str | None) -> None:
    """Config lodging rows of one (region, city, tier, period) must cover the year exactly once."""
    groups: dict[tuple, list[tuple[int, int]]] = {}
    for r in rows:
        k = (r["region"], r["city"], r["tier"], r["effective_from"], r.get("effective_to"))
        groups.setdefault(k, []).append((r["start_md"], r["end_md"]))
    for k, spans in groups.items():
        spans.sort()
        expect = {101}
        for a, b in spans:
            if a not in expect:
                at = min(expect)
                raise ConfigError(
                    f"住宿标准配置（{k[0]} {k[1]} {k[2]}，{k[3]} 起）的月日区间没有不重叠地覆盖全年："
                    f"在 {at // 100} 月 {at % 100} 日处断开或重叠；请同时给出旺季与淡季行",
                    f"lodging rows for {k[:3]} must cover the whole year once", file=file,
                    column="start_md")
            nxt = b + 1 if _valid_md(b + 1) else (b // 100 + 1) * 100 + 1
            expect = {nxt, 301} if b == 228 else {nxt}   # 2 月可写到 28 日或 29 日
        expect = min(expect)
        if expect != 1301:
            raise ConfigError(
                f"住宿标准配置（{k[0]} {k[1]} {k[2]}，{k[3]} 起）没有覆盖到 12 月 31 日",
                f"lodging rows for {k[:3]} must reach 1231", file=file, column="end_md")


def _config_row(spec: TableSpec, raw: Any, i: int, file: str | None, *, full: bool) -> dict:
    where = f"表「{spec.name}」第 {i} 条{'' if full else '删除条件'}："
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}必须是映射", f"{spec.name} entry {i} must be a mapping", file=file)
    allowed = set(spec.columns) if full else set(spec.key)
    bad = set(raw) - allowed
    if bad:
        raise ConfigError(f"{where}未知的列：{', '.join(sorted(map(str, bad)))}；允许：{', '.join(sorted(allowed))}",
                          f"unknown columns {sorted(map(str, bad))} in {spec.name}", file=file,
                          column=str(sorted(map(str, bad))[0]))
    row = {c: _parse(raw.get(c), spec.columns[c], where=where, column=c, file=file)
           for c in (spec.columns if full else spec.key) if c in raw or full}
    need = spec.values if full else spec.key
    missing = [c for c in need if row.get(c) is None]
    if missing:
        raise ConfigError(f"{where}缺少必填列：{', '.join(missing)}",
                          f"missing columns {missing} in {spec.name}", file=file, column=missing[0])
    if full:
        if spec.dated and row.get("effective_from") is None:
            row["effective_from"] = OPEN_START
        if "verified" in spec.columns and row.get("verified") is None:
            row["verified"] = False
        if "citation" in spec.columns and row.get("citation") is None:
            row["citation"] = "用户配置"
        if spec.dated and row.get("effective_to") is not None \
                and row["effective_to"] < row["effective_from"]:
            raise ConfigError(f"{where}失效日早于生效日", f"effective_to before effective_from in {spec.name}",
                              file=file, column="effective_to")
        if spec.name == "std_lodging_caps":
            if row.get("start_md") is None:
                row["start_md"] = 101
            if row.get("end_md") is None:
                row["end_md"] = 1231
            if row.get("season") is None:
                row["season"] = "全年"
            for c in ("start_md", "end_md"):
                if not _valid_md(row[c]):
                    raise ConfigError(f"{where}{c} 应为月*100+日（如 701 表示 7 月 1 日），不是「{row[c]}」",
                                      f"bad month-day {row[c]!r}", file=file, column=c)
            if row["start_md"] > row["end_md"]:
                raise ConfigError(f"{where}start_md 大于 end_md；跨年的季节请拆成两行",
                                  "start_md > end_md: split a season over new year", file=file,
                                  column="start_md")
        for c, w in spec.wildcards.items():
            if row.get(c) is None and c not in spec.values:
                row[c] = w
        row["origin"] = f"config:{Path(file).name}" if file else "config"
    return row


def parse_overrides(section: dict | None, *, source: str | Path | None = None) -> dict:
    """Validate the ``standards:`` section of a run config (``source`` = its file, for errors)."""
    return validate_config(section, file=str(source) if source else None)


def load_overrides(path: str | Path) -> dict:
    """Read a user YAML file of standards overrides and return it validated.

    The file is either the standards section itself (keys ``params``/``tables``) or a run
    config with a ``standards:`` key (its other sections belong to other parts).
    """
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError("找不到标准配置文件", "config file not found", file=str(p)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"配置文件不是有效的 YAML：{exc}", "invalid YAML", file=str(p)) from exc
    except ValueError as exc:  # e.g. 2020-13-01 read as a YAML date
        raise ConfigError(f"配置文件中有无效的值（日期应为 YYYY-MM-DD）：{exc}", f"invalid value: {exc}",
                          file=str(p)) from exc
    if isinstance(doc, dict) and "standards" in doc:
        doc = doc["standards"] or {}
    return validate_config(doc, file=str(p))


# --------------------------------------------------------------------------- applying config
def _clip(row: dict, start: _dt.date, end: _dt.date | None) -> list[dict]:
    """``row`` minus the period [start, end] (end None = open)."""
    rf = row.get("effective_from") or OPEN_START
    rt = row.get("effective_to")
    if (end is not None and rf > end) or (rt is not None and rt < start):
        return [row]
    out = []
    if rf < start:
        out.append(row | {"effective_to": start - _dt.timedelta(days=1)})
    if end is not None and (rt is None or rt > end):
        out.append(row | {"effective_from": end + _dt.timedelta(days=1)})
    return out


def _apply(base: dict[str, tuple[dict, ...]], cfg: dict) -> dict[str, list[dict]]:
    tables = {k: list(v) for k, v in base.items()}
    if cfg["params"]:
        keep = [r for r in tables["std_params"] if r["key"] not in cfg["params"]]
        old = {r["key"]: r for r in tables["std_params"]}
        for key, row in cfg["params"].items():
            merged = dict(old.get(key, {}))
            merged.update({k: v for k, v in row.items() if v is not None})
            merged.setdefault("citation", "用户配置")
            merged["verified"] = bool(row.get("verified"))
            merged["origin"] = "config"
            merged = {c: merged.get(c) for c in TABLES["std_params"].all_columns}
            keep.append(merged)
        tables["std_params"] = keep
    for name, body in cfg["tables"].items():
        spec = TABLES[name]
        rows = tables[name]
        for rem in body["remove"]:
            rows = [r for r in rows if any(r.get(c) != v for c, v in rem.items())]
        for new in body["rows"]:
            k = tuple(new.get(c) for c in spec.key)
            if spec.dated:
                nxt = []
                for r in rows:
                    if r["origin"] == "builtin" and tuple(r.get(c) for c in spec.key) == k:
                        nxt.extend(_clip(r, new["effective_from"], new.get("effective_to")))
                    else:
                        nxt.append(r)
                rows = nxt
            else:
                rows = [r for r in rows
                        if r["origin"] != "builtin" or tuple(r.get(c) for c in spec.key) != k]
        rows.extend({c: new.get(c) for c in spec.all_columns} for new in body["rows"])
        tables[name] = rows
    _derive_places(tables)
    return tables


def _derive_places(tables: dict[str, list[dict]]) -> None:
    """Fill std_places.lodging_city: the lodging-table row a place falls under."""
    lodging = {(r["region"], r["city"]) for r in tables["std_lodging_caps"]}
    member = {}
    for (region, city), names in LODGING_GROUPS.items():
        for n in names:
            member[(region, n)] = city
    aliases: dict[tuple, list[str]] = {}
    for r in tables["std_places"]:
        aliases.setdefault((r.get("full_name"), r["city"], r["region"]), []).append(r["name"])
    out = []
    for r in tables["std_places"]:
        region = r["region"]
        names = [r["name"], r.get("full_name"),
                 *aliases.get((r.get("full_name"), r["city"], region), [])]
        cand = [*names, *(member.get((region, n)) for n in names), r["city"]]
        if r.get("kind") == "region":
            cand = []
        lc = next((c for c in cand if c and (region, c) in lodging), "其他")
        out.append(r | {"lodging_city": lc})
    tables["std_places"] = out


# --------------------------------------------------------------------------- install
def _arrow(spec: TableSpec, rows: list[dict]) -> pa.Table:
    arrays = {}
    for c, t in spec.all_columns.items():
        vals = [r.get(c) for r in rows]
        if t == V:
            arrays[c] = pa.array(vals, pa.string())
        elif t == INT:
            arrays[c] = pa.array(vals, pa.int64())
        elif t == D:
            arrays[c] = pa.array(vals, pa.float64())
        elif t == M:
            arrays[c] = pa.array([None if v is None else Decimal(str(round(v, 2))) for v in vals],
                                 pa.decimal128(18, 2))
        elif t == B:
            arrays[c] = pa.array(vals, pa.bool_())
        elif t == DT:
            arrays[c] = pa.array(vals, pa.date32())
    return pa.table(arrays)


@lru_cache(maxsize=16)
def _materialize(cfg_json: str) -> tuple[dict[str, tuple[dict, ...]], dict[str, pa.Table], str]:
    cfg = _cfg_from_json(cfg_json)
    tables = _apply(_builtin(), cfg)
    arrows = {name: _arrow(TABLES[name], rows) for name, rows in tables.items()}
    digest = hashlib.sha256(DATA_VERSION.encode())
    for name, h in sorted(_file_hashes().items()):
        digest.update(f"{name}:{h};".encode())
    digest.update(cfg_json.encode())
    return ({k: tuple(v) for k, v in tables.items()}, arrows, digest.hexdigest())


def _cfg_json(cfg: dict) -> str:
    return json.dumps(cfg, default=lambda o: {"__date__": o.isoformat()}, sort_keys=True,
                      ensure_ascii=False)


def _cfg_from_json(s: str) -> dict:
    def hook(o):
        if set(o) == {"__date__"}:
            return _dt.date.fromisoformat(o["__date__"])
        return o
    return json.loads(s, object_hook=hook)


def _prepare(config: dict | None) -> tuple[dict[str, tuple[dict, ...]], dict[str, pa.Table], str]:
    return _materialize(_cfg_json(validate_config(config)))


def install(con, config: dict | None = None, *,
            calendar_range: tuple[_dt.date, _dt.date] = (_dt.date(2004, 1, 1),
                                                         _dt.date(2026, 12, 31))) -> None:
    """Create or replace every ``std_*`` table (and ``std_calendar``) in ``con``.

    ``config`` is the standards section of a user config (see ``load_overrides``), raw or
    already validated; unknown keys raise ``ConfigError``.
    """
    be = of(con)
    from xuncha_audit.standards.calendar import build_calendar

    _, arrows, _ = _prepare(config)
    for name, table in arrows.items():
        spec = TABLES[name]
        view = f"_xa_{name}_src"
        cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in spec.all_columns.items())
        with be.registered(view, table):
            be.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT {cols} FROM "{view}"')
    # Derived once for every keyword check: the word's exclusion phrases as one literal,
    # upper-case regex alternation (\Q...\E quotes them; the longest first, so where two start at
    # the same place the longer is removed), NULL when it has none; and the same phrases as a list
    # ([] when none). A check removes the phrases from the text before looking for the word (酒店
    # is not 酒): with the list it sees which of them the text holds, and needs the alternation
    # (a pattern per word, compiled per row) only when two or more are there.
    be.execute(
        r"""CREATE OR REPLACE TABLE std_keywords AS
        SELECT * EXCLUDE (phrases),
               nullif(array_to_string(list_transform(phrases, lambda x: '\Q' || x || '\E'), '|'), '')
                   AS exclusion_pattern,
               phrases AS exclusion_phrases
        FROM (SELECT k.*, coalesce((SELECT list(p ORDER BY length(p) DESC, p)
                                    FROM (SELECT DISTINCT upper(trim(unnest(string_split(k.exclusions, ',')))) AS p)
                                    WHERE p <> ''), []) AS phrases
              FROM std_keywords k)"""
    )
    if calendar_range is not None:
        build_calendar(con, *calendar_range, warn="once")


# --------------------------------------------------------------------------- queries
def rows(table: str, config: dict | None = None) -> tuple[dict, ...]:
    """All rows of a standards table (after config), as dicts."""
    name = _table_name(table, file=None)
    return _prepare(config)[0][name]


def _in_force(r: dict, on: _dt.date) -> bool:
    f = r.get("effective_from") or OPEN_START
    t = r.get("effective_to")
    return f <= on and (t is None or on <= t)


def resolve_place(text: str, config: dict | None = None) -> dict | None:
    """The std_places row whose name is the longest found in ``text`` (unambiguous first)."""
    if not text:
        return None
    best = None
    for r in rows("std_places", config):
        n = r["name"]
        if n and n in text:
            score = (len(n), not r["ambiguous"], r["kind"] in ("city", "county", "district", "area"))
            if best is None or score > best[0]:
                best = (score, r)
    return best[1] if best else None


def lookup(table: str, on: _dt.date, *, config: dict | None = None, **filters: Any) -> list[dict]:
    """Rows of ``table`` in force on ``on`` that match ``filters``, most specific first.

    Columns with a fallback value (``region`` -> ``*``, lodging ``city`` -> ``其他``,
    procurement ``scope``/``region``/``level`` -> ``*``) also match that fallback; rows
    matching more filters exactly come first. For ``std_lodging_caps`` the season row of
    ``on``'s month-day is chosen, and ``place=`` (any place name or text) resolves the
    region and city through ``std_places``.
    """
    alias = table
    name = _table_name(table, file=None)
    spec = TABLES[name]
    filters = {**_ALIAS_FILTERS.get(alias, {}), **filters}
    if isinstance(on, _dt.datetime):
        on = on.date()
    place = filters.pop("place", None)
    if place is not None and name == "std_lodging_caps":
        p = resolve_place(place, config)
        if p is None:
            return []
        filters.setdefault("region", p["region"])
        filters.setdefault("city", p["lodging_city"])
    unknown = set(filters) - set(spec.columns)
    if unknown:
        raise ConfigError(f"表「{name}」没有列：{', '.join(sorted(unknown))}",
                          f"unknown filter columns {sorted(unknown)} for {name}")
    md = on.month * 100 + on.day
    priority = [c for c in spec.wildcards if filters.get(c) is not None]
    scored = []
    for r in rows(name, config):
        if spec.dated and not _in_force(r, on):
            continue
        if name == "std_lodging_caps" and not (r["start_md"] <= md <= r["end_md"]):
            continue
        ok = True
        for c, v in filters.items():
            if v is None or r.get(c) == v:
                continue
            if c in spec.wildcards and r.get(c) == spec.wildcards[c]:
                continue
            ok = False
            break
        if ok:
            # specificity: exact matches on the fallback columns, in priority order
            score = tuple(r.get(c) == filters[c] for c in priority)
            scored.append((score, r["origin"] != "builtin", r))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    if not scored:
        return []
    if spec.wildcards:
        top = scored[0][0]
        scored = [s for s in scored if s[0] == top]
    return [s[2] for s in scored]


def cap(table: str, on: _dt.date, *, config: dict | None = None, **filters: Any) -> float | None:
    """The single value in force (cap, rate, threshold, area...) for ``filters`` on ``on``.

    ``table`` may be a std table name or an alias: lodging, meal, local_transport, meeting,
    training, hospitality, office_area, vehicle, procurement. None when nothing applies.
    """
    name = _table_name(table, file=None)
    found = lookup(table, on, config=config, **filters)
    if not found:
        return None
    return found[0][VALUE_COLUMN[name]]


def get_param(key: str, config: dict | None = None) -> float:
    """The value of one ``std_params`` key (after config overrides)."""
    for r in rows("std_params", config):
        if r["key"] == key:
            return r["value"]
    raise ConfigError(f"未知的标准参数「{key}」", f"unknown standards parameter {key!r}")


def snapshot(config: dict | None = None) -> dict:
    """Versions and hashes of the standards in use, for the run manifest."""
    cfg = validate_config(config)
    tables, _, digest = _materialize(_cfg_json(cfg))
    files = dict(_file_hashes())
    overridden = sorted(set(cfg["tables"]) | ({"std_params"} if cfg["params"] else set()))
    return {
        "data_version": DATA_VERSION,
        "sha256": digest,
        "overridden_tables": overridden,
        "tables": {
            name: {
                "file": TABLES[name].file,
                "file_sha256": files[name],
                "rows": len(rs),
                "unverified_rows": sum(1 for r in rs if r.get("verified") is False),
                "config_rows": sum(1 for r in rs if r.get("origin") != "builtin"),
            }
            for name, rs in tables.items()
        },
    }


def table_names() -> list[str]:
    return [*TABLES, "std_calendar"]


__all__ = ["TABLES", "ConfigError", "cap", "get_param", "install", "load_overrides", "lookup",
           "parse_overrides",
           "resolve_place", "rows", "snapshot", "table_names", "validate_config"]
