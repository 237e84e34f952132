"""`xuncha-audit triage ...` and `xuncha-audit export` (the triage store and the writers live in xuncha_audit.findings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

triage_app = typer.Typer(
    help="核实记录（疑点的核实状态、备注、移送去向），跨多次运行保留。Triage store.",
    no_args_is_help=True,
)

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="核实记录文件 triage.json（或其所在目录）The triage store"),
]


def _fail(exc: Exception) -> None:
    from rich.console import Console

    from xuncha_audit.app.batch import exit_code_for_exception

    Console(stderr=True).print(f"[bold red]错误[/]：{exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code_for_exception(exc))


@triage_app.command("set")
def triage_set(
    finding_id: Annotated[str, typer.Argument(help="疑点编号 finding id")],
    store: StoreOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="待核实/已核实/已排除/已移交/已整改")] = None,
    note: Annotated[str | None, typer.Option("--note", help="核实情况备注 note")] = None,
    route: Annotated[
        str | None,
        typer.Option("--route", help="移送去向：纪检监察/组织人事/反馈（或“默认”恢复检查的默认去向）"),
    ] = None,
) -> None:
    """设置一个疑点的核实状态、备注或移送去向。Set one finding's triage."""
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.triage import set_triage

    if store is None:
        _fail(XunchaError("请用 --store 指定核实记录文件（输出目录下的 triage.json）", "--store is required"))
    if status is None and note is None and route is None:
        _fail(XunchaError("请至少指定 --status、--note 或 --route 之一", "nothing to set"))
    try:
        res = set_triage(store, finding_id, status=status, note=note, route=route)
    except XunchaError as exc:
        _fail(exc)
    typer.echo(f"疑点 {finding_id}：状态 {res['status']}，移送去向 {res['route'] or '默认'}，"
               f"备注 {res['note'] or '（无）'}（{'已更新' if res['changed'] else '无变化'}）")


@triage_app.command("import")
def triage_import(
    workbook: Annotated[Path, typer.Argument(help="审核后的 findings.xlsx")],
    store: StoreOpt = None,
) -> None:
    """从工作簿读回核实状态、备注和移送去向。Read triage back from the workbook."""
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.triage import import_workbook

    try:
        res = import_workbook(workbook, store or workbook.parent)
    except XunchaError as exc:
        _fail(exc)
    typer.echo(f"读取 {res['rows']} 个疑点，更新 {res['changed']} 个。")


@triage_app.command("show")
def triage_show(
    store: StoreOpt = None,
    gone: Annotated[bool, typer.Option("--gone", help="只看已消失的疑点")] = False,
) -> None:
    """列出核实记录。List the triage store."""
    from rich.console import Console
    from rich.table import Table

    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.triage import TriageStore

    st = TriageStore(store or Path("."))
    if not st.exists():
        _fail(XunchaError("核实记录文件不存在", "triage store not found", file=str(st.path)))
    df = st.frame()
    if gone:
        df = df[df["presence"] == "gone"]
    t = Table(title=str(st.path))
    t.add_column("疑点编号", no_wrap=True, min_width=16)
    for h in ("检查", "单位", "状态", "本次变化", "去向", "备注"):
        t.add_column(h, overflow="fold")
    df = df.astype(object).where(df.notna(), None)
    for r in df.itertuples():
        t.add_row(r.finding_id, r.check_id or "", r.unit or "", r.status or "", r.mark or "",
                  r.route or r.default_route or "", r.note or "")
    Console().print(t)


def export_cmd(
    db: Annotated[Path, typer.Option("--db", help="运行数据库 DuckDB 文件")],
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    no_mask: Annotated[bool, typer.Option("--no-mask", help="不脱敏（身份证号、银行账号、手机号原样输出）")] = False,
    store: StoreOpt = None,
    open_report: Annotated[bool, typer.Option("--open", help="导出后用浏览器打开 report.html")] = False,
) -> None:
    """重新导出疑点清单、工作簿、报告（例如导入核实记录之后）。Re-export a run's outputs."""
    from xuncha_audit.app.batch import open_db_or_explain
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.export import export_all

    try:
        con = open_db_or_explain(db)
        try:
            res = export_all(con, out, mask=not no_mask, store=store or out)
        finally:
            con.close()
    except XunchaError as exc:
        _fail(exc)
    c = res["counts"]
    typer.echo(f"已导出 {c['findings']} 个疑点、{c['evidence']} 条证据到 {out}"
               f"（{'已脱敏' if not no_mask else '未脱敏'}）")
    if open_report:
        from rich.console import Console

        from xuncha_audit.cli.run import open_in_browser

        open_in_browser(Console(stderr=True), Path(res["files"].get("report.html") or out / "report.html"))


def sample_cmd(
    db: Annotated[Path, typer.Option("--db", help="运行数据库 DuckDB 文件")],
    out: Annotated[Path, typer.Option("--out", help="输出的样本工作簿 .xlsx")],
    table: Annotated[str | None, typer.Option("--table", help="从哪张数据表抽样，如 payments、travel_claims")] = None,
    finding: Annotated[str | None, typer.Option("--finding", help="从一个疑点的证据记录中抽样（疑点编号）")] = None,
    method: Annotated[str, typer.Option("--method", help="mus 货币单位抽样 / random 简单随机抽样")] = "mus",
    size: Annotated[int, typer.Option("--size", help="样本量")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（同一种子、同一数据得到同一样本）")] = 20240101,
    unit: Annotated[str | None, typer.Option("--unit", help="只抽某一单位的记录")] = None,
    amount_column: Annotated[str | None, typer.Option("--amount-column", help="货币单位抽样用的金额列（默认 amount）")] = None,
    no_mask: Annotated[bool, typer.Option("--no-mask", help="不脱敏")] = False,
) -> None:
    """抽取核查样本（货币单位抽样或简单随机抽样），写成带抽样说明的工作簿。Draw a reproducible audit sample.

    示例 Examples:

      xuncha-audit sample --db out/xuncha.duckdb --table payments --method mus --size 30 --out 样本.xlsx

      xuncha-audit sample --db out/xuncha.duckdb --finding P01-0003 --method random --size 10 --seed 7 --out 抽样.xlsx
    """
    from xuncha_audit.app.batch import open_db_or_explain
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.sampling import draw, write_sample

    try:
        con = open_db_or_explain(db, read_only=True)
        try:
            s = draw(con, method=method, size=size, seed=seed, table=table, finding=finding,
                     unit=unit, amount_column=amount_column)
        finally:
            con.close()
        path = write_sample(s, out, mask=not no_mask)
    except XunchaError as exc:
        _fail(exc)
    typer.echo(f"从{s.params['总体 population']}（{s.params['总体记录数 records']} 条）中"
               f"按{s.params['抽样方法 method']}抽取 {len(s.rows)} 条，已写入 {path}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the main app."""
    app.add_typer(triage_app, name="triage")
    app.command("export")(export_cmd)
    app.command("sample")(sample_cmd)
