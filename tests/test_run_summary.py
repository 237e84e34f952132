"""The closing summary of `run` and `--open` (issue 15 item 7).

After the run table, stderr names report.html and findings.xlsx, gives the deduplicated
amount (去重后) and the top findings with their short numbers; ``--open`` hands the report's
file URI to the browser and never fails the run when there is none.
"""

from __future__ import annotations

import io
import re
import webbrowser
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from xuncha_audit.app.pipeline import PipelineResult
from xuncha_audit.cli import app
from xuncha_audit.cli.run import _summary, open_in_browser
from xuncha_audit.vocabulary import SEVERITY_RANK

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "data_samples" / "合同台账.xlsx"
TOP_LINE = re.compile(r"^\s+P06-\d{4}\s+\S+\s+[\d,]+\.\d{2}\s+\S", re.M)


def _data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "合同台账.xlsx").write_bytes(CONTRACTS.read_bytes())
    return d


def _run(data: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["run", str(data), "--out", str(out), "--unit", "某局", *extra])


@pytest.mark.e2e
def test_run_ends_with_paths_amount_and_top_findings(tmp_path):
    out = tmp_path / "out"
    res = _run(_data(tmp_path), out, "--select", "P06")
    assert res.exit_code == 0, res.output
    err = res.stderr
    assert f"{(out / 'report.html').resolve()}" in err
    assert f"{(out / 'findings.xlsx').resolve()}" in err
    assert re.search(r"数据校验完成 \d+\.\ds", err) and re.search(r"导出完成 \d+\.\ds", err)
    assert "重点疑点 Top findings" in err
    top = TOP_LINE.findall(err)
    assert 1 <= len(top) <= 5, err
    # the deduplicated amount is the one findings.xlsx and manifest.json give
    with duckdb.connect(str(out / "xuncha.duckdb"), read_only=True) as con:
        dedup = float(con.execute("SELECT amount_dedup FROM amount_headline").fetchone()[0])
        rank = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_RANK.items())
        n, first = con.execute(f"""SELECT count(*), arg_max(amount, (CASE severity {rank} END, amount))
                                   FROM findings""").fetchone()
    assert f"涉及金额（去重后） {dedup:,.2f} 元" in err
    # first line: the largest amount among the highest severity
    assert f"{float(first):,.2f}" in top[0]
    assert len(top) == min(5, n)
    assert "Word 工作底稿" in err and "xuncha-audit papers" in err


@pytest.mark.e2e
def test_a_failed_check_exits_4_and_says_so(tmp_path, monkeypatch):
    """A check that fails (here: DuckDB out of memory, as H01 and O02 did in a province) leaves
    its units unjudged: the run still writes its outputs, but exits 4, not 0."""
    from xuncha_audit.engine import runner

    real = runner.run_check

    def failing(con, spec, *a, **kw):
        if spec.code == "P06":
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block (3.0 GiB/3.0 GiB used)")
        return real(con, spec, *a, **kw)

    monkeypatch.setattr(runner, "run_check", failing)
    out, data = tmp_path / "out", _data(tmp_path)
    res = _run(data, out, "--select", "P06", "--select", "P01", "--fail-on", "low")
    assert res.exit_code == 4, res.output
    assert "检查出错（P06）" in res.stderr and "退出码 4" in res.stderr
    assert (out / "findings.xlsx").exists() and (out / "report.html").exists()
    with duckdb.connect(str(out / "xuncha.duckdb"), read_only=True) as con:
        assert con.execute("SELECT status FROM _check_runs WHERE check_id = 'P06'").fetchone()[0] == "error"
    monkeypatch.setattr(runner, "run_check", real)  # without the failure: 0
    res = _run(data, tmp_path / "out2", "--select", "P06")
    assert res.exit_code == 0, res.output


@pytest.mark.e2e
def test_run_without_findings_says_so(tmp_path):
    # Vehicles check, contracts only: the check cannot run, nothing is found; the run is fine.
    res = _run(_data(tmp_path), tmp_path / "out", "--select", "V01", "--no-validate")
    assert res.exit_code == 0, res.output
    assert "本次未发现疑点" in res.stderr
    # ... and does not read as clean: V01 never received vehicles
    assert "V01" in res.stderr.split("本次未发现疑点")[1] and "不代表没有问题" in res.stderr
    assert "无法显示结果摘要" not in res.stderr


