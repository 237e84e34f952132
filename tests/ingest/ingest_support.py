"""Helpers that write small export files in the shapes real systems produce."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merge_title: bool = False) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        if merge_title and rows and rows[0] and rows[0][0]:
            width = max(len(r) for r in rows)
            ws.merge_range(0, 0, 0, max(width - 1, 1), rows[0][0])
    wb.close()
    return path


def write_xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    wb.save(str(path))
    return path


LEDGER_HEADER = ["凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额", "往来单位", "经办人"]
LEDGER_ROWS = [
    ["2024-01-05", "记-1", "购办公用品", "办公费", "1,234.50", "", "长沙甲科技有限公司", "张 三"],
    ["2024-01-05", "记-1", "购办公用品", "银行存款", "", "1234.5", "长沙甲科技有限公司", "张三"],
    ["2024-01-06", "记-2", "差旅费", "差旅费", "￥800", "", "", "李四"],
    ["2024-01-06", "记-2", "差旅费", "银行存款", "", "800元", "", "李四"],
]


@pytest.fixture
def load(tmp_path):
    """Run load_folder on a folder and open the database read-only afterwards."""
    from xuncha_audit.ingest.loader import load_folder

    opened = []

    def _load(data_dir: Path, db: Path | None = None, **kw):
        db = db or tmp_path / "out" / "x.duckdb"
        report = load_folder(data_dir, db, **kw)
        con = duckdb.connect(str(db), read_only=True)
        opened.append(con)
        return report, con

    yield _load
    for con in opened:
        con.close()


def assert_accounting(con) -> None:
    """read == loaded + quarantined + summary + deleted + skipped for every log row, and the
    numbers agree with the tables."""
    rows = con.execute(
        "SELECT file, sheet, table_name, rows_read, rows_loaded, rows_quarantined, status, unit, "
        "coalesce(rows_summary, 0) + coalesce(rows_deleted, 0) + coalesce(rows_skipped, 0) "
        "FROM _load_log"
    ).fetchall()
    for file, sheet, table, read, loaded, quarantined, status, unit, other in rows:
        assert read == loaded + quarantined + other, (file, sheet)
        q = con.execute(
            "SELECT count(DISTINCT row_no) FROM _quarantine WHERE file = ? "
            "AND sheet IS NOT DISTINCT FROM ? AND list_contains(string_split(?, '、'), unit)",
            [file, sheet, unit or ""],
        ).fetchone()[0]
        assert q == quarantined, (file, sheet, q, quarantined)
        if table and table != "payroll" and status != "error":
            # a wide sheet's row becomes several records (one per item): count source rows
            n = con.execute(
                f'SELECT count(DISTINCT _source_row) FROM "{table}" WHERE _source_file = ? '
                "AND _source_sheet IS NOT DISTINCT FROM ? AND list_contains(string_split(?, '、'), unit)",
                [file, sheet, unit or ""],
            ).fetchone()[0]
            assert n == loaded, (file, sheet, n, loaded)
