"""`xuncha-audit load`, `inspect` and `tables` (the loader is xuncha_audit.ingest)."""

from __future__ import annotations

from pathlib import Path

import typer

from xuncha_audit.db import of, quote
from xuncha_audit.errors import XunchaError

STATUS_ZH = {"ok": "成功", "partial": "部分隔离", "error": "错误", "skipped": "跳过"}
STATUS_STYLE = {"ok": "green", "partial": "yellow", "error": "red", "skipped": "dim"}


def _fail(console, exc: XunchaError) -> None:
    console.print(f"[bold red]错误[/]：{exc.message()}", soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def run_load(
    data_dir: Path,
    db: Path,
    *,
    unit: str | None = None,
    level: str = "市级",
    region: str | None = None,
    city: str | None = None,
    mapping: Path | None = None,
    console=None,
    layouts: list[Path] | None = None,
):
    """Load with a Rich progress bar and print the per-file summary; returns the report.
    Raises :class:`~xuncha_audit.ingest.loader.NothingLoadedError` (exit 2) after printing the
    listing when no row of any file loaded."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from xuncha_audit.ingest.loader import check_something_loaded, load_folder

    console = console or Console()
    with Progress(
        TextColumn("[bold]导入数据[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_progress(done: int, total: int, current: str | None) -> None:
            progress.update(task, total=total, completed=done, description=current or "完成")

        report = load_folder(
            data_dir, db, unit=unit, level=level, region=region, city=city,
            mapping=mapping, progress=on_progress, layouts=layouts or (),
            warn=lambda zh, en: progress.console.print(f"[yellow]注意：{zh}[/]"),
        )

    print_listing(console, report, f"导入结果：{db}")
    check_something_loaded(report)
    n_err = len(report.errors)
    console.print(
        f"共 {len(report.entries)} 个文件/工作表，读取 {report.rows_read:,} 行，导入 "
        f"{report.rows_loaded:,} 行，隔离 {report.rows_quarantined:,} 行"
        + (f"，[red]{n_err} 个出错[/]" if n_err else "")
        + "。隔离明细见数据库表 _quarantine，导入日志见 _load_log。"
    )
    return report


def print_listing(console, report, title: str, columns: bool = False) -> None:
    """Per file and sheet: layout, table, unit and the row accounting
    (read = loaded + quarantined + summary + deleted + skipped), then the messages;
    ``columns=True`` (inspect) adds the mapped and unmapped columns."""
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for name, just in (("文件 / 工作表", "left"), ("版式", "left"), ("数据表", "left"), ("单位", "left"),
                       ("读取", "right"), ("导入", "right"), ("隔离", "right"), ("合计等", "right"),
                       ("删除", "right"), ("跳过", "right"), ("状态", "left")):
        table.add_column(name, justify=just, overflow="fold")
    notes = []
    for e in report.entries:
        style = STATUS_STYLE.get(e.status, "")
        where = e.file + (f" / {e.sheet}" if e.sheet else "")
        if e.encoding:
            where += f" [dim]({e.encoding})[/]"
        table.add_row(
            where, e.layout or "", e.table_name or "", e.unit or "",
            f"{e.rows_read:,}", f"{e.rows_loaded:,}", f"{e.rows_quarantined:,}",
            f"{e.rows_summary:,}", f"{e.rows_deleted:,}", f"{e.rows_skipped:,}",
            f"[{style}]{STATUS_ZH.get(e.status, e.status)}[/]",
        )
        if e.message_zh:
            notes.append(f"[{style}]•[/] {where}：{e.message_zh}")
        if columns and e.table_name:
            notes.append(f"  已对应的列 mapped：{'；'.join(e.mapped) or '无'}")
            notes.append(f"  未对应的列（保留在 _extra）unmapped：{'、'.join(e.unmapped) or '无'}")
    table.add_section()
    table.add_row("合计", "", "", "、".join(report.units), f"{report.rows_read:,}",
                  f"{report.rows_loaded:,}", f"{report.rows_quarantined:,}",
                  f"{report.rows_summary:,}", f"{report.rows_deleted:,}", f"{report.rows_skipped:,}", "")
    console.print(table)
    for note in notes:
        console.print(note, highlight=False, soft_wrap=True)


def table_counts(db: Path) -> list[tuple[str, str, str, int, int]]:
    """(table, title, unit, rows, quarantined rows) for every canonical table with data."""
    import duckdb

    from xuncha_audit.contract import load_contract

    if not Path(db).is_file():
        raise XunchaError("数据库文件不存在", f"database not found: {db}", file=str(db))
    con = duckdb.connect(str(db), read_only=True)
    be = of(con)
    try:
        existing = {r[0] for r in be.fetch_all(
            "SELECT table_name FROM information_schema.tables")}
        quarantined: dict[tuple[str, str], int] = {}
        if "_quarantine" in existing:
            for t, u, n in be.fetch_all(
                "SELECT table_name, unit, count(DISTINCT (file, sheet, row_no)) FROM _quarantine "
                "GROUP BY ALL"
            ):
                quarantined[(t, u)] = n
        out = []
        for name, tdef in load_contract().tables.items():
            if name not in existing:
                continue
            rows = be.fetch_all(
                f'SELECT unit, count(*) FROM {quote(name)} GROUP BY unit ORDER BY unit'
            )
            units = {u for u, _ in rows} | {u for (t, u) in quarantined if t == name}
            counts = dict(rows)
            for u in sorted(units, key=lambda x: x or ""):
                out.append((name, tdef.title, u, counts.get(u, 0), quarantined.get((name, u), 0)))
        return out
    finally:
        con.close()


def register(app: typer.Typer) -> None:
    """Add ``load`` and ``tables`` to the main app."""

    @app.command("load")
    def load_cmd(
        data_dir: Path = typer.Argument(..., help="被巡察单位导出数据所在目录（含子目录） Folder of exports"),
        db: Path = typer.Option(..., "--db", help="DuckDB 数据库文件 Database file"),
        unit: str | None = typer.Option(None, "--unit", help="单位名称（单个单位的目录） Unit name"),
        level: str = typer.Option("市级", "--level", help="单位层级：中央/省级/市级/县级/乡级"),
        region: str | None = typer.Option(None, "--region", help="省级地区，如 湖南 Province"),
        city: str | None = typer.Option(None, "--city", help="所在城市，如 长沙 City"),
        mapping: Path | None = typer.Option(None, "--mapping", help="列名/文件映射文件 (YAML)"),
        layouts: list[Path] = typer.Option(None, "--layouts", help="自定义导出版式目录（见 docs/layouts.md） Your own layout files"),
        on_unreadable: str = typer.Option(
            "stop", "--on-unreadable",
            help="有文件完全无法读取时：stop（退出码 2，默认）或 continue（退出码 0）"),
    ) -> None:
        """导入数据：读取目录中的 CSV/Excel，写入 DuckDB 规范表。Load a folder of exports."""
        from rich.console import Console

        console = Console()
        if on_unreadable not in ("stop", "continue"):
            _fail(console, XunchaError("--on-unreadable 只能是 stop 或 continue",
                                       f"bad --on-unreadable {on_unreadable!r}"))
        try:
            report = run_load(data_dir, db, unit=unit, level=level, region=region, city=city,
                              mapping=mapping, console=console, layouts=layouts)
        except XunchaError as exc:
            _fail(console, exc)
            return
        if report.unreadable and on_unreadable == "stop":
            _fail(console, XunchaError(
                f"{len(report.unreadable)} 个数据文件无法读取（"
                + "、".join(e.file for e in report.unreadable) + "），其行已计入隔离区",
                "unreadable data files"))

    @app.command("inspect")
    def inspect_cmd(
        data_dir: Path = typer.Argument(..., help="被巡察单位导出数据所在目录 Folder of exports"),
        unit: str | None = typer.Option(None, "--unit", help="单位名称 Unit name"),
        level: str = typer.Option("市级", "--level", help="单位层级：中央/省级/市级/县级/乡级"),
        mapping: Path | None = typer.Option(None, "--mapping", help="列名/文件映射文件 (YAML)"),
        layouts: list[Path] = typer.Option(None, "--layouts", help="自定义导出版式目录 Your own layout files"),
    ) -> None:
        """试读（不写入任何文件）：每个文件/工作表识别出的版式、数据表、已对应和未对应的列，以及多少行
        将导入、是合计行、已删除、跳过或隔离及原因。Dry run: what a load would do."""
        from rich.console import Console

        from xuncha_audit.ingest.loader import inspect_folder

        console = Console()
        try:
            report = inspect_folder(data_dir, unit=unit, level=level, mapping=mapping,
                                    layouts=layouts or ())
        except XunchaError as exc:
            _fail(console, exc)
            return
        print_listing(console, report, f"试读结果（未写入）：{data_dir}", columns=True)
        if not report.rows_loaded:
            console.print("[red]没有任何数据行可以导入。[/]")
            raise typer.Exit(2)

    @app.command("tables")
    def tables_cmd(
        db: Path = typer.Option(..., "--db", help="DuckDB 数据库文件 Database file"),
    ) -> None:
        """列出数据库中各规范表按单位的行数。Row counts per canonical table and unit."""
        from rich.console import Console
        from rich.table import Table

        console = Console()
        try:
            rows = table_counts(db)
        except XunchaError as exc:
            _fail(console, exc)
            return
        table = Table(title=f"数据表：{db}")
        for name, just in (("数据表", "left"), ("名称", "left"), ("单位", "left"),
                           ("行数", "right"), ("隔离行数", "right")):
            table.add_column(name, justify=just)
        for name, title, unit, n, q in rows:
            table.add_row(name, title, unit or "", f"{n:,}", f"{q:,}")
        console.print(table)
        if not rows:
            console.print("[yellow]数据库中还没有导入任何数据。[/]")
