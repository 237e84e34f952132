"""Safety for unattended (cron / systemd timer) runs: JSON-lines log, exit codes, the
errors of the environment (a full disk, a database held by a notebook). The run lock is
``xuncha_audit.locks`` (the triage store takes it too); ``xuncha_audit.cli.run`` puts them
together around :func:`~xuncha_audit.app.pipeline.run_pipeline`.

Exit codes: 0 ok, 1 findings at or above ``--fail-on``, 2 bad input, config or environment
(any ``XunchaError``, including a held lock or a database held by a notebook), 3 internal
error, 4 the run finished but some checks failed.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
from pathlib import Path

import pandas as pd

from xuncha_audit.errors import ConfigError, XunchaError
from xuncha_audit.vocabulary import SEVERITY_RANK, SEVERITY_ZH

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_CHECKS_FAILED = 4  # the run finished and wrote its outputs, but some checks failed

_SEVERITY_LEVEL = {**SEVERITY_RANK, **{SEVERITY_ZH[k]: v for k, v in SEVERITY_RANK.items()}}


class DatabaseBusyError(XunchaError):
    """DuckDB could not lock the database file (another process, e.g. a notebook, has it)."""


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, and any ``extra={...}`` fields."""

    _STD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": dt.datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in vars(record).items():
            if k not in self._STD and not k.startswith("_"):
                out[k] = v
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_json_log(path: str | os.PathLike, *, level: int = logging.INFO,
                   logger_name: str = "xuncha_audit") -> logging.Logger:
    """Log ``logger_name`` (and children) to ``path`` as JSON lines (appending)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(logger_name)
    for h in list(logger.handlers):
        if getattr(h, "_xuncha_json", False):
            logger.removeHandler(h)
            h.close()
    handler = logging.FileHandler(p, encoding="utf-8")
    handler.setFormatter(JsonLineFormatter())
    handler._xuncha_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    return logger


def exit_code_for(findings: pd.DataFrame | None, fail_on: str | None, failed_checks=()) -> int:
    """0, or 1 when a finding (not triaged 已排除) has severity at or above ``fail_on``;
    4 when a check failed (``failed_checks``: their codes), whatever the findings.

    ``fail_on``: None / "none" (never fail), low|medium|high or 低|中|高.
    A failed check (out of memory, a broken query) leaves its units unjudged: the outputs say
    出错 for them, and an unattended run must not report success (0) or merely "findings" (1).
    """
    key = "" if fail_on is None else str(fail_on).strip().lower()
    never = key in ("", "none", "never")
    if not never and key not in _SEVERITY_LEVEL:
        raise ConfigError(
            f"--fail-on 只能是 high/medium/low（高/中/低）或 none，收到「{fail_on}」",
            f"bad --fail-on value {fail_on!r}",
            column="--fail-on",
        )
    if failed_checks:
        return EXIT_CHECKS_FAILED
    if never or findings is None or findings.empty:
        return EXIT_OK
    threshold = _SEVERITY_LEVEL[key]
    levels = findings["severity"].map(_SEVERITY_LEVEL).fillna(0)
    active = findings["status"].ne("已排除") if "status" in findings else True
    return EXIT_FINDINGS if bool(((levels >= threshold) & active).any()) else EXIT_OK


def exit_code_for_exception(exc: BaseException) -> int:
    """2 for user errors (bad input/config, busy database, an output path that cannot be
    written: read-only folder, full disk, a file where a folder should be), 3 for anything
    else."""
    if isinstance(exc, XunchaError) or environment_error(exc) is not None:
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL


# errno values that are the user's environment, not a bug: permissions, read-only file
# system, full disk or quota, a file where a folder is expected (and the reverse).
_ENV_ERRNO = {
    errno.EACCES: ("没有写入权限", "permission denied"),
    errno.EPERM: ("没有操作权限", "operation not permitted"),
    errno.EROFS: ("所在文件系统为只读", "read-only file system"),
    errno.ENOSPC: ("磁盘空间已满", "no space left on device"),
    errno.EDQUOT: ("磁盘配额已用完", "disk quota exceeded"),
    errno.EEXIST: ("同名文件已存在", "file exists"),
    errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "not a directory"),
    errno.EISDIR: ("该路径是文件夹，不是文件", "is a directory"),
    errno.ENAMETOOLONG: ("路径过长", "file name too long"),
}
_DUCKDB_ENV = (
    ("no space left", errno.ENOSPC), ("disk quota", errno.EDQUOT),
    ("read-only file system", errno.EROFS), ("permission denied", errno.EACCES),
)


def environment_error(exc: BaseException) -> XunchaError | None:
    """The user-facing error for an OSError (or a DuckDB I/O error) caused by the
    environment — read-only folder, full disk, a file in the way — naming the path; None
    for anything else (an internal error).

    Looks through the exception chain (``raise ... from``), so an environment error wrapped
    by a library is still recognised.
    """
    seen = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        code, path = None, None
        if isinstance(cur, OSError) and cur.errno in _ENV_ERRNO:
            code, path = cur.errno, cur.filename
        else:
            text = str(cur).lower()
            if type(cur).__module__.lstrip("_").startswith("duckdb"):
                if "max_temp_directory_size" in text:
                    # spilling filled the disk of the temporary directory (a 50M-line ledger
                    # needs tens of GB there): the user's to fix, with a place to point it at
                    return XunchaError(
                        "DuckDB 临时目录所在磁盘空间不足（大数据量导入或检查时，超出内存上限的数据写入临时目录）。"
                        "请腾出磁盘空间，或用环境变量 XUNCHA_TEMP_DIR（或配置文件 duckdb.temp_directory）"
                        "把临时目录放到空间更大的磁盘后重试",
                        f"temporary directory full (DuckDB max_temp_directory_size): {cur}",
                    )
                for needle, err in _DUCKDB_ENV:
                    if needle in text:
                        code = err
                        m = re.search(r'"([^"]+)"', str(cur))
                        path = m.group(1) if m else None
                        break
        if code is not None:
            zh, en = _ENV_ERRNO[code]
            return XunchaError(
                f"无法写入：{zh}。请检查输出目录与磁盘后重试",
                f"{en}: {cur}",
                file=str(path) if path else None,
            )
        cur = cur.__cause__ or cur.__context__
    return None


_PID_RE = re.compile(r"PID (\d+)")


def open_db_or_explain(path: str | os.PathLike, *, read_only: bool = False, **kwargs):
    """``duckdb.connect`` that turns "Could not set lock on file" into a Chinese message."""
    import duckdb

    try:
        from xuncha_audit.dbsettings import configure

        con = duckdb.connect(str(path), read_only=read_only, **kwargs)
        configure(con, path)  # memory_limit / threads / temp_directory
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise XunchaError(
                f"无法打开数据库：{text}", "cannot open the DuckDB database", file=str(path)
            ) from exc
        m = _PID_RE.search(text)
        who = f"（进程 PID {m.group(1)}）" if m else ""
        raise DatabaseBusyError(
            f"数据库文件正被另一个程序占用{who}，通常是打开着的 Jupyter 笔记本或另一次运行。"
            "请在笔记本中执行 con.close() 或重启内核（也可用 read_only=True 只读打开），然后重试",
            f"DuckDB could not lock the file: {text}",
            file=str(path),
        ) from exc
