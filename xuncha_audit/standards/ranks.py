"""Rank normalisation onto one ladder (see docs/standards.md, "职级映射").

``normalize_rank(raw, level)`` maps what an HR or reimbursement export says about a person
(old titles, 2019 职务职级 titles, explicit rank words, leadership posts relative to the
unit's government level) to one of ``LADDER``; ``None`` when it cannot tell.

When a text names several things (``局长、一级调研员``), the highest rank found wins: the
ladder feeds entitlement checks (travel class, office area), where the higher reading is
the lenient one and gives no false flags.

How people actually write ranks (rosters, HR exports, reimbursement forms), all recognised:

* full forms 正处级/副县级/县处级正职/乡科级副职/正局级, with decorations 正处级干部,
  正处级领导职务, 享受正处级待遇, 正处级（主持工作）;
* short forms as a whole entry 正处/副处/正科/副科/正厅/副厅/正部/副部/正县/副县/正乡/副乡
  (only as a whole entry, with or without 干部/领导/待遇: inside a longer text 副部 may be
  part of 宣传部副部长, which at a 市级 unit is 副处级);
* rank groups without 正/副 — 处级, 科级, 厅级, 局级, 部级, 县处级, 乡科级, 厅局级, 司局级,
  省部级 (处级干部, 科级干部) — map to the 正 rank of the group. Both readings are possible;
  the higher one is the lenient one for entitlement checks, so no false flag follows from it.
  A user mapping can say otherwise;
* the 2019 职级 titles (一级巡视员 … 四级主任科员, 一级/二级科员) and the old non-leading titles;
* posts relative to the unit's level (局长 of a 市级 unit = 正处级; 处长; 科长; 主任 where
  the unit or the department says which 主任 it is, see ``normalize_rank``);
* full-width characters, full-width digits (４级主任科员), spaces anywhere (正　处).
"""

from __future__ import annotations

import functools
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

# Short forms and rank groups, recognised only as a whole entry (after the decorations
# below are removed): inside a longer text 副部 may be part of 宣传部副部长.
_SHORT = {
    "正部": "正部级", "副部": "副部级", "正省": "正部级", "副省": "副部级",
    "正厅": "正厅级", "副厅": "副厅级",
    "正司": "正厅级", "副司": "副厅级", "正地": "正厅级", "副地": "副厅级",
    "正处": "正处级", "副处": "副处级", "正县": "正处级", "副县": "副处级",
    "正科": "正科级", "副科": "副科级", "正乡": "正科级", "副乡": "副科级",
    "正股": "科员及以下", "副股": "科员及以下", "股级": "科员及以下",
    # rank groups without 正/副: the 正 rank (the higher, lenient reading; see the module doc)
    "部级": "正部级", "省部级": "正部级", "厅级": "正厅级", "局级": "正厅级", "厅局级": "正厅级",
    "司局级": "正厅级", "地厅级": "正厅级", "处级": "正处级", "县处级": "正处级",
    "科级": "正科级", "乡科级": "正科级",
}
# Decorations around a rank word: 正处级干部, 享受正处级待遇, 正处（主持工作）.
_DECOR_TAIL = re.compile(r"(?:实职|领导干部|干部|领导职务|非领导职务|领导|职务|职级|待遇|级别|人员|"
                         r"主持工作|兼职|挂职|试用期)+$")
_DECOR_HEAD = re.compile(r"^(?:享受|相当于|相当|按|原)+")

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


# A unit (or a department) whose own head is called 主任: 委员会, 办公室, 中心 ...
_HEAD_IS_ZHUREN = re.compile(r"(委员会|委|办公室|办公厅|办|中心|站|所)$")
# Department values that mean the unit's leadership, not an internal office.
_LEADERSHIP_DEPT = re.compile(r"(领导|班子|党组|党委|局长|主任)$")


def _bare_post(part: str) -> str | None:
    """'主任' or '副主任' (with 常务/第一 etc.) when the part is a bare 主任 title."""
    m = re.fullmatch(r"(常务|第一|专职|执行)?(副)?主任", part)
    return None if m is None else ("副主任" if m.group(2) else "主任")


