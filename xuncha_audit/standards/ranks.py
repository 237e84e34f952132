"""Rank normalisation onto one ladder (see docs/standards.md, "职级映射").

``normalize_rank(raw, level)`` maps what an HR or reimbursement export says about a person
(old titles, 2019 职务职级 titles, explicit rank words, leadership posts relative to the
unit's government level) to one of ``LADDER``; ``None`` when it cannot tell.

When a text names several things (``局长、一级调研员``), the highest rank found wins: the
ladder feeds entitlement checks (travel class, office area), where the higher reading is
the lenient one and gives no false flags.
"""

from __future__ import annotations

import re
import unicodedata

from xuncha_audit.errors import ConfigError

LADDER = ["正部级", "副部级", "正厅级", "副厅级", "正处级", "副处级", "正科级", "副科级", "科员及以下"]
ORDINAL = {r: i for i, r in enumerate(LADDER, start=1)}
TRAVEL_TIER = {"正部级": "部级", "副部级": "部级", "正厅级": "司局级", "副厅级": "司局级"}
LEVELS = ["中央", "省级", "市级", "县级", "乡级"]

_LEVEL_ALIASES = {
    "中央": "中央", "中央级": "中央", "中央国家机关": "中央", "国家级": "中央",
    "省级": "省级", "省": "省级", "省本级": "省级", "自治区": "省级", "省直": "省级",
    "市级": "市级", "市": "市级", "地市级": "市级", "地级": "市级", "市本级": "市级",
    "市直": "市级", "州级": "市级", "地区级": "市级",
    "县级": "县级", "县": "县级", "区县": "县级", "县区": "县级", "县本级": "县级",
    "县直": "县级", "区级": "县级",
    "乡级": "乡级", "乡": "乡级", "镇": "乡级", "乡镇": "乡级", "乡镇级": "乡级", "街道": "乡级",
}

# Explicit rank words (level-independent).
_EXPLICIT = {
    "正部级": "正部级", "部级正职": "正部级", "省部级正职": "正部级", "正省级": "正部级",
    "副部级": "副部级", "部级副职": "副部级", "省部级副职": "副部级", "副省级": "副部级",
    "正厅级": "正厅级", "正厅局级": "正厅级", "厅局级正职": "正厅级", "正局级": "正厅级",
    "正司级": "正厅级", "司局级正职": "正厅级", "正地级": "正厅级", "地厅级正职": "正厅级",
    "副厅级": "副厅级", "副厅局级": "副厅级", "厅局级副职": "副厅级", "副局级": "副厅级",
    "副司级": "副厅级", "司局级副职": "副厅级", "副地级": "副厅级", "地厅级副职": "副厅级",
    "正处级": "正处级", "正县处级": "正处级", "县处级正职": "正处级", "正县级": "正处级",
    "处级正职": "正处级",
    "副处级": "副处级", "副县处级": "副处级", "县处级副职": "副处级", "副县级": "副处级",
    "处级副职": "副处级", "正处长": "正处级", "正科长": "正科级",
    "正科级": "正科级", "乡科级正职": "正科级", "正乡级": "正科级", "科级正职": "正科级",
    "正乡科级": "正科级",
    "副科级": "副科级", "乡科级副职": "副科级", "副乡级": "副科级", "科级副职": "副科级",
    "副乡科级": "副科级",
    "科员及以下": "科员及以下", "科员级": "科员及以下", "办事员级": "科员及以下",
    "股级": "科员及以下", "副股级": "科员及以下",
}

# 2019 职务职级并行 titles and the old non-leading titles (level-independent).
_GRADES = {
    "一级巡视员": "正厅级", "二级巡视员": "副厅级",
    "一级调研员": "正处级", "二级调研员": "正处级", "三级调研员": "副处级", "四级调研员": "副处级",
    "一级主任科员": "正科级", "二级主任科员": "正科级",
    "三级主任科员": "副科级", "四级主任科员": "副科级",
    "一级科员": "科员及以下", "二级科员": "科员及以下",
    "巡视员": "正厅级", "副巡视员": "副厅级", "调研员": "正处级", "副调研员": "副处级",
    "主任科员": "正科级", "副主任科员": "副科级", "科员": "科员及以下", "办事员": "科员及以下",
    "试用期人员": "科员及以下", "试用期": "科员及以下", "工勤人员": "科员及以下",
    "工勤": "科员及以下", "临聘": "科员及以下", "编外": "科员及以下",
}

