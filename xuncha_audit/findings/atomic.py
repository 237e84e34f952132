"""Atomic output writing: nothing half-written ever replaces a previous output.

``staged_outputs(out_dir)`` gives a staging folder inside ``out_dir`` (same file system);
every export is written there, and only when all of them are complete are they moved into
place with ``os.replace`` (atomic per file). A run killed while writing leaves the previous
outputs untouched; its staging folder (``.staging-*``) is removed by the next export.
``atomic_write(path)`` does the same for one file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xuncha_audit.locks import pid_alive

STAGING_PREFIX = ".staging-"
PENDING_PREFIX = ".pending-"


def _prefix() -> str:
    return f"{STAGING_PREFIX}{os.getpid()}-"


def _owner_alive(name: str, prefix: str = STAGING_PREFIX) -> bool:
    """Staging names carry the writer's pid: ``.staging-<pid>-...``."""
    try:
        pid = int(name[len(prefix):].split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():  # a pending file waits for this process; a staging one is stale
        return prefix == PENDING_PREFIX
    return pid_alive(pid)


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging folders, temp files and pending files left behind by killed runs (not
    those of a process still alive)."""
    removed = []
    for prefix in (STAGING_PREFIX, PENDING_PREFIX):
        for p in out_dir.glob(prefix + "*"):
            if _owner_alive(p.name, prefix):
                continue
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    return removed


class Staging:
    """A staging folder; ``path(name)`` is where to write ``name``; ``commit()`` moves all."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.dir = Path(tempfile.mkdtemp(prefix=_prefix(), dir=out_dir))
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        if name not in self.names:
            self.names.append(name)
        return self.dir / name

    def commit(self) -> dict[str, Path]:
        done: dict[str, Path] = {}
        for name in self.names:
            src = self.dir / name
            if src.exists():
                dst = self.out_dir / name
                os.replace(src, dst)
                done[name] = dst
        shutil.rmtree(self.dir, ignore_errors=True)
        return done

    def abort(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def staged_outputs(out_dir: str | os.PathLike) -> Iterator[Staging]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out)
    st = Staging(out)
    try:
        yield st
    except BaseException:
        st.abort()
        raise
    st.commit()


def pending_file(path: str | os.PathLike) -> Path:
    """Where a file waits, complete, before it replaces ``path`` (``os.replace`` later): next
    to it, named like the staging files, so one left by a killed run is cleaned up."""
    target = Path(path)
    return target.parent / f"{PENDING_PREFIX}{os.getpid()}-{target.name}"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success it replaces ``path`` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_prefix() + target.name + ".", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)
