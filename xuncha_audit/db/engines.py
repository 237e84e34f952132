"""Choosing the engine that runs the checks (``xuncha-audit run --engine duckdb|spark``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xuncha_audit.errors import ConfigError

ENGINES = ("duckdb", "spark")


@dataclass
class EngineOptions:
    """``name``: duckdb (default) or spark. Spark: ``master`` (default ``local[2]``) or
    ``remote`` (Spark Connect, ``sc://host:15002``), and ``data``: where DuckDB writes the
    Parquet hand-over (default ``OUT/_parquet``; on a cluster a path every executor reads)."""

    name: str = "duckdb"
    master: str | None = None
    remote: str | None = None
    data: str | None = None

    def __post_init__(self):
        if self.name not in ENGINES:
            raise ConfigError(f"未知的计算引擎「{self.name}」（可选：{'、'.join(ENGINES)}）",
                              f"unknown engine {self.name!r} (choose from {', '.join(ENGINES)})")
        if self.name == "duckdb" and (self.master or self.remote or self.data):
            raise ConfigError("--spark-master/--spark-remote/--spark-data 只能与 --engine spark 同用",
                              "--spark-* options need --engine spark")
        if self.master and self.remote:
            raise ConfigError("--spark-master 与 --spark-remote 只能选一个",
                              "give --spark-master or --spark-remote, not both")
        if self.remote and not self.remote.startswith("sc://"):
            raise ConfigError("--spark-remote 应为 sc://主机:端口", "--spark-remote must be sc://host:port")


def open_engine(options: EngineOptions | None, con, checks, registry, out_dir: Path):
    """The backend for ``run_checks`` (None = DuckDB on ``con``). For Spark the tables the
    checks read are written as Parquet and registered on a new session."""
    if options is None or options.name == "duckdb":
        return None
    from xuncha_audit.db.handover import hand_over, tables_read_by
    from xuncha_audit.db.spark import SparkBackend, start_session

    folder = handover_folder(options, out_dir)  # refused before Spark starts
    session = start_session(options.master, options.remote)
    backend = SparkBackend(session)
    hand_over(con, backend, tables_read_by(checks, registry), folder)
    return backend


def handover_folder(options: EngineOptions, out_dir: Path) -> str:
    """Where DuckDB writes the Parquet hand-over: ``--spark-data``, else ``OUT/_parquet``.

    A local folder whose path holds ``:`` (a drive letter aside) is refused: Hadoop, under
    Spark, cannot read such a path (``Relative path in absolute URI``, HADOOP-3257). The CLI
    asks before the load, so the team hears it before, not as a Java error after, a long load."""
    folder = options.data or str(Path(out_dir) / "_parquet")
    if "://" in folder:
        return folder
    path = Path(folder)
    if ":" not in str(path)[len(path.drive):]:
        return folder
    where = "--spark-data" if options.data else "输出目录（--out）"
    raise ConfigError(
        f"Spark（Hadoop）读不了路径中含冒号的目录：{folder}。请把{where}换成不含「:」的路径，"
        "或用 --spark-data 另指一个交接目录",
        f"Spark (Hadoop) cannot read a path holding ':': {folder}; choose a hand-over folder "
        "without one (--spark-data)")
