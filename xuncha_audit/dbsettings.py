"""DuckDB resource settings: ``memory_limit``, ``threads``, ``temp_directory``, in one place.

Every connection that does heavy work (ingest, validation, checks, exports, the check
engine's backends) calls :func:`configure` right after ``duckdb.connect`` (or opens it with
:func:`connect`), so a run is bounded the same way from the first load to the last export.

Where the values come from, first match wins:

1. the run configuration (``duckdb: {memory_limit: 2GB, threads: 2, temp_directory: /big/tmp}``
   in ``--config``), installed for the process by :func:`set_overrides`;
2. environment variables ``XUNCHA_MEMORY_LIMIT`` (e.g. ``3GB``), ``XUNCHA_THREADS``,
   ``XUNCHA_TEMP_DIR``;
3. the machine: memory limit = half the physical memory, at most 1.25 GiB (so that DuckDB's
   buffers plus the Python process stay within 2 GB and a big job spills to disk instead of
   failing or crowding a shared machine: at 4M ledger lines the whole run took 217 s with a
   peak of 1.7 GB at 1,500 MB, against 208 s and 3.3 GB at 3 GiB; a province of 1,000 units
   peaked at 2.09 GB with 1.5 GiB and at 1.90 GB with 1.25 GiB, every check completing, once
   H01 matched the roster per person instead of per pay line — docs/benchmarks.md); threads =
   the CPUs this process may use; the temporary directory = ``<database>.tmp`` next to a database file (DuckDB's own default),
   or ``<system temp>/xuncha_duckdb`` for an in-memory database.

DuckDB spills sorts, joins and aggregates larger than ``memory_limit`` to
``temp_directory``. (``preserve_insertion_order`` is left on: parts of ingest rely on it.)
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from xuncha_audit.db import literal, of, sql_path
from xuncha_audit.errors import ConfigError

KEYS = ("memory_limit", "threads", "temp_directory")
ENV = {"memory_limit": "XUNCHA_MEMORY_LIMIT", "threads": "XUNCHA_THREADS",
       "temp_directory": "XUNCHA_TEMP_DIR"}
DEFAULT_MEMORY_CAP = 1280 * 2**20
_MEMORY_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)

_overrides: dict[str, object] = {}


def parse(section: dict | None, *, source: str | None = None) -> dict:
    """Validate a ``duckdb:`` config section; unknown keys and bad values are errors."""
    section = dict(section or {})
    unknown = set(section) - set(KEYS)
    if unknown:
        raise ConfigError(f"duckdb 有未知字段 {sorted(unknown)}（可用：{', '.join(KEYS)}）",
                          f"unknown duckdb keys {sorted(unknown)}", file=source)
    out: dict[str, object] = {}
    if section.get("memory_limit") is not None:
        v = str(section["memory_limit"])
        if not _MEMORY_RE.match(v):
            raise ConfigError(f"duckdb.memory_limit「{v}」无效，应如 2GB、1500MB",
                              f"bad memory_limit {v!r}", file=source)
        out["memory_limit"] = v.replace(" ", "")
    if section.get("threads") is not None:
        try:
            n = int(section["threads"])
        except (TypeError, ValueError):
            n = 0
        if n < 1:
            raise ConfigError(f"duckdb.threads「{section['threads']}」无效，应为正整数",
                              f"bad threads {section['threads']!r}", file=source)
        out["threads"] = n
    if section.get("temp_directory") is not None:
        out["temp_directory"] = str(section["temp_directory"])
    return out


def set_overrides(section: dict | None) -> None:
    """Install the run configuration's ``duckdb`` section for this process."""
    _overrides.clear()
    _overrides.update(parse(section))


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _machine_memory_limit() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        total = 2 * DEFAULT_MEMORY_CAP
    return f"{max(256, min(total // 2, DEFAULT_MEMORY_CAP) // 2**20)}MiB"


