"""The report asks the database for what it shows (issue 13: a million findings must not be
one pandas frame): the figures drawn from the rollup are the figures drawn from every
finding, and the listings count and sum every finding while showing only the first few."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd
import pytest

from xuncha_audit import viz
from xuncha_audit.db import of
from xuncha_audit.findings.labels import ROUTES
from xuncha_audit.findings.report import REPORT_COLUMNS, _Findings

AREAS = ["procurement", "reimbursement", "vehicles", "payroll", "ledger", None]
CHECKS = {"P01": "拆分采购", "R01": "住宿超标", "V04": "公车私用", "H01": "吃空饷", "L07": "大额现金"}
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


def _frame(n: int, seed: int = 7) -> pd.DataFrame:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        check = rnd.choice(list(CHECKS))
        sev = rnd.choice(list(SEVERITY_RANK))
        route = rnd.choice([*ROUTES, None, "其他"])
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(730)) if rnd.random() > 0.1 else None
        amount = round(rnd.uniform(1, 5e5), 2) if rnd.random() > 0.15 else None
        rows.append({
            "finding_id": f"f{i:06d}", "check_id": check, "check_name": CHECKS[check], "severity": sev,
            "severity_zh": sev, "area": rnd.choice(AREAS), "area_zh": None, "unit": f"单位{i % 7}",
            "route": route, "route_code": route, "mark": rnd.choice(["新增", "重现", None]),
            "title": f"疑点{i}", "amount": amount, "period_start": day, "status": "待核实", "note": None,
            "_sev_rank": SEVERITY_RANK[sev],
        })
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


@pytest.fixture(scope="module")
def findings():
    f = _frame(3000)
    con = duckdb.connect()
    con.register("f_src", f)
    con.execute("""CREATE TABLE _x_findings AS SELECT * REPLACE (amount::DECIMAL(18,2) AS amount,
                   period_start::DATE AS period_start) FROM f_src""")
    con.execute("CREATE TABLE _x_gone AS SELECT * FROM _x_findings WHERE false")
    con.execute("""CREATE TABLE nums AS SELECT finding_id, check_id,
                   row_number() OVER (ORDER BY finding_id) AS short_no FROM _x_findings""")
    yield f, _Findings(of(con), "nums")
    con.close()


@pytest.mark.parametrize("figure", ["findings_by_area_severity", "findings_by_severity_route",
                                    "findings_by_area_check", "spending_timeline", "amount_by_check"])
def test_rollup_draws_the_figures_of_every_finding(findings, figure):
    f, rows = findings
    roll = rows.rollup()
    assert len(roll) < len(f)
    build = getattr(viz, figure)
    whole, rolled = build(f).to_dict()["data"], build(roll).to_dict()["data"]
    assert len(whole) == len(rolled) > 0
    for a, b in zip(whole, rolled, strict=True):
        assert a.get("name") == b.get("name")
        for axis in ("x", "y"):
            _same(list(a[axis]), list(b[axis]))


def _same(a: list, b: list) -> None:
    if all(isinstance(v, int | float) for v in a + b):
        assert a == pytest.approx(b)
    else:
        assert a == b


def test_counts_are_of_every_finding(findings):
    f, rows = findings
    c = rows.counts()
    assert c["n"] == len(f)
    assert c["amount"] == pytest.approx(f["amount"].sum())
    for sev in SEVERITY_RANK:
        assert c[sev] == int((f["severity"] == sev).sum())
    assert c["新增"] == int((f["mark"] == "新增").sum()) and c["内容变化"] == 0 and c["gone"] == 0


def test_routes_counted_in_full_listed_in_part(findings):
    f, rows = findings
    limit = 25
    listed = rows.per_route(limit)
    assert [code for code, *_ in listed] == [*ROUTES, None]
    known = f["route_code"].isin(list(ROUTES))
    for code, _name, n, amount, shown in listed:
        part = f[f["route_code"] == code] if code else f[~known]
        assert n == len(part) > limit and amount == pytest.approx(part["amount"].sum())
        assert len(shown) == limit
        # the first `limit` by severity, then amount (missing last), then id
        expected = (part.assign(_a=part["amount"].fillna(-1.0))
                    .sort_values(["_sev_rank", "_a", "finding_id"], ascending=[False, False, True])
                    .head(limit)["finding_id"].tolist())
        assert shown["finding_id"].tolist() == expected
        assert shown["short_no"].notna().all()


def test_top_and_ids(findings):
    _f, rows = findings
    top = rows.first(10)
    assert top["_sev_rank"].tolist() == sorted(top["_sev_rank"], reverse=True)
    assert (top["_sev_rank"] == 3).all() and top["amount"].is_monotonic_decreasing
    mine = rows.of_ids(["f000003", "f000001", "nope"])
    assert sorted(mine["finding_id"]) == ["f000001", "f000003"]
    assert rows.of_ids([]).empty
