"""The chunk scan of a delimited text file at C speed, in a module of its own.

``sources._fast_scan`` cuts a large file in two and scans its second half in another process
at the same time; that process imports this module only (the standard library), not
``sources`` (NumPy, Arrow, pandas and DuckDB through ``xuncha_audit.db``: 0.7 s before its
scan could begin, on the critical path of a 381 MB ledger's load).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

#: what the second part's process prints when its part is damaged
NOT_CLEAN = "not clean"

# A quoted segment within one line; a quote left after removing them all belongs to a
# quoted field that continues on another line (or is unbalanced).
# every byte but the quote and the line feed, deleted to see the quotes of each line
_NOT_QUOTE_OR_LF = bytes(b for b in range(256) if b not in (0x22, 0x0A))
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")


def blank_line(data: bytes) -> bool:
    """Whether ``data`` (whole lines) holds a blank line, its first line included: a buffer of
    the scan starts where the previous one was cut, after a line feed, so a blank line there
    has no line feed before it in the buffer (missed, DuckDB skipped it and numbered every
    later line one too low)."""
    end = data.find(b"\n")
    return (bool(data) and not (data if end < 0 else data[:end]).strip()) or bool(_BLANK_LINE.search(data))


def odd_quotes(data: bytes) -> bool:
    """Whether a line of ``data`` holds an odd number of ``"`` (a quoted field spanning lines,
    or a stray quote): the quotes and line feeds alone, pairs ``""`` removed, leave a quote."""
    return b'"' in data and b'"' in data.translate(None, _NOT_QUOTE_OR_LF).replace(b'""', b"")


# One character of strict UTF-8 (as Python's decoder accepts it: no overlong form, no
# surrogate, nothing above U+10FFFF) of two to four bytes, and an ASCII byte but the line feed.
_UTF8_SEQ = (rb"(?:[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
             rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
             rb"|\xf4[\x80-\x8f][\x80-\xbf]{2})")
_ASCII_BYTE = rb"[\x00-\x09\x0b-\x7f]"
# A whole line of such characters and ASCII bytes holding at least one non-ASCII character.
# It begins with a line feed, so the search jumps from line feed to line feed (a pattern
# beginning with ``^`` is tried at every byte: 1.0 s for half a 381 MB ledger, this 0.17 s);
# the quantifiers are possessive, each byte starts one kind of character only.
_UTF8_LINE = re.compile(rb"\n" + _ASCII_BYTE + rb"*+" + _UTF8_SEQ
                        + rb"(?:" + _ASCII_BYTE + rb"|" + _UTF8_SEQ + rb")*+(?![^\n])")


def utf8_line(data: bytes) -> bool:
    """Whether a line of ``data`` is valid UTF-8 with a non-ASCII character: in a GBK file, a
    UTF-8 line (it reads as GB18030 without an error, as mojibake). The line reader's test
    (``sources._Lines``: the line decodes as UTF-8 and is not ASCII), U+FFFD included: a
    line holding that character is UTF-8 all the same."""
    return _UTF8_LINE.search(b"\n" + data) is not None


def long_line(data: bytes, max_line: int) -> bool:
    """Whether a line of ``data`` is longer than ``max_line`` bytes. Such a line covers a whole
    aligned block of half that size without a line feed; only then are lines measured."""
    half = max_line // 2
    if all(data.find(b"\n", k, k + half) >= 0 for k in range(0, len(data) - half + 1, half)):
        return False
    return max(map(len, data.split(b"\n"))) > max_line


def part_main(argv: list[str]) -> int:
    """The second part of a parallel scan, in a process of its own: prints the part's line
    ends, or :data:`NOT_CLEAN`."""
    path, encoding, term, begin, part, chunk, max_line = argv
    lines = scan_part(Path(path), encoding, 1, bytes.fromhex(term), Path(part) if part else None,
                      int(begin), None, int(chunk), int(max_line))
    print(NOT_CLEAN if lines is None else lines)
    return 0


def scan_part(path: Path, encoding: str, start: int, terminator: bytes, dest: Path | None,
              begin: int, end: int | None, chunk_bytes: int, max_line: int) -> int | None:
    """The fast scan (``sources._fast_scan``) of the bytes from ``begin`` (a line start) to
    ``end`` (a line end, None: the end of the file), read ``chunk_bytes`` at a time, lines over
    ``max_line`` bytes damage; ``start`` counts from ``begin``."""
    codec = "gb18030" if encoding in ("gbk", "gb18030") else "utf-8"
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    seen = 0  # newlines passed
    lines = 0  # newlines from line ``start`` on
    carry = b""
    first = begin == 0  # a byte-order mark only where the file begins
    out = dest.open("wb") if dest is not None else None
    try:
        with path.open("rb") as fh:
            fh.seek(begin)
            left = None if end is None else end - begin
            while True:
                chunk = fh.read(chunk_bytes if left is None else min(chunk_bytes, left))
                if left is not None:
                    left -= len(chunk)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    return None
                if first and text.startswith("\ufeff"):
                    text = text[1:]
                first = False
                if out is not None and text:
                    out.write(text.encode("utf-8"))
                if not chunk:
                    data = carry
                else:
                    data = carry + chunk
                    cut = data.rfind(b"\n") + 1
                    data, carry = data[:cut], data[cut:]
                if seen < start - 1:  # skip lines above the first data line
                    k = data.count(b"\n")
                    if seen + k < start - 1:
                        seen += k
                        if not chunk:
                            break
                        continue
                    pos = -1
                    for _ in range(start - 1 - seen):
                        pos = data.index(b"\n", pos + 1)
                    seen = start - 1
                    data = data[pos + 1:]
                    if data[:1] == b"\r":
                        return None  # a lone CR begins the first data line (a blank one: below)
                if (b"\x00" in data or blank_line(data) or odd_quotes(data)
                        or long_line(data, max_line)):
                    return None
                n_lf = data.count(b"\n")
                n_crlf = data.count(b"\r\n") if b"\r" in data else 0
                lines += n_lf
                if (terminator == b"\r\n" and n_crlf != n_lf) or (terminator == b"\n" and n_crlf):
                    return None
                if not chunk and (data.endswith(b"\r") or (data and not data.strip())):
                    return None  # a lone CR or a blank last line: the line reader decides
                if codec != "utf-8" and not data.isascii() and utf8_line(data):
                    return None
                if not chunk:
                    break
        if end is not None and seen < start - 1:
            return None  # the header rows do not end before the cut: not split this way
        return lines
    finally:
        if out is not None:
            out.close()