def _zhuren(deputy: bool, level: str | None, department: str | None,
            unit_head: bool | None) -> list[str]:
    """A bare 主任/副主任: the unit's head where the department or the unit says so, the head of
    an internal office where the department names one, and unknown otherwise. ``unit_head``:
    whether the unit's name says its head is a 主任 (委员会/办公室/中心), None with no unit."""
    if level not in _REL:
        return []
    dept = _clean(department) if department else ""
    if dept and not _LEADERSHIP_DEPT.search(dept):
        cat = "section" if dept.endswith(("科", "股")) else "internal"
        if dept.endswith("股"):
            cat = "group"
    elif dept or unit_head is None or unit_head:
        cat = "head"       # leadership department, a 委/办/中心 unit, or no unit to say otherwise
    else:
        return []          # a 局 whose 主任 may head any internal office: cannot tell
    pair = _REL[level].get(cat)
    return [pair[1] if deputy else pair[0]] if pair else []


def _short_form(part: str) -> str | None:
    core = _DECOR_HEAD.sub("", _DECOR_TAIL.sub("", part))
    if core.endswith("长级"):          # 副处长级, 正科长级
        core = core[:-2]
    if core in _SHORT:
        return _SHORT[core]
    if core.endswith("级") and core[:-1] in _SHORT:
        return _SHORT[core[:-1]]
    return None


def normalize_rank(raw: str | None, level: str | None = "市级",
                   mapping: dict[str, str] | None = None, *, position: str | None = None,
                   department: str | None = None, unit: str | None = None) -> str | None:
    """Map a raw rank or post title to the ladder (正部级 ... 科员及以下), or None.

    ``level`` is the government level of the person's unit (中央/省级/市级/县级/乡级);
    it decides what 局长/副局长/主任/书记/处长/科长 mean. ``position`` (the roster's 职务
    column) is read together with ``raw``; the higher reading wins. A bare 主任 is the
    unit's head when ``department`` is the leadership (局领导, 委领导, 班子) or the ``unit``
    is a 委员会/办公室/中心, the head of the internal office ``department`` names otherwise
    (办公室 主任 at a 市级 unit = 正科级), and unknown in a 局 with no department (when no
    unit is given at all it is read as the unit's head, the higher reading). ``mapping``
    (raw text -> ladder rank) is the user's own table and wins over everything else.
    """
    texts = [t for t in (raw, position) if t is not None]
    if not texts:
        return None
    if mapping:
        for t in texts:
            hit = _mapped(_clean(t), mapping)
            if hit:
                return hit
    found: list[str] = []
    # the unit counts only through what its name says of a bare 主任: readings are shared by
    # every unit of a kind (a province's rosters repeat the same titles in 1,000 units)
    unit_head = None if unit is None else bool(_HEAD_IS_ZHUREN.search(_clean(unit)))
    for t in texts:
        found += _ranks_in(_clean(t), normalize_level(level), department, unit_head)
    if not found:
        return None
    return min(found, key=ORDINAL.__getitem__)


def _mapped(text: str, mapping: dict[str, str]) -> str | None:
    for key, val in mapping.items():
        if _clean(key) == text:
            if val not in ORDINAL:
                raise ConfigError(f"职级映射「{key}」的目标「{val}」不在职级序列中：{'、'.join(LADDER)}",
                                  f"rank mapping target {val!r} is not on the ladder",
                                  column=str(key))
            return val
    return None


@functools.lru_cache(maxsize=1 << 16)
def _ranks_in(text: str, lvl: str | None, department: str | None, unit_head: bool | None) -> tuple[str, ...]:
    if not text or text.lower() in ("nan", "none", "null", "-", "无", "/"):
        return ()
    found = _longest_hits(text, _EXPLICIT)
    found += _longest_hits(text, _GRADES)
    found += _longest_hits(text, _TERRITORIAL)
    for part in _SPLIT.split(text):
        if not part:
            continue
        if part in ("正局", "副局"):    # a roster's shorthand for 局长/副局长, not 正局级
            found += _relative(part + "长", lvl)
            continue
        short = _short_form(part)
        if short is not None:
            found.append(short)
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
        bare = _bare_post(part)
        if bare is not None:
            found += _zhuren(bare == "副主任", lvl, department, unit_head)
            continue
        found += _relative(part, lvl)
    return tuple(found)


def travel_tier(rank_norm: str | None) -> str | None:
    """部级 / 司局级 / 其他 for a ladder rank (None stays None)."""
    if rank_norm is None:
        return None
    return TRAVEL_TIER.get(rank_norm, "其他")