@pytest.mark.e2e
def test_open_hands_the_report_uri_to_the_browser(tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    data, out = _data(tmp_path), tmp_path / "out"
    res = _run(data, out, "--select", "P06", "--no-validate", "--open")
    assert res.exit_code == 0, res.output
    uri = (out / "report.html").resolve().as_uri()
    assert opened == [uri]
    assert "已在浏览器中打开" in res.stderr

    # export --open too; without --open nothing is opened
    res = CliRunner().invoke(app, ["export", "--db", str(out / "xuncha.duckdb"), "--out", str(out), "--open"])
    assert res.exit_code == 0, res.output
    assert opened == [uri, uri]
    assert _run(data, out, "--select", "P06", "--no-validate").exit_code == 0
    assert opened == [uri, uri]


@pytest.mark.e2e
def test_open_without_a_browser_does_not_fail_the_run(tmp_path, monkeypatch):
    def no_browser(url, *a, **k):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "open", no_browser)
    out = tmp_path / "out"
    res = _run(_data(tmp_path), out, "--select", "P06", "--no-validate", "--open")
    assert res.exit_code == 0, res.output
    assert "未能打开浏览器" in res.stderr and str((out / "report.html").resolve()) in res.stderr


def _console() -> Console:
    return Console(record=True, width=80, file=io.StringIO())


def test_open_in_browser_never_raises(tmp_path, monkeypatch):
    report = tmp_path / "report.html"
    report.write_text("<html></html>", encoding="utf-8")
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)  # no browser registered
    c = _console()
    assert open_in_browser(c, report) is False
    assert "未能打开浏览器" in c.export_text()
    c = _console()
    assert open_in_browser(c, tmp_path / "missing.html") is False  # no report: a hint, no error
    assert "missing.html" in c.export_text()


def test_summary_survives_an_unreadable_database(tmp_path):
    db = tmp_path / "xuncha.duckdb"
    db.write_bytes(b"not a database")
    result = PipelineResult(run_id="r1", db_path=db, out_dir=tmp_path)
    result.checks = type("Checks", (), {"checks": [], "failed": [], "total_findings": 0})()
    c = _console()
    _summary(c, result)  # must not raise
    text = c.export_text()
    assert "运行结果" in text and "无法显示结果摘要" in text


def test_summary_of_an_empty_database(tmp_path):
    db = tmp_path / "xuncha.duckdb"
    duckdb.connect(str(db)).close()
    result = PipelineResult(run_id="r1", db_path=db, out_dir=tmp_path)
    result.checks = type("Checks", (), {"checks": [], "failed": [], "total_findings": 0})()
    c = _console()
    _summary(c, result)
    text = c.export_text()
    assert "本次未发现疑点" in text and "无法显示结果摘要" not in text


def test_console_feedback_prints_text_as_written():
    # Paths, file names and DuckDB errors may hold [brackets]: the run's lines print them as
    # they are (Rich markup applies to the renderer's own styling only).
    from types import SimpleNamespace

    from xuncha_audit.cli.run import ConsoleFeedback

    c = _console()
    fb = ConsoleFeedback(c)
    fb.stage(1, "导入数据", "/data/[2024]巡察 → /out/x.duckdb")
    fb.say("付款[副本].csv 无法读取 [red]", level="error", tag="无法读取")
    fb.say("已按配置跳过 [bold]1[/bold] 个文件", level="warn")
    spec = SimpleNamespace(title_zh="拆分[规避]招标")
    fb.check(spec, SimpleNamespace(check_id="P01", status="error", error="Binder Error: [x] not found",
                                   note=None, notes=[], findings=0, seconds=0.1))
    text = c.export_text()
    for piece in ("1/5 导入数据 /data/[2024]巡察", "无法读取 付款[副本].csv 无法读取 [red]",
                  "已按配置跳过 [bold]1[/bold] 个文件", "P01 拆分[规避]招标: 出错 Binder Error: [x] not found"):
        assert piece in text, (piece, text)
