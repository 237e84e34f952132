"""``xuncha-audit run``: the whole job on the command line.

The job itself is :func:`xuncha_audit.app.pipeline.run_pipeline`; this module turns its
feedback into coloured console lines (:class:`ConsoleFeedback`), prints the closing summary,
and maps the outcome to an exit code (0 ok, 1 findings at or above ``--fail-on``, 2 bad
input or config, 3 internal error, 4 some checks failed).
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xuncha_audit.app.pipeline import (
    Feedback,
    PipelineResult,
    prepare_out_dir,
    run_pipeline,
    top_findings,
)
from xuncha_audit.config import check_level, check_severity, load_run_config, parse_run_config
from xuncha_audit.db import of
from xuncha_audit.errors import XunchaError

log = logging.getLogger("xuncha_audit.run")

LEVEL_STYLE = {"warn": "yellow", "error": "red"}


class ConsoleFeedback(Feedback):
    """The run's progress on a Rich console (stderr): stages in bold, one line per check,
    warnings yellow, errors red; a progress bar and spinners only on a terminal."""

    def __init__(self, console: Console):
        self.console = console

    def stage(self, n: int, title: str, detail: str = "") -> None:
        self.console.print(f"[bold]{n}/5 {escape(title)}[/bold] {escape(detail)}".rstrip(), soft_wrap=True)

    def say(self, text: str, *, level: str = "info", tag: str | None = None) -> None:
        style = LEVEL_STYLE.get(level)
        if tag:
            line = f"[{style}]{escape(tag)}[/{style}] {escape(text)}" if style else f"{escape(tag)} {escape(text)}"
        else:
            line = f"[{style}]{escape(text)}[/{style}]" if style else escape(text)
        self.console.print(line, soft_wrap=True)

    def check(self, spec, result) -> None:
        self.console.print(check_line(spec, result))

    @contextlib.contextmanager
    def busy(self, text: str):
        with self.console.status(f"  {escape(text)}"):
            yield

    @contextlib.contextmanager
    def files(self):
        """A per-file progress bar while loading; yields the ``progress(done, total, file)``
        callback of :func:`~xuncha_audit.ingest.loader.load_folder`. Transient, and shown only
        when the console is a terminal (Rich draws nothing into a log file, a pipe or a test)."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(TextColumn("  [bold]导入[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=self.console, transient=True) as bar:
            task = bar.add_task("", total=None)

            def on_file(done: int, total: int, current: str | None) -> None:
                bar.update(task, total=total, completed=done, description=escape(current or "完成"))

            yield on_file


STATUS_STYLE = {"ok": "green", "error": "red", "skipped": "yellow", "not_run": "yellow"}


def check_line(spec, cr) -> str:
    """One console line per check: findings, or why it did not judge (some) units."""
    style = STATUS_STYLE.get(cr.status, "white")
    head = f"  [{style}]{cr.check_id}[/{style}] {escape(spec.title_zh)}: "
    if cr.status == "not_run":
        text = f"[yellow]未执行[/yellow]（{escape(cr.note or '缺少输入数据')}）"
    elif cr.status == "skipped":
        text = f"[yellow]跳过[/yellow] {escape(cr.error or '')}"
    elif cr.status == "error":
        text = f"[red]出错[/red] {escape(str(cr.error))}"
    else:
        text = f"{cr.findings} 条 ({cr.seconds:.2f}s)"
        if cr.note:
            text += f" [yellow]{escape(cr.note)}[/yellow]"
    notes = getattr(cr, "notes", None) or []
    for n in notes:
        text += f"\n      [cyan]数据质量说明[/cyan] {escape(str(n))}"
    return head + text


def _summary(console: Console, result: PipelineResult, *, mask: bool = True) -> None:
    t = Table(title="运行结果 Run summary")
    t.add_column("项目")
    t.add_column("值", justify="right")
    checks = result.checks
    t.add_row("运行编号 run id", result.run_id)
    if checks is not None:
        t.add_row("检查项 checks", str(len(checks.checks)))
        t.add_row("疑点 findings", str(checks.total_findings))
        t.add_row("失败的检查 failed", ", ".join(c.check_id for c in checks.failed) or "无")
        not_run = [c.check_id for c in checks.checks if c.status == "not_run"]
        partly = [c.check_id for c in checks.checks if c.status == "ok" and c.note]
        t.add_row("未执行（缺少输入）not run", ", ".join(not_run) or "无")
        if partly:
            t.add_row("部分单位未执行 partly not run", ", ".join(partly))
        n_notes = sum(len(getattr(c, "notes", None) or []) for c in checks.checks)
        t.add_row("数据质量说明 data-quality notes", str(n_notes))
    for k, v in result.seconds.items():
        t.add_row(f"耗时 {k}", f"{v:.1f}s")
    t.add_row("输出目录 out", str(result.out_dir))
    console.print(t)
    try:
        _closing(console, result, mask=mask)
    except Exception as exc:  # the summary must never fail a run that finished
        log.warning("closing summary failed", extra={"run_id": result.run_id, "error": repr(exc)})
        console.print(f"[yellow]无法显示结果摘要 (summary unavailable)[/yellow]：{escape(str(exc))}；"
                      f"结果见 {escape(str(result.out_dir))}", soft_wrap=True)


