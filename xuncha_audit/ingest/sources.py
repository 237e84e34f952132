"""Reading source files: what a file is, encodings, damaged lines, CSV and Excel grids.

A source file yields one or more :class:`Sheet` objects. A sheet exposes its first rows
(``head``, raw cell text, for header detection) and can materialise its data rows below a
chosen header row into a DuckDB table of VARCHAR columns ``c0..cN`` plus ``_row`` (the row
number as the user sees it in the file, 1-based, header and title rows included), returning
the lines it could not read as :class:`Reject` rows for ``_quarantine``. The rules are
written down in ``docs/parsing.md``.

What a file is comes from its bytes (:func:`sniff_kind`), not its name: zip and OLE
workbooks (also WPS ``.et``), HTML pages and SpreadsheetML saved as ``.xls``
(:mod:`xuncha_audit.ingest.markup`), otherwise delimited text.

Text (CSV/TSV/TXT): the encoding is voted line by line over the head (:func:`detect_encoding`;
UTF-16 is transcoded first); the delimiter and header are sniffed from the first 40 lines.
A chunk scan at C speed (:func:`_fast_scan`) checks the data region; a clean file is read by
DuckDB ``read_csv``. A file with damage — NUL bytes, lines in another encoding, foreign line
endings, over-long lines, blank lines or quoted fields across lines — is read line by line
(:class:`_Lines` + :mod:`csv`, strict quoting) so that exactly the damaged lines are
rejected with their physical line numbers and raw bytes shown safely (:func:`show_bytes`).

Excel (``.xlsx``, ``.xlsm``, ``.xls``, ``.et``): fastexcel (calamine) loads each sheet as
strings into Arrow without a header; merged cells carry their value in the top-left cell.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from xuncha_audit.db import is_pattern, of
from xuncha_audit.errors import XunchaError
from xuncha_audit.ingest import scan as _scan

HEAD_ROWS = 40
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))  # lines up to MAX_LINE_BYTES are read
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ett"}  # .et/.ett: WPS 表格
XML_SUFFIXES = {".xml"}  # record XML (markup.xml_records), SpreadsheetML saved as .xml
DATA_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | XML_SUFFIXES
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


_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
# control bytes that do not occur in text (everything below 0x20 except tab, LF, VT, FF, CR, ESC)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_CONTROL_TABLE = bytes.maketrans(_CONTROL, b"\x00" * len(_CONTROL))


def _is_binary(head: bytes) -> bool:
    """Binary content: a known container signature, or more than 2 % control bytes.

    A few stray NUL bytes in a text file are damage to the lines that hold them, not a
    reason to give up on the whole file.
    """
    if head.startswith(_BINARY_MAGIC):
        return True
    n_ctrl = head.translate(_CONTROL_TABLE).count(0)
    return n_ctrl > max(2, len(head) // 50)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(head: bytes) -> str:
    """Python codec name of a text file from its first bytes.

    BOMs decide first. Otherwise every line of ``head`` that holds non-ASCII bytes votes:
    UTF-8 when it decodes as UTF-8, else GBK, else GB18030. The majority wins (UTF-8 on a
    tie; GB18030 when any line needs it), so one line in another encoding (a GBK line pasted into a UTF-8 file) does not
    decide for the whole file: it is quarantined when the file is read. The last line of a
    full 64 KiB head may be cut inside a character and does not vote.

    Raises :class:`SourceError` for empty or binary content or when no line decodes.
    """
    if not head:
        raise SourceError("文件为空", "empty file")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_binary(head):
        raise SourceError("不是文本文件（含二进制内容），无法按 CSV 读取", "binary content, not a text file")
    lines = head.split(b"\n")
    if len(lines) > 1 and len(head) >= 64 << 10:
        lines = lines[:-1]
    votes = {"utf-8": 0, "gbk": 0, "gb18030": 0}
    # the votes counted with two decodes of the whole head instead of two or three per line
    # (1,000 CSV files: 565,000 decodes, 0.8 s): a line decodes as UTF-8 when its part of the
    # head decoded with replacement holds no U+FFFD (a b"\n" byte is a line feed in any case)
    # and cannot when it does and its bytes hold no encoded U+FFFD; those lines vote GBK when
    # they decode as GBK together (GBK has no character holding a line feed byte), else each
    # line is tried in turn as before
    decoded = b"\n".join(lines).decode("utf-8", errors="replace").split("\n")
    rest: list[bytes] = []  # the non-ASCII lines not yet known to be UTF-8
    for line, text in zip(lines, decoded, strict=True):
        if not line.isascii():
            if "\ufffd" in text:
                rest.append(line)
            else:
                votes["utf-8"] += 1
    not_utf8 = [line for line in rest if b"\xef\xbf\xbd" not in line]
    if not_utf8 and _decodes(b"\n".join(not_utf8), "gbk"):
        votes["gbk"] += len(not_utf8)
        rest = [line for line in rest if b"\xef\xbf\xbd" in line]
    for line in rest:
        for enc in ("utf-8", "gbk", "gb18030"):
            if _decodes(line, enc):
                votes[enc] += 1
                break
    if not any(votes.values()):
        if all(line.isascii() for line in lines[:-1]) and _decodes_prefix(lines[-1]):
            return "utf-8"
        raise SourceError("无法识别文件编码（不是 UTF-8/GBK/GB18030 文本）", "unknown text encoding")
    if votes["utf-8"] >= votes["gbk"] + votes["gb18030"]:
        return "utf-8"
    return "gb18030" if votes["gb18030"] else "gbk"  # GB18030 is a superset of GBK


def _decodes_prefix(data: bytes) -> bool:
    """``data`` is UTF-8 apart from a character cut at its end."""
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


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


#: widest row tested cell by cell in :func:`not_blank_sql` (wider: one concat_ws)
NOT_BLANK_OR_WIDTH = 256


def not_blank_sql(width: int) -> str:
    """SQL: the row has at least one non-blank cell among c0..c{width-1}. Up to
    :data:`NOT_BLANK_OR_WIDTH` cells an OR of the cells, which stops at the first filled one
    (nearly always c0: 0.08 s over a 4M-line ledger, against 0.69 s for concatenating every
    cell of every row). A wider sheet: one concat_ws over the cells, which DuckDB plans in
    time linear in the number of columns (a coalesce of nullif(trim(c)) terms was quadratic:
    16,000 columns took minutes)."""
    if not width:
        return "FALSE"
    if width <= NOT_BLANK_OR_WIDTH:
        return "(" + " OR ".join(f"(c{i} IS NOT NULL AND trim(c{i}) <> '')" for i in range(width)) + ")"
    cells = ", ".join(f"c{i}" for i in range(width))
    return f"trim(concat_ws('', {cells})) <> ''"


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
    # the plan made ahead by the load's read-ahead thread: (forced table, SheetPlan)
    planned: tuple | None = None
    # rows in the table :meth:`materialise` made (counted by the statement that made it)
    loaded_rows: int | None = None
    # read later by its group's statement (deferred_read): its files are the group's to remove
    held: bool = False

    def width_for(self, header_idx: int) -> int:
        """Number of source columns when the header is row ``header_idx``."""
        return self.width

    def prescan(self, header_idx: int) -> None:
        """File work :meth:`materialise` would do first, done ahead (CSV only)."""

    def release(self) -> None:
        """Remove temporary files made ahead and not used (CSV only)."""

    def deferred_read(self, header_idx: int, tag: str) -> tuple[str, dict, int] | None:
        """What :meth:`materialise` would put in a table, as a query to read inside the
        group's own statement instead: ``(subquery, parameters named by tag, rows at most)``.
        None where the sheet must be materialised (all but clean small CSV files)."""
        return None

    def read_together(self, header_idx: int) -> tuple[str, int, str, int] | None:
        """For a sheet :meth:`deferred_read` reads: ``(path, lines skipped, delimiter, width)``
        of the clean file its read reads, so that the files a group reads alike are read by one
        ``read_csv`` of them all; None for any other sheet."""
        return None

    def arrow_body(self, header_idx: int) -> pa.Table | None:
        """The rows below ``header_idx`` as an Arrow table (c0..cN string, _row int64 = the
        row's number in the sheet), blank rows still in; None where the sheet is not held in
        memory (CSV). Read by its group's statement, with the blank rows left out there."""
        return None

    def materialise(self, con, header_idx: int, table: str) -> list[tuple[int, str, str]]:
        """Create ``table`` (c0..cN VARCHAR, _row BIGINT) from the rows below ``header_idx``;
        rows whose cells are all blank are left out (they are not records); sets
        :attr:`loaded_rows`. Call it outside a transaction: row numbers of a large CSV come
        from the rowids of a freshly created table.

        Returns rejected lines as ``(row_no, raw_text, reason)`` (CSV only).
        """
        raise NotImplementedError


@dataclass
class ExcelSheet(Sheet):
    data: pa.Table | None = None

    def arrow_body(self, header_idx: int) -> pa.Table:
        data = self.data
        assert data is not None
        body = data.slice(header_idx + 1)
        cols = {f"c{i}": c if (c := body.column(i)).type == pa.string() else c.cast(pa.string())
                for i in range(self.width)}
        start = header_idx + 2
        cols["_row"] = pa.array(np.arange(start, start + body.num_rows, dtype=np.int64))
        return pa.table(cols)

    def materialise(self, con, header_idx: int, table: str) -> list[tuple[int, str, str]]:
        arrow = self.arrow_body(header_idx)
        view = f"{table}_arrow"
        be = of(con)
        with be.registered(view, arrow):
            # CREATE TABLE AS answers with the number of rows it wrote
            self.loaded_rows = int(be.scalar(
                f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM "{view}" '
                f"WHERE {not_blank_sql(self.width)}"
            ))
        return []


class Reject(NamedTuple):
    """A source line (or record) that could not be read as a row: quarantined as is."""

    row_no: int  # physical line (1-based) where the record starts
    raw: str  # the raw bytes shown safely (see show_bytes)
    reason_zh: str
    reason_en: str


_SHOW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def show_bytes(raw: bytes, codec: str = "utf-8", limit: int = 500) -> str:
    """Raw bytes of a damaged line as safe text: what decodes in ``codec`` as itself, other
    bytes and control characters (NUL, CR ...) as ``\\xNN`` escapes; cut at ``limit``
    characters with the total byte count appended."""
    text = raw[: limit * 4].decode(codec, errors="backslashreplace")
    text = _SHOW_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) > limit or len(raw) > limit * 4:
        text = text[:limit] + f"…（共 {len(raw):,} 字节）"
    return text


