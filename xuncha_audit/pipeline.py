"""The main job: load -> standards -> validate -> checks -> triage -> exports.

`xuncha-audit run DATA_DIR --out OUT_DIR` is safe to run unattended (cron, systemd timer):
non-interactive, logs JSON lines to ``OUT_DIR/xuncha.log.jsonl``, holds a lock on the
database while it works, and exits with 0 (ok), 1 (findings at or above ``--fail-on``),
2 (bad input or config) or 3 (internal error).
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from xuncha_audit import __version__
from xuncha_audit.config import (
    RunConfig,
    check_level,
    check_severity,
    load_run_config,
    parse_run_config,
)
from xuncha_audit.errors import XunchaError

log = logging.getLogger("xuncha_audit.run")

RUN_DDL = """
CREATE TABLE IF NOT EXISTS _run (
    run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, version VARCHAR,
    data_dir VARCHAR, config_json VARCHAR, status VARCHAR
)"""


CALENDAR_COVERED = (date(2004, 1, 1), date(2026, 12, 31))
# Dates that describe people and things, not events a rest-day rule looks at (a 1995 hire
# date must not make the calendar warn about 1995).
BACKGROUND_DATES = {"hire_date", "leave_date", "registered_date", "purchase_date", "disposal_date"}


def data_date_range(con) -> tuple[date, date]:
    """The calendar range a run needs: the covered years, widened to the data's dates.

    One query over every date column of the canonical tables; the calendar then warns
    (weekend-only fallback) only when the data really reaches years no calendar covers.
    """
    from xuncha_audit.contract import load_contract

    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    parts = [
        f'SELECT min("{c.name}") AS lo, max("{c.name}") AS hi FROM "{t.name}"'
        for t in load_contract().tables.values() if t.name in existing
        for c in t.columns.values() if c.type in ("date", "month") and c.name not in BACKGROUND_DATES
    ]
    lo, hi = CALENDAR_COVERED
    if parts:
        row = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})").fetchall()[0]  # fetchone() leaves the result open (DuckDB 2)
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
) -> PipelineResult:
    """Run the whole job; raise XunchaError on bad input/config."""
    from xuncha_audit import standards
    from xuncha_audit.engine.registry import default_registry
    from xuncha_audit.engine.runner import run_checks, validate_check_config
    from xuncha_audit.findings.batch import open_db_or_explain
    from xuncha_audit.ingest.loader import load_folder

    console = console or Console(stderr=True)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if not data_dir.is_dir():
        raise XunchaError("数据目录不存在", "data directory not found", file=str(data_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = Path(db_path or out_dir / "xuncha.duckdb")
    db_path.parent.mkdir(parents=True, exist_ok=True)

    checks_cfg = dict(cfg.checks or {})
    if select:
        checks_cfg["select"] = list(select)
    if ignore:
        checks_cfg["ignore"] = [*checks_cfg.get("ignore", []), *ignore]
    registry = default_registry()
    validate_check_config(checks_cfg, registry)  # fail fast on a bad config, before loading
    overrides = standards.parse_overrides(cfg.standards, source=cfg.source) if cfg.standards else None

    run_id = datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    result = PipelineResult(run_id=run_id, db_path=db_path, out_dir=out_dir)
    started = datetime.now()
    log.info("run started", extra={"run_id": run_id, "data_dir": str(data_dir), "db": str(db_path)})

    # 1. load
    t0 = time.perf_counter()
    console.print(f"[bold]1/5 导入数据[/bold] {data_dir} → {db_path}")
    result.load = load_folder(
        data_dir, db_path, unit=cfg.unit, level=cfg.level, region=cfg.region, city=cfg.city,
        mapping=cfg.mapping,
    )
    result.seconds["load"] = time.perf_counter() - t0
    log.info("loaded", extra={"run_id": run_id, "seconds": result.seconds["load"]})

    con = open_db_or_explain(db_path)
    ok = False
    try:
        con.execute(RUN_DDL)
        con.execute(
            "INSERT INTO _run VALUES (?, ?, NULL, ?, ?, ?, 'running')",
            [run_id, started, __version__, str(data_dir), json.dumps(cfg.as_dict(), ensure_ascii=False,
                                                                      default=str)],
        )
        # 2. standards
        t0 = time.perf_counter()
        console.print("[bold]2/5 载入标准[/bold]")
        standards.install(con, overrides, calendar_range=data_date_range(con))
        result.seconds["standards"] = time.perf_counter() - t0

        # 3. validation (GX, in DuckDB)
        if validate:
            t0 = time.perf_counter()
            console.print("[bold]3/5 数据校验[/bold] (Great Expectations)")
            con.close()
            from xuncha_audit.validate import validate_database

            period = (cfg.period_start, cfg.period_end) if cfg.period_start or cfg.period_end else None
            result.validation = validate_database(db_path, out_dir=out_dir, period=period)
            result.skipped_tables = set(getattr(result.validation, "critical_tables", set()) or set())
            con = open_db_or_explain(db_path)
            result.seconds["validate"] = time.perf_counter() - t0
            if result.skipped_tables:
                console.print(f"[yellow]关键校验未通过的表：{sorted(result.skipped_tables)}，依赖它们的检查将跳过[/yellow]")
        else:
            console.print("[bold]3/5 数据校验[/bold] 已跳过 (--no-validate)")

        # 4. checks
        t0 = time.perf_counter()
        console.print("[bold]4/5 运行疑点检查[/bold]")

        def _progress(spec, cr):
            style = {"ok": "green", "error": "red", "skipped": "yellow"}[cr.status]
            console.print(f"  [{style}]{cr.check_id}[/{style}] {spec.title_zh}: {cr.findings} 条 ({cr.seconds:.2f}s)"
                          + (f" [red]{cr.error}[/red]" if cr.status == "error" else ""))
            log.info("check", extra={"run_id": run_id, "check": cr.check_id, "status": cr.status,
                                     "findings": cr.findings, "seconds": cr.seconds, "error": cr.error})

        result.checks = run_checks(con, config=checks_cfg, run_id=run_id, skip_tables=result.skipped_tables,
                                   registry=registry, progress=_progress)
        result.seconds["checks"] = time.perf_counter() - t0

        # 5. triage + exports
        t0 = time.perf_counter()
        console.print(f"[bold]5/5 导出结果[/bold] → {out_dir}")
        from xuncha_audit.findings import apply_triage, export_all
        from xuncha_audit.findings.triage import STORE_NAME

        store = out_dir / STORE_NAME
        apply_triage(con, store, run_id=run_id)
        con.execute("UPDATE _run SET finished_at = ?, status = 'ok' WHERE run_id = ?", [datetime.now(), run_id])
        run_info = {
            "run_id": run_id, "version": __version__, "started_at": started.isoformat(timespec="seconds"),
            "data_dir": str(data_dir), "db": str(db_path), "config": cfg.as_dict(),
            "standards": standards.snapshot(overrides), "seconds": result.seconds,
        }
        result.exports = export_all(con, out_dir, mask=cfg.mask, store=store, run_info=run_info)
        if result.exports.get("carried"):
            c = result.exports["carried"]
            console.print(f"  已读回旧 findings.xlsx 中 {c['changed']} 个疑点的核实情况；旧工作簿备份为 {c['backup']}")
        result.seconds["export"] = time.perf_counter() - t0
        ok = True
    finally:
        if not ok:  # record the failure; the database stays usable
            try:
                con.execute("UPDATE _run SET finished_at = ?, status = 'failed' WHERE run_id = ?",
                            [datetime.now(), run_id])
            except Exception:  # the original error is what matters
                log.warning("could not mark the run as failed", extra={"run_id": run_id})
        con.close()
    log.info("run finished", extra={"run_id": run_id, "seconds": result.seconds})
    return result


def _summary(console: Console, result: PipelineResult) -> None:
    t = Table(title="运行结果 Run summary")
    t.add_column("项目")
    t.add_column("值", justify="right")
    checks = result.checks
    t.add_row("运行编号 run id", result.run_id)
    if checks is not None:
        t.add_row("检查项 checks", str(len(checks.checks)))
        t.add_row("疑点 findings", str(checks.total_findings))
        t.add_row("失败的检查 failed", ", ".join(c.check_id for c in checks.failed) or "无")
    for k, v in result.seconds.items():
        t.add_row(f"耗时 {k}", f"{v:.1f}s")
    t.add_row("输出目录 out", str(result.out_dir))
    console.print(t)


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
    ) -> None:
        """运行全部流程：导入、校验、检查、导出 Run the whole job."""
        from xuncha_audit.findings.batch import (
            exit_code_for,
            exit_code_for_exception,
            run_lock,
            setup_json_log,
        )

        console = Console(stderr=True)
        out.mkdir(parents=True, exist_ok=True)
        setup_json_log(log_file or out / "xuncha.log.jsonl")
        try:
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
            db_path = Path(db or out / "xuncha.duckdb")
            db_path.parent.mkdir(parents=True, exist_ok=True)
            with run_lock(db_path):
                result = run_pipeline(data_dir, out, cfg, db_path=db_path, select=select, ignore=ignore,
                                      validate=not no_validate, console=console)
            _summary(console, result)
            import duckdb

            with duckdb.connect(str(db_path), read_only=True) as con:
                findings = con.execute("SELECT severity, status FROM findings").df()
            code = exit_code_for(findings, cfg.fail_on)
        except XunchaError as exc:
            log.error("bad input or config", extra={"error": exc.message()})
            console.print(f"[red]错误[/red] {exc.message()}")
            code = exit_code_for_exception(exc)
        except Exception as exc:  # internal error: logged with traceback, exit 3
            log.error("internal error", extra={"error": repr(exc), "traceback": traceback.format_exc()})
            console.print(f"[red]内部错误[/red] {type(exc).__name__}: {exc}（详情见日志 / see the log）")
            code = exit_code_for_exception(exc)
        from xuncha_audit.cli import hard_exit

        hard_exit(code)
