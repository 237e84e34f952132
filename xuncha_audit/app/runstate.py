"""The run's database lifecycle and its bookkeeping (`_run`, `_run_stages`).

A run never works in the database the previous run left behind. It builds a fresh DuckDB
file next to it (``<db>.build-<pid>-<hex>``), loads, validates, checks and exports there,
and only when everything is written (exports, triage store) replaces ``<db>`` with it
(``os.replace``: atomic). So

- nothing of an earlier run survives into a new one (a deleted or emptied source file takes
  its rows, and so its findings, with it);
- a run killed at any point leaves the previous database, outputs and triage store as they
  were (consistent with each other); the next run finds the dead run's build file, records
  the run in ``_run`` as 中断 (interrupted) at the stage it had reached, and removes it;
- a run that fails (bad input, full disk) is recorded as failed in the previous database,
  which stays in place.

`_run` history (and `_run_stages`) is carried from the previous database into the new one.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from datetime import datetime
from pathlib import Path

import duckdb

from xuncha_audit.db import of, quote
from xuncha_audit.errors import XunchaError

BUILD_INFIX = ".build-"

RUN_DDL = """
CREATE TABLE IF NOT EXISTS _run (
    run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, version VARCHAR,
    data_dir VARCHAR, config_json VARCHAR, status VARCHAR, stage VARCHAR, status_zh VARCHAR,
    pid BIGINT, message VARCHAR
)"""
RUN_STAGES_DDL = """
CREATE TABLE IF NOT EXISTS _run_stages (
    run_id VARCHAR, stage VARCHAR, status VARCHAR, started_at TIMESTAMP,
    finished_at TIMESTAMP, seconds DOUBLE, detail VARCHAR
)"""
RUN_COLUMNS = ("run_id", "started_at", "finished_at", "version", "data_dir", "config_json",
               "status", "stage", "status_zh", "pid", "message")
STAGE_COLUMNS = ("run_id", "stage", "status", "started_at", "finished_at", "seconds", "detail")

# _run.status (code) and status_zh: running -> ok | failed; a run killed before it
# finished is recorded by the next run as interrupted (中断) at the stage it had reached.
RUN_STATUS_ZH = {"running": "运行中", "ok": "完成", "failed": "失败", "interrupted": "中断"}
STAGES = ("load", "standards", "validate", "checks", "triage", "export", "save_triage")
STAGE_ZH = {"load": "导入", "standards": "载入标准", "validate": "数据校验", "checks": "疑点检查",
            "triage": "核实比对", "export": "导出", "save_triage": "保存核实记录"}


def ensure_run_tables(con) -> None:
    be = of(con)
    be.execute(RUN_DDL)
    be.execute(RUN_STAGES_DDL)
    for col, typ in (("stage", "VARCHAR"), ("status_zh", "VARCHAR"), ("pid", "BIGINT"),
                     ("message", "VARCHAR"), ("data_dir", "VARCHAR"), ("config_json", "VARCHAR")):
        be.execute(f'ALTER TABLE _run ADD COLUMN IF NOT EXISTS "{col}" {typ}')


def build_path_for(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}{BUILD_INFIX}{os.getpid()}-{uuid.uuid4().hex[:6]}")


def _build_pid(path: Path, db_path: Path) -> int | None:
    try:
        return int(path.name[len(db_path.name) + len(BUILD_INFIX):].split("-", 1)[0])
    except ValueError:
        return None


def leftover_builds(db_path: Path) -> list[Path]:
    """Build files of runs whose process is gone (killed, or a zombie)."""
    from xuncha_audit.locks import pid_alive

    out = []
    for p in sorted(db_path.parent.glob(f"{db_path.name}{BUILD_INFIX}*")):
        if p.name.endswith(".wal") or p.name.endswith(".tmp"):
            continue
        pid = _build_pid(p, db_path)
        if pid is not None and (pid == os.getpid() or pid_alive(pid)):
            continue  # this process's own build, or a live run's
        out.append(p)
    return out


def _remove_db_file(p: Path) -> None:
    for f in (p, p.with_name(p.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


def _copy_history(con, alias: str) -> None:
    """Copy `_run`/`_run_stages` rows of the attached database ``alias`` that ``con`` does
    not have yet; runs still marked running there are recorded as interrupted."""
    be = of(con)
    have = {r[0] for r in be.fetch_all(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $a", {"a": alias})}
    if "_run" in have:
        cols = {r[0] for r in be.fetch_all(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = $a AND table_name = '_run'",
            {"a": alias})}
        sel = ", ".join(f'"{c}"' if c in cols else f'NULL AS "{c}"' for c in RUN_COLUMNS)
        be.execute(
            f"""INSERT INTO _run BY NAME
            SELECT * REPLACE (
                CASE WHEN status = 'running' OR status IS NULL THEN 'interrupted' ELSE status END AS status,
                CASE WHEN status = 'running' OR status IS NULL THEN '{RUN_STATUS_ZH["interrupted"]}'
                     ELSE coalesce(status_zh, status) END AS status_zh)
            FROM (SELECT {sel} FROM "{alias}"._run)
            WHERE run_id NOT IN (SELECT run_id FROM _run)"""
        )
    if "_run_stages" in have:
        be.execute(
            f"""INSERT INTO _run_stages BY NAME
            SELECT * REPLACE (CASE WHEN status = 'running' THEN 'interrupted' ELSE status END AS status)
            FROM (SELECT {", ".join(f'"{c}"' for c in STAGE_COLUMNS)} FROM "{alias}"._run_stages)
            WHERE run_id NOT IN (SELECT DISTINCT run_id FROM _run_stages)"""
        )


def carry_history(con, db_path: Path) -> list[str]:
    """Bring the run history into a new build: the previous database's `_run` and the runs
    of dead builds (recorded as interrupted). Removes the dead builds. Returns the ids of
    the runs found interrupted.

    The previous database is opened read-only; when another program holds it (a notebook)
    the user gets a clear message (exit 2), as before.
    """
    be = of(con)
    from xuncha_audit.app.batch import DatabaseBusyError

    ensure_run_tables(con)
    before = {r[0] for r in be.fetch_all("SELECT run_id FROM _run")}
    for n, b in enumerate(leftover_builds(db_path)):
        alias = f"_dead{n}"
        try:
            be.attach(b, alias)
        except duckdb.Error:  # killed while the file was being created: nothing to record
            _remove_db_file(b)
            continue
        try:
            _copy_history(con, alias)
        finally:
            be.detach(alias)
        _remove_db_file(b)
    if db_path.exists():
        try:
            be.attach(db_path, "_prev", read_only=True)
        except duckdb.Error as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise DatabaseBusyError(
                    "数据库文件正被另一个程序占用，通常是打开着的 Jupyter 笔记本或另一次运行。"
                    "请在笔记本中执行 con.close() 或重启内核，然后重试",
                    f"DuckDB could not lock the file: {text}", file=str(db_path)) from exc
            raise XunchaError(
                "无法打开上次运行的数据库（不是 DuckDB 文件或已损坏）。请检查 --db 路径，"
                "或把该文件移走后重试", f"cannot open the previous database: {text}",
                file=str(db_path)) from exc
        try:
            _copy_history(con, "_prev")
        finally:
            be.detach("_prev")
    found = be.fetch_all(
        "SELECT run_id FROM _run WHERE status = 'interrupted' ORDER BY started_at")
    return [r[0] for r in found if r[0] not in before]


def start_run(con, run_id: str, started: datetime, version: str, data_dir: str, config_json: str) -> None:
    ensure_run_tables(con)
    of(con).execute(
        "INSERT INTO _run BY NAME SELECT ? AS run_id, ? AS started_at, ? AS version, ? AS data_dir, "
        "? AS config_json, 'running' AS status, ? AS status_zh, 'load' AS stage, ? AS pid",
        [run_id, started, version, data_dir, config_json, RUN_STATUS_ZH["running"], os.getpid()],
    )


def begin_stage(con, run_id: str, stage: str) -> float:
    be = of(con)
    be.execute("UPDATE _run SET stage = ? WHERE run_id = ?", [stage, run_id])
    be.execute(
        "INSERT INTO _run_stages VALUES (?, ?, 'running', ?, NULL, NULL, NULL)",
        [run_id, stage, datetime.now()],
    )
    return time.perf_counter()


def _fault_pause(stage: str) -> None:
    """Fault injection for the kill tests: ``XUNCHA_STAGE_PAUSE=validate:3`` holds the run
    3 s at the end of that stage (still inside it), so a SIGKILL aimed at a stage lands in
    it whatever the machine's speed. Unset in normal use."""
    spec = os.environ.get("XUNCHA_STAGE_PAUSE", "")
    name, _, secs = spec.partition(":")
    if name == stage:
        with contextlib.suppress(ValueError):
            time.sleep(min(float(secs or 0), 60.0))


