"""CLI: ``xuncha-audit validate --db FILE`` and ``xuncha-audit validate generate-suites``.

Exit codes of ``validate``: 0 = no critical expectation failed (warnings may exist),
1 = at least one table failed a critical expectation (checks on it would be skipped),
2 = bad input (missing file, bad dates, bad suite file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xuncha_audit.errors import XunchaError

EXIT_CRITICAL = 1

validate_app = typer.Typer(
    help="数据质量校验（Great Expectations）：校验已导入的 DuckDB 数据库 Validate a loaded database.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _print_report(report, *, show_all: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from xuncha_audit.contract import load_contract
    from xuncha_audit.validate.descriptions import SEVERITY_ZH

    console = Console()
    contract = load_contract()
    counts = report.summary_counts()
    period = (f"{report.period[0]} 至 {report.period[1]}" if report.period else "未提供")
    console.print(
        f"[bold]数据质量校验[/bold] {report.db_path}  巡察期间：{period}  "
        f"校验 {len(report.tables)} 张表，执行 {counts['evaluated']} 条规则，"
        f"通过 {counts['passed']} 条；严重 {counts['critical']}、警告 {counts['warning']}、"
        f"提示 {counts['info']}；未执行 {counts['not_evaluated']} 条；用时 {report.seconds:.1f} 秒"
    )
    rows = report.failures
    if show_all:
        rows = rows + [o for o in report.outcomes if o.success is None]
    if rows:
        table = Table(title="未通过的数据质量规则" if not show_all else "未通过及未执行的规则",
                      show_lines=False)
        for header in ("数据表", "严重程度", "规则", "列", "违规数", "总行数", "说明", "示例"):
            table.add_column(header, overflow="fold")
        for o in rows:
            title = contract.tables[o.table_name].title if o.table_name in contract.tables else ""
            sev = SEVERITY_ZH.get(o.severity, o.severity)
            style = {"critical": "bold red", "warning": "yellow"}.get(o.severity, "")
            examples = o.details.get("examples") or o.details.get("missing_columns") or ""
            if o.success is None:
                examples = o.details.get("not_evaluated", "")
            elif o.details.get("error"):
                examples = "执行出错：" + str(o.details["error"])[:200]
            if isinstance(examples, list):
                examples = "；".join(
                    " ".join(str(v) for v in e.values()) if isinstance(e, dict) else str(e)
                    for e in examples[:3])
            table.add_row(
                f"{title}\n{o.table_name}", f"[{style}]{sev}[/{style}]" if style else sev,
                o.expectation_id.removeprefix(f"{o.table_name}."), o.column or "",
                "" if o.unexpected_count is None else str(o.unexpected_count),
                "" if o.element_count is None else str(o.element_count),
                o.description_zh,
                str(examples)[:160],
            )
        console.print(table)
    else:
        console.print("[green]全部数据质量规则均已通过。[/green]")
    for note in report.notes_zh:
        console.print(f"[dim]说明：{note}[/dim]")
    for table_name in sorted(report.failed_tables):
        console.print(f"[bold red]{report.skip_message_zh(table_name)}[/bold red]")
    if report.data_docs_index:
        console.print(f"GX 数据文档（Data Docs）：{report.data_docs_index}")


@validate_app.callback()
def validate(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB 数据库文件 The DuckDB file")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="输出目录：在 <out>/data_docs/ 生成 GX 数据文档 Data Docs output folder")] = None,
    period_start: Annotated[str | None, typer.Option(
        "--period-start", help="巡察期间起始日 YYYY-MM-DD")] = None,
    period_end: Annotated[str | None, typer.Option(
        "--period-end", help="巡察期间截止日 YYYY-MM-DD")] = None,
    tables: Annotated[list[str] | None, typer.Option(
        "--table", help="只校验这些表（可多次给出） Only these tables")] = None,
    suites: Annotated[list[Path] | None, typer.Option(
        "--suites", help="额外的期望规则文件或目录（*.json，可多次给出） Extra user suites")] = None,
    suites_dir: Annotated[Path | None, typer.Option(
        "--suites-dir", help="期望套件目录（默认为项目的 expectations/）")] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help="同时列出未执行的规则 Also list expectations not evaluated")] = False,
) -> None:
    """校验已导入的数据 Validate the canonical tables of a DuckDB file with Great Expectations.

    退出码 Exit code: 0 无严重问题；1 有表未通过严重级规则；2 输入错误。
    """
    if ctx.invoked_subcommand is not None:
        return
    if db is None:
        typer.echo("请用 --db 指定数据库文件 (missing --db)", err=True)
        raise typer.Exit(2)
    if (period_start is None) != (period_end is None):
        typer.echo("--period-start 与 --period-end 须同时给出 (give both or neither)", err=True)
        raise typer.Exit(2)
    from xuncha_audit.validate.runner import validate_database

    try:
        report = validate_database(
            db, out_dir=out,
            period=(period_start, period_end) if period_start else None,
            tables=tables or None, suites_dir=suites_dir, extra_suites=suites or (),
        )
    except XunchaError as exc:
        typer.echo(exc.message(), err=True)
        raise typer.Exit(exc.exit_code) from None
    _print_report(report, show_all=show_all)
    from xuncha_audit.cli import hard_exit  # GX ran: skip DuckDB's shutdown leak report

    hard_exit(EXIT_CRITICAL if report.failed_tables else 0)


@validate_app.command("generate-suites")
def generate_suites_cmd(
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="写入目录（默认为项目的 expectations/）")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="只检查已提交的套件是否与数据契约一致 Only check they are up to date")] = False,
) -> None:
    """由数据契约生成期望套件 Generate expectations/<table>.json from the data contract."""
    from xuncha_audit.validate.suites import (
        REPO_SUITES_DIR,
        dump_suite,
        generate_suites,
        write_suites,
    )

    target = out_dir or REPO_SUITES_DIR
    if check:
        stale = [name for name, suite in generate_suites().items()
                 if not (target / f"{name}.json").exists()
                 or (target / f"{name}.json").read_text(encoding="utf-8") != dump_suite(suite)]
        if stale:
            typer.echo(f"以下期望套件与数据契约不一致，请重新生成：{'、'.join(stale)}", err=True)
            raise typer.Exit(1)
        typer.echo("期望套件与数据契约一致。")
        return
    for path in write_suites(target):
        typer.echo(f"已生成 {path}")


def register(app: typer.Typer) -> None:
    """Add ``validate`` (and ``validate generate-suites``) to the main app."""
    app.add_typer(validate_app, name="validate")

