"""Wide sheets (issue 16 item 7): load time of a ledger sheet with N columns (3 data rows)
as CSV and as .xlsx, for N = 1,000 .. 16,000. Prints seconds per size; the cost should grow
linearly with the number of columns.

    .venv/bin/python benchmarks/bench_wide_sheet.py [N ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from xuncha_audit.ingest.loader import load_folder


def _write(d: Path, n: int, kind: str) -> None:
    hdr = ["凭证日期", "凭证号", "摘要", "借方金额", "贷方金额"] + [f"备注{i}" for i in range(n - 5)]
    rows = [hdr] + [["2024-01-05", f"记-{r}", "购办公用品", "100.00", ""] + [str(i % 97) for i in range(n - 5)]
                    for r in range(3)]
    if kind == "csv":
        (d / "序时账.csv").write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
        return
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(d / "序时账.xlsx"))
    ws = wb.add_worksheet("凭证")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    wb.close()


def main(sizes: list[int]) -> None:
    print("kind  columns  bytes  seconds  rows_loaded")
    for kind in ("csv", "xlsx"):
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                d = Path(tmp) / "data"
                d.mkdir()
                _write(d, n, kind)
                size = sum(f.stat().st_size for f in d.iterdir())
                t = time.perf_counter()
                report = load_folder(d, Path(tmp) / "x.duckdb")
                print(f"{kind:5} {n:7,} {size:7,} {time.perf_counter() - t:8.2f}  {report.rows_loaded}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 4000, 16000])
