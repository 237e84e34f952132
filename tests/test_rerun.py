"""Reruns an audit can stand behind (issue 16 items 1 and 4, issue 12 items 4 and 6).

- A run sees exactly its inputs: delete one file and empty another, rerun into the same
  --out: their rows are gone from the database, their findings become 已消失, the checks
  that needed them are 未执行, and the manifest lists exactly the files read, with sha256.
- Two identical runs give byte-identical findings/evidence CSV and the same manifest apart
  from run id, timestamps and timings; a rerun on the same data marks everything 未变.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.app.pipeline import run_pipeline
from xuncha_audit.config import RunConfig
from xuncha_audit.findings.triage import TriageStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples"
FILES = ["合同台账.xlsx", "2023-2024年付款明细.csv", "干部名册.csv", "2024年工资表.csv",
         "办公用房使用情况.csv", "工商登记.csv"]
SELECT = ["P", "H", "O"]

pytestmark = [pytest.mark.xdist_group("rerun"), pytest.mark.slow]


def small_data(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        shutil.copy(SAMPLES / f, dest / f)
    return dest


def cfg() -> RunConfig:
    return RunConfig(unit="某市住房和城乡建设局", level="市级", region="湖南", city="长沙",
                     period_start=date(2023, 1, 1), period_end=date(2024, 12, 31))


def run(data: Path, out: Path, **kw):
    return run_pipeline(data, out, cfg(), select=SELECT, validate=kw.pop("validate", False), **kw)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_deleted_and_emptied_files_leave_nothing_behind(tmp_path):
    data, out = small_data(tmp_path / "data"), tmp_path / "out"
    r1 = run(data, out)
    with duckdb.connect(str(r1.db_path), read_only=True) as con:
        h_before = {r[0] for r in con.execute("SELECT finding_id FROM findings WHERE check_id LIKE 'H%'").fetchall()}
        pay_before = {r[0] for r in con.execute(
            "SELECT DISTINCT finding_id FROM evidence WHERE source_table = 'payments'").fetchall()}
    assert h_before, "the sample payroll has planted H findings"

    (data / "2024年工资表.csv").unlink()
    raw = (data / "2023-2024年付款明细.csv").read_bytes()
    (data / "2023-2024年付款明细.csv").write_bytes(raw.splitlines(keepends=True)[0])  # header only
    r2 = run(data, out)
    assert r2.db_path == r1.db_path

    with duckdb.connect(str(r2.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM payroll").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM payments").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM findings WHERE check_id LIKE 'H%'").fetchone()[0] == 0
        logged = {r[0] for r in con.execute("SELECT DISTINCT file FROM _load_log").fetchall()}
        assert "2024年工资表.csv" not in logged
        cov = dict(con.execute(
            "SELECT check_id, status || '|' || coalesce(reason_zh, '') FROM _check_coverage "
            "WHERE run_id = ? AND check_id LIKE 'H%'", [r2.run_id]).fetchall())
        assert cov and all(v.startswith("not_run|缺少 ") and "payroll" in v for v in cov.values()), cov
        st = dict(con.execute("SELECT check_id, status FROM _check_runs WHERE run_id = ?", [r2.run_id]).fetchall())
        assert st["H01"] == st["H02"] == st["H03"] == "not_run"
        runs = dict(con.execute("SELECT run_id, status FROM _run").fetchall())
        assert runs == {r1.run_id: "ok", r2.run_id: "ok"}
        supplied = dict(con.execute(
            "SELECT table_name, supplied FROM _unit_tables WHERE table_name IN ('payroll', 'contracts')").fetchall())
        assert supplied == {"payroll": False, "contracts": True}

    store = TriageStore(out / "triage.json").frame().set_index("finding_id")
    for fid in h_before | pay_before:
        assert store.loc[fid, "presence"] == "gone" and store.loc[fid, "mark"] == "已消失", fid

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {i["file"]: i["sha256"] for i in manifest["inputs"]}
    assert set(listed) == {p.name for p in data.iterdir()}
    for name, digest in listed.items():
        assert digest == sha(data / name), name
    checks = {c["check_id"]: c for c in manifest["checks"]}
    assert checks["H01"]["status"] == "not_run" and "工资" in checks["H01"]["note"]
    not_run = {(r["check_id"], r["unit"]): r["reason_zh"] for r in manifest["not_run"]}
    assert "payroll" in not_run[("H03", "某市住房和城乡建设局")]
    assert "payroll" not in manifest["unit_tables"]["某市住房和城乡建设局"]
    assert "contracts" in manifest["unit_tables"]["某市住房和城乡建设局"]
    assert manifest["run"]["run_id"] == r2.run_id
    counts = manifest["counts"]
    assert 0 <= counts["amount_dedup"] <= counts["amount"] and "去重" in counts["amount_dedup_label"]
    # No build file of either run is left next to the database.
    assert not list(out.glob("xuncha.duckdb.build-*"))


VOLATILE = {"generated_at", "run", "run_info", "outputs"}


def _csv_without_run_id(p: Path) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
    i = rows[0].index("run_id")
    return [r[:i] + r[i + 1:] for r in rows]


def _stable_manifest(p: Path) -> dict:
    m = json.loads(p.read_text(encoding="utf-8"))
    for k in VOLATILE:
        m.pop(k, None)
    for c in m.get("checks", []):
        c.pop("seconds", None)
    return m


def test_two_identical_runs_give_identical_outputs(tmp_path):
    data = small_data(tmp_path / "data")
    a = run(data, tmp_path / "a")
    b = run(data, tmp_path / "b")
    assert a.run_id != b.run_id
    assert (tmp_path / "a" / "evidence.csv").read_bytes() == (tmp_path / "b" / "evidence.csv").read_bytes()
    fa, fb = _csv_without_run_id(tmp_path / "a" / "findings.csv"), _csv_without_run_id(tmp_path / "b" / "findings.csv")
    assert len(fa) > 1 and fa == fb
    assert _stable_manifest(tmp_path / "a" / "manifest.json") == _stable_manifest(tmp_path / "b" / "manifest.json")

    # The same data again into the same --out: nothing changed, so nothing is 内容变化.
    c = run(data, tmp_path / "a")
    marks = {r["本次变化"] if "本次变化" in r else r["mark"]
             for r in csv.DictReader(io.StringIO((tmp_path / "a" / "findings.csv").read_text(encoding="utf-8-sig")))}
    assert marks == {"未变"}, marks
    assert c.run_id != a.run_id


def test_checks_build_text_lists_in_a_fixed_order():
    """string_agg & co. concatenate in whatever order the rows arrive (threads, storage):
    two runs could title the same finding differently and mark it 内容变化. Text lists are
    built as array_to_string(list_sort(list(...)), sep) instead (ARCHITECTURE §2)."""
    import re

    from xuncha_audit.engine.registry import default_registry

    reg = default_registry()
    bad = []
    sqls = [(s.code, s.sql) for s in reg]
    for area_rels in reg.shared.values():
        sqls += [(r.name, r.sql) for r in area_rels]
    for code, sql in sqls:
        body = re.sub(r"--[^\n]*", " ", re.sub(r"/\*.*?\*/", " ", sql, flags=re.S))
        if re.search(r"\b(string_agg|group_concat|listagg|array_agg)\s*\(", body, re.I):
            bad.append(code)
    assert sqls and not bad, f"unordered text aggregates in {bad}"
