"""DuckDB: the reference engine."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from xuncha_audit.db._arrow import duck_arrow
from xuncha_audit.db.base import Backend, Params, quote, sql_path
from xuncha_audit.db.dialect import translate

# ``INSERT INTO t [(cols)] VALUES (?, ?, …)``: the statement execute_many sends as one Arrow table
_INSERT_VALUES_RE = re.compile(
    r"^\s*INSERT\s+INTO\s+(?P<target>[^\s(]+(?:\s*\([^)]*\))?)\s+VALUES\s*"
    r"\(\s*\?(?:\s*,\s*\?)*\s*\)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


def _as_arrow(rows: list, width: int) -> pa.Table | None:
    """``rows`` as an Arrow table of ``width`` columns (types inferred), or None when a row has
    another width or a column mixes types Arrow cannot hold together."""
    if any(len(r) != width for r in rows):
        return None
    try:
        return pa.table({f"c{i}": pa.array([r[i] for r in rows]) for i in range(width)})
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


class DuckDBBackend(Backend):
    dialect = "duckdb"
    name = "duckdb"

    def __init__(self, con):
        self.con = con

    def translate(self, sql: str) -> str:
        # the reference dialect itself; only unordered string_agg is made sorted (see dialect)
        return translate(sql, self.dialect)

    def execute(self, sql: str, params: Params = None) -> None:
        sql = self.translate(sql)
        self.con.execute(sql, params) if params else self.con.execute(sql)

    def fetch_arrow(self, sql: str, params: Params = None) -> pa.Table:
        return duck_arrow(self.con, self.translate(sql), params)

    def fetch_all(self, sql: str, params: Params = None) -> list[tuple]:
        sql = self.translate(sql)
        return (self.con.execute(sql, params) if params else self.con.execute(sql)).fetchall()

    def scalar(self, sql: str, params: Params = None):
        sql = self.translate(sql)
        # fetchall: DuckDB 2 keeps a result open after fetchone() and refuses the next statement
        rows = (self.con.execute(sql, params) if params else self.con.execute(sql)).fetchall()
        return rows[0][0] if rows else None

    def create_table_as(self, name: str, sql: str, params: Params = None, *, temp: bool = True) -> None:
        kind = "TEMP TABLE" if temp else "TABLE"
        self.execute(f"CREATE OR REPLACE {kind} {quote(name)} AS {self.translate(sql)}", params)

    def drop(self, name: str) -> None:
        # a name is a table or a view, never both
        if self.con.execute("SELECT 1 FROM duckdb_views() WHERE view_name = ? AND NOT internal",
                            [name]).fetchall():
            self.con.execute(f"DROP VIEW IF EXISTS {quote(name)}")
        else:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def exists(self, name: str, *, temporary: bool | None = None) -> bool:
        """``temporary``: True = only temp tables, False = only persistent ones, None = any."""
        cond = "" if temporary is None else (" AND temporary" if temporary else " AND NOT temporary")
        return bool(self.con.execute(
            f"SELECT 1 FROM duckdb_tables() WHERE table_name = ?{cond} "
            f"UNION ALL SELECT 1 FROM duckdb_views() WHERE view_name = ? AND NOT internal{cond}",
            [name, name]).fetchall())

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {quote(name)}").fetchall()]

    def copy_to_parquet(self, name: str, path) -> None:
        """Write table ``name`` to one Parquet file (the hand-over format to other engines)."""
        self.con.execute(f"COPY {quote(name)} TO {sql_path(path)} (FORMAT parquet)")

    def fetch_df(self, sql: str, params: Params = None) -> pd.DataFrame:
        """DuckDB's own pandas conversion (DECIMAL as float64, DATE as datetime64), as the
        callers' ``con.execute(...).df()`` gave before they moved onto the backend."""
        sql = self.translate(sql)
        return (self.con.execute(sql, params) if params else self.con.execute(sql)).df()

    def fetch_records(self, sql: str, params: Params = None) -> list[dict]:
        sql = self.translate(sql)
        cur = self.con.execute(sql, params) if params else self.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def iter_rows(self, sql: str, params: Params = None, batch: int = 10_000) -> Iterator[tuple]:
        """The rows, fetched ``batch`` at a time: a large result never sits in Python whole.
        The query runs when iteration starts; run nothing else on the connection meanwhile."""
        sql = self.translate(sql)
        cur = self.con.execute(sql, params) if params else self.con.execute(sql)
        while rows := cur.fetchmany(batch):
            yield from rows

    def execute_many(self, sql: str, rows) -> None:
        """One statement run for each row of parameters (``executemany``).

        ``INSERT INTO t [(cols)] VALUES (?, …)`` of more than one row is one insert from an Arrow
        table instead: DuckDB's executemany runs the statement once per row (~1–4 ms each; a
        province's check coverage, 1,000 units × 36 checks, took over a minute that way). The
        values are cast to the table's columns as the per-row inserts cast them."""
        sql = self.translate(sql)
        rows = list(rows)
        if not rows:  # nothing to run (DuckDB's executemany refuses an empty list)
            return
        m = _INSERT_VALUES_RE.match(sql)
        table = _as_arrow(rows, sql.count("?")) if m and len(rows) > 1 else None
        if table is None:
            self.con.executemany(sql, rows)
            return
        with self.registered("_xa_execute_many", table):
            self.con.execute(f"INSERT INTO {m.group('target')} SELECT * FROM _xa_execute_many")

    # DuckDB-only jobs (callers that need them hold a DuckDBBackend: see ``of``)

    def copy_to(self, query: str, path, options: str = "FORMAT parquet", params: Params = None) -> None:
        """``COPY (query) TO path (options)``: DuckDB writes the file itself (no Python rows).
        ``query`` is a SELECT statement or a quoted table name."""
        query = query if query.lstrip().startswith('"') else f"({self.translate(query)})"
        sql = f"COPY {query} TO {sql_path(path)} ({options})"
        self.con.execute(sql, params) if params else self.con.execute(sql)

    @contextlib.contextmanager
    def registered(self, name: str, data) -> Iterator[str]:
        """A DataFrame or Arrow table readable as view ``name`` for the ``with`` block."""
        self.con.register(name, data)
        try:
            yield name
        finally:
            self.con.unregister(name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DuckDBBackend]:
        """BEGIN … COMMIT on a cursor of the connection (ROLLBACK when the block raises).
        Yields the backend of that cursor: statements of the transaction go through it."""
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN")
            try:
                yield DuckDBBackend(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()

    def attach(self, path, alias: str, *, read_only: bool = False) -> None:
        """``ATTACH path AS alias`` (another database file, its tables as ``alias.table``)."""
        self.con.execute(f"ATTACH {sql_path(path)} AS {quote(alias)}{' (READ_ONLY)' if read_only else ''}")

    def detach(self, alias: str) -> None:
        self.con.execute(f"DETACH {quote(alias)}")

    def close(self) -> None:
        self.con.close()


def of(con: Any) -> Backend:
    """The backend of ``con``: a Backend as it is, a raw DuckDB connection (or cursor) wrapped
    in a DuckDBBackend. Modules take either, so callers that pass a connection keep working.
    Not cached: the wrapper holds nothing but the connection (a cache keyed by connection
    would keep it alive, and with it the database file's lock)."""
    return con if isinstance(con, Backend) else DuckDBBackend(con)
