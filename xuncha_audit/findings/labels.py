"""Chinese labels shared by the exports: columns, routes, statuses, severities, marks."""

from __future__ import annotations

from functools import cache

# Route codes (check metadata, triage store) -> display names (workbook, report), severities
# and areas: the shared vocabulary, defined once in xuncha_audit.vocabulary.
from xuncha_audit.vocabulary import AREA_ZH as AREA_ZH
from xuncha_audit.vocabulary import ROUTES as ROUTES
from xuncha_audit.vocabulary import SEVERITY_RANK as SEVERITY_RANK
from xuncha_audit.vocabulary import SEVERITY_ZH as SEVERITY_ZH

STATUSES = ("待核实", "已核实", "已排除", "已移交", "已整改")
DEFAULT_STATUS = "待核实"

ROUTE_ORDER = tuple(ROUTES)

# Triage marks, computed by apply_triage.
MARK_NEW = "新增"
MARK_UNCHANGED = "未变"
MARK_CHANGED = "内容变化"
MARK_BACK = "重现"
MARK_GONE = "已消失"
MARKS = (MARK_NEW, MARK_UNCHANGED, MARK_CHANGED, MARK_BACK, MARK_GONE)

# Columns of the findings export, in order, with their Chinese headers.
FINDING_COLUMNS = {
    "finding_id": "疑点编号",
    "check_id": "检查代码",
    "check_name": "检查名称",
    "severity_zh": "风险等级",
    "area_zh": "领域",
    "unit": "被巡察单位",
    "route_zh": "移送去向",
    "mark": "本次变化",
    "title": "疑点描述",
    "amount": "涉及金额（元）",
    "entity_type": "对象类型",
    "entity_key": "对象",
    "period_start": "起始日期",
    "period_end": "截止日期",
    "persons": "涉及人员",
    "regulation": "依据",
    "rule": "子规则",
    "status": "核实状态",
    "note": "核实情况备注",
}

EVIDENCE_COLUMNS = {
    "finding_id": "疑点编号",
    "check_id": "检查代码",
    "unit": "被巡察单位",
    "source_table": "来源表",
    "record_key": "记录编号",
    "record": "记录内容",
}

ENTITY_TYPE_ZH = {
    "person": "人员",
    "vendor": "供应商",
    "account": "账户",
    "vehicle": "车辆",
    "room": "房间",
    "unit": "单位",
    "contract": "合同",
    "project": "项目",
}


def route_code(value: str | None) -> str | None:
    """Route code for a code or a display name (None when unknown)."""
    if value is None:
        return None
    v = str(value).strip()
    if v in ROUTES:
        return v
    for code, name in ROUTES.items():
        if v == name:
            return code
    return None


@cache
def column_labels() -> dict[str, dict[str, str]]:
    """Chinese label (first alias) of every contract column, per table."""
    from xuncha_audit.contract import load_contract

    out: dict[str, dict[str, str]] = {}
    for tname, table in load_contract().tables.items():
        out[tname] = {c.name: (c.aliases[0] if c.aliases else c.name) for c in table.column_list()}
    return out


@cache
def table_titles() -> dict[str, str]:
    from xuncha_audit.contract import load_contract

    return {t: table.title for t, table in load_contract().tables.items()}
