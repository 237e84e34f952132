"""`xuncha-audit standards show` and `standards check-config` (the standards live in
xuncha_audit.standards)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import typer

from xuncha_audit.errors import XunchaError

COLUMN_ZH = {
    "key": "参数", "value": "数值", "unit_of_measure": "单位", "citation": "依据", "verified": "已核实",
    "source_url": "来源", "note": "备注", "origin": "来源类别", "name": "名称", "full_name": "全称",
    "city": "城市", "region": "地区", "province": "省份", "kind": "类别", "adcode": "区划代码",
    "ambiguous": "重名", "lodging_city": "住宿标准城市", "tier": "档次", "start_md": "起(月日)",
    "end_md": "止(月日)", "season": "季节", "cap": "上限(元)", "peak_period": "旺季期间",
    "effective_from": "生效日", "effective_to": "失效日", "item": "项目", "daily_rate": "标准(元/天)",
    "pattern": "匹配词", "mode": "交通工具", "class_level": "等级", "class_name": "席别",
    "max_class_level": "最高等级", "max_class_name": "最高席别", "class": "类别",
    "lodging": "住宿", "meals": "伙食", "venue_materials_transport": "场地资料交通", "other": "其他",
    "per_person_day": "综合定额(元/人天)", "max_days": "最长天数", "max_attendees": "最多人数",
    "max_staff_ratio": "工作人员比例", "per_head_cap": "每人每餐上限(元)", "level": "层级",
    "position": "职务", "rank_norm": "职级", "area_m2": "面积(㎡)", "category": "类别",
    "max_price": "价格上限(元)", "max_displacement_l": "排量上限(L)", "energy": "能源",
    "scope": "范围", "threshold": "限额(元)", "list": "清单", "word": "关键词",
    "exclusions": "排除词", "approved": "允许", "place": "地点", "ordinal": "序号",
    "travel_tier": "差旅档次", "rank_group": "职级组", "date": "日期", "is_rest_day": "休息日",
    "is_holiday": "法定节假日", "is_adjusted_workday": "调休上班", "holiday_name": "节日",
    "source": "数据源",
}
HIDDEN = {"source_url", "origin"}


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否（待核实）"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _show_calendar(console, on: _dt.date | None) -> None:
    """A month of the official calendar (``--date``), or this year's holidays and 调休 days."""
    from rich.table import Table

    from xuncha_audit.standards.calendar import calendar_arrow, year_source

    if on is None:
        year = _dt.date.today().year
        start, end, title = _dt.date(year, 1, 1), _dt.date(year, 12, 31), f"{year} 年法定节假日与调休上班日"
    else:
        start = on.replace(day=1)
        end = (start.replace(day=28) + _dt.timedelta(days=4)).replace(day=1) - _dt.timedelta(days=1)
        title = f"{on.year} 年 {on.month} 月工作日历"
    table, _ = calendar_arrow(start, end)
    rows = table.to_pylist()
    if on is None:
        rows = [r for r in rows if r["is_holiday"] or r["is_adjusted_workday"]]
    weekday = "一二三四五六日"
    t = Table(title=f"{title}（数据源：{year_source(start.year)}）")
    for h in ("日期", "星期", "休息日", "法定节假日", "调休上班", "节日"):
        t.add_column(h)
    for r in rows:
        t.add_row(str(r["date"]), "周" + weekday[r["date"].weekday()],
                  "是" if r["is_rest_day"] else "", "是" if r["is_holiday"] else "",
                  "是" if r["is_adjusted_workday"] else "", r["holiday_name"] or "")
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the main app."""
    std = typer.Typer(help="标准库：查看差旅、会议、采购等标准，核对用户配置 Regulatory standards.",
                      no_args_is_help=True)
    app.add_typer(std, name="standards")

    @std.command("show")
    def show(
        table: str = typer.Argument(None, help="标准表名，如 std_lodging_caps 或 lodging；省略则列出全部表"),
        region: str = typer.Option(None, "--region", help="地区，如 湖南、大连"),
        date: str = typer.Option(None, "--date", help="日期 YYYY-MM-DD：只显示该日有效的行"),
        config: Path = typer.Option(None, "--config", help="标准覆盖配置文件 (YAML)"),
        limit: int = typer.Option(200, "--limit", help="最多显示的行数"),
        full: bool = typer.Option(False, "--full", help="同时显示依据、备注、来源列"),
    ) -> None:
        """显示标准表（中文表头）。Show a standards table."""
        from rich.console import Console
        from rich.table import Table

        from xuncha_audit import standards as S

        console = Console()
        try:
            cfg = S.load_overrides(config) if config else None
            if table is None:
                snap = S.snapshot(cfg)
                t = Table(title=f"标准表（数据版本 {snap['data_version']}）")
                for h in ("表名", "内容", "行数", "待核实行数", "配置覆盖行数"):
                    t.add_column(h)
                for name, info in snap["tables"].items():
                    t.add_row(name, S.TABLES[name].title_zh, str(info["rows"]),
                              str(info["unverified_rows"]), str(info["config_rows"]))
                t.add_row("std_calendar", "官方工作日历（节假日、调休）", "", "", "")
                console.print(t)
                return
            if table in ("calendar", "std_calendar"):
                _show_calendar(console, _dt.date.fromisoformat(date) if date else None)
                return
            name = S._table_name(table, file=None)
            spec = S.TABLES[name]
            on = _dt.date.fromisoformat(date) if date else None
            rs = list(S.rows(name, cfg))
            if region:
                if "region" not in spec.columns:
                    raise XunchaError(f"表 {name} 没有地区列，不能按 --region 筛选",
                                      f"{name} has no region column")
                wild = spec.wildcards.get("region")
                rs = [r for r in rs if r["region"] in (region, wild, "*")]
            if on is not None and spec.dated:
                rs = [r for r in rs if S._in_force(r, on)]
            if on is not None and name == "std_lodging_caps":
                md = on.month * 100 + on.day
                rs = [r for r in rs if r["start_md"] <= md <= r["end_md"]]
        except ValueError as exc:
            console.print(f"[red]日期格式应为 YYYY-MM-DD：{exc}[/red]")
            raise typer.Exit(2) from exc
        except XunchaError as exc:
            console.print(f"[red]{exc.message()}[/red]", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from exc
        hidden = set() if full else HIDDEN | {"citation", "note", "full_name", "adcode"}
        cols = [c for c in spec.all_columns if c not in hidden]
        t = Table(title=f"{spec.title_zh}（{name}）共 {len(rs)} 行"
                        + (f"，显示前 {limit} 行" if len(rs) > limit else ""))
        for c in cols:
            t.add_column(COLUMN_ZH.get(c, c))
        for r in rs[:limit]:
            t.add_row(*(_fmt(r.get(c)) for c in cols))
        console.print(t)

    @std.command("check-config")
    def check_config(file: Path = typer.Argument(..., help="标准覆盖配置文件 (YAML)")) -> None:
        """核对标准覆盖配置：未知的表、列、键都会报错。Validate a standards override file."""
        from rich.console import Console

        from xuncha_audit import standards as S

        console = Console()
        try:
            cfg = S.load_overrides(file)
            snap = S.snapshot(cfg)
        except XunchaError as exc:
            console.print(f"[red]配置有误：{exc.message()}[/red]", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from exc
        n_rows = sum(len(b["rows"]) for b in cfg["tables"].values())
        n_rem = sum(len(b["remove"]) for b in cfg["tables"].values())
        console.print(f"[green]配置有效[/green]：{len(cfg['params'])} 个参数，{n_rows} 行新增/覆盖，"
                      f"{n_rem} 条删除；涉及表：{'、'.join(snap['overridden_tables']) or '无'}")
