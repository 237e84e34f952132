"""Encoding detection and streaming transcoding."""

from __future__ import annotations

import pytest

from xuncha_audit.ingest.sources import SourceError, detect_encoding, transcode_to_utf8

TEXT = "凭证日期,摘要\n2024-01-01,购买办公用品（长沙）\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gbk"),
        ((TEXT + "㐀\n").encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (b"plain ascii,1\n", "utf-8"),
    ],
)
def test_detect(data, expected):
    assert detect_encoding(data) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # each non-ASCII line votes once: UTF-8, else GBK, else GB18030; UTF-8 wins a tie
        ([("购买办公用品", "utf-8"), ("报销差旅费", "gbk")], "utf-8"),
        ([("购买办公用品", "utf-8"), ("报销差旅费", "gbk"), ("支付物业费", "gbk")], "gbk"),
        ([("购买办公用品", "gbk"), ("报销差旅费", "gbk"), ("㐀", "gb18030")], "gb18030"),
        # a UTF-8 line holding U+FFFD itself (a replaced character written by another program)
        # is a UTF-8 line, though its bytes also read as GBK
        ([("\ufffda", "utf-8"), ("b\ufffdc", "utf-8"), ("报销差旅费", "gbk")], "utf-8"),
        ([("\ufffda", "utf-8"), ("报销差旅费", "gbk"), ("支付物业费", "gbk")], "gbk"),
    ],
    ids=["tie-utf8", "gbk-majority", "one-gb18030-line", "utf8-with-own-fffd", "fffd-line-outvoted"],
)
def test_detect_votes_per_line(lines, expected):
    data = b"a,b\n" + b"\n".join(f"x,{t}".encode(enc) for t, enc in lines) + b"\n"
    assert detect_encoding(data) == expected


def test_detect_cut_multibyte_tail_is_still_utf8():
    data = TEXT.encode("utf-8")
    assert detect_encoding(data + "长".encode()[:2]) == "utf-8"


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04\x00\x00binary"])
def test_detect_rejects(data):
    with pytest.raises(SourceError):
        detect_encoding(data)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_transcode_roundtrip(tmp_path, encoding, monkeypatch):
    import xuncha_audit.ingest.sources as sources

    monkeypatch.setattr(sources, "_CHUNK", 7)  # force many chunk boundaries inside characters
    text = TEXT * 50 + ("㐀" if encoding != "gbk" else "")
    src = tmp_path / "a.csv"
    src.write_bytes(text.encode(encoding))
    dest = tmp_path / "b.csv"
    assert transcode_to_utf8(src, dest, encoding) == 0
    assert dest.read_text(encoding="utf-8") == text


def test_transcode_counts_garbage(tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes(TEXT.encode("gbk") + b"\xff\xff\n")
    assert transcode_to_utf8(src, tmp_path / "b.csv", "gbk") >= 1
