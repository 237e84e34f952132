"""The main job: load -> standards -> validate -> checks -> triage -> exports.

:func:`run_pipeline` is the job, with no terminal library: it tells its progress to a
:class:`Feedback` and raises ``XunchaError`` on bad input or configuration. The command
``xuncha-audit run DATA_DIR --out OUT_DIR`` (``xuncha_audit.cli.run``) wraps it for
unattended use (cron, systemd timer): JSON-lines log in ``OUT_DIR/xuncha.log.jsonl``, the
database's lock held while it works, exit 0 (ok), 1 (findings at or above ``--fail-on``),
2 (bad input, config or environment), 3 (internal error) or 4 (some checks failed).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from xuncha_audit import __version__
from xuncha_audit.config import RunConfig
from xuncha_audit.db import of
from xuncha_audit.errors import XunchaError

log = logging.getLogger("xuncha_audit.run")


class Feedback:
    """What a run tells whoever watches it while it works, as events (no Rich, no Typer).

    The base class says nothing (the JSON log records the run either way); the command line
    renders the events in colour (``xuncha_audit.cli.run.ConsoleFeedback``), a test or a
    notebook may record them. ``level`` is ``info``, ``warn`` or ``error``; ``tag`` is a
    short lead word (无法读取, 缺少数据) a renderer may set apart.
    """

    def stage(self, n: int, title: str, detail: str = "") -> None:
        """Stage ``n`` of 5 begins (导入数据, 载入标准, 数据校验, 运行疑点检查, 导出结果)."""

    def say(self, text: str, *, level: str = "info", tag: str | None = None) -> None:
        """A line of its own: a result, a warning, why something will not run."""

    def check(self, spec, result) -> None:
        """One check finished (``result``: engine.runner.CheckResult)."""

    @contextlib.contextmanager
    def busy(self, text: str):
        """A step without progress of its own (validating, exporting) is under way."""
        yield

    @contextlib.contextmanager
    def files(self):
        """Loading; yields the ``progress(done, total, current_file)`` callback of
        :func:`~xuncha_audit.ingest.loader.load_folder`."""
        yield lambda done, total, current: None


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
    # for the closing lines: {"headline": ..., "top": [...]}, read before the database closed
    closing: dict | None = None


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
        from xuncha_audit.app.batch import environment_error

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
    feedback: Feedback | None = None,
    layouts: list[Path] | tuple = (),
    engine=None,
) -> PipelineResult:
    """Run the whole job; raise XunchaError on bad input/config.

    ``engine``: ``xuncha_audit.db.engines.EngineOptions`` (None = the checks run in DuckDB).
    ``feedback``: where the run's progress goes (default: nowhere but the JSON log).

    The run works in a fresh database (see ``xuncha_audit.app.runstate``): it sees exactly its
    inputs; ``<db>`` is replaced only when the exports and the triage store are written.
    """
    from xuncha_audit import standards
    from xuncha_audit.app import runstate
    from xuncha_audit.app.batch import open_db_or_explain
    from xuncha_audit.engine.registry import default_registry
    from xuncha_audit.engine.runner import run_checks, validate_check_config
    from xuncha_audit.ingest.loader import check_something_loaded, load_folder
    from xuncha_audit.locks import run_lock

    feedback = feedback or Feedback()
    say = feedback.say
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
            say(f"上次运行 {rid} 未正常结束，已记为「中断」", level="warn")
            log.warning("interrupted run found", extra={"run_id": run_id, "interrupted": rid})
        runstate.start_run(con, run_id, started, __version__, str(data_dir),
                           json.dumps(cfg.as_dict(), ensure_ascii=False, default=str))

        # 1. load (into the fresh build: nothing of an earlier run survives)
        def little_space(zh: str, en: str) -> None:
            say(zh, level="warn")
            log.warning("little temporary space", extra={"run_id": run_id, "detail": en})

        t0 = runstate.begin_stage(con, run_id, "load")
        con.close()
        feedback.stage(1, "导入数据", f"{data_dir} → {db_path}")
        with feedback.files() as on_file:
            result.load = load_folder(
                data_dir, build, unit=cfg.unit, level=cfg.level, region=cfg.region, city=cfg.city,
                mapping=cfg.mapping, layouts=layouts, period=(cfg.period_start, cfg.period_end),
                progress=on_file, warn=little_space,
            )
        con = open_db_or_explain(build)
        check_something_loaded(result.load)  # nothing loaded: exit 2 with the per-file listing
        from xuncha_audit.engine.coverage import write_unit_tables

        write_unit_tables(con)
        result.seconds["load"] = runstate.end_stage(con, run_id, "load", t0, detail=_load_detail(result.load))
        log.info("loaded", extra={"run_id": run_id, "seconds": result.seconds["load"]})
        _unreadable_files(feedback, result.load, cfg.on_unreadable)

        # 2. standards
        t0 = runstate.begin_stage(con, run_id, "standards")
        feedback.stage(2, "载入标准")
        standards.install(con, overrides, calendar_range=data_date_range(con))
        result.seconds["standards"] = runstate.end_stage(con, run_id, "standards", t0)

        # 3. validation (GX, in DuckDB)
        if validate:
            t0 = runstate.begin_stage(con, run_id, "validate")
            feedback.stage(3, "数据校验", "(Great Expectations)")
            con.close()
            from xuncha_audit.validate import validate_database

            period = (cfg.period_start, cfg.period_end) if cfg.period_start or cfg.period_end else None
            with feedback.busy("数据校验中 validating…"):
                result.validation = validate_database(build, out_dir=out_dir, period=period, data_docs=False)
            result.skipped_tables = set(getattr(result.validation, "critical_tables", set()) or set())
            con = open_db_or_explain(build)
            detail = f"critical failures: {sorted(result.skipped_tables)}" if result.skipped_tables else None
            result.seconds["validate"] = runstate.end_stage(con, run_id, "validate", t0, detail=detail)
            say(f"  数据校验完成 {result.seconds['validate']:.1f}s")
            if result.skipped_tables:
                say(f"关键校验未通过的表：{sorted(result.skipped_tables)}，依赖它们的检查将跳过", level="warn")
        else:
            runstate.end_stage(con, run_id, "validate", runstate.begin_stage(con, run_id, "validate"),
                               status="skipped", detail="--no-validate")
            feedback.stage(3, "数据校验", "已跳过 (--no-validate)")

        # Tables the selected checks need but nobody supplied: not "all rules passed".
        from xuncha_audit.engine.coverage import record_required_empty, required_but_empty

        result.missing_tables = required_but_empty(con, registry.select(checks_cfg.get("select"),
                                                                         checks_cfg.get("ignore")))
        record_required_empty(con, result.missing_tables)
        for t, title, codes in result.missing_tables:
            say(f"{title}（{t}）没有任何数据：检查 {'、'.join(codes)} 将不执行", level="error", tag="缺少数据")

        # 4. checks
        t0 = runstate.begin_stage(con, run_id, "checks")
        feedback.stage(4, "运行疑点检查")

        def _progress(spec, cr):
            feedback.check(spec, cr)
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
        feedback.stage(5, "导出结果", f"→ {out_dir}")
        from xuncha_audit.findings import export_all
        from xuncha_audit.findings.triage import STORE_NAME, TriageStore, apply_triage, save_triage

        store = TriageStore(out_dir / STORE_NAME)
        from xuncha_audit.findings.workbook import carry_over_workbook

        # Statuses typed in the previous findings.xlsx go into the store (and the file to 备份/)
        # before triage reads the store; an unreadable edit stops the run here.
        carried = carry_over_workbook(out_dir, store)
        if carried:
            say(f"  已读回旧 findings.xlsx 中 {carried['changed']} 个疑点的核实情况；"
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
            with feedback.busy("导出中 exporting…"):
                result.exports = export_all(con, out_dir, mask=cfg.mask, store=store, run_info=run_info,
                                            carry_over=False)
            result.seconds["export"] = runstate.end_stage(con, run_id, "export", t0)
            say(f"  导出完成 {result.seconds['export']:.1f}s")
            t0 = runstate.begin_stage(con, run_id, "save_triage")
            save_triage(con, store, lock_held=True)
            runstate.end_stage(con, run_id, "save_triage", t0)
            with contextlib.suppress(Exception):  # the closing lines never fail a finished run
                from xuncha_audit.findings.amounts import headline

                result.closing = {"headline": headline(con), "top": top_findings(con, store, mask=cfg.mask)}
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


def _unreadable_files(feedback: Feedback, report, on_unreadable: str) -> None:
    """Files that could not be read at all: to the feedback and the JSON log; unless the
    configuration says ``on_unreadable: continue``, the run stops with exit code 2."""
    bad = list(getattr(report, "unreadable", None) or [])
    for e in bad:
        feedback.say(e.message_zh, level="error", tag="无法读取")
        log.error("file unreadable", extra={"file": e.file, "rows": e.rows_read, "error": e.message_en})
    if bad and on_unreadable != "continue":
        names = "、".join(e.file for e in bad)
        raise XunchaError(
            f"{len(bad)} 个数据文件无法读取（{names}），其行已计入隔离区；运行已停止。"
            "修复或移走这些文件后重新运行，或在配置文件中设置 on_unreadable: continue 以跳过它们继续运行",
            f"{len(bad)} data file(s) unreadable: {names}", file=bad[0].file,
        )
    if bad:
        feedback.say(f"已按配置 on_unreadable: continue 跳过 {len(bad)} 个无法读取的文件继续运行", level="warn")


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


TOP_N = 5
def top_findings(con, store, *, mask: bool = True, n: int = TOP_N) -> list[dict]:
    """The first ``n`` findings by severity, then amount (as the report's 重点疑点), with
    their short numbers (P01-0007) from the triage store; works on a read-only connection."""
    be = of(con)
    from xuncha_audit.findings.numbers import NUMBERS_TABLE, create_numbers
    from xuncha_audit.findings.views import LISTING_ORDER, findings_select

    if not be.exists("findings"):
        return []
    num, short = f"LEFT JOIN {NUMBERS_TABLE} n USING (finding_id, check_id)", "n.short_no"
    if not be.exists(NUMBERS_TABLE, temporary=True):  # else the export's, on this connection
        # Only the findings (not the evidence): the numbering needs _x_findings and _x_gone.
        be.execute("CREATE OR REPLACE TEMP TABLE _x_findings AS " + findings_select(con, mask=mask))
        gone = "findings_gone" if be.exists("findings_gone") else None
        be.execute("CREATE OR REPLACE TEMP TABLE _x_gone AS "
                   + (findings_select(con, mask=mask, source=gone) if gone
                       else "SELECT * FROM _x_findings WHERE false"))
        try:
            create_numbers(con, store)
        except Exception:  # an unreadable store: the 16-hex ids still name the findings
            num, short = "", "NULL"
    rows = be.fetch_all(f"""
        SELECT coalesce({short}, x.finding_id) AS no, x.check_id, x.severity_zh, x.unit, x.title,
               x.amount
        FROM _x_findings x {num}
        ORDER BY {LISTING_ORDER}
        LIMIT {int(n)}""")
    return [dict(zip(("no", "check_id", "severity_zh", "unit", "title", "amount"), r, strict=True)) for r in rows]