def end_stage(con, run_id: str, stage: str, t0: float, status: str = "ok", detail: str | None = None) -> float:
    _fault_pause(stage)
    secs = time.perf_counter() - t0
    of(con).execute(
        "UPDATE _run_stages SET status = ?, finished_at = ?, seconds = ?, detail = ? "
        "WHERE run_id = ? AND stage = ?",
        [status, datetime.now(), secs, detail, run_id, stage],
    )
    return secs


def finish_run(con, run_id: str, status: str, message: str | None = None) -> None:
    be = of(con)
    be.execute(
        "UPDATE _run SET finished_at = ?, status = ?, status_zh = ?, message = ? WHERE run_id = ?",
        [datetime.now(), status, RUN_STATUS_ZH[status], message, run_id],
    )
    if status != "ok":
        be.execute(
            "UPDATE _run_stages SET status = ?, finished_at = ? WHERE run_id = ? AND status = 'running'",
            [status, datetime.now(), run_id],
        )


def publish(build: Path, db_path: Path) -> None:
    """Replace ``db_path`` with the finished build (atomic). The build must be closed."""
    old_wal = db_path.with_name(db_path.name + ".wal")
    with contextlib.suppress(FileNotFoundError):
        old_wal.unlink()  # a WAL of the old file must never be replayed onto the new one
    os.replace(build, db_path)
    with contextlib.suppress(FileNotFoundError):
        build.with_name(build.name + ".wal").unlink()


def record_failure(build: Path, db_path: Path, run_id: str) -> None:
    """A failed run: keep the previous database (consistent with the previous outputs) and
    record the run in its history; without a previous database, the build takes its place
    so the failure can be inspected."""
    if not db_path.exists():
        if build.exists():
            publish(build, db_path)
        return
    try:
        con = duckdb.connect(str(db_path))
        try:
            ensure_run_tables(con)
            of(con).attach(build, "_failed", read_only=True)
            try:
                for table, cols in (("_run", RUN_COLUMNS), ("_run_stages", STAGE_COLUMNS)):
                    of(con).execute(
                        f"INSERT INTO {table} BY NAME SELECT {', '.join(quote(c) for c in cols)} "
                        f"FROM _failed.{table} WHERE run_id = ?", [run_id])
            finally:
                of(con).detach("_failed")
        finally:
            con.close()
    finally:
        _remove_db_file(build)
