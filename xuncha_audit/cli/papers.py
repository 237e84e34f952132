"""``xuncha-audit papers``: Word working papers (the writer is xuncha_audit.findings.papers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xuncha_audit.errors import XunchaError
from xuncha_audit.findings.papers import write_papers


def register(app) -> None:
    @app.command("papers")
    def papers(
        out: Annotated[Path, typer.Argument(help="运行输出目录（含 xuncha.duckdb）；底稿写入 OUT/底稿/")],
        finding: Annotated[list[str] | None, typer.Option(
            "--finding", "-f", help="只为这些疑点生成（疑点编号或序号，如 P01-0001；可多次）")] = None,
        check: Annotated[list[str] | None, typer.Option(
            "--check", "-k", help="只为这些检查生成（如 P01；可多次）")] = None,
        db: Annotated[Path | None, typer.Option("--db", help="运行数据库（默认 OUT/xuncha.duckdb）")] = None,
        templates: Annotated[Path | None, typer.Option(
            "--templates", help="模板目录（默认 OUT/模板/，首次运行时生成，可用 Word 修改）")] = None,
        team: Annotated[str, typer.Option("--team", help="巡察组名称，写入底稿抬头")] = "巡察组",
        all_findings: Annotated[bool, typer.Option(
            "--each", help="为每个疑点各生成一份底稿和移交单（不指定 --finding/--check 时默认只按检查生成）")] = False,
        no_mask: Annotated[bool, typer.Option("--no-mask", help="不脱敏")] = False,
    ) -> None:
        """生成巡察工作底稿、问题线索移交单和巡察报告问题部分草稿（Word）。Working papers."""
        from rich.console import Console

        from xuncha_audit.app.batch import exit_code_for_exception, open_db_or_explain

        console = Console(stderr=True)
        try:
            db_path = db or out / "xuncha.duckdb"
            if not Path(db_path).exists():
                raise XunchaError("找不到运行数据库，请先运行 xuncha-audit run，或用 --db 指定",
                                  "run database not found", file=str(db_path))
            con = open_db_or_explain(db_path)
            try:
                res = write_papers(con, out, finding=finding, check=check, templates=templates,
                                   store=out / "triage.json", mask=not no_mask, team=team,
                                   per_finding=True if all_findings else None)
            finally:
                con.close()
        except XunchaError as exc:
            console.print(f"[bold red]错误[/]：{exc}", highlight=False)
            raise typer.Exit(exit_code_for_exception(exc)) from None
        console.print(f"已为 {res['findings']} 个疑点生成 {len(res['files'])} 份 Word 文档 → {res['folder']}"
                      f"（模板：{res['templates']}）", highlight=False)

