"""The keyword checks' matching, against a reference written in Python.

L01 (and L02, L08, the procurement category) look for words in texts, each word with exclusion
phrases removed from the text first (酒店 is not 酒). The SQL takes shortcuts for speed — the
texts holding none of the words are dropped first by one bound alternation (``keywords_any``),
and the exclusion alternation runs only where two or more of a word's phrases are in the text —
so these tests compare the check's findings with the plain definition (Python's ``re``, whose
alternation of literals picks the same matches as RE2's) on texts made to hit every case: words
inside and outside their phrases, several phrases at once, phrases overlapping, words made by
removing a phrase between two halves.
"""

from __future__ import annotations

import random
import re

import pytest

from xuncha_audit.engine.derived import keywords_any, regex_literal
from xuncha_audit.engine.registry import default_registry
from xuncha_audit.engine.runner import resolve_params, run_check

UNIT = "测试局"


@pytest.fixture()
def con(base):
    return base


def _reference_keywords(text: str, words: list[tuple[str, str, list[str]]]) -> set[str]:
    """The words L01 reports for ``text``: present once the word's exclusion phrases are removed
    (leftmost first, longer phrase first at one place), a hit inside a longer hit not listed."""
    up = text.upper()
    hits = set()
    for word, word_u, phrases in words:
        if word_u not in up:
            continue
        rest = re.sub("|".join(map(re.escape, phrases)), "", up) if phrases else up
        if word_u in rest:
            hits.add(word)
    return {h for h in hits if not any(h != o and h in o for o in hits)}


def _texts(con, n: int, seed: int) -> list[str]:
    rows = con.execute(
        "SELECT word, exclusion_phrases FROM std_keywords WHERE list = 'sensitive'"
    ).fetchall()
    pieces = [w for w, _ in rows] + [p for _, ps in rows for p in ps]
    # halves of phrases and words, and filler, so that removing a phrase can join two halves
    halves = [p[: len(p) // 2] for p in pieces if len(p) > 1] + [p[len(p) // 2:] for p in pieces if len(p) > 1]
    filler = ["付", "款", "店", "精", "局", "费", "ktv", "Ktv", " ", "报销", "会议"]
    rnd = random.Random(seed)
    out = set()
    while len(out) < n:
        k = rnd.randint(1, 5)
        out.add("".join(rnd.choice(rnd.choice((pieces, pieces, halves, filler))) for _ in range(k)))
    return sorted(out)


def test_l01_matches_the_plain_definition_on_mixed_texts(con):
    texts = _texts(con, 4000, seed=7)
    con.execute("DELETE FROM ledger")
    con.execute(
        """INSERT INTO ledger (unit, voucher_no, voucher_id, line_no, voucher_date, summary,
                               account_code, account_name, debit, _key)
           SELECT $u, 'V' || i, 'V' || i, 1, DATE '2024-03-01', t, '5001', '业务活动费用', 100, 'V' || i || ' #1'
           FROM (SELECT unnest($t) AS t, generate_subscripts($t, 1) AS i)""",
        {"u": UNIT, "t": texts},
    )
    spec = default_registry().get("L01")
    con.execute("DELETE FROM findings")
    con.execute("DELETE FROM evidence")
    run_check(con, spec, resolve_params(con, spec), run_id="t")
    got = {s: set(k.split("、")) for s, k in con.execute(
        "SELECT details->>'summary', details->>'keywords' FROM findings WHERE check_id = 'L01'").fetchall()}
    words = [(w, w.upper(), ps) for w, ps in con.execute(
        "SELECT word, exclusion_phrases FROM std_keywords WHERE list = 'sensitive'").fetchall()]
    want = {t: ref for t in texts if (ref := _reference_keywords(t, words))}
    assert got == want
    # the texts exercise every path: a phrase alone, two or more phrases, a word kept beside a phrase
    by_phrases = {0: 0, 1: 0, 2: 0}
    for t in texts:
        for _, word_u, ps in words:
            if word_u in t.upper():
                by_phrases[min(2, sum(p in t.upper() for p in ps))] += 1
    assert min(by_phrases.values()) > 50, by_phrases


def test_keywords_any_matches_exactly_the_texts_holding_a_word(con):
    con.execute(
        "INSERT INTO std_keywords (list, word, category, exclusion_phrases) VALUES "
        "('test_any', 'K+V(1).*', 't', []), ('test_any', 'a|b', 't', []), ('test_any', 'ktv', 't', []),"
        "('test_any', '会所', 't', []), ('test_any', '', 't', []), ('test_any', NULL, 't', [])"
    )
    try:
        pattern = keywords_any(con, ("test_any",))
        words = ["K+V(1).*", "A|B", "KTV", "会所"]
        texts = ["k+v(1).*x", "K+V(1)", "KV1", "a|b", "ab", "Ktv包厢", "私人会所", "会 所", "", "b|A"]
        got = [r[0] for r in con.execute(
            "SELECT t FROM (SELECT unnest($t) AS t) WHERE regexp_matches(upper(t), $p)",
            {"t": texts, "p": pattern}).fetchall()]
        assert sorted(got) == sorted(t for t in texts if any(w in t.upper() for w in words))
        assert keywords_any(con, ("no_such_list",)) == ""
    finally:
        con.execute("DELETE FROM std_keywords WHERE list = 'test_any'")


def test_regex_literal_quotes_what_re2_and_java_read_as_syntax():
    assert regex_literal("a.b*(c)|[d]{2}^$+?\\") == "a\\.b\\*\\(c\\)\\|\\[d\\]\\{2\\}\\^\\$\\+\\?\\\\"
    assert regex_literal("会所 KTV-1_x") == "会所 KTV-1_x"