TITLE_WIDTH = 60


def _money(v) -> str:
    return "—" if v is None or v != v else f"{float(v):,.2f}"


def _cut(text, width: int = TITLE_WIDTH) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _closing(console: Console, result: PipelineResult, *, mask: bool = True) -> None:
    """After the table: where the outputs are, the deduplicated amount, the top findings."""
    from xuncha_audit.findings.amounts import headline
    from xuncha_audit.findings.papers import PAPERS_DIR

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, highlight=False)  # paths unbroken, to copy

    out = Path(result.out_dir)
    files = (result.exports or {}).get("files") or {}
    say("[bold]输出文件 Outputs[/bold]")
    for name, label in (("report.html", "报告 report"), ("findings.xlsx", "疑点工作簿 workbook")):
        path = Path(files.get(name) or out / name)
        if path.exists():
            say(f"  {label}：{escape(str(path.resolve()))}")
    papers = (result.exports or {}).get("papers")
    if papers:
        say(f"  Word 工作底稿 papers：{escape(str(Path(papers).resolve()))}")
    elif (out / PAPERS_DIR).is_dir():
        say(f"  Word 工作底稿 papers：{escape(str((out / PAPERS_DIR).resolve()))}"
            f"（此前由 papers 命令生成，重新生成：xuncha-audit papers {escape(str(out))}）")
    else:
        say(f"  Word 工作底稿 papers：未生成，可运行 xuncha-audit papers {escape(str(out))}")

    if result.checks is None or not Path(result.db_path).exists():
        return
    if result.closing is not None:  # read by the run itself before it closed the database
        h, top = result.closing["headline"], result.closing["top"]
    else:
        with duckdb.connect(str(result.db_path), read_only=True) as con:
            h = headline(con)
            top = top_findings(con, out, mask=mask)
    if h is not None:
        extra = (f"；未去重合计 {_money(h['amount_raw'])} 元，{h['records_cited_twice']} 条证据记录被多个疑点引用"
                 if h["records_cited_twice"] else "")
        say(f"[bold]涉及金额（去重后）[/bold] {_money(h['amount_dedup'])} 元"
            f"（同一证据记录只计一次{extra}）")
    if not top:
        not_judged = [c.check_id for c in result.checks.checks if c.status != "ok" or c.note]
        caveat = (f"；{len(not_judged)} 项检查未执行或未判断全部单位（{'、'.join(not_judged[:10])}"
                  f"{' 等' if len(not_judged) > 10 else ''}），不代表没有问题" if not_judged else "")
        say(f"[bold]重点疑点 Top findings[/bold]：本次未发现疑点 (no findings){caveat}")
        return
    say(f"[bold]重点疑点 Top findings[/bold]（前 {len(top)} 个，按风险等级、金额排序；完整清单见 findings.xlsx）")
    for f in top:
        say(f"  {escape(str(f['no']))}  {escape(str(f['severity_zh'] or ''))}  "
            f"{_money(f['amount']):>16}  {escape(_cut(f['title']))}")