def _show_undecodable(raw: bytes, other: str, limit: int = 500) -> str:
    """A line that does not decode: non-ASCII bytes as ``\\xNN``, followed by how the line
    reads in ``other`` (e.g. GBK) when it decodes there."""
    text = show_bytes(raw, "ascii", limit)
    try:
        alt = raw.decode(other)
    except UnicodeDecodeError:
        return text
    label = "GBK" if other == "gb18030" else "UTF-8"
    return f"{text} ｜按 {label} 读作：{show_bytes(alt.encode('utf-8'), 'utf-8', limit)}"


WIDE_COLUMNS = 512  # wider sheets are read by the line reader
ONE_STATEMENT_CSV_BYTES = 2 << 20  # a clean CSV up to this size is read in one statement (measured:
# 14 ms against 20 ms for two statements at 1.3 MB; 590 against 450 ms at 40 MB)
MAX_LINE_BYTES = 1 << 20  # a physical line longer than this is damage (runaway or garbage)
MAX_RECORD_LINES = 500  # a quoted field spanning more lines than this is an unclosed quote
_BATCH = 50_000
_TERM_NAMES = {b"\r\n": "CRLF", b"\n": "LF", b"\r": "CR"}


class _RecordTooLong(Exception):
    pass


class _Lines:
    """Physical lines of a text file as decoded text for :mod:`csv`, with damaged lines taken
    out and reported.

    A line is damaged when it is longer than :data:`MAX_LINE_BYTES`, holds a NUL byte, does
    not decode in the file's encoding, or (in a GBK/GB18030 file) is valid UTF-8 with
    non-ASCII characters (a UTF-8 line in a GBK file decodes as GB18030 mojibake without
    an error, so it is recognised by being valid UTF-8).
    """

    def __init__(self, path: Path, encoding: str, newline: bytes, start: int):
        self.path = path
        self.codec = "gb18030" if encoding in ("gbk", "gb18030") else "utf-8"
        self.check_utf8 = self.codec != "utf-8"
        self.newline = newline
        self.start = start  # first physical line (1-based) to hand out
        self.damaged: list[Reject] = []
        self.pending: list[tuple[int, str, bytes]] = []  # lines handed back after a bad record
        self.record: list[tuple[int, str, bytes]] = []  # lines of the record being parsed
        self.record_bytes = 0
        self.lines_read = 0

    def physical(self) -> Iterator[tuple[int, bytes, bytes]]:
        """(line number, body, terminator) for every physical line."""
        nl = self.newline
        carry = b""
        n = 0
        with self.path.open("rb") as fh:
            if self.codec == "utf-8":
                first = fh.read(3)
                carry = first[3:] if first == codecs.BOM_UTF8 else first
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                parts = (carry + chunk).split(nl)
                carry = parts.pop()
                for part in parts:
                    n += 1
                    if nl == b"\n" and part.endswith(b"\r"):
                        yield n, part[:-1], b"\r\n"
                    else:
                        yield n, part, nl
        if carry:
            n += 1
            yield n, carry[:-1] if nl == b"\n" and carry.endswith(b"\r") else carry, b""
        self.lines_read = n

    def good(self) -> Iterator[tuple[int, str, bytes]]:
        """(line number, text, terminator) of the undamaged lines from ``start`` on."""
        codec, check_utf8, damaged = self.codec, self.check_utf8, self.damaged
        for n, body, term in self.physical():
            if n < self.start:
                continue
            if len(body) > MAX_LINE_BYTES:
                damaged.append(Reject(n, show_bytes(body, codec), f"行过长（{len(body):,} 字节，上限 "
                                      f"{MAX_LINE_BYTES:,}），可能是未闭合的引号或损坏的数据",
                                      f"line too long ({len(body)} bytes)"))
                continue
            if b"\x00" in body:
                damaged.append(Reject(n, show_bytes(body, codec), "行内含 NUL 空字节（\\x00），数据已损坏",
                                      "NUL byte in line"))
                continue
            try:
                text = body.decode(codec)
            except UnicodeDecodeError:
                other = "GBK" if codec == "utf-8" else "UTF-8"
                damaged.append(Reject(
                    n, _show_undecodable(body, "gb18030" if codec == "utf-8" else "utf-8"),
                    f"该行不是{'UTF-8' if codec == 'utf-8' else 'GBK/GB18030'}编码（与文件其余部分不一致，疑似 {other}），无法解码",
                    f"line does not decode as {codec}"))
                continue
            if check_utf8 and not body.isascii() and _decodes(body, "utf-8"):
                damaged.append(Reject(n, show_bytes(body, "utf-8"),
                                      "该行是 UTF-8 编码，文件其余部分是 GBK，按 GBK 读取会成乱码",
                                      "UTF-8 line in a GBK file"))
                continue
            yield n, text, term

    def __iter__(self):
        return self

    def __next__(self) -> str:
        """The next good line for csv.reader (text with "\\n"), remembered for the record."""
        if self.pending:
            item = self.pending.pop()
        else:
            item = next(self._good)
        self.record.append(item)
        self.record_bytes += len(item[1])
        if len(self.record) > MAX_RECORD_LINES or self.record_bytes > MAX_LINE_BYTES:
            raise _RecordTooLong
        return item[1] + "\n"

    def begin(self) -> None:
        self.record = []
        self.record_bytes = 0

    def reject_record(self, reason_zh: str, reason_en: str) -> None:
        """Quarantine the first line of the current record and hand the others back."""
        first, *rest = self.record
        self.pending.extend(reversed(rest))
        self.damaged.append(Reject(first[0], show_bytes(first[1].encode("utf-8")), reason_zh, reason_en))
        self.record = []

    def open(self):
        self._good = self.good()
        return self


