"""Chinese descriptions of expectations: written once per expectation type, rendered per use.

Parameter descriptions are constants (``PARAM_ZH``); every expectation type has one sentence
template (``TEMPLATES_ZH``) into which its rendered parameters are filled. The suite
generator stores the rendered sentence in each expectation's ``meta.description_zh``; the
validator renders it again for user-added expectations that have none.
No great_expectations import here.
"""

from __future__ import annotations

from collections.abc import Callable

# Parameter descriptions (used in the sentences below and in docs/validation.md).
COLUMN_ZH = "被检查的列"
COLUMN_LIST_ZH = "组合起来应唯一的列"
COLUMN_SET_ZH = "表中应有的列"
EXACT_MATCH_ZH = "是否要求表的列与列表完全一致（否 = 允许有其他列）"
MOSTLY_ZH = "至少应满足条件的行的比例（1 = 全部行）"
MIN_VALUE_ZH = "允许的最小值（含）"
MAX_VALUE_ZH = "允许的最大值（含）"
VALUE_SET_ZH = "允许的取值集合（空值不检查）"
UNEXPECTED_ROWS_QUERY_ZH = "返回违反规则的行的 SQL 查询；{batch} 代表被检查的表"
PERIOD_START_ZH = "巡察期间起始日"
PERIOD_END_ZH = "巡察期间截止日"
PERIOD_START_MONTH_ZH = "巡察期间起始月"

PARAM_ZH = {
    "column": COLUMN_ZH,
    "column_list": COLUMN_LIST_ZH,
    "column_set": COLUMN_SET_ZH,
    "exact_match": EXACT_MATCH_ZH,
    "mostly": MOSTLY_ZH,
    "min_value": MIN_VALUE_ZH,
    "max_value": MAX_VALUE_ZH,
    "value_set": VALUE_SET_ZH,
    "unexpected_rows_query": UNEXPECTED_ROWS_QUERY_ZH,
}

# Suite parameters supplied at run time ({"$PARAMETER": name} in a suite).
SUITE_PARAMETERS_ZH = {
    "period_start": PERIOD_START_ZH,
    "period_end": PERIOD_END_ZH,
    "period_start_month": PERIOD_START_MONTH_ZH,
}

SEVERITY_ZH = {"critical": "严重", "warning": "警告", "info": "提示"}

# Columns every canonical table has besides the contract columns.
SYSTEM_COLUMN_ZH = {
    "unit": "单位",
    "_key": "记录键",
    "_source_file": "来源文件",
    "_source_sheet": "来源工作表",
    "_source_row": "来源行号",
    "_extra": "其他列",
}


def column_label(column: str, table: str | None = None) -> str:
    """``voucher_date（凭证日期）``: the column name with its first Chinese alias."""
    if column in SYSTEM_COLUMN_ZH:
        return f"{column}（{SYSTEM_COLUMN_ZH[column]}）"
    if table:
        from xuncha_audit.contract import load_contract

        tdef = load_contract().tables.get(table)
        col = tdef.columns.get(column) if tdef else None
        if col and col.aliases:
            return f"{column}（{col.aliases[0]}）"
    return column


def _value(v) -> str:
    if isinstance(v, dict) and "$PARAMETER" in v:
        name = v["$PARAMETER"]
        return SUITE_PARAMETERS_ZH.get(name, name)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _not_null(kw: dict, table: str | None) -> str:
    col = column_label(kw["column"], table)
    mostly = kw.get("mostly", 1)
    if mostly is None or mostly >= 1:
        return f"「{col}」列每一行都应有值（不为空）"
    if mostly < 1e-6:
        return f"「{col}」列不能整列为空（空表除外）"
    return f"「{col}」列至少 {mostly:.0%} 的行应有值"


def _between(kw: dict, table: str | None) -> str:
    col = column_label(kw["column"], table)
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and hi is not None:
        return f"「{col}」应在{_value(lo)}与{_value(hi)}之间"
    if lo is not None:
        return f"「{col}」不应小于{_value(lo)}"
    if hi is not None:
        return f"「{col}」不应大于{_value(hi)}"
    return f"「{col}」取值范围不限"


def _in_set(kw: dict, table: str | None) -> str:
    values = "、".join(str(v) for v in kw.get("value_set", []))
    return f"「{column_label(kw['column'], table)}」应为以下取值之一：{values}"


def _compound_unique(kw: dict, table: str | None) -> str:
    cols = "＋".join(column_label(c, table) for c in kw["column_list"])
    return f"「{cols}」的组合应唯一（同一单位内记录键不重复）"


TEMPLATES_ZH: dict[str, Callable[[dict, str | None], str]] = {
    "expect_column_to_exist": lambda kw, t: f"表中应有「{column_label(kw['column'], t)}」列",
    "expect_table_columns_to_match_set": (
        lambda kw, t: "表中应有以下列："
        + "、".join(column_label(c, t) for c in kw.get("column_set", []))
    ),
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_compound_columns_to_be_unique": _compound_unique,
    "expect_column_values_to_be_unique": lambda kw, t: f"「{column_label(kw['column'], t)}」应唯一",
    "expect_column_values_to_match_regex": (
        lambda kw, t: f"「{column_label(kw['column'], t)}」应符合格式 {kw.get('regex')}"
    ),
    "expect_table_row_count_to_be_between": (
        lambda kw, t: f"表的行数应在{_value(kw.get('min_value'))}与{_value(kw.get('max_value'))}之间"
    ),
    "unexpected_rows_expectation": lambda kw, t: "查询不应返回任何违反规则的行",
}


def describe(expectation_type: str, kwargs: dict, table: str | None = None) -> str:
    """The Chinese sentence for one expectation (a generic one for unknown types)."""
    template = TEMPLATES_ZH.get(expectation_type)
    if template is None:
        column = kwargs.get("column")
        where = f"「{column_label(column, table)}」列" if column else "表"
        return f"{where}应满足 {expectation_type}"
    return template(kwargs, table)
