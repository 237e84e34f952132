"""Arrow results of a DuckDB query across DuckDB versions (1.x ``arrow()``, 2.x
``to_arrow_table()``), without the extra copy a DB-API cursor makes."""

from __future__ import annotations

import pyarrow as pa


def duck_arrow(con, sql: str, params=None) -> pa.Table:
    rel = con.sql(sql, params=params) if params else con.sql(sql)
    if rel is None:  # a statement, not a query
        return pa.table({})
    for name in ("to_arrow_table", "arrow", "fetch_arrow_table"):
        fn = getattr(rel, name, None)
        if fn is not None:
            t = fn()
            return t.read_all() if isinstance(t, pa.RecordBatchReader) else t
    raise AttributeError("this DuckDB relation cannot return Arrow")  # pragma: no cover
