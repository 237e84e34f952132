"""Batch-run safety: lock, JSON-lines log, exit codes, a database held by a notebook."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import pandas as pd
import pytest

from xuncha_audit.app.batch import (
    DatabaseBusyError,
    exit_code_for,
    exit_code_for_exception,
    open_db_or_explain,
    setup_json_log,
)
from xuncha_audit.errors import ConfigError, XunchaError
from xuncha_audit.locks import LockHeldError, lock_path_for, run_lock


def test_lock_is_exclusive_and_released(tmp_path):
    db = tmp_path / "x.duckdb"
    with run_lock(db) as lock:
        info = json.loads(lock.read_text(encoding="utf-8"))
        assert info["pid"] == os.getpid() and info["started_at"]
        with pytest.raises(LockHeldError, match="数据库正被另一次运行使用") as ei, run_lock(db):
            pass
        assert ei.value.exit_code == 2
    assert not lock_path_for(db).exists()


def test_lock_released_on_error(tmp_path):
    db = tmp_path / "x.duckdb"
    with pytest.raises(RuntimeError), run_lock(db):
        raise RuntimeError("boom")
    assert not lock_path_for(db).exists()


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    db = tmp_path / "x.duckdb"
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(proc.stdout)
    import socket
    lock_path_for(db).write_text(json.dumps({
        "pid": dead_pid, "host": socket.gethostname(), "started_at": "2026-01-01T00:00:00"}))
    with run_lock(db) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_old_lock_is_stale_even_if_pid_alive(tmp_path):
    import datetime as dt
    import socket

    db = tmp_path / "x.duckdb"
    lock_path_for(db).write_text(json.dumps({
        "pid": os.getppid(), "host": socket.gethostname(),
        "started_at": (dt.datetime.now() - dt.timedelta(hours=30)).isoformat()}))
    with run_lock(db):
        pass
    lock_path_for(db).write_text(json.dumps({
        "pid": os.getppid(), "host": socket.gethostname(),
        "started_at": dt.datetime.now().isoformat()}))
    with pytest.raises(LockHeldError), run_lock(db):
        pass


def test_json_log_lines(tmp_path):
    path = tmp_path / "logs" / "run.jsonl"
    log = setup_json_log(path)
    log.info("导入完成", extra={"table": "contracts", "rows": 118})
    logging.getLogger("xuncha_audit.engine").warning("检查跳过")
    try:
        raise ValueError("坏数据")
    except ValueError:
        log.exception("失败")
    for h in log.handlers:
        h.flush()
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["msg"] == "导入完成" and lines[0]["rows"] == 118 and lines[0]["level"] == "INFO"
    assert lines[1]["logger"] == "xuncha_audit.engine"
    assert "坏数据" in lines[2]["exc"]
    setup_json_log(path)  # idempotent: no duplicated handler
    assert sum(getattr(h, "_xuncha_json", False) for h in log.handlers) == 1


def test_exit_codes():
    df = pd.DataFrame({"severity": ["low", "medium", "high"], "status": ["待核实", "待核实", "已排除"]})
    assert exit_code_for(df, None) == 0
    assert exit_code_for(df, "none") == 0
    assert exit_code_for(df, "medium") == 1
    assert exit_code_for(df, "高") == 0  # the only high finding was excluded in triage
    assert exit_code_for(df.iloc[:1], "medium") == 0
    assert exit_code_for(df.iloc[0:0], "low") == 0
    with pytest.raises(ConfigError, match="--fail-on"):
        exit_code_for(df, "critical")
    # a failed check: 4, above "findings" (1) and whatever --fail-on says
    assert exit_code_for(df, None, ["H01"]) == 4
    assert exit_code_for(df, "medium", ["H01", "O02"]) == 4
    assert exit_code_for(df.iloc[0:0], "low", ["H01"]) == 4
    with pytest.raises(ConfigError, match="--fail-on"):
        exit_code_for(df, "critical", ["H01"])
    assert exit_code_for_exception(XunchaError("坏")) == 2
    assert exit_code_for_exception(KeyError("x")) == 3


def test_database_held_by_notebook_gives_clear_message(tmp_path):
    db = tmp_path / "held.duckdb"
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseBusyError) as ei:
            open_db_or_explain(db)
        msg = str(ei.value)
        assert "正被另一个程序占用" in msg and "con.close()" in msg
        assert f"PID {holder.pid}" in msg
        assert ei.value.file == str(db) and ei.value.exit_code == 2
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    con = open_db_or_explain(db)  # free again
    con.close()
    time.sleep(0)


def test_lock_being_written_is_not_stale(tmp_path):
    db = tmp_path / "x.duckdb"
    lock_path_for(db).write_text("")  # another run is creating it right now
    with pytest.raises(LockHeldError), run_lock(db):
        pass
    old = time.time() - 60
    os.utime(lock_path_for(db), (old, old))
    with run_lock(db):
        pass
