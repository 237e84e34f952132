"""DuckDB: the reference engine."""

from __future__ import annotations

import pyarrow as pa

from xuncha_audit.db._arrow import duck_arrow
from xuncha_audit.db.base import Backend, Params, quote, sql_path
from xuncha_audit.db.dialect import translate


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

    def close(self) -> None:
        self.con.close()