# Territorial leaders (the level is in the title).
_TERRITORIAL = {
    "省长": "正部级", "副省长": "副部级", "省委书记": "正部级", "省委副书记": "副部级",
    "自治区主席": "正部级", "自治区副主席": "副部级",
    "州长": "正厅级", "副州长": "副厅级", "州委书记": "正厅级", "州委副书记": "副厅级",
    "县长": "正处级", "副县长": "副处级", "县委书记": "正处级", "县委副书记": "副处级",
    "区长": "正处级", "副区长": "副处级", "区委书记": "正处级", "区委副书记": "副处级",
    "旗长": "正处级", "副旗长": "副处级",
    "乡长": "正科级", "副乡长": "副科级", "镇长": "正科级", "副镇长": "副科级",
    "乡党委书记": "正科级", "镇党委书记": "正科级", "乡党委副书记": "副科级",
    "镇党委副书记": "副科级", "街道办事处主任": "正科级", "街道办主任": "正科级",
    "街道党工委书记": "正科级", "街道办事处副主任": "副科级", "街道办副主任": "副科级",
}
# 市长 depends on the city: 地级市 -> 正厅, 县级市 (unit level 县级/乡级) -> 正处.
_CITY_LEADERS = {"市长": 0, "市委书记": 0, "副市长": 1, "市委副书记": 1}

# Relative posts: category -> (正, 副) per unit level.
_REL = {
    "中央": {"head": ("正部级", "副部级"), "bureau": ("正厅级", "副厅级"),
             "division": ("正处级", "副处级"), "internal": ("正厅级", "副厅级"),
             "section": ("正科级", "副科级"), "group": ("科员及以下", "科员及以下")},
    "省级": {"head": ("正厅级", "副厅级"), "bureau": None,
             "division": ("正处级", "副处级"), "internal": ("正处级", "副处级"),
             "section": ("正科级", "副科级"), "group": ("科员及以下", "科员及以下")},
    "市级": {"head": ("正处级", "副处级"), "bureau": None, "division": ("正处级", "副处级"),
             "internal": ("正科级", "副科级"), "section": ("正科级", "副科级"),
             "group": ("科员及以下", "科员及以下")},
    "县级": {"head": ("正科级", "副科级"), "bureau": None, "division": ("正处级", "副处级"),
             "internal": ("科员及以下", "科员及以下"), "section": ("科员及以下", "科员及以下"),
             "group": ("科员及以下", "科员及以下")},
    "乡级": {"head": ("正科级", "副科级"), "bureau": None, "division": ("正处级", "副处级"),
             "internal": ("科员及以下", "科员及以下"), "section": ("科员及以下", "科员及以下"),
             "group": ("科员及以下", "科员及以下")},
}
# title -> category; deputies are the same titles with 副 in front.
_POSTS = {
    "部长": "head", "厅长": "head", "局长": "head", "署长": "head", "委员会主任": "head",
    "主任": "head", "党组书记": "head", "党委书记": "head", "党工委书记": "head",
    "书记": "head", "院长": "head", "主席": "head", "校长": "head", "行长": "head",
    "会长": "head", "社长": "head", "馆长": "head", "主委": "head", "秘书长": "head",
    "司长": "bureau", "处长": "division",
    "办公室主任": "internal", "办公厅主任": "internal", "室主任": "internal",
    "所长": "internal", "站长": "internal", "队长": "internal", "中心主任": "internal",
    "科长": "section", "股长": "group", "组长": "group",
}
_DEPUTY_ONLY = {"党组成员": "head", "党委委员": "head", "纪检组长": "head", "纪委书记": "head",
                "纪检监察组组长": "head"}