# a clean-looking file at least this large is scanned in two halves, the second in a process
# of its own (the scan is Python's decoding: one core; a 381 MB GBK ledger 5.0 → 3.0–3.3 s)
PARALLEL_SCAN_BYTES = 256 << 20


def _fast_scan(path: Path, encoding: str, start: int, terminator: bytes, dest: Path | None) -> int | None:
    """The number of line ends from physical line ``start`` on (at most the records there)
    when every line from physical line ``start`` on is clean: no NUL, decodes in
    ``encoding`` (and, in a GBK file, no line is UTF-8), one terminator throughout, no line
    over :data:`MAX_LINE_BYTES`, no blank line and no quoted field spanning lines, i.e. one
    record per line so that DuckDB's ``read_csv`` can read it with exact line numbers. All at
    C speed, chunk by chunk. With ``dest``, the file is written there as UTF-8 meanwhile
    (without BOM). None at the first sign of damage (the line-by-line reader takes over).

    A file of :data:`PARALLEL_SCAN_BYTES` or more is cut after the first line feed past its
    middle (in GBK and UTF-8 a line feed byte is always a line feed) and its second part is
    scanned by another process at the same time, to a UTF-8 part appended to ``dest`` after;
    the file passes when both parts do."""
    size = path.stat().st_size
    cut = _middle_line_end(path, size) if size >= PARALLEL_SCAN_BYTES else None
    if cut is None:
        return _scan_part(path, encoding, start, terminator, dest, 0, None)
    part = None if dest is None else dest.with_name(dest.name + ".part2")
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys; from xuncha_audit.ingest.scan import part_main; "
             "sys.exit(part_main(sys.argv[1:]))",
             str(path), encoding, terminator.hex(), str(cut), str(part or ""), str(_CHUNK), str(MAX_LINE_BYTES)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:  # no interpreter to start (a frozen build): one scan, as for a small file
        return _scan_part(path, encoding, start, terminator, dest, 0, None)
    try:
        first = _scan_part(path, encoding, start, terminator, dest, 0, cut)
        if first is None:
            return None
        out, _ = child.communicate()
        said = out.decode(errors="replace").strip()
        if said == _scan.NOT_CLEAN:
            return None
        if child.returncode != 0 or not said.isdigit():
            # the other process failed (not the file): its half scanned here
            second = _scan_part(path, encoding, 1, terminator, part, cut, None)
            if second is None:
                return None
        else:
            second = int(said)
        if dest is not None and part is not None:
            with dest.open("ab") as whole, part.open("rb") as tail:
                shutil.copyfileobj(tail, whole, 8 << 20)
        return first + second
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if part is not None:
            part.unlink(missing_ok=True)


