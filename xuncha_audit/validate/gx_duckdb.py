"""Great Expectations 1.x on DuckDB: buffer SQL results before the connection closes.

Why: ``SqlAlchemyExecutionEngine.execute_query`` runs the query inside
``with self.get_connection() as connection:`` and returns the *unconsumed* cursor result;
callers then call ``.fetchall()`` / ``.scalar()`` after the ``with`` block has returned the
connection to the pool. duckdb-engine's DBAPI cursor is the DuckDB connection itself, so
once the connection is released (or reused for the next query) the pending result is gone:
``fetchall()`` returns ``[]`` and GX fails with ``IndexError: list index out of range`` in
``resolve_metric_bundle``, every expectation ending as "Observed: N/A" (GX issues #10738,
#11579; duckdb-engine #1087, duckdb #13705).

Fix: :class:`BufferedSqlAlchemyExecutionEngine` overrides ``execute_query`` to fetch the
rows *inside* the ``with`` block and return a buffered (frozen) SQLAlchemy result, which
supports the same ``fetchall``/``fetchone``/``first``/``scalar``/``keys`` calls GX makes.
Speed-up on the side: a raw-SQL query (UnexpectedRowsExpectation) is run once per
validation, not twice (rows, then ``SELECT COUNT(*) FROM (query)``): the count is taken
from the rows already buffered.
:class:`BufferedDuckDBDatasource` is a fluent SQL datasource (type ``xuncha_duckdb``) that
uses that engine. Nothing else of GX is changed.

Tested with (``tests/validate/test_gx_duckdb.py`` checks these and warns on a mismatch):
great-expectations 1.24.1, duckdb-engine 0.17.0, duckdb 2.0.0, SQLAlchemy 2.1.9.

Importing this module imports great_expectations (slow, ~6-8 s): import it lazily.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import ClassVar, Literal

from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine.sqlalchemy_execution_engine import (
    SqlAlchemyExecutionEngine,
)
from sqlalchemy import TextClause, text
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData

TESTED_VERSIONS = {
    "great-expectations": "1.24.1",
    "duckdb-engine": "0.17.0",
    "duckdb": "2.0.1",
    "sqlalchemy": "2.1.9",
}

DATASOURCE_TYPE = "xuncha_duckdb"


def installed_versions() -> dict[str, str]:
    """Installed versions of the packages in :data:`TESTED_VERSIONS`."""
    return {name: version(name) for name in TESTED_VERSIONS}


def version_mismatches() -> dict[str, tuple[str, str]]:
    """``{package: (tested, installed)}`` for every package not at its tested version."""
    installed = installed_versions()
    return {
        name: (tested, installed[name])
        for name, tested in TESTED_VERSIONS.items()
        if installed[name] != tested
    }


# GX's UnexpectedRowsExpectation runs its query twice: once for the rows (metric
# ``unexpected_rows_query.table``) and once wrapped in this COUNT(*) (``...row_count``).
_ROW_COUNT_WRAPPER = re.compile(
    r"^SELECT COUNT\(\*\) as (?P<label>\w+) FROM \((?P<inner>.*)\) AS substituted_batch_subquery$",
    re.DOTALL,
)


class BufferedSqlAlchemyExecutionEngine(SqlAlchemyExecutionEngine):
    """SqlAlchemyExecutionEngine whose query results are fetched before the connection closes.

    Also keeps the buffered rows of raw-SQL (``text()``) queries for the engine's lifetime
    (one validation run over data that does not change), so the row count GX asks for
    next is counted from the rows already fetched instead of running the query again.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._text_results: dict[str, list] = {}

    def _buffered(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            if not result.returns_rows:
                return result
            # freeze() fetches every row now; calling the FrozenResult gives a fresh,
            # fully buffered Result with the usual fetch API.
            return result.freeze()

    def execute_query(self, query):  # type: ignore[override]
        if not isinstance(query, TextClause):
            frozen = self._buffered(query)
            return frozen() if callable(frozen) else frozen
        sql = query.text.strip()
        wrapped = _ROW_COUNT_WRAPPER.match(sql)
        inner = wrapped.group("inner") if wrapped else sql
        frozen = self._text_results.get(inner)
        if frozen is None:
            frozen = self._buffered(text(inner))
            if not callable(frozen):  # no rows (DDL): nothing to keep
                return frozen
            self._text_results[inner] = frozen
        if wrapped:
            count = len(frozen().fetchall())
            return IteratorResult(SimpleResultMetaData([wrapped.group("label")]), iter([(count,)]))
        return frozen()

    def buffered_rows(self, query_template: str, limit: int) -> list[dict] | None:
        """Up to ``limit`` rows already fetched for a raw-SQL query written with ``{batch}``.

        ``None`` when no buffered query matches the template (it was not run, or GX
        rewrote it beyond the ``{batch}`` substitution).
        """
        parts = [re.escape(p) for p in query_template.strip().split("{batch}")]
        pattern = re.compile("(.+?)".join(parts), re.DOTALL)
        for sql, frozen in self._text_results.items():
            if pattern.fullmatch(sql):
                return [dict(row) for row in frozen().mappings().fetchmany(limit)]
        return None


class BufferedDuckDBDatasource(SQLDatasource):
    """Fluent SQL datasource over a DuckDB file (duckdb-engine) with buffered results.

    Created with ``context.data_sources.add_xuncha_duckdb(name, connection_string=...)``.
    """

    type: Literal["xuncha_duckdb"] = "xuncha_duckdb"  # type: ignore[assignment]
    execution_engine_override: ClassVar[type[SqlAlchemyExecutionEngine]] = (  # type: ignore[assignment,misc]
        BufferedSqlAlchemyExecutionEngine
    )


def add_duckdb_datasource(context, name: str, con, db_path: str = ":memory:"):
    """Add a :class:`BufferedDuckDBDatasource` to ``context`` over the open DuckDB ``con``.

    Every SQLAlchemy connection is a cursor of ``con`` (same database instance), so the
    caller may keep ``con`` open and write to it afterwards: no second ``duckdb.connect`` of
    the file with a different configuration (which DuckDB refuses within one process).
    ``db_path`` only names the database in the URL (and picks SQLAlchemy's pool class).
    """
    from duckdb_engine import ConnectionWrapper

    def creator():
        return ConnectionWrapper(con.cursor())

    return context.data_sources.add_xuncha_duckdb(
        name, connection_string=f"duckdb:///{db_path}", kwargs={"creator": creator}
    )


__all__ = [
    "DATASOURCE_TYPE",
    "TESTED_VERSIONS",
    "BufferedDuckDBDatasource",
    "BufferedSqlAlchemyExecutionEngine",
    "add_duckdb_datasource",
    "installed_versions",
    "version_mismatches",
]