_DIGITS = str.maketrans({"1": "一", "2": "二", "3": "三", "4": "四"})
_SPLIT = re.compile(r"[、，,；;/／\s（）()\[\]【】兼及和]+")


def normalize_level(level: str | None) -> str | None:
    if level is None:
        return None
    s = unicodedata.normalize("NFKC", str(level)).strip()
    return _LEVEL_ALIASES.get(s, s if s in LEVELS else None)


def _clean(raw: str) -> str:
    s = unicodedata.normalize("NFKC", str(raw))
    s = re.sub(r"\s+", "", s)
    s = s.replace("（", "(").replace("）", ")")
    return s.translate(_DIGITS)


def _longest_hits(text: str, table: dict[str, str]) -> list[str]:
    """Values of the patterns found in ``text``, longest pattern first, without overlaps."""
    hits: list[str] = []
    taken = [False] * len(text)
    for pat in sorted(table, key=len, reverse=True):
        start = 0
        while (i := text.find(pat, start)) >= 0:
            if not any(taken[i:i + len(pat)]):
                hits.append(table[pat])
                for k in range(i, i + len(pat)):
                    taken[k] = True
            start = i + 1
    return hits


def _relative(part: str, level: str | None) -> list[str]:
    if level not in _REL:
        return []
    for title, cat in _DEPUTY_ONLY.items():
        if part.endswith(title):
            pair = _REL[level].get(cat)
            return [pair[1]] if pair else []
    for title, cat in sorted(_POSTS.items(), key=lambda kv: len(kv[0]), reverse=True):
        if not part.endswith(title):
            continue
        head = part[: -len(title)]
        deputy = "副" in head[-3:]
        if title == "书记" and ("支部" in head or "总支" in head):
            return []
        if level == "中央" and title == "局长":  # a ministry's 局 is 司局级
            cat = "bureau"
        pair = _REL[level].get(cat)
        if not pair:
            return []
        return [pair[1] if deputy else pair[0]]
    return []


def normalize_rank(raw: str | None, level: str | None = "市级",
                   mapping: dict[str, str] | None = None) -> str | None:
    """Map a raw rank or post title to the ladder (正部级 ... 科员及以下), or None.

    ``level`` is the government level of the person's unit (中央/省级/市级/县级/乡级);
    it decides what 局长/副局长/主任/书记/处长/科长 mean. ``mapping`` (raw text ->
    ladder rank) is the user's own table and wins over everything else.
    """
    if raw is None:
        return None
    text = _clean(raw)
    if not text or text.lower() in ("nan", "none", "null", "-", "无"):
        return None
    if mapping:
        for key, val in mapping.items():
            if _clean(key) == text:
                if val not in ORDINAL:
                    raise ConfigError(f"职级映射「{key}」的目标「{val}」不在职级序列中：{'、'.join(LADDER)}",
                                      f"rank mapping target {val!r} is not on the ladder",
                                      column=str(key))
                return val
    lvl = normalize_level(level)
    found = _longest_hits(text, _EXPLICIT)
    found += _longest_hits(text, _GRADES)
    found += _longest_hits(text, _TERRITORIAL)
    for part in _SPLIT.split(text):
        if not part:
            continue
        city = next((t for t in sorted(_CITY_LEADERS, key=len, reverse=True) if part.endswith(t)
                     and not part.endswith("县" + t)), None)
        if city is not None and not any(part.endswith(t) for t in _TERRITORIAL):
            deputy = _CITY_LEADERS[city]
            small = lvl in ("县级", "乡级")
            found.append((("正处级", "副处级") if small else ("正厅级", "副厅级"))[deputy])
            continue
        if any(part.endswith(t) for t in _TERRITORIAL):
            continue
        if _longest_hits(part, _GRADES) or _longest_hits(part, _EXPLICIT):
            continue
        found += _relative(part, lvl)
    if not found:
        return None
    return min(found, key=ORDINAL.__getitem__)


def travel_tier(rank_norm: str | None) -> str | None:
    """部级 / 司局级 / 其他 for a ladder rank (None stays None)."""
    if rank_norm is None:
        return None
    return TRAVEL_TIER.get(rank_norm, "其他")
