"""The database seam stays closed: modules run SQL through a Backend (``xuncha_audit.db``),
never on a raw DuckDB connection (issue 14, item 1).

An AST scan of the package: ``X.execute(...)`` / ``X.executemany(...)`` are allowed only
when ``X`` is ``of(...)`` (the backend of a connection) or a name bound to a backend
(``be``, ``backend``, ``tx``); a connection's own result and view methods (``con.sql``,
``con.register``, ``cur.fetchall``, ``….df()`` …) are not allowed on a name that holds a
connection. ``xuncha_audit/db`` implements the seam; every other module is scanned
(``NOT_YET_MIGRATED`` is empty: ingest, synth/evaluate.py and contract/__init__.py have moved).
"""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb

import xuncha_audit
from xuncha_audit.db import DuckDBBackend, of

PACKAGE = Path(xuncha_audit.__file__).parent
SEAM = ("db/",)
NOT_YET_MIGRATED: tuple[str, ...] = ()
BACKEND_NAMES = {"be", "backend", "tx"}
STATEMENT_METHODS = {"execute", "executemany"}
CONNECTION_NAMES = {"con", "conn", "cur", "cursor", "connection"}
CONNECTION_METHODS = {"sql", "query", "register", "unregister", "fetchone", "fetchall", "fetchmany",
                      "df", "fetchdf", "arrow", "fetch_arrow_table", "to_arrow_table", "pl"}


def _receiver_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # self.con
        return node.attr
    return None


def _is_backend(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "of":
        return True
    return _receiver_name(node) in BACKEND_NAMES


def raw_calls(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every SQL call that bypasses the backend."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, recv = node.func.attr, node.func.value
        if method in STATEMENT_METHODS and not _is_backend(recv):
            found.append((node.lineno, f"{ast.unparse(recv)}.{method}"))
        elif method in CONNECTION_METHODS and (
                _receiver_name(recv) in CONNECTION_NAMES
                or (isinstance(recv, ast.Call) and isinstance(recv.func, ast.Attribute)
                    and recv.func.attr in STATEMENT_METHODS and not _is_backend(recv.func.value))):
            found.append((node.lineno, f"{ast.unparse(recv)[:40]}.{method}"))
    return sorted(found)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(SEAM) or rel.startswith(NOT_YET_MIGRATED):
            continue
        yield rel, path


def test_no_module_outside_the_seam_runs_sql_on_a_raw_connection():
    problems = [f"xuncha_audit/{rel}:{line}: {call}(…) — use xuncha_audit.db.of(con).<method>"
                for rel, path in _modules() for line, call in raw_calls(path.read_text(encoding="utf-8"))]
    assert not problems, "raw DuckDB calls outside xuncha_audit/db:\n" + "\n".join(problems)


def test_the_scan_sees_raw_calls_and_lets_backend_calls_through():
    src = """
con.execute("SELECT 1")
rows = con.execute("SELECT 1").fetchall()
self.con.executemany("INSERT INTO t VALUES (?)", rows)
con.register("v", df)
of(con).execute("SELECT 1")
of(con).fetch_all("SELECT 1")
be.execute("SELECT 1")
with of(con).transaction() as tx:
    tx.execute_many("INSERT INTO t VALUES (?)", rows)
    tx.execute("SELECT 1")
"""
    assert [line for line, _ in raw_calls(src)] == [2, 3, 3, 4, 5]


def test_of_wraps_a_connection_and_passes_a_backend_through():
    con = duckdb.connect()
    be = of(con)
    assert isinstance(be, DuckDBBackend) and be.con is con
    assert of(be) is be
    be.execute("CREATE TABLE t AS SELECT 1 AS a")
    assert of(con).scalar("SELECT a FROM t") == 1
