"""Locks held across processes: ``<file>.lock`` naming pid, host and start time.

A run holds its database's lock (``xuncha_audit.cli.run``), the triage store holds its own
while it is written (``findings.triage``); a lock whose process is gone is taken over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from xuncha_audit.errors import XunchaError

# A lock older than this is considered stale even if its pid is alive (pid reuse).
STALE_AFTER = dt.timedelta(hours=24)


class LockHeldError(XunchaError):
    """Another run holds the lock of this database."""



def lock_path_for(db_path: str | os.PathLike) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + ".lock")


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists and is not a zombie.

    A process killed with SIGKILL whose parent has not reaped it yet is a zombie (state
    ``Z`` in ``/proc/<pid>/stat``): ``kill(pid, 0)`` still succeeds, but it holds nothing
    any more, so its locks and staging folders are stale at once.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:  # no /proc (macOS) or the process just went away
        return False
    # "pid (comm) state ...": comm may contain spaces and parentheses; the state follows
    # the last ")".
    rest = stat.rsplit(")", 1)[-1].split()
    return bool(rest) and rest[0] in ("Z", "X")


def _read_lock(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _is_stale(info: dict, now: dt.datetime, stale_after: dt.timedelta, path: Path) -> bool:
    try:
        started = dt.datetime.fromisoformat(info["started_at"])
    except (KeyError, TypeError, ValueError):
        # Unreadable: stale, unless it was created a moment ago (being written right now).
        try:
            age = now.timestamp() - path.stat().st_mtime
        except OSError:
            return True
        return age > 10
    if now - started > stale_after:
        return True
    if info.get("host") == socket.gethostname():
        return not pid_alive(int(info.get("pid", -1)))
    return False  # another host: cannot check its pid, trust the time


@contextlib.contextmanager
def run_lock(db_path: str | os.PathLike, *, stale_after: dt.timedelta | None = None) -> Iterator[Path]:
    """Hold ``<db>.lock`` (pid, host, start time) for the duration of a run.

    A lock whose process is gone (same host) or older than ``stale_after`` (default 24 h)
    is stale and taken over. A live lock raises ``LockHeldError`` (exit code 2).
    """
    limit = stale_after or STALE_AFTER
    lock = lock_path_for(db_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "argv": sys.argv,
    }
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            held = _read_lock(lock)
            if _is_stale(held, dt.datetime.now(), limit, lock):
                lock.unlink(missing_ok=True)
                continue
            raise LockHeldError(
                f"数据库正被另一次运行使用（进程 {held.get('pid')}，主机 {held.get('host')}，"
                f"开始于 {held.get('started_at')}）。请等它结束后再运行；如确认该进程已不存在，"
                f"可删除锁文件 {lock}",
                f"database is locked by another run: {held}",
                file=str(db_path),
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info, fh, ensure_ascii=False)
        break
    else:  # pragma: no cover - two stale takeovers raced
        raise LockHeldError("无法获得数据库锁", "could not acquire the lock", file=str(db_path))
    try:
        yield lock
    finally:
        if _read_lock(lock).get("pid") == info["pid"]:
            lock.unlink(missing_ok=True)
