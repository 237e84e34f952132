"""One database seam: every SQL engine the suite runs on sits behind :class:`Backend`.

* :class:`DuckDBBackend` — the reference engine (loads, validates, stores findings);
* :class:`SparkBackend` — runs the check catalogue on Apache Spark (``--engine spark``).

Checks are written once in DuckDB SQL (the reference dialect) and transpiled by sqlglot when
a backend speaks another dialect (:func:`xuncha_audit.db.dialect.translate`).

Small helpers that several modules used to copy live here once: :func:`quote` (identifiers),
:func:`literal` (a value as a SQL literal, for the few places that cannot bind), and
:func:`sql_path` (a filesystem path as a SQL string literal). :func:`of` gives the backend of a connection
(modules take a Backend or a raw DuckDB connection and run their SQL through ``of(con)``).
"""

from xuncha_audit.db.base import Backend, is_pattern, literal, quote, sql_path
from xuncha_audit.db.duck import DuckDBBackend, of

__all__ = ["Backend", "DuckDBBackend", "is_pattern", "literal", "of", "quote", "sql_path"]
