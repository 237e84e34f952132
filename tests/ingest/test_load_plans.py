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


def _prep_kinds(monkeypatch) -> list[str]:
    made: list[str] = []
    execute = duck.DuckDBBackend.execute

    def spy(self, sql, params=None):
        if m := re.match(r"CREATE OR REPLACE TEMP (TABLE|VIEW) _xa_prep AS", sql):
            made.append(m.group(1))
        return execute(self, sql, params)

    monkeypatch.setattr(duck.DuckDBBackend, "execute", spy)
    return made


PLAIN = ["2024-01-05", "记-1", "购办公用品", "办公费", "100.00", "", "长沙甲科技有限公司", "张三"]


@pytest.mark.parametrize("header, row, expected", [
    # 借方/贷方 as written: the source columns are the cells, a view reads them
    (LEDGER_HEADER, PLAIN, "VIEW"),
    # 方向 + 金额 split by a regular expression on every row: computed once, into a table
    (["凭证日期", "凭证号", "摘要", "科目名称", "方向", "金额", "往来单位", "经办人"],
     ["2024-01-05", "记-1", "购办公用品", "办公费", "借", "100.00", "长沙甲科技有限公司", "张三"], "TABLE"),
    # amounts in 万元, scaled on every row
    (["凭证日期", "凭证号", "摘要", "科目名称", "借方金额（万元）", "贷方金额（万元）", "往来单位", "经办人"],
     PLAIN, "TABLE"),
    # 辅助核算 parsed into department, person and counterparty
    ([*LEDGER_HEADER[:6], "辅助核算", "经办人"],
     [*PLAIN[:6], "供应商---0002---长沙甲科技有限公司;部门:办公室", "张三"], "TABLE"),
])
def test_prep_is_a_view_unless_its_columns_cost_regular_expressions(header, row, expected, tmp_path,
                                                                     monkeypatch):
    write_csv(tmp_path / "d" / "序时账.csv", [header, row, [*row[:1], "记-2", *row[2:]]])
    made = _prep_kinds(monkeypatch)
    report = loader.load_folder(tmp_path / "d", tmp_path / "x.duckdb")
    assert report.rows_loaded == 2
    assert made == [expected]
