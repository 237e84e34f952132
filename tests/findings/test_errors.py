"""Errors are messages and exit codes mean what the README says (issue 16 item 5).

Bad --out (an existing file), read-only folders and full disks: exit 2 with a Chinese
message naming the path; internal errors 3; only findings give 1. A lock held by a zombie
(killed, not yet reaped) is taken over at once.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from xuncha_audit.app.batch import environment_error, exit_code_for_exception
from xuncha_audit.cli import app
from xuncha_audit.locks import lock_path_for, pid_alive, run_lock

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "data_samples" / "合同台账.xlsx"


def _data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "合同台账.xlsx").write_bytes(CONTRACTS.read_bytes())
    return d


def _run(*args):
    # A narrow terminal: an error naming a file must not break the path over two lines.
    return CliRunner(env={"COLUMNS": "40"}).invoke(app, ["run", *map(str, args), "--select", "P06",
                                                         "--no-validate", "--unit", "某局"])


def test_out_naming_an_existing_file_is_exit_2_naming_it(tmp_path):
    data = _data(tmp_path)
    target = tmp_path / "report.txt"
    target.write_text("not a folder")
    res = _run(data, "--out", target)
    assert res.exit_code == 2, res.output
    assert "已存在的文件" in res.output and str(target) in res.output  # the whole path, unbroken
    assert "Traceback" not in res.output


@pytest.mark.parametrize("code,zh", [(errno.ENOSPC, "磁盘空间已满"), (errno.EROFS, "只读"),
                                     (errno.EACCES, "没有写入权限")])
def test_environment_errors_are_exit_2_with_the_path(code, zh):
    exc = OSError(code, os.strerror(code), "/srv/out/findings.xlsx")
    err = environment_error(exc)
    assert err is not None and zh in err.message() and "/srv/out/findings.xlsx" in err.message()
    assert exit_code_for_exception(exc) == 2
    wrapped = RuntimeError("export failed")
    wrapped.__cause__ = exc
    assert exit_code_for_exception(wrapped) == 2
    assert exit_code_for_exception(KeyError("bug")) == 3


def test_duckdb_disk_full_is_an_environment_error():
    exc = duckdb.IOException('IO Error: Could not write file "/srv/out/x.duckdb": No space left on device')
    err = environment_error(exc)
    assert err is not None and "磁盘空间已满" in err.message() and "/srv/out/x.duckdb" in err.message()


def test_duckdb_temporary_directory_full_is_an_environment_error(tmp_path):
    """Spilling past the free disk of the temporary directory (DuckDB's max_temp_directory_size,
    as a 50M-line load nearly did): exit 2 and where to put the temporary directory instead."""
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{tmp_path / 'spill'}'")
    con.execute("SET memory_limit = '16MB'")
    con.execute("SET max_temp_directory_size = '1MB'")
    with pytest.raises(duckdb.Error) as info:
        con.execute("CREATE TEMP TABLE x AS SELECT i, md5(CAST(i AS VARCHAR)) AS a FROM range(2000000) t(i)")
    con.close()
    exc = info.value
    err = environment_error(exc)
    assert err is not None and "临时目录所在磁盘空间不足" in err.message() and "XUNCHA_TEMP_DIR" in err.message()
    assert exit_code_for_exception(exc) == 2
    assert environment_error(duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block")) is None


@pytest.mark.slow
def test_full_disk_during_export_is_exit_2_and_keeps_previous_outputs(tmp_path, monkeypatch):
    data, out = _data(tmp_path), tmp_path / "out"
    assert _run(data, "--out", out).exit_code == 0
    before = (out / "findings.csv").read_bytes()
    store_before = (out / "triage.json").read_bytes()

    import xuncha_audit.findings.export as export

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "findings.xlsx"))

    monkeypatch.setattr(export, "write_workbook", full)
    res = _run(data, "--out", out)
    assert res.exit_code == 2, res.output
    assert "磁盘空间已满" in res.output and "findings.xlsx" in res.output
    assert (out / "findings.csv").read_bytes() == before
    assert (out / "triage.json").read_bytes() == store_before
    with duckdb.connect(str(out / "xuncha.duckdb"), read_only=True) as con:
        st = [r[0] for r in con.execute("SELECT status FROM _run ORDER BY started_at").fetchall()]
        stage = con.execute("SELECT stage FROM _run ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    assert st == ["ok", "failed"] and stage == "export"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_exit_2(tmp_path):  # pragma: no cover - CI runs as a user
    data, out = _data(tmp_path), tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        res = _run(data, "--out", out)
    finally:
        out.chmod(0o755)
    assert res.exit_code == 2 and "ro" in res.output


def test_internal_error_is_exit_3(tmp_path, monkeypatch):
    data, out = _data(tmp_path), tmp_path / "out"
    import xuncha_audit.findings.export as export

    monkeypatch.setattr(export, "write_workbook", lambda *a, **k: (_ for _ in ()).throw(KeyError("bug")))
    res = _run(data, "--out", out)
    assert res.exit_code == 3, res.output
    assert "内部错误" in res.output


def _zombie() -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    for _ in range(100):  # exited, not reaped: a zombie
        state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        if state == "Z":
            return proc
        time.sleep(0.05)
    raise AssertionError("no zombie")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_lock_of_a_zombie_is_taken_over_at_once(tmp_path):
    proc = _zombie()
    try:
        os.kill(proc.pid, 0)  # still "exists" for kill(0) ...
        assert not pid_alive(proc.pid)  # ... but holds nothing
        db = tmp_path / "x.duckdb"
        lock_path_for(db).write_text(json.dumps({
            "pid": proc.pid, "host": socket.gethostname(),
            "started_at": "2099-01-01T00:00:00"}))  # fresh by time: only the state says stale
        with run_lock(db) as lock:
            assert json.loads(lock.read_text())["pid"] == os.getpid()
    finally:
        proc.wait()
    assert pid_alive(os.getpid())


def test_unwritable_out_is_exit_2_naming_it(tmp_path, monkeypatch):
    """As root a chmod 555 folder stays writable, so the refusal is simulated at the probe."""
    data, out = _data(tmp_path), tmp_path / "locked"
    real = Path.write_bytes

    def refuse(self, content):
        if self.name.startswith(".write-test"):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, content)

    monkeypatch.setattr(Path, "write_bytes", refuse)
    res = _run(data, "--out", out)
    assert res.exit_code == 2, res.output
    assert "没有写入权限" in res.output and "locked" in res.output
