"""The main job: load -> standards -> validate -> checks -> triage -> exports.

`xuncha-audit run DATA_DIR --out OUT_DIR` is safe to run unattended (cron, systemd timer):
non-interactive, logs JSON lines to ``OUT_DIR/xuncha.log.jsonl``, holds a lock on the
database while it works, and exits with 0 (ok), 1 (findings at or above ``--fail-on``),
2 (bad input or config) or 3 (internal error).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xuncha_audit import __version__
from xuncha_audit.config import (
    RunConfig,
    check_level,
    check_severity,
    load_run_config,
    parse_run_config,
)
from xuncha_audit.db import of
from xuncha_audit.errors import XunchaError

log = logging.getLogger("xuncha_audit.run")

from xuncha_audit.runstate import RUN_DDL as RUN_DDL  # noqa: E402  (kept importable)

CALENDAR_COVERED = (date(2004, 1, 1), date(2026, 12, 31))
# Dates that describe people and things, not events a rest-day rule looks at (a 1995 hire
# date must not make the calendar warn about 1995).
BACKGROUND_DATES = {"hire_date", "leave_date", "registered_date", "purchase_date", "disposal_date"}


def data_date_range(con) -> tuple[date, date]:
    """The calendar range a run needs: the covered years, widened to the data's dates.

    One query over every date column of the canonical tables; the calendar then warns
    (weekend-only fallback) only when the data really reaches years no calendar covers.
    """
    be = of(con)
    from xuncha_audit.contract import load_contract

    existing = {r[0] for r in be.fetch_all("SELECT table_name FROM information_schema.tables")}
    parts = [
        f'SELECT min("{c.name}") AS lo, max("{c.name}") AS hi FROM "{t.name}"'
        for t in load_contract().tables.values() if t.name in existing
        for c in t.columns.values() if c.type in ("date", "month") and c.name not in BACKGROUND_DATES
    ]
    lo, hi = CALENDAR_COVERED
    if parts:
        row = be.fetch_one(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})")
        lo = min(lo, row[0]) if row[0] else lo
        hi = max(hi, row[1]) if row[1] else hi
    # Sanity bounds: a garbled year 2204 must not build a 200-year calendar.
    return max(lo, date(1990, 1, 1)), min(hi, date(date.today().year + 5, 12, 31))


@dataclass
class PipelineResult:
    run_id: str
    db_path: Path
    out_dir: Path
    load: object | None = None
    validation: object | None = None
    checks: object | None = None
    exports: dict = field(default_factory=dict)
    skipped_tables: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)
    build_path: Path | None = None
    missing_tables: list = field(default_factory=list)


def prepare_out_dir(out_dir: Path) -> None:
    """The output folder exists (created if needed) and is writable; else exit 2 with a
    Chinese message naming the path (a file in the way, a read-only folder, a full disk)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise XunchaError("输出目录（--out）指向的是一个已存在的文件，不是文件夹。请换一个目录",
                          "--out names an existing file", file=str(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as exc:
        from xuncha_audit.findings.batch import environment_error

        err = environment_error(exc)
        raise (err or XunchaError("无法写入输出目录", str(exc), file=str(out_dir))) from exc


def run_pipeline(
    data_dir: Path,
    out_dir: Path,
    cfg: RunConfig,
    *,
    db_path: Path | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    validate: bool = True,
    console: Console | None = None,
    layouts: list[Path] | tuple = (),
    engine=None,
) -> PipelineResult:
    """Run the whole job; raise XunchaError on bad input/config.

    ``engine``: ``xuncha_audit.db.engines.EngineOptions`` (None = the checks run in DuckDB).

    The run works in a fresh database (see ``xuncha_audit.runstate``): it sees exactly its
    inputs; ``<db>`` is replaced only when the exports and the triage store are written.
    """
    from xuncha_audit import runstate, standards
    from xuncha_audit.engine.registry import default_registry
    from xuncha_audit.engine.runner import run_checks, validate_check_config
    from xuncha_audit.findings.batch import open_db_or_explain, run_lock
    from xuncha_audit.ingest.loader import check_something_loaded, load_folder

    console = console or Console(stderr=True)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if not data_dir.is_dir():
        raise XunchaError("数据目录不存在", "data directory not found", file=str(data_dir))
    prepare_out_dir(out_dir)
    db_path = Path(db_path or out_dir / "xuncha.duckdb")
    if db_path.exists() and db_path.is_dir():
        raise XunchaError("数据库路径（--db）是一个文件夹", "--db names a directory", file=str(db_path))
    prepare_out_dir(db_path.parent)

    checks_cfg = dict(cfg.checks or {})
    if select:
        checks_cfg["select"] = list(select)
    if ignore:
        checks_cfg["ignore"] = [*checks_cfg.get("ignore", []), *ignore]
    registry = default_registry()
    validate_check_config(checks_cfg, registry)  # fail fast on a bad config, before loading
    overrides = standards.parse_overrides(cfg.standards, source=cfg.source) if cfg.standards else None
    from xuncha_audit.dbsettings import set_overrides

    set_overrides(cfg.duckdb)  # every connection of the run: memory_limit / threads / temp_directory

    run_id = datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    result = PipelineResult(run_id=run_id, db_path=db_path, out_dir=out_dir)
    started = datetime.now()
    log.info("run started", extra={"run_id": run_id, "data_dir": str(data_dir), "db": str(db_path)})

    build = runstate.build_path_for(db_path)
    result.build_path = build
    con = duckdb.connect(str(build))
    from xuncha_audit.dbsettings import configure

    configure(con, build)  # memory_limit / threads / temp_directory for the whole run
    published = False
    try:
        interrupted = runstate.carry_history(con, db_path)
        for rid in interrupted:
            console.print(f"[yellow]上次运行 {rid} 未正常结束，已记为「中断」[/yellow]")
            log.warning("interrupted run found", extra={"run_id": run_id, "interrupted": rid})
        runstate.start_run(con, run_id, started, __version__, str(data_dir),
                           json.dumps(cfg.as_dict(), ensure_ascii=False, default=str))

        # 1. load (into the fresh build: nothing of an earlier run survives)
        t0 = runstate.begin_stage(con, run_id, "load")
        con.close()
        console.print(f"[bold]1/5 导入数据[/bold] {data_dir} → {db_path}")
        with load_progress(console) as on_file:
            result.load = load_folder(
                data_dir, build, unit=cfg.unit, level=cfg.level, region=cfg.region, city=cfg.city,
                mapping=cfg.mapping, layouts=layouts, period=(cfg.period_start, cfg.period_end),
                progress=on_file,
            )
        con = open_db_or_explain(build)
        check_something_loaded(result.load)  # nothing loaded: exit 2 with the per-file listing
        from xuncha_audit.engine.coverage import write_unit_tables

        write_unit_tables(con)
        result.seconds["load"] = runstate.end_stage(con, run_id, "load", t0, detail=_load_detail(result.load))
        log.info("loaded", extra={"run_id": run_id, "seconds": result.seconds["load"]})
        _unreadable_files(console, result.load, cfg.on_unreadable)

        # 2. standards
        t0 = runstate.begin_stage(con, run_id, "standards")
        console.print("[bold]2/5 载入标准[/bold]")
        standards.install(con, overrides, calendar_range=data_date_range(con))
        result.seconds["standards"] = runstate.end_stage(con, run_id, "standards", t0)

        # 3. validation (GX, in DuckDB)
        if validate:
            t0 = runstate.begin_stage(con, run_id, "validate")
            console.print("[bold]3/5 数据校验[/bold] (Great Expectations)")
            con.close()
            from xuncha_audit.validate import validate_database

            period = (cfg.period_start, cfg.period_end) if cfg.period_start or cfg.period_end else None
            with console.status("  数据校验中 validating…"):
                result.validation = validate_database(build, out_dir=out_dir, period=period, data_docs=False)
            result.skipped_tables = set(getattr(result.validation, "critical_tables", set()) or set())
            con = open_db_or_explain(build)
            detail = f"critical failures: {sorted(result.skipped_tables)}" if result.skipped_tables else None
            result.seconds["validate"] = runstate.end_stage(con, run_id, "validate", t0, detail=detail)
            console.print(f"  数据校验完成 {result.seconds['validate']:.1f}s")
            if result.skipped_tables:
                console.print(f"[yellow]关键校验未通过的表：{sorted(result.skipped_tables)}，依赖它们的检查将跳过[/yellow]")
        else:
            runstate.end_stage(con, run_id, "validate", runstate.begin_stage(con, run_id, "validate"),
                               status="skipped", detail="--no-validate")
            console.print("[bold]3/5 数据校验[/bold] 已跳过 (--no-validate)")

        # Tables the selected checks need but nobody supplied: not "all rules passed".
        from xuncha_audit.engine.coverage import record_required_empty, required_but_empty

        result.missing_tables = required_but_empty(con, registry.select(checks_cfg.get("select"),
                                                                         checks_cfg.get("ignore")))
        record_required_empty(con, result.missing_tables)
        for t, title, codes in result.missing_tables:
            console.print(f"[red]缺少数据[/red] {title}（{t}）没有任何数据：检查 {'、'.join(codes)} 将不执行")

        # 4. checks
        t0 = runstate.begin_stage(con, run_id, "checks")
        console.print("[bold]4/5 运行疑点检查[/bold]")

        def _progress(spec, cr):
            console.print(check_line(spec, cr))
            log.info("check", extra={"run_id": run_id, "check": cr.check_id, "status": cr.status,
                                     "findings": cr.findings, "seconds": cr.seconds, "error": cr.error,
                                     "note": cr.note})

        from xuncha_audit.db.engines import open_engine

        backend = open_engine(engine, con, registry.select(checks_cfg.get("select"), checks_cfg.get("ignore")),
                              registry, out_dir)
        try:
            result.checks = run_checks(con, config=checks_cfg, run_id=run_id, skip_tables=result.skipped_tables,
                                       registry=registry, progress=_progress, backend=backend)
        finally:
            if backend is not None:
                backend.close()
        failed = [c.check_id for c in result.checks.failed]
        result.seconds["checks"] = runstate.end_stage(
            con, run_id, "checks", t0, status="partial" if failed else "ok",
            detail=f"failed: {failed}" if failed else None)

        # 5. triage (marks), exports, then the triage store (written after the exports it
        # describes), all under the store's lock; then the database takes its place.
        console.print(f"[bold]5/5 导出结果[/bold] → {out_dir}")
        from xuncha_audit.findings import export_all
        from xuncha_audit.findings.triage import STORE_NAME, TriageStore, apply_triage, save_triage

        store = TriageStore(out_dir / STORE_NAME)
        from xuncha_audit.findings.workbook import carry_over_workbook

        # Statuses typed in the previous findings.xlsx go into the store (and the file to 备份/)
        # before triage reads the store; an unreadable edit stops the run here.
        carried = carry_over_workbook(out_dir, store)
        if carried:
            console.print(f"  已读回旧 findings.xlsx 中 {carried['changed']} 个疑点的核实情况；"
                          f"旧工作簿备份为 {carried['backup']}")
        judged = judged_checks(result.checks)
        with run_lock(store.path):
            t0 = runstate.begin_stage(con, run_id, "triage")
            marks = apply_triage(con, store, run_id=run_id, save=False, judged_checks=judged,
                                 lock_held=True)
            from xuncha_audit.findings.amounts import write_amount_dedup

            write_amount_dedup(con)  # after triage: findings carry their lasting ids
            result.seconds["triage"] = runstate.end_stage(con, run_id, "triage", t0,
                                                          detail=json.dumps(marks.get("marks"), ensure_ascii=False))
            t0 = runstate.begin_stage(con, run_id, "export")
            run_info = {
                "run_id": run_id, "version": __version__, "started_at": started.isoformat(timespec="seconds"),
                "data_dir": str(data_dir), "db": str(db_path), "config": cfg.as_dict(),
                "standards": standards.snapshot(overrides), "seconds": result.seconds,
            }
            with console.status("  导出中 exporting…"):
                result.exports = export_all(con, out_dir, mask=cfg.mask, store=store, run_info=run_info,
                                            carry_over=False)
            result.seconds["export"] = runstate.end_stage(con, run_id, "export", t0)
            console.print(f"  导出完成 {result.seconds['export']:.1f}s")
            t0 = runstate.begin_stage(con, run_id, "save_triage")
            save_triage(con, store, lock_held=True)
            runstate.end_stage(con, run_id, "save_triage", t0)
        runstate.finish_run(con, run_id, "ok")
        of(con).execute("CHECKPOINT")
        con.close()
        runstate.publish(build, db_path)
        published = True
    except BaseException as exc:
        with contextlib.suppress(Exception):
            runstate.finish_run(con, run_id, "failed", message=_short(exc))
        with contextlib.suppress(Exception):
            con.close()
        try:
            runstate.record_failure(build, db_path, run_id)
        except Exception:  # the original error is what matters
            log.warning("could not record the failed run", extra={"run_id": run_id})
        raise
    finally:
        if not published:
            with contextlib.suppress(Exception):
                con.close()
    log.info("run finished", extra={"run_id": run_id, "seconds": result.seconds})
    return result


@contextlib.contextmanager
def load_progress(console: Console):
    """A per-file progress bar while loading; yields the ``progress(done, total, file)``
    callback of :func:`~xuncha_audit.ingest.loader.load_folder`. Transient, and shown only
    when the console is a terminal (Rich draws nothing into a log file, a pipe or a test)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("  [bold]导入[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def on_file(done: int, total: int, current: str | None) -> None:
            bar.update(task, total=total, completed=done, description=escape(current or "完成"))

        yield on_file


def _unreadable_files(console: Console, report, on_unreadable: str) -> None:
    """Files that could not be read at all: on the console and in the JSON log; unless the
    configuration says ``on_unreadable: continue``, the run stops with exit code 2."""
    bad = list(getattr(report, "unreadable", None) or [])
    for e in bad:
        console.print(f"[red]无法读取[/red] {e.message_zh}")
        log.error("file unreadable", extra={"file": e.file, "rows": e.rows_read, "error": e.message_en})
    if bad and on_unreadable != "continue":
        names = "、".join(e.file for e in bad)
        raise XunchaError(
            f"{len(bad)} 个数据文件无法读取（{names}），其行已计入隔离区；运行已停止。"
            "修复或移走这些文件后重新运行，或在配置文件中设置 on_unreadable: continue 以跳过它们继续运行",
            f"{len(bad)} data file(s) unreadable: {names}", file=bad[0].file,
        )
    if bad:
        console.print(f"[yellow]已按配置 on_unreadable: continue 跳过 {len(bad)} 个无法读取的文件继续运行[/yellow]")


def _short(exc: BaseException) -> str:
    msg = exc.message() if isinstance(exc, XunchaError) else f"{type(exc).__name__}: {exc}"
    return msg[:2000]


def _load_detail(report) -> str | None:
    if report is None:
        return None
    entries = getattr(report, "entries", []) or []
    errors = [e.file for e in entries if getattr(e, "status", None) == "error"]
    return json.dumps({"files": len(entries), "errors": errors[:20]}, ensure_ascii=False)


def judged_checks(checks) -> list[str]:
    """Checks whose absent findings really are gone: those that ran (ok) or could not run
    because their input is absent (the data that carried the findings was removed).
    Checks that failed, or were skipped because an input failed validation, keep their
    findings' triage as it was; checks not selected in this run are not compared."""
    if checks is None:
        return []
    return [c.check_id for c in checks.checks if c.status in ("ok", "not_run")]


STATUS_STYLE = {"ok": "green", "error": "red", "skipped": "yellow", "not_run": "yellow"}


def check_line(spec, cr) -> str:
    """One console line per check: findings, or why it did not judge (some) units."""
    style = STATUS_STYLE.get(cr.status, "white")
    head = f"  [{style}]{cr.check_id}[/{style}] {spec.title_zh}: "
    if cr.status == "not_run":
        text = f"[yellow]未执行[/yellow]（{cr.note or '缺少输入数据'}）"
    elif cr.status == "skipped":
        text = f"[yellow]跳过[/yellow] {cr.error or ''}"
    elif cr.status == "error":
        text = f"[red]出错[/red] {cr.error}"
    else:
        text = f"{cr.findings} 条 ({cr.seconds:.2f}s)"
        if cr.note:
            text += f" [yellow]{cr.note}[/yellow]"
    notes = getattr(cr, "notes", None) or []
    for n in notes:
        text += f"\n      [cyan]数据质量说明[/cyan] {n}"
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


TOP_N = 5
TITLE_WIDTH = 60


def _money(v) -> str:
    return "—" if v is None or v != v else f"{float(v):,.2f}"


def _cut(text, width: int = TITLE_WIDTH) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def top_findings(con, store, *, mask: bool = True, n: int = TOP_N) -> list[dict]:
    """The first ``n`` findings by severity, then amount (as the report's 重点疑点), with
    their short numbers (P01-0007) from the triage store; works on a read-only connection."""
    be = of(con)
    from xuncha_audit.findings.numbers import NUMBERS_TABLE, create_numbers
    from xuncha_audit.findings.views import findings_select

    if not be.exists("findings"):
        return []
    # Only the findings (not the evidence): the numbering needs _x_findings and _x_gone.
    be.execute("CREATE OR REPLACE TEMP TABLE _x_findings AS " + findings_select(con, mask=mask))
    gone = "findings_gone" if be.exists("findings_gone") else None
    be.execute("CREATE OR REPLACE TEMP TABLE _x_gone AS "
               + (findings_select(con, mask=mask, source=gone) if gone
                   else "SELECT * FROM _x_findings WHERE false"))
    try:
        create_numbers(con, store)
        num = f"LEFT JOIN {NUMBERS_TABLE} n USING (finding_id, check_id)"
        short = "n.short_no"
    except Exception:  # an unreadable store: the 16-hex ids still name the findings
        num, short = "", "NULL"
    rows = be.fetch_all(f"""
        SELECT coalesce({short}, x.finding_id) AS no, x.check_id, x.severity_zh, x.unit, x.title,
               x.amount
        FROM _x_findings x {num}
        ORDER BY x._sev_rank DESC NULLS LAST, x.amount DESC NULLS LAST, x.finding_id
        LIMIT {int(n)}""")
    return [dict(zip(("no", "check_id", "severity_zh", "unit", "title", "amount"), r, strict=True)) for r in rows]


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
        from xuncha_audit.findings.batch import (
            environment_error,
            exit_code_for,
            exit_code_for_exception,
            run_lock,
            setup_json_log,
        )

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
            from xuncha_audit.db.engines import EngineOptions

            engine_opts = EngineOptions(engine, spark_master, spark_remote, spark_data)
            db_path = Path(db or out / "xuncha.duckdb")
            prepare_out_dir(db_path.parent)
            with run_lock(db_path):
                result = run_pipeline(data_dir, out, cfg, db_path=db_path, select=select, ignore=ignore,
                                      validate=not no_validate, console=console, layouts=layouts or (),
                                      engine=engine_opts)
            _summary(console, result, mask=cfg.mask)
            import duckdb

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
