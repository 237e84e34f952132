"""DuckDB resource settings: machine defaults, environment, run configuration (in that order of precedence, reversed)."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit import dbsettings
from xuncha_audit.config import parse_run_config
from xuncha_audit.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for var in dbsettings.ENV.values():
        monkeypatch.delenv(var, raising=False)
    dbsettings.set_overrides(None)
    yield
    dbsettings.set_overrides(None)


def _applied(con):
    return con.execute("SELECT current_setting('memory_limit'), current_setting('threads'), "
                       "current_setting('temp_directory')").fetchone()


def test_machine_defaults_bounded(tmp_path):
    s = dbsettings.settings(tmp_path / "x.duckdb")
    assert s["memory_limit"].endswith("MiB") and int(s["memory_limit"][:-3]) <= 1280
    assert s["threads"] >= 1
    assert s["temp_directory"] == str(tmp_path / "x.duckdb") + ".tmp"


def test_environment_then_config(monkeypatch, tmp_path):
    monkeypatch.setenv("XUNCHA_MEMORY_LIMIT", "700MiB")
    monkeypatch.setenv("XUNCHA_THREADS", "1")
    con = dbsettings.connect(tmp_path / "a.duckdb")
    mem, threads, _ = _applied(con)
    assert mem == "700.0 MiB" and threads == 1
    con.close()
    cfg = parse_run_config({"duckdb": {"memory_limit": "512MiB", "temp_directory": str(tmp_path / "spill")}})
    dbsettings.set_overrides(cfg.duckdb)
    con = duckdb.connect()
    dbsettings.configure(con)
    mem, threads, tmp = _applied(con)
    assert (mem, threads, tmp) == ("512.0 MiB", 1, str(tmp_path / "spill"))


@pytest.mark.parametrize("section", [{"memory": "1GB"}, {"memory_limit": "lots"}, {"threads": 0}])
def test_bad_settings_are_config_errors(section):
    with pytest.raises(ConfigError):
        parse_run_config({"duckdb": section})


def test_spills_instead_of_failing(tmp_path):
    con = duckdb.connect()
    dbsettings.set_overrides({"memory_limit": "64MiB", "threads": 1, "temp_directory": str(tmp_path)})
    dbsettings.configure(con)
    n = con.execute("SELECT count(DISTINCT i::VARCHAR || 'x') FROM range(3000000) t(i)").fetchone()[0]
    assert n == 3_000_000


def test_out_of_resources_hint_names_the_setting_to_raise():
    oom = duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block of size 256.0 KiB")
    assert "XUNCHA_MEMORY_LIMIT" in dbsettings.out_of_resources_hint(oom)
    disk = duckdb.IOException("IO Error: No space left on device")
    assert "XUNCHA_TEMP_DIR" in dbsettings.out_of_resources_hint(disk)
    assert dbsettings.out_of_resources_hint(ValueError("bad date")) is None


def test_a_check_out_of_memory_says_what_to_raise(monkeypatch):
    from xuncha_audit.engine import runner

    def oom(*a, **k):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block (test)")

    monkeypatch.setattr(runner, "run_check", oom)
    monkeypatch.setattr(runner, "build_shared", lambda *a, **k: None)  # no tables in this database
    con = duckdb.connect()
    reg = runner.default_registry()
    res = runner.run_checks(con, [reg.get("H01")], registry=reg)
    (cr,) = res.checks
    assert cr.status == "error"
    assert cr.error.startswith("DuckDB 内存不足") and "could not allocate block (test)" in cr.error


def _usage(free: int):
    import shutil

    return shutil._ntuple_diskusage(10 * free + 1, 9 * free + 1, free)


def test_temp_space_warning_from_the_largest_input(monkeypatch, tmp_path):
    import shutil

    data = tmp_path / "data" / "某局"
    data.mkdir(parents=True)
    (data / "序时账.csv").write_bytes(b"x" * 1000)
    (data.parent / "合同台账.csv").write_bytes(b"x" * 10)
    files = [data / "序时账.csv", data.parent / "合同台账.csv"]
    seen = []

    def usage(path):
        seen.append(path)
        return _usage(free)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    free = dbsettings.TEMP_SPACE_FACTOR * 1000  # exactly enough for the largest file
    assert dbsettings.temp_space_warning(files, tmp_path / "x.duckdb") is None
    # the temporary directory does not exist yet: the disk it would be made on is asked
    assert seen[-1] == tmp_path
    free -= 1
    zh, en = dbsettings.temp_space_warning(files, tmp_path / "x.duckdb")
    assert "XUNCHA_TEMP_DIR" in zh and "可能不够" in zh and str(tmp_path / "x.duckdb.tmp") in zh
    assert "largest input is 0.0 GB" in en
    # only the files given count; none, nothing to warn of
    assert dbsettings.temp_space_warning(files[1:], tmp_path / "x.duckdb") is None
    assert dbsettings.temp_space_warning([], tmp_path / "x.duckdb") is None
    # a file gone meanwhile: no warning rather than an error before the load
    assert dbsettings.temp_space_warning([tmp_path / "gone.csv"], tmp_path / "x.duckdb") is None
    # the configured temporary directory is the one measured
    monkeypatch.setenv("XUNCHA_TEMP_DIR", str(data))
    dbsettings.temp_space_warning(files, tmp_path / "x.duckdb")
    assert seen[-1] == data


@pytest.mark.e2e
def test_run_warns_of_little_temporary_space_and_goes_on(monkeypatch, tmp_path):
    import shutil
    from pathlib import Path

    from typer.testing import CliRunner

    from xuncha_audit.cli import app

    data = tmp_path / "data"
    data.mkdir()
    sample = Path(__file__).resolve().parents[1] / "data_samples" / "合同台账.xlsx"
    (data / "合同台账.xlsx").write_bytes(sample.read_bytes())
    monkeypatch.setattr(shutil, "disk_usage", lambda path: _usage(1000))
    res = CliRunner().invoke(app, ["run", str(data), "--out", str(tmp_path / "out"), "--unit", "某局",
                                   "--select", "P06"])
    assert res.exit_code == 0, res.output
    assert "可能不够导入最大的输入文件" in res.stderr
    assert (tmp_path / "out" / "findings.xlsx").exists()
