"""The Backend interface and the helpers that used to be copied across modules."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

Params = dict[str, Any] | None


def quote(name: str) -> str:
    """An identifier quoted for DuckDB/ANSI SQL (``"a""b"``)."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A Python value as a SQL literal of the reference dialect.

    For the rare places that cannot bind a parameter (DDL, COPY targets); queries bind.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} as a SQL literal")
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f"CAST('{value}' AS DECIMAL(38, {max(-value.as_tuple().exponent, 0)}))"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, Path):
        return sql_path(value)
    return "'" + str(value).replace("'", "''") + "'"


def is_pattern(p: Path | str) -> bool:
    """DuckDB's file readers (read_csv, read_json, …) take a path holding ``*``, ``?`` or ``[``
    for a glob pattern and read the files it matches (合同台账[1].csv reads 合同台账1.csv when
    that file is there): such a file is read from a copy under a plain name."""
    return any(ch in str(p) for ch in "*?[")


def sql_path(p: Path | str) -> str:
    """A filesystem path (or URL such as s3://…) as a SQL string literal."""
    return "'" + str(p).replace("'", "''") + "'"


class Backend(ABC):
    """A SQL engine. Statements are written in the reference dialect (DuckDB) with ``$name``
    parameters; a backend that speaks another dialect translates them (see ``translate``).
    """

    #: sqlglot dialect name of the engine
    dialect: str = "duckdb"
    #: short engine name shown to users (duckdb, spark)
    name: str = "duckdb"

    def translate(self, sql: str) -> str:
        """The reference-dialect statement in this engine's dialect (identity for DuckDB)."""
        return sql

    @abstractmethod
    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement for its effect."""

    @abstractmethod
    def fetch_arrow(self, sql: str, params: Params = None) -> pa.Table:
        """Run a query and return its rows as an Arrow table."""

    def fetch_df(self, sql: str, params: Params = None) -> pd.DataFrame:
        return self.fetch_arrow(sql, params).to_pandas()

    def fetch_all(self, sql: str, params: Params = None) -> list[tuple]:
        t = self.fetch_arrow(sql, params)
        cols = [c.to_pylist() for c in t.columns]
        return list(zip(*cols, strict=True)) if cols else []

    def fetch_records(self, sql: str, params: Params = None) -> list[dict]:
        """The rows as dicts keyed by column name."""
        return self.fetch_arrow(sql, params).to_pylist()

    def fetch_one(self, sql: str, params: Params = None) -> tuple | None:
        """The first row (None when there is none)."""
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        rows = self.fetch_all(sql, params)
        return rows[0][0] if rows else None

    @abstractmethod
    def create_table_as(self, name: str, sql: str, params: Params = None, *, temp: bool = True) -> None:
        """Materialise a query as a table ``name`` (replacing it). ``temp``: lives as long as
        the session. Materialised means computed once, not a view re-run by each reader."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Drop table or view ``name`` if it exists."""

    @abstractmethod
    def exists(self, name: str, *, temporary: bool | None = None) -> bool:
        """Whether a table or view called ``name`` exists (``temporary``: True = only
        session-scoped ones, False = only persistent ones, None = any)."""

    @abstractmethod
    def columns(self, name: str) -> list[str]:
        """Column names of table or view ``name``, in order."""

    def quote(self, name: str) -> str:
        return quote(name)

    def literal(self, value: Any) -> str:
        return literal(value)

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the backend holds (materialised relations, connections)."""
