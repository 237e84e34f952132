"""Kill test (issue 16): SIGKILL a run during load, validation and export, then rerun.

After every kill the outputs, the database's `_run` and triage.json stay consistent:
- the database in place is the last completed run's; its last ok run is the run the
  triage store last saw (the store is written after the exports it describes);
- the manifest names that run, or the killed run when the kill came after the exports
  were moved into place (the store then still describes the previous run);
- the next run records the killed run as interrupted (中断) at the stage it had reached,
  removes its build file and staging folder, and is itself ok, with outputs, `_run` and
  the store all naming it. One rerun starts while the killed process is still a zombie
  (not reaped): its lock must be taken over at once.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = ["合同台账.xlsx", "干部名册.csv", "办公用房使用情况.csv", "2023-2024年付款明细.csv"]
MARKERS = {"load": "1/5 导入数据", "validate": "3/5 数据校验", "export": "5/5 导出结果"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kill")]


def _cmd(data: Path, out: Path, validate: bool) -> list[str]:
    cmd = [sys.executable, "-m", "xuncha_audit.cli", "run", str(data), "--out", str(out),
           "--select", "P", "--select", "O", "--unit", "某局", "--region", "湖南", "--city", "长沙"]
    return cmd if validate else [*cmd, "--no-validate"]


def _start(data, out, validate, hold: str | None = None):
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    if hold:  # the run stays in this stage 3 s longer than it needs: the kill lands inside it
        env["XUNCHA_STAGE_PAUSE"] = f"{hold}:3"
    proc = subprocess.Popen(_cmd(data, out, validate), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env=env, cwd=ROOT)
    seen: dict[str, threading.Event] = {k: threading.Event() for k in MARKERS}

    def read():
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            for stage, marker in MARKERS.items():
                if marker in line:
                    seen[stage].set()

    threading.Thread(target=read, daemon=True).start()
    return proc, seen


def _kill_during(data, out, stage, rng, *, validate=False, reap=True):
    proc, seen = _start(data, out, validate, hold=stage)
    assert seen[stage].wait(120), f"run never reached {stage}"
    time.sleep(rng.uniform(0.0, 0.8 if stage != "validate" else 1.5))
    proc.send_signal(signal.SIGKILL)
    if reap:
        proc.wait()
    return proc


def _state(out: Path) -> dict:
    s: dict = {}
    db = out / "xuncha.duckdb"
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            s["runs"] = con.execute("SELECT run_id, status, stage FROM _run ORDER BY started_at").fetchall()
            s["findings_runs"] = {r[0] for r in con.execute("SELECT DISTINCT run_id FROM findings").fetchall()}
    if (out / "manifest.json").exists():
        s["manifest_run"] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run"]["run_id"]
    if (out / "triage.json").exists():
        store = json.loads((out / "triage.json").read_text(encoding="utf-8"))
        s["store_runs"] = {e["last_seen_run"] for e in store if e["presence"] == "present"}
    return s


def _consistent_after_kill(out: Path, killed_stage: str) -> None:
    s = _state(out)
    ok_runs = [r[0] for r in s["runs"] if r[1] == "ok"]
    assert ok_runs, s
    last_ok = ok_runs[-1]
    assert all(r[1] != "running" for r in s["runs"]), s  # the database in place never says running
    assert s["findings_runs"] == {last_ok}, s
    assert s["store_runs"] == {last_ok}, s  # the store describes the database's last run
    if killed_stage == "export":  # killed after the exports moved into place: they name the killed run
        assert s["manifest_run"] == last_ok or s["manifest_run"] not in {r[0] for r in s["runs"]}, s
    else:
        assert s["manifest_run"] == last_ok, s


def test_kill_at_load_validate_and_export_then_rerun(tmp_path):
    rng = random.Random(int(os.environ.get("XUNCHA_KILL_SEED", "16")))
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    for f in FILES:
        shutil.copy(ROOT / "data_samples" / f, data / f)

    first = subprocess.run(_cmd(data, out, False), capture_output=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr.decode()[-2000:]

    killed = []
    for stage, validate in (("load", False), ("validate", True), ("export", False)):
        reap = stage != "export"  # the last one stays a zombie while the next run starts
        proc = _kill_during(data, out, stage, rng, validate=validate, reap=reap)
        killed.append((stage, proc))
        _consistent_after_kill(out, stage)

    zombie = killed[-1][1]
    try:
        final = subprocess.run(_cmd(data, out, False), capture_output=True, cwd=ROOT, timeout=300)
    finally:
        zombie.wait()
    assert final.returncode == 0, final.stderr.decode()[-2000:]

    s = _state(out)
    statuses = [r[1] for r in s["runs"]]
    assert statuses[0] == "ok" and statuses[-1] == "ok"
    final_run = s["runs"][-1][0]
    assert s["manifest_run"] == final_run and s["store_runs"] == {final_run} and s["findings_runs"] == {final_run}
    interrupted = [(r[1], r[2]) for r in s["runs"] if r[1] not in ("ok",)]
    # Every killed run is recorded (a kill in the last instant of export may have finished it).
    assert len(s["runs"]) == 2 + len(killed), s["runs"]
    assert all(st == "interrupted" for st, _ in interrupted), interrupted
    stages = [stg for _, stg in interrupted]
    assert stages[0] == "load" and stages[1] == "validate", stages
    assert not list(out.glob("xuncha.duckdb.build-*")) and not list(out.glob(".staging-*"))
