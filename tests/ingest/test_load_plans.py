"""How DuckDB plans the loader's typed statement: each value map (distinct values of the rows)
is the build side of its join, the rows the probe side. Planned by estimates, a group of many
units' sheets had those joins turned around (the rows' estimate after the join with
``_xa_members`` is tiny) and a 547,000-row group ran out of memory at 1.25 GiB."""

from __future__ import annotations

import re

import duckdb
import pytest
from ingest_support import LEDGER_HEADER, write_csv

from xuncha_audit.db import duck
from xuncha_audit.ingest import loader


def _units(root, n_units: int = 30, rows: int = 200):
    d = root / "province"
    for u in range(n_units):
        lines = [LEDGER_HEADER]
        for i in range(rows):
            v = u * rows + i  # distinct dates, accounts, counterparties and people: large maps
            lines.append([f"2024-{1 + v % 12:02d}-{1 + v % 28:02d}", f"记-{i // 2}", f"摘要{v}", f"科目{v}",
                          f"{i + 1}.00" if i % 2 == 0 else "", "" if i % 2 == 0 else f"{i}.00",
                          f"往来单位{v}有限公司", f"经办人{v}"])
        write_csv(d / f"单位{u:02d}" / "序时账.csv", lines)
    return d


def _typed_plans(monkeypatch) -> list[str]:
    plans: list[str] = []
    execute = duck.DuckDBBackend.execute

    def spy(self, sql, params=None):
        if "TEMP TABLE _xa_typed AS" in sql:
            q = self.translate(sql.replace("CREATE OR REPLACE TEMP TABLE _xa_typed AS ", "EXPLAIN ", 1))
            plans.append(self.con.execute(q, params).fetchall()[0][1] if params else
                         self.con.execute(q).fetchall()[0][1])
        return execute(self, sql, params)

    monkeypatch.setattr(duck.DuckDBBackend, "execute", spy)
    return plans


def test_the_value_maps_are_built_not_the_rows(tmp_path, monkeypatch):
    data = _units(tmp_path)
    plans = _typed_plans(monkeypatch)
    report = loader.load_folder(data, tmp_path / "x.duckdb")
    assert report.rows_loaded == 30 * 200
    assert plans, "the typed statement was not seen"
    for plan in plans:
        assert "_xa_m" in plan  # the group's text columns parsed through maps
        assert not re.search(r"Join Type:\s*RIGHT", plan), plan


def test_planned_as_written_restores_the_setting():
    con = duckdb.connect()
    be = duck.DuckDBBackend(con)
    with loader.planned_as_written(be):
        assert be.scalar("SELECT current_setting('disabled_optimizers')") == "build_side_probe_side"
    assert be.scalar("SELECT current_setting('disabled_optimizers')") == ""
    con.execute("SET disabled_optimizers = 'late_materialization'")
    with pytest.raises(RuntimeError), loader.planned_as_written(be):
        assert set(be.scalar("SELECT current_setting('disabled_optimizers')").split(",")) == {
            "late_materialization", "build_side_probe_side"}
        raise RuntimeError
    assert be.scalar("SELECT current_setting('disabled_optimizers')") == "late_materialization"
