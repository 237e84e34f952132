"""`xuncha-audit checks list|explain|docs`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from xuncha_audit.engine.registry import default_registry
from xuncha_audit.errors import XunchaError
from xuncha_audit.vocabulary import AREAS, ROUTES, SEVERITY_ZH

checks_app = typer.Typer(help="检查目录 The check catalogue: list, explain, generate docs.", no_args_is_help=True)
console = Console()


def _fail(exc: XunchaError) -> None:
    console.print(f"[red]错误[/red] {exc.message()}", soft_wrap=True)
    raise typer.Exit(exc.exit_code)


@checks_app.command("list")
def list_checks(
    select: list[str] = typer.Option(None, "--select", "-s", help="编号、前缀或领域，如 P01、P、procurement"),
    ignore: list[str] = typer.Option(None, "--ignore", "-i", help="排除的编号、前缀或领域"),
) -> None:
    """列出检查 List the checks."""
    try:
        checks = default_registry().select(select, ignore)
    except XunchaError as exc:
        _fail(exc)
    t = Table(title=f"检查目录（{len(checks)} 项）")
    for col in ("编号", "名称", "English", "领域", "严重程度", "默认移送"):
        t.add_column(col)
    for c in checks:
        t.add_row(c.code, c.title_zh, c.title_en, AREAS[c.area][1], SEVERITY_ZH[c.severity], ROUTES[c.route])
    console.print(t)


@checks_app.command("explain")
def explain(code: str = typer.Argument(..., help="检查编号，如 P01")) -> None:
    """显示一项检查的说明 Show a check's documentation."""
    from xuncha_audit.engine.docs import render_check

    try:
        spec = default_registry().get(code)
    except XunchaError as exc:
        _fail(exc)
    console.print(Markdown(render_check(spec)))


@checks_app.command("docs")
def docs(out: Path = typer.Option(Path("docs/checks"), "--out", help="输出目录")) -> None:
    """生成检查文档 Generate docs/checks from the check metadata."""
    from xuncha_audit.engine.docs import write_docs

    written = write_docs(default_registry(), out)
    console.print(f"已生成 {len(written)} 个文档到 {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(checks_app, name="checks")