def settings(db_path: str | os.PathLike | None = None) -> dict[str, object]:
    """The effective settings for a connection to ``db_path`` (None/``:memory:`` = in memory)."""
    env = parse({k: os.environ.get(v) or None for k, v in ENV.items()}, source="environment")
    out = {**env, **_overrides}
    out.setdefault("memory_limit", _machine_memory_limit())
    out.setdefault("threads", _cpus())
    if "temp_directory" not in out:
        if db_path and str(db_path) != ":memory:":
            out["temp_directory"] = str(Path(db_path)) + ".tmp"
        else:
            out["temp_directory"] = str(Path(tempfile.gettempdir()) / "xuncha_duckdb")
    return out


def out_of_resources_hint(exc: BaseException) -> str | None:
    """A Chinese hint for a DuckDB failure that more memory or temporary space would avoid
    (``Out of Memory Error``, a full temporary directory), naming the settings to raise; None
    for any other error."""
    text = f"{type(exc).__name__}: {exc}"
    if "Out of Memory" in text or "OutOfMemory" in text:
        return ("DuckDB 内存不足：可在运行配置 duckdb.memory_limit 或环境变量 XUNCHA_MEMORY_LIMIT 中"
                "提高上限（如 3GB，默认为物理内存的一半且不超过 1.25 GiB），或减少 duckdb.threads")
    if "max_temp_directory_size" in text or "No space left on device" in text:
        return ("临时目录空间不足：可用 duckdb.temp_directory 或环境变量 XUNCHA_TEMP_DIR "
                "指向更大的磁盘（超大文件的临时文件可达数据库的 20 倍以上）")
    return None


# Free disk wanted next to the temporary directory, as a multiple of the largest input file: a
# load stages a file through temporary tables that spill uncompressed. A 4.5 GB GBK ledger (50M
# lines) stopped for space with 34 GB free and completed with 60 GB (2026-12-07); 4M lines (381
# MB) peaked at 1.3 GB of temporary files and the UTF-8 copy. Only a warning: the need depends on
# the file's columns and on the memory cap.
TEMP_SPACE_FACTOR = 8


def _existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def temp_space_warning(files: Iterable[Path], db_path: str | os.PathLike | None,
                       ) -> tuple[str, str] | None:
    """(Chinese, English) warning when the disk of the temporary directory has less free space
    than :data:`TEMP_SPACE_FACTOR` times the largest of ``files`` (the files a load will read);
    None otherwise (or when the sizes cannot be read)."""
    try:
        largest = max((Path(f).stat().st_size for f in files), default=0)
        temp = Path(str(settings(db_path)["temp_directory"]))
        free = shutil.disk_usage(_existing(temp)).free
    except OSError:
        return None
    need = TEMP_SPACE_FACTOR * largest
    if free >= need:
        return None
    gb = 1e9
    return (f"临时目录 {temp} 所在磁盘可用空间 {free / gb:.1f} GB，可能不够导入最大的输入文件"
            f"（{largest / gb:.1f} GB；超大文件导入时的临时文件约为其 {TEMP_SPACE_FACTOR} 倍，约 {need / gb:.0f} GB）："
            "空间用尽时导入会中止。可腾出空间，或用环境变量 XUNCHA_TEMP_DIR（或配置 duckdb.temp_directory）指向更大的磁盘",
            f"{free / gb:.1f} GB free for the temporary directory {temp}; the largest input is "
            f"{largest / gb:.1f} GB, whose load may need ~{need / gb:.0f} GB of temporary space")


def configure(con, db_path: str | os.PathLike | None = None) -> dict[str, object]:
    """Apply :func:`settings` to an open DuckDB connection; return what was applied."""
    s = settings(db_path)
    be = of(con)
    be.execute(f"SET memory_limit = {literal(str(s['memory_limit']))}")
    be.execute(f"SET threads = {int(s['threads'])}")
    be.execute(f"SET temp_directory = {sql_path(s['temp_directory'])}")
    return s


def connect(db_path: str | os.PathLike | None = None, *, read_only: bool = False, **kwargs):
    """``duckdb.connect`` followed by :func:`configure`."""
    import duckdb

    path = str(db_path) if db_path is not None else ":memory:"
    con = duckdb.connect(path, read_only=read_only, **kwargs)
    configure(con, None if path == ":memory:" else path)
    return con


__all__ = ["ENV", "KEYS", "configure", "connect", "parse", "set_overrides", "settings"]
