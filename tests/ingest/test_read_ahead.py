"""Files are read, decoded, planned and scanned in a thread a few files ahead of the database
(``loader._ReadAhead``). Reading ahead must change nothing but the time: the same rows,
quarantine, log entries in the same order and messages as reading each file in turn, for
damaged, unreadable, skipped and forced files alike; nothing scanned twice; no temporary
copy left behind; a file larger than the budget read only when its turn comes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from ingest_support import LEDGER_HEADER, LEDGER_ROWS, write_csv, write_xlsx
from test_load_groups import _entries, _province, _tables

from xuncha_audit.ingest import loader, sources


def _folder(root: Path) -> Path:
    d = _province(root)
    u = d / "甲局"
    # a GBK ledger with an undecodable byte in one line: the fast scan refuses it ahead,
    # the line reader quarantines the line in turn
    write_csv(u / "明细账_坏.csv", [LEDGER_HEADER, *LEDGER_ROWS], "gbk")
    raw = (u / "明细账_坏.csv").read_bytes().split(b"\n")
    raw[2] = raw[2].replace(b"2024", b"20\xff4", 1)
    (u / "明细账_坏.csv").write_bytes(b"\n".join(raw))
    # UTF-16 (transcoded while read), unreadable, empty, skipped by the mapping, forced table
    (u / "合同台账_utf16.csv").write_bytes(
        "合同编号,供应商,合同金额,签订日期\nHT-9,戊公司,900,2024-02-01\n".encode("utf-16"))
    (u / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (u / "空.csv").write_bytes(b"")
    write_csv(u / "备注.csv", [LEDGER_HEADER, *LEDGER_ROWS])
    write_xlsx(u / "杂.xlsx", {"说明": [["字段", "含义"], ["a", "b"]],
                             "明细": [["单据", "接待日期", "金额"], ["X1", "2024-01-02", "9"]]})
    return d


MAPPING = {"tables": {"hospitality": {"aliases": {"record_no": ["单据"]}}},
           "files": [{"glob": "*/杂.xlsx", "table": "hospitality", "sheet": "明细"},
                     {"glob": "*/备注.csv", "skip": True}]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _folder(tmp_path_factory.mktemp("ahead"))


def test_reading_ahead_gives_what_reading_in_turn_gives(folder, tmp_path, monkeypatch):
    scans: dict[bool, list[str]] = {True: [], False: []}
    threads: dict[bool, set[str]] = {True: set(), False: set()}
    scan, read = sources._fast_scan, loader._read_file
    mode = [True]

    def counted_scan(path, *a, **k):
        scans[mode[0]].append(str(path))
        return scan(path, *a, **k)

    def traced_read(*a, **k):
        threads[mode[0]].add(threading.current_thread().name)
        return read(*a, **k)

    monkeypatch.setattr(sources, "_fast_scan", counted_scan)
    monkeypatch.setattr(loader, "_read_file", traced_read)
    workdirs = []
    real_tmp = loader.tempfile.TemporaryDirectory

    class Tmp(real_tmp):
        def __exit__(self, *exc):
            workdirs.append(sorted(p.name for p in Path(self.name).iterdir()))
            return super().__exit__(*exc)

    monkeypatch.setattr(loader.tempfile, "TemporaryDirectory", Tmp)
    ahead = loader.load_folder(folder, tmp_path / "a.duckdb", mapping=MAPPING, read_ahead=True)
    mode[0] = False
    in_turn = loader.load_folder(folder, tmp_path / "t.duckdb", mapping=MAPPING, read_ahead=False)

    assert _entries(ahead) == _entries(in_turn)  # same order, counts and messages
    assert _tables(tmp_path / "a.duckdb") == _tables(tmp_path / "t.duckdb")
    # the reading really happened in the thread, and every file was scanned once only
    assert all(name.startswith("xuncha-read") for name in threads[True])
    assert threads[False] == {threading.main_thread().name}
    for paths in scans.values():
        assert paths and len(paths) == len(set(paths))
    assert len(scans[True]) == len(scans[False])
    assert workdirs == [[], []]  # no UTF-8 copy left over at the end of either load
    # the damage and the files that could not be read are reported as before
    by_file = {(e.file, e.sheet): e for e in ahead.entries}
    assert by_file[("甲局/明细账_坏.csv", None)].rows_quarantined == 1
    assert by_file[("甲局/坏文件.xlsx", None)].status == "error"
    assert by_file[("甲局/空.csv", None)].status == "error"
    assert by_file[("甲局/备注.csv", None)].status == "skipped"
    assert by_file[("甲局/杂.xlsx", "明细")].rows_loaded == 1
    assert by_file[("甲局/合同台账_utf16.csv", None)].rows_loaded == 1


def test_a_scan_ahead_for_another_header_row_is_not_used(tmp_path):
    """The plan in turn may read another header row than the one scanned ahead (it never
    does today: same inputs): the scan ahead is dropped with its copy, and done again."""
    path = write_csv(tmp_path / "x.csv", [["标题"], ["a", "b"], ["1", "2"], ["3", "4"]], "gbk")
    (sheet,) = sources.read_source(path, tmp_path)
    sheet.prescan(0)
    copy = sheet.scanned[2]
    assert copy is not None and copy.exists()
    import duckdb

    con = duckdb.connect()
    assert sheet.materialise(con, 1, "t") == []
    assert not copy.exists() and sheet.scanned is None
    assert con.execute("SELECT c0, c1, _row FROM t ORDER BY _row").fetchall() == [("1", "2", 3), ("3", "4", 4)]
    assert list(tmp_path.glob("tmp*.csv")) == []


def test_a_file_over_the_budget_is_read_in_its_turn(tmp_path, monkeypatch):
    """Read-ahead holds at most ``max_bytes`` of files ahead: a large workbook is not read
    while another is being loaded (two large workbooks in memory at once)."""
    sizes = {"a": 10, "b": 10, "big": 1000, "c": 10}
    paths = {}
    for name, size in sizes.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(b"x" * size)
    started: list[str] = []
    monkeypatch.setattr(loader, "_read_file", lambda path, *a: started.append(path.name) or path.name)
    jobs = {n: (paths[name],) for n, name in enumerate(sizes)}
    ahead = loader._ReadAhead(jobs, enabled=True, max_bytes=100)
    try:
        assert ahead.take(0) == "a"
        assert set(ahead.futures) == {1}  # "b" ahead; "big" does not fit beside it
        assert ahead.take(1) == "b"
        assert set(ahead.futures) == set()  # "big" alone is over the budget: waits for its turn
        assert ahead.take(2) == "big"
        assert set(ahead.futures) == {3}
        assert ahead.take(3) == "c"
    finally:
        ahead.close()
    assert started == ["a", "b", "big", "c"]
