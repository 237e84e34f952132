"""The fast scan's line tests (quotes, line lengths) against their plain definitions."""

from __future__ import annotations

import random
import re

import pytest

from xuncha_audit.ingest import sources


def _odd_by_regex(data: bytes) -> bool:
    # the definition: quoted spans removed line by line, a quote is left over
    return b'"' in re.sub(rb'"[^"\n]*"', b"", data)


def _long_by_split(data: bytes, limit: int) -> bool:
    return max(map(len, data.split(b"\n"))) > limit


@pytest.mark.parametrize("seed", range(20))
def test_odd_quotes_is_a_quote_left_on_some_line(seed):
    rnd = random.Random(seed)
    alphabet = [b'"', b'""', b"a", b",", b"\xb5\xa5", b"\n", b"\r\n"]
    for _ in range(300):
        data = b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert sources._odd_quotes(data) == _odd_by_regex(data), data


def test_odd_quotes_across_lines():
    assert sources._odd_quotes(b'a,"b\nc",d\n')  # a field spanning two lines
    assert not sources._odd_quotes(b'a,"b,c",d\n"x""y",z\n')
    assert sources._odd_quotes(b'a,b"c\n')  # a stray quote


@pytest.mark.parametrize("limit", [8, 9, 64])
def test_long_line_found_wherever_it_stands(monkeypatch, limit):
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", limit)
    rnd = random.Random(limit)
    for _ in range(2000):
        lines = [b"x" * rnd.choice([0, 1, limit - 1, limit, limit + 1, 2 * limit, rnd.randint(0, 3 * limit)])
                 for _ in range(rnd.randint(1, 6))]
        data = b"\n".join(lines) + rnd.choice([b"", b"\n"])
        assert sources._long_line(data) == _long_by_split(data, limit), (limit, data)
