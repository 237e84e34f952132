"""Findings keep their identity when their evidence changes (issue 16 item 4).

One of four split contracts disappears: the engine computes a new id (it hashes the
evidence), but the auditors' 已移交 and note must stay on the finding, marked 内容变化,
with the history kept; a finding of a check that did not judge this run is not 已消失.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from findings_support import fid

from xuncha_audit.findings.triage import TriageStore, apply_triage, save_triage, set_triage

U = "市交通运输局"


def _db(path, contracts: list[str], run_id: str, *, vendor="长沙甲科技", extra=()):
    con = duckdb.connect(str(path))
    con.execute("""CREATE OR REPLACE TABLE findings (finding_id VARCHAR, run_id VARCHAR,
        check_id VARCHAR, check_name VARCHAR, severity VARCHAR, area VARCHAR, unit VARCHAR,
        route VARCHAR, rule VARCHAR, title VARCHAR, amount DECIMAL(18,2), entity_type VARCHAR,
        entity_key VARCHAR, period_start DATE, period_end DATE, regulation VARCHAR,
        persons VARCHAR, details VARCHAR, status VARCHAR, note VARCHAR)""")
    con.execute("""CREATE OR REPLACE TABLE evidence (finding_id VARCHAR, check_id VARCHAR,
        unit VARCHAR, source_table VARCHAR, record_key VARCHAR, record VARCHAR)""")
    groups = [("P01", vendor, contracts), *extra]
    for check, entity, keys in groups:
        ev = [f"contracts:{k}" for k in keys]
        i = fid(check, U, ev)
        con.execute(
            "INSERT INTO findings VALUES (?, ?, ?, '拆分规避招标', 'high', 'procurement', ?, '纪检监察', NULL, ?, ?, "
            "'vendor', ?, DATE '2024-01-05', DATE '2024-04-05', '依据', NULL, NULL, '待核实', NULL)",
            [i, run_id, check, U, f"{entity}签订{len(keys)}份合同", 100000 * len(keys), entity])
        for k in keys:
            con.execute("INSERT INTO evidence VALUES (?, ?, ?, 'contracts', ?, ?)",
                        [i, check, U, k, json.dumps({"contract_no": k, "amount": 100000})])
    return con


def test_split_group_loses_a_contract_and_keeps_its_triage(tmp_path):
    store = tmp_path / "triage.json"
    four = ["HT-1", "HT-2", "HT-3", "HT-4"]
    con = _db(tmp_path / "r1.duckdb", four, "run-1")
    old_id = fid("P01", U, [f"contracts:{k}" for k in four])
    assert apply_triage(con, store, run_id="run-1")["marks"] == {"新增": 1}
    con.close()
    set_triage(store, old_id, status="已移交", note="已移交纪检组")

    three = ["HT-1", "HT-2", "HT-3"]
    new_id = fid("P01", U, [f"contracts:{k}" for k in three])
    assert new_id != old_id
    con = _db(tmp_path / "r2.duckdb", three, "run-2")
    res = apply_triage(con, store, run_id="run-2")
    assert res["renamed"] == {new_id: old_id}
    assert res["marks"] == {"内容变化": 1}
    # The run's finding (and its evidence) carries the id the auditors know, with their triage.
    assert con.execute("SELECT finding_id, status, note FROM findings").fetchall() == [(old_id, "已移交", "已移交纪检组")]
    assert {r[0] for r in con.execute("SELECT DISTINCT finding_id FROM evidence").fetchall()} == {old_id}
    con.close()
    st = TriageStore(store).frame().set_index("finding_id")
    assert list(st.index) == [old_id]  # no second, 待核实 copy under the new id
    row = st.loc[old_id]
    assert row["presence"] == "present" and row["mark"] == "内容变化"
    assert list(row["aliases"]) == [new_id]
    assert list(row["evidence_keys"]) == ["contracts:HT-1", "contracts:HT-2", "contracts:HT-3"]
    fields = [h["field"] for h in row["history"]]
    assert "status" in fields and "evidence" in fields

    # The same data again: the computed id maps straight to the lasting one, 未变.
    con = _db(tmp_path / "r3.duckdb", three, "run-3")
    res = apply_triage(con, store, run_id="run-3")
    assert res["marks"] == {"未变": 1}
    assert con.execute("SELECT finding_id, status FROM findings").fetchall() == [(old_id, "已移交")]
    con.close()


def test_other_entity_or_no_overlap_is_a_new_finding(tmp_path):
    store = tmp_path / "triage.json"
    con = _db(tmp_path / "r1.duckdb", ["HT-1", "HT-2"], "run-1")
    apply_triage(con, store, run_id="run-1")
    con.close()
    # Same vendor, disjoint contracts: a different problem, not the same finding.
    con = _db(tmp_path / "r2.duckdb", ["HT-8", "HT-9"], "run-2")
    res = apply_triage(con, store, run_id="run-2")
    assert res["renamed"] == {} and res["marks"] == {"新增": 1, "已消失": 1}
    con.close()
    # Overlapping contracts but another vendor: not matched either.
    con = _db(tmp_path / "r3.duckdb", ["HT-1", "HT-2", "HT-3"], "run-3", vendor="长沙乙商贸")
    res = apply_triage(con, store, run_id="run-3")
    assert res["renamed"] == {}
    con.close()


def test_best_overlap_wins_one_to_one(tmp_path):
    store = tmp_path / "triage.json"
    a, b = ["HT-1", "HT-2", "HT-3"], ["HT-4", "HT-5", "HT-6"]
    con = _db(tmp_path / "r1.duckdb", a, "run-1", extra=[("P01", "长沙甲科技", b)])
    apply_triage(con, store, run_id="run-1")
    con.close()
    a_id = fid("P01", U, [f"contracts:{k}" for k in a])
    b_id = fid("P01", U, [f"contracts:{k}" for k in b])
    # Both groups change: {1,2,4} overlaps a by 2 and b by 1; {5,6} overlaps b by 2.
    con = _db(tmp_path / "r2.duckdb", ["HT-1", "HT-2", "HT-4"], "run-2",
              extra=[("P01", "长沙甲科技", ["HT-5", "HT-6"])])
    res = apply_triage(con, store, run_id="run-2")
    assert sorted(res["renamed"].values()) == sorted([a_id, b_id])
    got = dict(con.execute(
        "SELECT finding_id, string_agg(record_key, ',' ORDER BY record_key) FROM evidence GROUP BY 1").fetchall())
    assert got == {a_id: "HT-1,HT-2,HT-4", b_id: "HT-5,HT-6"}
    con.close()


def test_unjudged_checks_do_not_make_findings_gone(tmp_path):
    store = tmp_path / "triage.json"
    con = _db(tmp_path / "r1.duckdb", ["HT-1", "HT-2"], "run-1", extra=[("P02", "长沙丙", ["HT-7"])])
    apply_triage(con, store, run_id="run-1")
    con.close()
    con = _db(tmp_path / "r2.duckdb", ["HT-1", "HT-2"], "run-2")  # P02 failed / not selected
    res = apply_triage(con, store, run_id="run-2", judged_checks=["P01"])
    assert "已消失" not in res["marks"]
    con.close()
    st = TriageStore(store).frame().set_index("check_id")
    assert st.loc["P02", "presence"] == "present"
    con = _db(tmp_path / "r3.duckdb", ["HT-1", "HT-2"], "run-3")  # P02 ran and found nothing
    res = apply_triage(con, store, run_id="run-3", judged_checks=["P01", "P02"])
    assert res["marks"].get("已消失") == 1
    con.close()


def test_deferred_save_writes_the_store_only_when_asked(tmp_path):
    store = tmp_path / "triage.json"
    con = _db(tmp_path / "r1.duckdb", ["HT-1", "HT-2"], "run-1")
    apply_triage(con, store, run_id="run-1", save=False)
    assert not store.exists()
    save_triage(con, store)
    assert TriageStore(store).frame()["last_seen_run"].tolist() == ["run-1"]
    con.close()


def test_deferred_save_keeps_the_merged_store_on_disk_not_in_memory(tmp_path):
    """While the exports run, the merged store waits in a pending file next to the store
    (not as a DuckDB table); applying again forgets it; saving twice is refused."""
    from xuncha_audit.db import of
    from xuncha_audit.errors import XunchaError
    from xuncha_audit.findings.triage import SEEN_TABLE

    store = tmp_path / "triage.json"
    con = _db(tmp_path / "r1.duckdb", ["HT-1", "HT-2"], "run-1")
    apply_triage(con, store, run_id="run-1", save=False)
    pending = list(tmp_path.glob(".pending-*-triage.json"))
    assert len(pending) == 1 and not store.exists()
    assert not of(con).exists("_triage_store")
    assert of(con).fetch_all(f"SELECT check_id FROM {SEEN_TABLE}") == [("P01",)]
    apply_triage(con, store, run_id="run-1", save=False)  # again: one pending file, not two
    assert list(tmp_path.glob(".pending-*-triage.json")) == pending
    save_triage(con, store)
    assert not pending[0].exists() and not of(con).exists(SEEN_TABLE)
    assert TriageStore(store).frame()["last_seen_run"].tolist() == ["run-1"]
    with pytest.raises(XunchaError):
        save_triage(con, store)
    con.close()
