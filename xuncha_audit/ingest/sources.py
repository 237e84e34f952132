"""Reading source files: encoding detection, streaming transcoding, CSV and Excel grids.

A source file yields one or more :class:`Sheet` objects. A sheet exposes its first rows
(``head``, raw cell text, for header detection) and can materialise its data rows below a
chosen header row into a DuckDB table of VARCHAR columns ``c0..cN`` plus ``_row`` (the row
number as the user sees it in the file, 1-based, header and title rows included).

CSV: the encoding is detected from the first 64 KiB (UTF-8 BOM, UTF-16 BOM, UTF-8, else
GBK, else GB18030). UTF-8 files are read by DuckDB directly; anything else is transcoded to
a temporary UTF-8 file in 4 MiB chunks (GB18030 decoder, a superset of GBK; undecodable
bytes become U+FFFD and are counted). The delimiter (``,`` tab ``;`` ``|``) and header line
are sniffed from the first 40 lines; DuckDB ``read_csv`` then reads everything below the
header as VARCHAR, rejecting (and reporting) lines whose number of fields differs from the
header. CSV row numbers assume one line per record: a quoted field spanning lines or a blank
line shifts the numbers of the rows after it.

Excel (``.xlsx``, ``.xlsm``, ``.xls``): fastexcel (calamine) loads each sheet as strings into
Arrow without a header; merged cells carry their value in the top-left cell. A ``.xls`` that
calamine cannot open but that is really delimited text (systems often export TSV/CSV under an
``.xls`` name) is read as CSV.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from xuncha_audit.errors import XunchaError

HEAD_ROWS = 40
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
DATA_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES
_CHUNK = 4 << 20
_DELIMS = (",", "\t", ";", "|")

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8-BOM",
    "utf-16": "UTF-16",
    "gbk": "GBK",
    "gb18030": "GB18030",
}


class SourceError(XunchaError):
    """A file that cannot be read at all (corrupt, binary, empty)."""


def detect_encoding(head: bytes) -> str:
    """Python codec name of a text file from its first bytes.

    Raises :class:`SourceError` for empty or binary content.
    """
    if not head:
        raise SourceError("文件为空", "empty file")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise SourceError("不是文本文件（含二进制内容），无法按 CSV 读取", "binary content, not a text file")
    for enc in ("utf-8", "gbk", "gb18030"):
        try:
            codecs.getincrementaldecoder(enc)(errors="strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return enc
    raise SourceError("无法识别文件编码（不是 UTF-8/GBK/GB18030 文本）", "unknown text encoding")


def transcode_to_utf8(src: Path, dest: Path, encoding: str) -> int:
    """Stream ``src`` (``encoding``) into ``dest`` as UTF-8; returns replaced characters."""
    codec = "gb18030" if encoding in ("gbk", "gb18030") else encoding
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    replaced = 0
    first = True
    with src.open("rb") as fin, dest.open("wb") as fout:
        while True:
            chunk = fin.read(_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            if first and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            if text:
                replaced += text.count("\ufffd")
                fout.write(text.encode("utf-8"))
            if not chunk:
                break
    return replaced


def _not_blank(width: int) -> str:
    """SQL: the row has at least one non-blank cell among c0..c{width-1}."""
    cells = ", ".join(f"nullif(trim(c{i}), '')" for i in range(width))
    return f"coalesce({cells}) IS NOT NULL" if width else "FALSE"


def _clean_cell(value) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


@dataclass
class Sheet:
    """One table-like region of a source file."""

    name: str | None
    head: list[list[str | None]]
    width: int
    encoding: str | None = None
    messages: list[str] = field(default_factory=list)

    def width_for(self, header_idx: int) -> int:
        """Number of source columns when the header is row ``header_idx``."""
        return self.width

    def materialise(self, con, header_idx: int, table: str) -> list[tuple[int, str, str]]:
        """Create ``table`` (c0..cN VARCHAR, _row BIGINT) from the rows below ``header_idx``;
        rows whose cells are all blank are left out (they are not records). Call it outside
        a transaction: row numbers come from the rowids of a freshly created table.

        Returns rejected lines as ``(row_no, raw_text, reason)`` (CSV only).
        """
        raise NotImplementedError


@dataclass
class ExcelSheet(Sheet):
    data: pa.Table | None = None

    def materialise(self, con, header_idx: int, table: str) -> list[tuple[int, str, str]]:
        data = self.data
        assert data is not None
        body = data.slice(header_idx + 1)
        cols = {f"c{i}": body.column(i).cast(pa.string()) for i in range(self.width)}
        start = header_idx + 2
        cols["_row"] = pa.array(range(start, start + body.num_rows), pa.int64())
        arrow = pa.table(cols)
        view = f"{table}_arrow"
        con.register(view, arrow)
        try:
            con.execute(
                f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM "{view}" '
                f"WHERE {_not_blank(self.width)}"
            )
        finally:
            con.unregister(view)
        return []


@dataclass
class CsvSheet(Sheet):
    path: Path | None = None
    delimiter: str = ","
    header_lines: list[int] = field(default_factory=list)  # physical line (0-based) per head row

    def width_for(self, header_idx: int) -> int:
        return len(self.head[header_idx])

    def materialise(self, con, header_idx: int, table: str) -> list[tuple[int, str, str]]:
        assert self.path is not None
        skip = self.header_lines[header_idx] + 1
        columns = {f"c{i}": "VARCHAR" for i in range(self.width_for(header_idx))}
        con.execute("DROP TABLE IF EXISTS _xa_rej")
        con.execute("DROP TABLE IF EXISTS _xa_rej_scan")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE "{table}_csv" AS SELECT * FROM read_csv(
                $path, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
                columns = $columns, auto_detect = false, strict_mode = true,
                store_rejects = true, rejects_table = '_xa_rej', rejects_scan = '_xa_rej_scan')""",
            {"path": str(self.path), "skip": skip, "delim": self.delimiter, "columns": columns},
        )
        rejects = con.execute(
            "SELECT line, first(csv_line), string_agg(DISTINCT error_type, ', ') "
            "FROM _xa_rej GROUP BY line ORDER BY line"
        ).fetchall()
        first_line = skip + 1  # 1-based physical line of the first data row
        keep = _not_blank(self.width_for(header_idx))
        if not rejects:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE "{table}" AS
                SELECT *, rowid + $first AS _row FROM "{table}_csv" WHERE {keep}""",
                {"first": first_line},
            )
        else:
            n_good = con.execute(f'SELECT count(*) FROM "{table}_csv"').fetchall()[0][0]
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE "{table}" AS
                WITH lines AS (
                    SELECT line, row_number() OVER (ORDER BY line) AS k
                    FROM range($first, $last) AS r(line)
                    WHERE line NOT IN (SELECT line FROM _xa_rej)
                ), good AS (
                    SELECT *, row_number() OVER (ORDER BY rowid) AS k FROM "{table}_csv"
                )
                SELECT good.* EXCLUDE (k), lines.line AS _row
                FROM good JOIN lines USING (k) WHERE {keep}""",
                {"first": first_line, "last": first_line + n_good + len(rejects)},
            )
        con.execute(f'DROP TABLE "{table}_csv"')
        return [
            (int(line), text, "列数与表头不一致" if "COLUMNS" in (err or "") else f"无法解析的行（{err}）")
            for line, text, err in rejects
        ]