def open_in_browser(console: Console, path: Path) -> bool:
    """Open ``path`` (report.html) in the default browser; never raises: without a browser
    (a server, an SSH session) it prints where the file is instead."""
    import webbrowser

    try:
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(str(path))
        if webbrowser.open(path.as_uri()):
            console.print(f"已在浏览器中打开 (opened) {escape(str(path))}", soft_wrap=True, highlight=False)
            return True
        why = "没有可用的浏览器 (no browser found)"
    except Exception as exc:  # no display, no browser, odd path: the run's result stands
        why = f"{type(exc).__name__}: {exc}"
    console.print(f"[yellow]未能打开浏览器[/yellow]（{escape(why)}）；请手动打开 open it by hand: "
                  f"{escape(str(path))}", soft_wrap=True, highlight=False)
    return False


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        data_dir: Path = typer.Argument(..., help="被巡察单位导出数据所在目录（可含每个单位一个子目录）"),
        out: Path = typer.Option(..., "--out", "-o", help="输出目录"),
        db: Path = typer.Option(None, "--db", help="DuckDB 数据库文件（默认 OUT/xuncha.duckdb）"),
        level: str = typer.Option(None, "--level", help="单位层级：中央/省级/市级/县级/乡级（默认 市级）"),
        region: str = typer.Option(None, "--region", help="所在省级地区，如 湖南"),
        city: str = typer.Option(None, "--city", help="所在城市，如 长沙"),
        unit: str = typer.Option(None, "--unit", help="单位名称（数据目录只含一个单位时）"),
        config: Path = typer.Option(None, "--config", "-c", help="运行配置文件 (YAML)"),
        period_start: str = typer.Option(None, "--period-start", help="巡察期间起始日，如 2023-01-01（数据校验用）"),
        period_end: str = typer.Option(None, "--period-end", help="巡察期间截止日，如 2024-12-31"),
        select: list[str] = typer.Option(None, "--select", "-s", help="只运行这些检查（编号、前缀或领域）"),
        ignore: list[str] = typer.Option(None, "--ignore", "-i", help="不运行这些检查"),
        fail_on: str = typer.Option(None, "--fail-on", help="存在该严重程度及以上的疑点时退出码为 1 (high/medium/low)"),
        no_mask: bool = typer.Option(False, "--no-mask", help="导出时不遮蔽身份证号、银行账号、电话"),
        no_validate: bool = typer.Option(False, "--no-validate", help="跳过 Great Expectations 数据校验"),
        log_file: Path = typer.Option(None, "--log", help="JSON 行日志文件（默认 OUT/xuncha.log.jsonl）"),
        layouts: list[Path] = typer.Option(None, "--layouts", help="自定义导出版式目录（见 docs/layouts.md）"),
        engine: str = typer.Option("duckdb", "--engine", help="运行检查的计算引擎：duckdb（默认）或 spark"),
        spark_master: str = typer.Option(None, "--spark-master", help="Spark master，如 local[2]（默认）或 spark://主机:7077"),
        spark_remote: str = typer.Option(None, "--spark-remote", help="Spark Connect 地址，如 sc://主机:15002"),
        spark_data: str = typer.Option(None, "--spark-data", help="交给 Spark 的 Parquet 目录（默认 OUT/_parquet；集群上用各节点可读的路径）"),
        open_report: bool = typer.Option(False, "--open", help="运行结束后用浏览器打开 report.html"),
    ) -> None:
        """运行全部流程：导入、校验、检查、导出 Run the whole job."""
        from xuncha_audit.app.batch import (
            environment_error,
            exit_code_for,
            exit_code_for_exception,
            setup_json_log,
        )
        from xuncha_audit.locks import run_lock

        console = Console(stderr=True)
        try:
            prepare_out_dir(out)
            setup_json_log(log_file or out / "xuncha.log.jsonl")
            cfg = load_run_config(config)
            if level:
                cfg.level = check_level(level)
            cfg.region = region or cfg.region
            cfg.city = city or cfg.city
            cfg.unit = unit or cfg.unit
            if fail_on:
                cfg.fail_on = check_severity(fail_on)
            if period_start or period_end:
                period = parse_run_config({"period": {"start": period_start or cfg.period_start,
                                                      "end": period_end or cfg.period_end}})
                cfg.period_start, cfg.period_end = period.period_start, period.period_end
            if no_mask:
                cfg.mask = False
            from xuncha_audit.db.engines import EngineOptions, handover_folder

            engine_opts = EngineOptions(engine, spark_master, spark_remote, spark_data)
            if engine_opts.name == "spark":  # a folder Spark cannot read: said before the load
                handover_folder(engine_opts, out)
            db_path = Path(db or out / "xuncha.duckdb")
            prepare_out_dir(db_path.parent)
            with run_lock(db_path):
                result = run_pipeline(data_dir, out, cfg, db_path=db_path, select=select, ignore=ignore,
                                      validate=not no_validate, feedback=ConsoleFeedback(console), layouts=layouts or (),
                                      engine=engine_opts)
            _summary(console, result, mask=cfg.mask)
            with duckdb.connect(str(db_path), read_only=True) as con:
                findings = of(con).fetch_df("SELECT severity, status FROM findings")
            failed = [c.check_id for c in result.checks.failed] if result.checks is not None else []
            code = exit_code_for(findings, cfg.fail_on, failed)
            if failed:
                log.error("checks failed", extra={"checks": failed, "exit_code": code})
                console.print(f"[red]有 {len(failed)} 项检查出错（{'、'.join(failed)}），这些检查没有给出结果（各单位均未判断，"
                              f"见数据质量工作表）；退出码 {code}[/red]（{len(failed)} check(s) failed: the run is "
                              "incomplete）", soft_wrap=True)
            if open_report:
                open_in_browser(console, Path((result.exports.get("files") or {}).get("report.html")
                                              or out / "report.html"))
        except XunchaError as exc:
            log.error("bad input or config", extra={"error": exc.message()})
            console.print(f"[red]错误[/red] {exc.message()}", soft_wrap=True)
            code = exit_code_for_exception(exc)
        except Exception as exc:  # environment (exit 2) or internal error (exit 3)
            env = environment_error(exc)
            if env is not None:  # read-only folder, full disk: the user's to fix
                log.error("cannot write", extra={"error": env.message()})
                console.print(f"[red]错误[/red] {env.message()}", soft_wrap=True)
            else:
                log.error("internal error", extra={"error": repr(exc), "traceback": traceback.format_exc()})
                console.print(f"[red]内部错误[/red] {type(exc).__name__}: {exc}（详情见日志 / see the log）", soft_wrap=True)
            code = exit_code_for_exception(exc)
        from xuncha_audit.cli import hard_exit

        hard_exit(code)