def _middle_line_end(path: Path, size: int) -> int | None:
    """The offset just past the first line feed at or after the middle of the file."""
    with path.open("rb") as fh:
        fh.seek(size // 2)
        block = fh.read(MAX_LINE_BYTES + 1)
    end = block.find(b"\n")
    cut = size // 2 + end + 1
    return cut if end >= 0 and cut < size else None


def _scan_part(path: Path, encoding: str, start: int, terminator: bytes, dest: Path | None,
               begin: int, end: int | None) -> int | None:
    """:func:`xuncha_audit.ingest.scan.scan_part` with this module's buffer and line limit."""
    return _scan.scan_part(path, encoding, start, terminator, dest, begin, end, _CHUNK, MAX_LINE_BYTES)


@dataclass
class CsvSheet(Sheet):
    path: Path | None = None
    delimiter: str = ","
    header_lines: list[int] = field(default_factory=list)  # physical line (0-based) per head row
    newline: bytes = b"\n"  # the file's line terminator: b"\n" (LF or CRLF) or b"\r" (old Mac)
    terminator: bytes = b"\n"  # the dominant terminator of the file's lines
    source_encoding: str = "utf-8"  # codec of ``path``
    workdir: Path | None = None  # where temporary UTF-8 copies go
    # the fast scan done ahead (the load's read-ahead thread): header_idx, the line ends
    # below the header when the file is clean (None when it is not), UTF-8 copy
    scanned: tuple[int, int | None, Path | None] | None = None

    def width_for(self, header_idx: int) -> int:
        return len(self.head[header_idx])

    def _fast_path(self, header_idx: int) -> bool:
        # DuckDB's read_csv is slow on very wide schemas (16,000 columns: ~15 s for 3 rows);
        # the line reader builds Arrow columns directly, linear in the number of cells
        return self.newline == b"\n" and self.width_for(header_idx) <= WIDE_COLUMNS

    def prescan(self, header_idx: int) -> None:
        """Run the fast scan (and the UTF-8 copy it writes) for ``header_idx`` now, so that
        :meth:`materialise` finds it done. Pure file work (no database): the load runs it
        in a thread a few files ahead while DuckDB works on earlier files."""
        if self.path is None or not self._fast_path(header_idx):
            return
        start = self.header_lines[header_idx] + 2
        dest = None
        # a copy where DuckDB cannot read the file as it is: another encoding, a byte-order
        # mark, or a name it takes for a pattern (合同台账[1].csv read 合同台账1.csv beside it)
        if self.source_encoding != "utf-8" or _has_bom(self.path) or is_pattern(self.path):
            fd, tmp = tempfile.mkstemp(suffix=".csv", dir=self.workdir)
            os.close(fd)
            dest = Path(tmp)
        try:
            lines = _fast_scan(self.path, self.source_encoding, start, self.terminator, dest)
        except BaseException:
            if dest is not None:
                dest.unlink(missing_ok=True)
            raise
        if lines is None and dest is not None:
            dest.unlink(missing_ok=True)
            dest = None
        self.scanned = (header_idx, lines, dest)

    def _scan_for(self, header_idx: int) -> bool:
        """The fast scan for ``header_idx`` done (ahead by the load's read-ahead thread, as a
        rule; a scan for another header row is dropped): False where the file takes none."""
        if self.scanned is not None and self.scanned[0] != header_idx:
            self.release()  # scanned ahead for another header row: not this reading
        if self.scanned is None:
            self.prescan(header_idx)
        return self.scanned is not None

    def release(self) -> None:
        """Remove the UTF-8 copy of a scan done ahead and not used."""
        if self.scanned is not None:
            dest = self.scanned[2]
            self.scanned = None
            if dest is not None:
                dest.unlink(missing_ok=True)

    def materialise(self, con, header_idx: int, table: str) -> list[Reject]:
        """Parse the records below the header line by line (Python :mod:`csv`, strict
        quoting) into ``table``. Damaged lines (see :class:`_Lines`), records whose line
        ends differently from the rest of the file (a stray LF in a CRLF file cuts a
        record in two), records with another number of fields than the header (extra
        empty fields at the end are dropped first) and unclosed quotes are returned as
        :class:`Reject` rows; everything else is loaded with its physical line number."""
        assert self.path is not None
        self.loaded_rows = None
        if self._scan_for(header_idx):
            _, lines, dest = self.scanned
            try:
                if lines is not None and self._materialise_duckdb(con, header_idx, table, dest or self.path):
                    return []
            finally:
                self.release()
        return self._materialise_lines(con, header_idx, table)

    def deferred_read(self, header_idx: int, tag: str) -> tuple[str, dict, int] | None:
        """A clean small file (the fast scan found one record per line) as the one-statement
        read :meth:`_materialise_duckdb` makes of it, for the group's statement to read with
        the others (one statement for all the group's files, not one table each). The scan's
        UTF-8 copy stays until :meth:`release`. If DuckDB turns the file away there, the load
        materialises it, and the line reader says which lines are damaged."""
        if self.path is None or not self._scan_for(header_idx):
            return None
        _, lines, dest = self.scanned
        path = dest or self.path
        if lines is None or path.stat().st_size > ONE_STATEMENT_CSV_BYTES:
            return None
        read, params = self._csv_read(header_idx, path, f"{tag}_")
        skip = params[f"{tag}_skip"]
        sql = (f"(SELECT * FROM (SELECT *, row_number() OVER () + {skip} AS _row FROM {read}) "
               f"WHERE {not_blank_sql(self.width_for(header_idx))})")
        return sql, params, lines

    def read_together(self, header_idx: int) -> tuple[str, int, str, int] | None:
        if self.scanned is None or self.scanned[0] != header_idx or self.scanned[1] is None:
            return None
        path = str(self.scanned[2] or self.path)
        if is_pattern(path):
            return None  # a working folder whose name DuckDB takes for a pattern: read apart
        return path, self.header_lines[header_idx] + 1, self.delimiter, self.width_for(header_idx)

    def _csv_read(self, header_idx: int, path: Path, prefix: str = "") -> tuple[str, dict]:
        """DuckDB's strict ``read_csv`` of the VARCHAR columns below the header line, with
        its parameters (named with ``prefix``)."""
        width = self.width_for(header_idx)
        read = (f"read_csv(${prefix}path, header = false, skip = ${prefix}skip, delim = ${prefix}delim, "
                f"quote = '\"', escape = '\"', columns = ${prefix}columns, auto_detect = false, "
                "strict_mode = true)")
        params = {f"{prefix}path": str(path), f"{prefix}skip": self.header_lines[header_idx] + 1,
                  f"{prefix}delim": self.delimiter,
                  f"{prefix}columns": {f"c{i}": "VARCHAR" for i in range(width)}}
        return read, params

    def _materialise_duckdb(self, con, header_idx: int, table: str, path: Path) -> bool:
        """Fast path for a clean file (one record per line): DuckDB ``read_csv`` of the
        VARCHAR columns, strict. False when DuckDB finds a line it cannot read (another
        number of fields, a stray quote): the line reader then reads the file and says
        which lines are damaged, as it does for every file the fast scan turns away. Clean
        files, nearly all of them, pay no rejects bookkeeping (tables dropped, created and
        queried per file: ~8 ms a file, a minute and more over a province's CSV files)."""
        import duckdb

        width = self.width_for(header_idx)
        be = of(con)
        read, params = self._csv_read(header_idx, path)
        first = params["skip"] + 1  # 1-based physical line of the first data row
        if path.stat().st_size <= ONE_STATEMENT_CSV_BYTES:
            # a small file (nearly all of a bureau's): one statement, numbered as read —
            # row_number() OVER () keeps the order of its input (DuckDB, "Order Preservation");
            # it runs in one thread, which costs nothing here, and saves the per-statement
            # cost of a second table (~3 ms a file: 30 s over a province's 10,000 files)
            try:
                self.loaded_rows = int(be.scalar(
                    f"""CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM (
                        SELECT *, row_number() OVER () + {first - 1} AS _row FROM {read})
                    WHERE {not_blank_sql(width)}""", params))
            except (duckdb.InvalidInputException, duckdb.ConversionException):
                be.execute(f'DROP TABLE IF EXISTS "{table}"')
                return False
            return True
        try:
            be.execute(f'CREATE OR REPLACE TEMP TABLE "{table}_csv" AS SELECT * FROM {read}', params)
        except (duckdb.InvalidInputException, duckdb.ConversionException):
            be.execute(f'DROP TABLE IF EXISTS "{table}_csv"')
            return False
        # a large file is read in parallel into a table first: its rowids are the read order.
        # The line numbers are added to that table and its blank rows deleted, in place: a
        # copy of a 4M-line ledger without them cost 1.1 s, the UPDATE and DELETE 0.4 s. An
        # UPDATE holds memory for each row it changes until the table goes (~19 bytes a row:
        # 1 GB at 50M lines), so a table too large for that is copied as before
        from xuncha_audit.ingest.derive import rewrite_staging

        if rewrite_staging(be, f'"{table}_csv"'):
            self.loaded_rows = int(be.scalar(
                f"""CREATE OR REPLACE TEMP TABLE "{table}" AS
                SELECT *, rowid + $first AS _row FROM "{table}_csv" WHERE {not_blank_sql(width)}""",
                {"first": first},
            ))
            be.execute(f'DROP TABLE "{table}_csv"')
            return True
        be.execute(f'ALTER TABLE "{table}_csv" ADD COLUMN _row BIGINT')
        be.execute(f'UPDATE "{table}_csv" SET _row = rowid + $first', {"first": first})
        be.execute(f'DELETE FROM "{table}_csv" WHERE NOT ({not_blank_sql(width)})')
        be.execute(f'DROP TABLE IF EXISTS "{table}"')
        be.execute(f'ALTER TABLE "{table}_csv" RENAME TO "{table}"')
        self.loaded_rows = int(be.scalar(f'SELECT count(*) FROM "{table}"'))
        return True

    def _materialise_lines(self, con, header_idx: int, table: str) -> list[Reject]:
        """Line-by-line reading of a file with damage (see :meth:`materialise`)."""
        assert self.path is not None
        width = self.width_for(header_idx)
        cols = [f"c{i}" for i in range(width)]
        ddl = ", ".join(f'"{c}" VARCHAR' for c in cols)
        be = of(con)
        be.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" ({ddl}, _row BIGINT)')
        self.loaded_rows = 0
        lines = _Lines(self.path, self.source_encoding, self.newline, self.header_lines[header_idx] + 2)
        lines.open()
        rejects = lines.damaged
        term = self.terminator
        term_name = _TERM_NAMES.get(term, "?")
        batch: list[list[str | None]] = []
        rows: list[int] = []

        def flush() -> None:
            if not rows:
                return
            columns = list(zip(*batch, strict=True)) if batch else [() for _ in cols]
            arrow = pa.table(
                {c: pa.array(columns[i], pa.string()) for i, c in enumerate(cols)}
                | {"_row": pa.array(rows, pa.int64())}
            )
            view = f"{table}_batch"
            with be.registered(view, arrow):
                be.execute(f'INSERT INTO "{table}" SELECT * FROM "{view}"')
            self.loaded_rows += len(rows)
            batch.clear()
            rows.clear()

        reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
        while True:
            lines.begin()
            try:
                fields = next(reader)
            except StopIteration:
                if lines.record:  # end of file inside a quoted field
                    lines.reject_record("引号未闭合（文件结束时仍在引号内）", "unclosed quote at end of file")
                    reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                    continue
                break
            except _RecordTooLong:
                lines.reject_record(
                    f"引号未闭合或记录过长（超过 {MAX_RECORD_LINES} 行或 {MAX_LINE_BYTES:,} 字节）",
                    "unclosed quote or record too long")
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                continue
            except csv.Error as exc:
                lines.reject_record(f"引号使用不规范，无法拆分字段（{exc}）", f"CSV quoting error: {exc}")
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                continue
            first_no = lines.record[0][0]
            last_term = lines.record[-1][2]
            if not fields or not "".join(fields).strip():
                continue  # blank line: not a record
            if len(fields) > width and not "".join(fields[width:]).strip():
                fields = fields[:width]
            if len(lines.record) > 1 and (len(fields) != width or (last_term and last_term != term)):
                # a quote left open on the first line paired with a quote lines further down:
                # the opening line is the damage; the lines it swallowed are read again
                lines.reject_record(
                    f"引号未闭合（引号内跨行后得到 {len(fields)} 列，表头 {width} 列）",
                    f"unclosed quote: {len(fields)} fields across lines, header has {width}")
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                continue
            if last_term and last_term != term:
                lines.damaged.append(Reject(
                    first_no, show_bytes("\n".join(x[1] for x in lines.record).encode("utf-8")),
                    f"换行符与文件其余部分不一致（本行以 {_TERM_NAMES.get(last_term, '?')} 结尾，文件为 "
                    f"{term_name}），该行可能是被截断的记录",
                    f"line ends with {_TERM_NAMES.get(last_term, '?')} in a {term_name} file"))
                continue
            if len(fields) != width:
                lines.damaged.append(Reject(
                    first_no, show_bytes("\n".join(x[1] for x in lines.record).encode("utf-8")),
                    f"列数与表头不一致（{len(fields)} 列，表头 {width} 列）",
                    f"{len(fields)} fields, header has {width}"))
                continue
            batch.append([f if f.strip() else None for f in fields])
            rows.append(first_no)
            if len(rows) >= _BATCH:
                flush()
        flush()
        rejects.sort(key=lambda r: r.row_no)
        return rejects


def _has_bom(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(3) == codecs.BOM_UTF8


def _dominant_terminator(head: bytes, newline: bytes) -> bytes:
    if newline == b"\r":
        return b"\r"
    lines = head.split(b"\n")[:-1]
    crlf = sum(1 for line in lines if line.endswith(b"\r"))
    return b"\r\n" if crlf * 2 > len(lines) else b"\n"


def _sniff_csv(text_head: str, newline: str = "\n") -> tuple[str, list[list[str | None]], list[int]]:
    """Split the head of a CSV with the delimiter that gives the most consistent rows."""
    # over-long and NUL-damaged lines take no part (they are quarantined when read)
    lines = [line.rstrip("\r") for line in text_head.split(newline)[:HEAD_ROWS]]
    lines = ["" if len(line) > MAX_LINE_BYTES or "\x00" in line else line for line in lines]
    best = None
    for delim in _DELIMS:
        # line by line: an unclosed quote on one line must not swallow the rest of the head
        rows = [next(csv.reader([line], delimiter=delim), []) for line in lines if line.strip()]
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
        if not line.strip() or "\x00" in line:
            continue
        cells = next(csv.reader([line], delimiter=delim), [])
        rows.append([_clean_cell(c) for c in cells])
        physical.append(i)
    return delim, rows, physical


HEAD_MAX_BYTES = 16 << 20


def _read_head(path: Path) -> bytes:
    """The first 64 KiB of a file, extended (up to 16 MiB) until it holds :data:`HEAD_ROWS`
    complete lines, so that the header line of a very wide sheet is never cut."""
    with path.open("rb") as fh:
        head = fh.read(64 << 10)
        while (len(head) < HEAD_MAX_BYTES and head.count(b"\n") < HEAD_ROWS
               and (more := fh.read(len(head)))):
            head += more
    return head


def unreadable_lines(path: Path, limit: int = 2_000_000) -> list[Reject] | None:
    """The non-empty lines of a file that cannot be read as a table, as :class:`Reject`
    rows (raw bytes shown safely), so that an unreadable file still counts its rows.
    None for an Excel/zip/OLE container (lines mean nothing there) or more than ``limit``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(_BINARY_MAGIC[:2]) or not head or path.stat().st_size > 1 << 28:
                return None
            fh.seek(0)
            out: list[Reject] = []
            data = fh.read()
    except OSError:
        return None
    nl = b"\r" if b"\n" not in data and b"\r" in data else b"\n"
    for n, line in enumerate(data.split(nl), start=1):
        if line.strip():
            out.append(Reject(n, show_bytes(line.rstrip(b"\r")), "文件无法读取，该行未导入",
                              "file unreadable"))
            if len(out) > limit:
                return None
    return out


def read_csv_source(path: Path, workdir: Path) -> list[Sheet]:
    """The single sheet of a delimited text file. UTF-16 is transcoded to a temporary UTF-8
    file first; UTF-8, GBK and GB18030 are read line by line (:class:`CsvSheet`)."""
    head = _read_head(path)
    encoding = detect_encoding(head)
    messages: list[str] = []
    target, source_encoding = path, encoding
    if encoding == "utf-16":
        fd, tmp = tempfile.mkstemp(suffix=".csv", dir=workdir)
        os.close(fd)
        target = Path(tmp)
        replaced = transcode_to_utf8(path, target, encoding)
        if replaced:
            messages.append(f"有 {replaced} 个字符无法按 {ENCODING_LABELS[encoding]} 解码，已替换为 �")
        head = _read_head(target)
        source_encoding = "utf-8"
    newline = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
    codec = "gb18030" if source_encoding in ("gbk", "gb18030") else "utf-8"
    cut = head
    if len(head) >= 64 << 10 and newline in head:  # drop a possibly cut last line
        cut = head.rsplit(newline, 1)[0] + newline
    text_head = cut.decode(codec, errors="replace").lstrip("\ufeff")
    delim, rows, physical = _sniff_csv(text_head, newline.decode())
    if not rows:
        raise SourceError("文件中没有数据行", "no rows in file")
    width = max(len(r) for r in rows)
    return [
        CsvSheet(
            name=None, head=rows, width=width, encoding=ENCODING_LABELS[encoding],
            messages=messages, path=target, delimiter=delim, header_lines=physical,
            newline=newline, terminator=_dominant_terminator(cut, newline),
            source_encoding=source_encoding, workdir=workdir,
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
        # calamine chooses the format by the extension; a WPS .et/.ett (xls or xlsx inside)
        # or a workbook under another name is handed over as bytes, sniffed by content
        kind = sniff_kind(path)
        suffix = path.suffix.lower()
        known = (kind == "zip" and suffix in (".xlsx", ".xlsm", ".xlsb", ".ods")) or (
            kind == "ole" and suffix == ".xls")
        reader = fastexcel.read_excel(str(path) if known else path.read_bytes())
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


def duplicate_header_warnings(headers: list[str | None], labels: list[str] | None = None) -> list[str]:
    """A warning per header text that stands over more than one column (``金额,金额``),
    naming every such column: the first is the one mapped, the others are kept in
    ``_extra`` under their labels (``金额_2``)."""
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        key = (h or "").strip()
        if key:
            seen.setdefault(key, []).append(i)
    out = []
    for h, idx in seen.items():
        if len(idx) > 1:
            cols = "、".join(f"第 {i + 1} 列" + (f"（{labels[i]}）" if labels else "") for i in idx)
            out.append(f"警告：表头「{h}」重复出现在 {cols}；按第 {idx[0] + 1} 列读取，其余列原样保存在 _extra 中，请核对")
    return out


def _grid_sheets(grids: list[tuple[str, pa.Table]], encoding: str | None, sheet: str | None,
                 what: str) -> list[Sheet]:
    names = [n for n, _ in grids]
    if sheet is not None:
        if sheet not in names:
            raise SourceError(f"文件中没有映射文件指定的表「{sheet}」（现有：{'、'.join(names)}）",
                              f"sheet {sheet!r} not in file")
        grids = [g for g in grids if g[0] == sheet]
    if not grids:
        raise SourceError(f"{what}中没有表格", f"no table in {what}")
    out: list[Sheet] = []
    for name, data in grids:
        head = [[_clean_cell(v) for v in row.values()] for row in data.slice(0, HEAD_ROWS).to_pylist()]
        out.append(ExcelSheet(name=name, head=head, width=data.num_columns, encoding=encoding, data=data))
    return out


def sniff_kind(path: Path) -> str:
    """What a file is, from its bytes: ``zip`` (xlsx/xlsm, WPS .et saved as xlsx), ``ole``
    (xls, WPS .et), ``html`` (a web page saved as .xls), ``spreadsheetml`` (Excel 2003
    XML), ``xml`` (record XML, :func:`~xuncha_audit.ingest.markup.xml_records`), or
    ``text`` (CSV/TSV)."""
    from xuncha_audit.ingest.markup import sniff_markup

    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return sniff_markup(head) or "text"


def read_source(path: Path, workdir: Path, sheet: str | None = None) -> list[Sheet]:
    """All sheets of a source file, read by what its bytes are (:func:`sniff_kind`), not by
    its name: a .xls that is an HTML page, SpreadsheetML or delimited text, a WPS .et that is
    an xls/xlsx inside. Raises :class:`SourceError` when it cannot be read."""
    if path.stat().st_size == 0:
        raise SourceError("文件为空", "empty file")
    suffix = path.suffix.lower()
    kind = sniff_kind(path)
    if kind == "html":
        from xuncha_audit.ingest.markup import html_tables

        grids, label = html_tables(path.read_bytes())
        return _grid_sheets(grids, f"HTML {label}", sheet, "网页文件")
    if kind == "spreadsheetml":
        from xuncha_audit.ingest.markup import spreadsheetml_sheets

        try:
            grids = spreadsheetml_sheets(path.read_bytes())
        except Exception as exc:
            raise SourceError("无法解析 Excel 2003 XML（SpreadsheetML）文件", f"bad SpreadsheetML: {exc}") from exc
        return _grid_sheets(grids, "SpreadsheetML", sheet, "XML 表格文件")
    if kind == "xml":
        from xuncha_audit.ingest.markup import MarkupError, xml_records

        try:
            grids, label = xml_records(path.read_bytes())
        except MarkupError as exc:
            raise SourceError(exc.zh, exc.en) from exc
        return _grid_sheets(grids, f"XML {label}", sheet, "XML 文件")
    if kind == "text" and (suffix in CSV_SUFFIXES or _looks_like_text(path)):
        return read_csv_source(path, workdir)
    return list(read_excel_source(path, sheet))


__all__ = [
    "DATA_SUFFIXES",
    "ENCODING_LABELS",
    "CsvSheet",
    "ExcelSheet",
    "Reject",
    "Sheet",
    "SourceError",
    "detect_encoding",
    "duplicate_header_warnings",
    "read_source",
    "show_bytes",
    "sniff_kind",
    "transcode_to_utf8",
    "unreadable_lines",
]
