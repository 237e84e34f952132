"""Hand the canonical tables and standards from DuckDB to another engine, as Parquet.

DuckDB loads and validates the exports; for ``--engine spark`` it writes every table the
selected checks read to ``<folder>/<table>.parquet`` (a local folder, or a path on HDFS/S3/OSS
that both sides can reach — see docs/spark.md), and the other engine reads them there.

A table whose name starts with ``_`` or ``.`` (``_units``) is written as ``t_units.parquet``:
Spark, like Hadoop, takes such files for hidden bookkeeping (``_SUCCESS``, ``_metadata``) and
reads them as *no rows*, without an error — every check joining ``_units`` found nothing there.
"""

from __future__ import annotations

from pathlib import Path

from xuncha_audit.db._arrow import duck_arrow
from xuncha_audit.db.base import Backend, quote, sql_path
from xuncha_audit.db.dialect import referenced_tables


def tables_read_by(specs, registry) -> set[str]:
    """Tables the checks (their SQL, their area's shared relations, python helpers) read."""
    import importlib

    names: set[str] = set()
    areas = {s.area for s in specs}
    for spec in specs:
        names |= referenced_tables(spec.sql) | set(spec.inputs) | set(spec.requires)
        if spec.python:
            module = importlib.import_module(f"xuncha_audit.checks.{spec.area}.{spec.python}")
            if getattr(module, "_SQL", None):
                names |= referenced_tables(module._SQL)
            names -= set(getattr(module, "OUTPUTS", ()))
    for area in areas:
        for rel in registry.shared.get(area, []):
            names |= referenced_tables(rel.sql)
    shared = {rel.name for rels in registry.shared.values() for rel in rels}
    return names - shared


def parquet_file_name(table: str) -> str:
    """The file a table is handed over in: ``<table>.parquet``, or ``t<table>.parquet`` when the
    name starts with ``_`` or ``.`` (a name Spark and Hadoop skip as hidden)."""
    return f"t{table}.parquet" if table.startswith(("_", ".")) else f"{table}.parquet"


def hand_over(con, backend: Backend, tables, folder: str | Path) -> list[str]:
    """Write ``tables`` (those that exist in DuckDB) as Parquet under ``folder`` and register
    them on ``backend``. Returns the tables handed over."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal").fetchall()}
    folder_s = str(folder).rstrip("/")
    if "://" not in folder_s:
        Path(folder_s).mkdir(parents=True, exist_ok=True)
    done = []
    for name in sorted(set(tables) & existing):
        target = f"{folder_s}/{parquet_file_name(name)}"
        con.execute(f"COPY (SELECT * FROM {quote(name)}) TO {sql_path(target)} (FORMAT parquet)")
        schema = duck_arrow(con, f"SELECT * FROM {quote(name)} LIMIT 0").schema
        n = con.execute(f"SELECT count(*) FROM {quote(name)}").fetchall()[0][0]
        backend.register_parquet(name, target, schema, empty=n == 0)
        done.append(name)
    return done