def _sniff_csv(text_head: str) -> tuple[str, list[list[str | None]], list[int]]:
    """Split the head of a CSV with the delimiter that gives the most consistent rows."""
    lines = [line.rstrip("\r") for line in text_head.split("\n")[:HEAD_ROWS]]
    best = None
    for delim in _DELIMS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common)
        if best is None or score > best[0]:
            best = (score, delim)
    delim = best[1] if best else ","
    rows: list[list[str | None]] = []
    physical: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        cells = next(csv.reader([line], delimiter=delim), [])
        rows.append([_clean_cell(c) for c in cells])
        physical.append(i)
    return delim, rows, physical


def read_csv_source(path: Path, workdir: Path) -> list[Sheet]:
    """The single sheet of a delimited text file (transcoded to UTF-8 when needed)."""
    with path.open("rb") as fh:
        head = fh.read(64 << 10)
    encoding = detect_encoding(head)
    messages: list[str] = []
    target = path
    if encoding not in ("utf-8",):
        fd, tmp = tempfile.mkstemp(suffix=".csv", dir=workdir)
        os.close(fd)
        target = Path(tmp)
        replaced = transcode_to_utf8(path, target, encoding)
        if replaced:
            messages.append(f"有 {replaced} 个字符无法按 {ENCODING_LABELS[encoding]} 解码，已替换为 �")
        with target.open("rb") as fh:
            head = fh.read(64 << 10)
    text_head = head.decode("utf-8", errors="replace")
    if len(head) == 64 << 10:  # drop a possibly cut last line
        text_head = text_head.rsplit("\n", 1)[0]
    delim, rows, physical = _sniff_csv(text_head)
    if not rows:
        raise SourceError("文件中没有数据行", "no rows in file")
    width = max(len(r) for r in rows)
    return [
        CsvSheet(
            name=None, head=rows, width=width, encoding=ENCODING_LABELS[encoding],
            messages=messages, path=target, delimiter=delim, header_lines=physical,
        )
    ]


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head or b"\x00" in head or head.lstrip().startswith(b"<"):
        return False
    try:
        detect_encoding(head)
    except SourceError:
        return False
    return True


def read_excel_source(path: Path, sheet: str | None = None) -> Iterator[Sheet]:
    """Every sheet of a workbook (or only ``sheet``) as an :class:`ExcelSheet`."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except Exception as exc:
        raise SourceError(
            "无法打开 Excel 文件（文件已损坏或不是 Excel 格式）", f"cannot open workbook: {exc}"
        ) from exc
    if sheet is not None:
        if sheet not in names:
            raise SourceError(
                f"工作簿中没有映射文件指定的工作表「{sheet}」（现有：{'、'.join(names)}）",
                f"sheet {sheet!r} not in workbook",
            )
        names = [sheet]
    for name in names:
        try:
            data = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0).to_arrow()
        except Exception as exc:
            raise SourceError(
                f"无法读取工作表「{name}」", f"cannot read sheet {name!r}: {exc}", sheet=name
            ) from exc
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        head = [
            [_clean_cell(v) for v in row.values()]
            for row in data.slice(0, HEAD_ROWS).to_pylist()
        ]
        yield ExcelSheet(name=name, head=head, width=data.num_columns, encoding=None, data=data)


def read_source(path: Path, workdir: Path, sheet: str | None = None) -> list[Sheet]:
    """All sheets of a source file. Raises :class:`SourceError` when it cannot be read."""
    if path.stat().st_size == 0:
        raise SourceError("文件为空", "empty file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv_source(path, workdir)
    try:
        return list(read_excel_source(path, sheet))
    except SourceError:
        if suffix == ".xls" and _looks_like_text(path):
            return read_csv_source(path, workdir)
        raise


__all__ = [
    "DATA_SUFFIXES",
    "ENCODING_LABELS",
    "CsvSheet",
    "ExcelSheet",
    "Sheet",
    "SourceError",
    "detect_encoding",
    "read_source",
    "transcode_to_utf8",
]
