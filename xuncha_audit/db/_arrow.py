"""Arrow results of a DuckDB query across DuckDB versions (1.x ``fetch_arrow_table``/``arrow``,
2.x ``to_arrow_table``)."""

from __future__ import annotations

import warnings

import pyarrow as pa


def duck_arrow(con, sql: str, params=None) -> pa.Table:
    # execute() (not con.sql) so a result some caller left open by fetchone() is closed first
    cur = con.execute(sql, params) if params else con.execute(sql)
    for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):
        fn = getattr(cur, name, None)
        if fn is not None:
            with warnings.catch_warnings():  # DuckDB 2 warns that the cursor path copies once
                warnings.simplefilter("ignore", UserWarning)
                t = fn()
            return t.read_all() if isinstance(t, pa.RecordBatchReader) else t
    raise AttributeError("this DuckDB cursor cannot return Arrow")  # pragma: no cover
