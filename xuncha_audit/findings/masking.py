"""Masking of personal data (ID numbers, bank cards, phone numbers) in every output.

One rule, written twice: :func:`mask_text` in Python (triage notes, profiles, anything
built in Python) and :func:`mask_sql` / the SQL macro ``xuncha_mask(s)`` in DuckDB (exports,
workbook, report, evidence — set-based, applied inside the ``COPY``/``CREATE TABLE``).
A property test (``tests/findings/test_masking_property.py``) checks that both agree.

**Numbers by type, in any written form.** A text is cut into *sequences*: runs of letters and
digits (half- or full-width) joined by single separators (space, ideographic space, ``-``,
``－``, ``—``), optionally starting with ``+``. A sequence is cut into *groups* at its
separators; every run of up to 6 consecutive groups (all digits when more than one, an ``X``
allowed at the end, a ``+`` at the start) is read with separators removed and full-width
characters made half-width, and classified, first match wins:

1. **ID number** (GB 11643): 18 characters, real birth date, correct check character — masked
   (first 3 and last 4 kept: ``430***********123X``);
2. **统一社会信用代码** (GB 32100 check character; an all-digit code must also carry a valid
   GB 11714 organisation-code check in characters 9-17) — a public identifier, **kept**, and no
   longer run of groups that contains it is read as a number;
3. an ID-number shape with a real birth date but a wrong check character (a typo still names a
   person), or a 15-digit first-generation ID with a real birth date — masked;
4. **bank card**: 16-19 digits passing the Luhn check, or starting with ``62`` (UnionPay: some
   domestic cards carry no Luhn digit) — masked (last 4 kept);
5. **mobile phone**: ``1[3-9]`` + 9 digits, after an optional ``+86``/``86``/``0086`` — masked
   (``138****2525``); **landline**: area code (``010``, ``02x``, ``0xxx``) + 7-8 digits not
   starting with 0/1, with or without ``+86`` — masked (``073*****8888``).

So ``138-0865-2525``, ``+86 138 0865 2525``, ``１３８０８６５２５２５``, ``0731-8888 8888`` and
``6228 8192 2882 6316 864`` are masked (the longest run of groups that reads as a number
wins) inside free text, while ``PZ2024000123`` (letters and
digits in one group), ``2024-01-05``, ``700000.00`` and ``91430100MA4L16JX4C`` are not. Numbers
that are none of these types (a company's non-Luhn account number in a free text) are not
masked by pattern; the sensitive *columns* are masked whatever they hold (layer 2).

**Layer 2, keys inside JSON** (evidence ``record``, quarantine ``raw_row``): the value of every
``sensitive: true`` contract column, under its canonical name or any header alias, keeps only
its last 4 characters, whatever it looks like.

Known limit: an 18-digit string that is at once a valid ID number and a valid credit code is
masked (privacy first); such codes are rare (the ID reading needs a real birth date in
characters 7-14 and both check characters to hold).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import pandas as pd

from xuncha_audit.db import of

# ----------------------------------------------------------------------------- the rule
FULL = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋"
HALF = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+"
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
SEP_CHARS = " \u3000\\-－—"  # RE2/Python class body: space, ideographic space, -, －, —
_D = "0-9０-９"
_X = "XxＸｘ"
GROUP_RE = f"[+＋]?[{_D}]+[{_X}]?"
SEQ = f"[+＋]?[{_D}]+(?:[{SEP_CHARS}][{_D}]+)*[{_X}]?"
# A digit sequence with what is around it: group 2 is the sequence; a match whose group 3 is
# not empty touches a letter or digit (``PZ2024000123``, ``91430100MA4L16JX4C``) and is no
# number. Same regex, same leftmost-first semantics in Python's re and DuckDB's RE2.
SEQ_RE = f"(^|[^{_ALNUM}])({SEQ})([{_ALNUM}]?)"
# Cheap pre-test, a superset of every masked written form (a number starts after a non-letter;
# S = an optional single separator): 15+ digits (ID, card), a mobile 1[3-9]+9 digits with an
# optional +86/86/0086, or 0/+86 + 9 more digits (landline). Texts without it are left as is.
_S = f"[{SEP_CHARS}]?"
_DD = f"[{_D}]"
_P86 = f"[+＋]?(?:[0０]{_S}[0０]{_S})?[8８]{_S}[6６]{_S}"
PRETEST_RE = (f"(?:^|[^{_ALNUM}])(?:{_DD}(?:{_S}{_DD}){{14}}"
              f"|(?:{_P86})?[1１]{_S}[3-9３-９](?:{_S}{_DD}){{9}}"
              f"|(?:[0０]|{_P86}){_S}{_DD}(?:{_S}{_DD}){{8}})")
MAX_GROUPS = 6
MIN_DIGITS = 11  # the shortest number masked (a mobile / a 7-digit landline with area code)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100-2015 表1: 登记管理部门码 + 机构类别码, the only first two characters a code can have
# (1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商, A 军队, N 农业,
# Y 其他). A bank card that happens to pass both check digits (37…, 1 in ~340 18-digit cards)
# is not read as a credit code and left unmasked.
CREDIT_HEADS = ("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49",
                "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92",
                "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1")
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ID18_SHAPE = r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9X]"
ID15_SHAPE = r"[1-9][0-9]{5}[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}"
MOBILE = r"1[3-9][0-9]{9}"
LANDLINE = r"0(?:10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}"
_TRANS = str.maketrans(FULL, HALF)
_PRETEST = re.compile(PRETEST_RE)


def _real_date(y: str, m: str, d: str) -> bool:
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _id_check_ok(s: str) -> bool:
    return ID_CHECK[sum(int(c) * w for c, w in zip(s[:17], ID_WEIGHTS, strict=True)) % 11] == s[17]


def _credit_ok(s: str) -> bool:
    if len(s) != 18 or any(c not in CREDIT_CHARS for c in s) or s[:2] not in CREDIT_HEADS:
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(s[:17], CREDIT_WEIGHTS, strict=True))
    if CREDIT_CHARS[(31 - total % 31) % 31] != s[17]:
        return False
    if s.isdigit():  # all digits: the organisation code (chars 9-17) must check too
        org = (11 - sum(int(c) * w for c, w in zip(s[8:16], ORG_WEIGHTS, strict=True)) % 11) % 11
        return ("X" if org == 10 else str(org)) == s[16]
    return True


def classify(norm: str) -> str | None:
    """Type of one normalised candidate: ``id``, ``credit``, ``card``, ``phone`` or None."""
    s = norm.upper()
    if re.fullmatch(ID18_SHAPE, s) and _real_date(s[6:10], s[10:12], s[12:14]) and _id_check_ok(s):
        return "id"
    if _credit_ok(s):
        return "credit"
    if re.fullmatch(ID18_SHAPE, s) and _real_date(s[6:10], s[10:12], s[12:14]):
        return "id"
    if re.fullmatch(ID15_SHAPE, s) and _real_date("19" + s[6:8], s[8:10], s[10:12]):
        return "id"
    if re.fullmatch(r"[0-9]{16,19}", s):
        digits = [int(c) for c in reversed(s)]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
        if total % 10 == 0 or s.startswith("62"):
            return "card"
    if re.fullmatch(MOBILE, _phone_body(s)) or re.fullmatch(LANDLINE, _landline_body(s)):
        return "phone"
    return None


def _phone_body(s: str) -> str:
    return re.sub(r"^(?:\+86|0086|86)(?=1[3-9][0-9]{9}$)", "", s)


def _landline_body(s: str) -> str:
    return re.sub(r"^(?:\+86|0086)0?", "0", s) if re.match(r"^(?:\+86|0086)", s) else s


def _masked(norm: str, kind: str) -> str:
    s = norm.upper()
    if kind == "card":
        return "*" * (len(s) - 4) + s[-4:]
    if kind == "phone":
        s = _phone_body(s) if re.fullmatch(MOBILE, _phone_body(s)) else _landline_body(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def _norm(text: str) -> str:
    return re.sub(f"[{SEP_CHARS}]", "", text).translate(_TRANS)


def mask_spans(text: str) -> list[tuple[str, str]]:
    """``[(written form, masked form)]`` of every sensitive number in ``text``, in text order."""
    spans: list[tuple[str, str]] = []
    for seq in re.finditer(SEQ_RE, text):
        q = seq.group(2)
        if seq.group(3) or sum(c in "0123456789" for c in q.translate(_TRANS)) < MIN_DIGITS:
            continue
        groups = [(m.start(), m.end()) for m in re.finditer(GROUP_RE, q)]
        norms = [_norm(q[a:b]).upper() for a, b in groups]
        credit = [classify(n) == "credit" for n in norms]
        for i in range(len(groups)):
            for j in range(min(len(groups), i + MAX_GROUPS) - 1, i - 1, -1):  # longest first
                n = "".join(norms[i:j + 1])
                if any(credit[i:j + 1]) or (j > i and not re.fullmatch(r"\+?[0-9]+X?", n)):
                    continue
                kind = classify(n)
                if kind and kind != "credit":
                    spans.append((q[groups[i][0]:groups[j][1]], _masked(n, kind)))
    return spans


def mask_text(text):
    """``text`` with ID numbers, bank cards and phones masked (credit codes kept); None stays None.

    Each written form found is replaced wherever it occurs in the text, in text order (the
    SQL macro does exactly the same).
    """
    if text is None or not isinstance(text, str) or not _PRETEST.search(text):
        return text
    for written, masked in mask_spans(text):
        text = text.replace(written, masked)
    return text


# ----------------------------------------------------------------------------- the rule in SQL


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _classify_sql(d: str) -> str:
    """SQL: the type of the normalised upper-case candidate ``d`` (a lambda variable)."""
    real18 = (f"TRY_CAST(substr({d}, 7, 4) || '-' || substr({d}, 11, 2) || '-' || substr({d}, 13, 2) "
              "AS DATE) IS NOT NULL")
    real15 = (f"TRY_CAST('19' || substr({d}, 7, 2) || '-' || substr({d}, 9, 2) || '-' || substr({d}, 11, 2) "
              "AS DATE) IS NOT NULL")
    id_check = (f"substr('{ID_CHECK}', 1 + CAST(list_sum(list_transform(range(1, 18), lambda k: "
                f"CAST(substr({d}, k, 1) AS INTEGER) * {_sql_list(ID_WEIGHTS)}[k])) % 11 AS INTEGER), 1) "
                f"= substr({d}, 18, 1)")
    heads = ", ".join(_lit(h) for h in CREDIT_HEADS)
    credit = (f"(regexp_full_match({d}, '[{CREDIT_CHARS}]{{18}}') AND list_contains([{heads}], substr({d}, 1, 2)) "
              f"AND substr('{CREDIT_CHARS}', 1 + CAST((31 - "
              f"list_sum(list_transform(range(1, 18), lambda k: (strpos('{CREDIT_CHARS}', substr({d}, k, 1)) - 1)"
              f" * {_sql_list(CREDIT_WEIGHTS)}[k])) % 31) % 31 AS INTEGER), 1) = substr({d}, 18, 1) AND ("
              f"NOT regexp_full_match({d}, '[0-9]{{18}}') OR substr('0123456789X0', 1 + CAST((11 - list_sum("
              f"list_transform(range(9, 17), lambda k: CAST(substr({d}, k, 1) AS INTEGER) * "
              f"{_sql_list(ORG_WEIGHTS)}[k - 8])) % 11) % 11 AS INTEGER), 1) = substr({d}, 17, 1)))")
    luhn = (f"list_sum(list_transform(range(0, length({d})), lambda k: CASE WHEN k % 2 = 0 "
            f"THEN CAST(substr({d}, length({d}) - k, 1) AS INTEGER) "
            f"ELSE [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][1 + CAST(substr({d}, length({d}) - k, 1) AS INTEGER)] END)) "
            "% 10 = 0")
    phone_body = f"regexp_replace({d}, '^(?:\\+86|0086|86)(1[3-9][0-9]{{9}})$', '\\1')"
    land_body = f"regexp_replace({d}, '^(?:\\+86|0086)0?', '0')"
    return (
        f"CASE WHEN regexp_full_match({d}, '{ID18_SHAPE}') AND {real18} AND {id_check} THEN 'id' "
        f"WHEN {credit} THEN 'credit' "
        f"WHEN regexp_full_match({d}, '{ID18_SHAPE}') AND {real18} THEN 'id' "
        f"WHEN regexp_full_match({d}, '{ID15_SHAPE}') AND {real15} THEN 'id' "
        f"WHEN regexp_full_match({d}, '[0-9]{{16,19}}') AND (starts_with({d}, '62') OR {luhn}) THEN 'card' "
        f"WHEN regexp_full_match({phone_body}, '{MOBILE}') THEN 'mobile' "
        f"WHEN regexp_full_match({land_body}, '{LANDLINE}') THEN 'landline' END"
    )


def _masked_sql(d: str, kind: str) -> str:
    phone_body = f"regexp_replace({d}, '^(?:\\+86|0086|86)(1[3-9][0-9]{{9}})$', '\\1')"
    land_body = f"regexp_replace({d}, '^(?:\\+86|0086)0?', '0')"
    body = (f"CASE {kind} WHEN 'mobile' THEN {phone_body} WHEN 'landline' THEN {land_body} ELSE {d} END")
    return (f"CASE WHEN {kind} = 'card' THEN repeat('*', length({d}) - 4) || right({d}, 4) "
            f"ELSE list_transform([{body}], lambda b: left(b, 3) || repeat('*', length(b) - 7) || right(b, 4))[1] END")


@cache
def pattern_mask_body(s: str = "s") -> str:
    """SQL body masking the text variable ``s`` by type (see the module docstring)."""
    sep = f"[{SEP_CHARS}]"
    norm = lambda x: f"upper(translate(regexp_replace({x}, {_lit(sep)}, '', 'g'), {_lit(FULL)}, {_lit(HALF)}))"  # noqa: E731
    # per sequence q: its groups g, their lengths, start offsets; candidate ranges (i, j)
    spans = (
        f"flatten(list_transform(list_filter(list_transform(regexp_extract_all({s}, {_lit(SEQ_RE)}), "
        f"lambda m: CASE WHEN regexp_extract(m, {_lit(SEQ_RE)}, 3) = '' THEN regexp_extract(m, {_lit(SEQ_RE)}, 2) END), "
        f"lambda q: q IS NOT NULL AND length(regexp_replace(translate(q, {_lit(FULL[:10])}, '0123456789'), '[^0-9]', '', 'g')) "
        f">= {MIN_DIGITS}), "
        f"lambda q: list_transform([{{'q': q, 'g': regexp_extract_all(q, {_lit(GROUP_RE)})}}], lambda t: "
        # normalised groups and credit-code flags
        f"list_transform([{{'q': t.q, 'g': t.g, 'n': list_transform(t.g, lambda x: {norm('x')}), "
        f"'pos': list_transform(range(1, len(t.g) + 1), lambda i: CAST(i + "
        f"coalesce(list_sum(list_transform(t.g[1:i - 1], lambda x: length(x))), 0) AS BIGINT))}}], lambda u: "
        f"list_transform([list_transform(flatten(list_transform(range(1, len(u.g) + 1), lambda i: "
        f"list_transform(range(least(len(u.g), i + {MAX_GROUPS - 1}), i - 1, -1), lambda j: "
        f"{{'i': i, 'j': j, 'o': substr(u.q, u.pos[i], u.pos[j] + length(u.g[j]) - u.pos[i]), "
        f"'d': array_to_string(u.n[i:j], '')}}))), "
        # one classification per range; a range holding a credit-code group is no number
        f"lambda r: {{'i': r.i, 'j': r.j, 'o': r.o, 'd': r.d, "
        f"'ok': r.i = r.j OR regexp_full_match(r.d, '\\+?[0-9]+X?'), 'kind': {_classify_sql('r.d')}}})], "
        f"lambda kk: list_filter(kk, lambda r: r.ok AND coalesce(r.kind <> 'credit', false) AND NOT "
        f"coalesce(list_bool_or(list_transform(kk, lambda x: x.i = x.j AND x.i >= r.i AND x.i <= r.j "
        f"AND coalesce(x.kind = 'credit', false))), false)))[1])[1])[1]))"
    )
    cands = f"list_transform({spans}, lambda r: {{'o': r.o, 'm': {_masked_sql('r.d', 'r.kind')}}})"
    pre = PRETEST_RE
    return (f"CASE WHEN {s} IS NULL OR NOT regexp_matches({s}, {_lit(pre)}) THEN {s} ELSE list_reduce(list_prepend({{'o': '', 'm': {s}}}, {cands}), "
            f"lambda acc, c: {{'o': '', 'm': replace(acc.m, c.o, c.m)}}).m END")


def install_sql_macro(con, name: str = "xuncha_mask") -> None:
    """Create the temporary macro ``xuncha_mask(s)`` (pattern masking, by type) on ``con``."""
    of(con).execute(f"CREATE OR REPLACE TEMP MACRO {name}(s) AS {pattern_mask_body('s')}")


def pattern_mask_sql(expr: str) -> str:
    """Inline SQL masking ``expr`` by type (no macro needed on the connection)."""
    return f"list_transform([CAST({expr} AS VARCHAR)], lambda s: {pattern_mask_body('s')})[1]"


@cache
def sensitive_keys() -> tuple[str, ...]:
    """Canonical names and header aliases of every sensitive contract column."""
    from xuncha_audit.contract import load_contract

    keys: set[str] = set()
    for table in load_contract().tables.values():
        for col in table.column_list():
            if col.sensitive:
                keys.add(col.name)
                keys.update(col.aliases)
    return tuple(sorted(keys, key=lambda k: (-len(k), k)))


@cache
def sensitive_columns() -> frozenset[str]:
    from xuncha_audit.contract import load_contract

    return frozenset(
        c.name for t in load_contract().tables.values() for c in t.column_list() if c.sensitive
    )


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_KEY_REPL = r'\1****\2"'


@cache
def _key_regex() -> str:
    alts = "|".join(re.escape(k) for k in sensitive_keys())
    return r'("(?:' + alts + r')"\s*:\s*")[^"]*?([^"]{0,4})"'


def mask_sql(expr: str, *, json_keys: bool = True) -> str:
    """SQL expression masking personal data in the text expression ``expr``.

    Layer 2 (sensitive JSON keys, when ``json_keys``) then the numbers by type (layer 1).
    """
    out = f"CAST({expr} AS VARCHAR)"
    if json_keys:
        out = f"regexp_replace({out}, {_lit(_key_regex())}, {_lit(_KEY_REPL)}, 'g')"
    return pattern_mask_sql(out)


def mask_value_sql(expr: str) -> str:
    """SQL expression masking a whole value that is sensitive as such (keeps the last 4)."""
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL WHEN length(CAST({expr} AS VARCHAR)) <= 4 "
        f"THEN '****' ELSE '****' || right(CAST({expr} AS VARCHAR), 4) END"
    )


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Copy of ``df`` with personal data masked in its text columns.

    In Python (:func:`mask_value_text`, the same rule as :func:`mask_sql`): the frames masked
    here are small (profiles, leading cadres), and compiling the SQL rule once per column costs
    more than masking a few thousand cells. Each distinct text is masked once: a province's
    画像 (82,425 rows, names and units repeating) 0.95 -> 0.53 s.
    """
    out = df.copy()
    if df.empty:
        return out
    cols = columns or [c for c in df.columns if _is_text(df[c])]
    for c in cols:
        memo: dict[str, str] = {}
        out[c] = [_masked_once(v, memo) for v in df[c].tolist()]
    return out


def _masked_once(value, memo: dict[str, str]):
    if not isinstance(value, str):  # mask_value_text leaves it as it is
        return value
    masked = memo.get(value)
    if masked is None:
        masked = memo[value] = mask_value_text(value)
    return masked


@cache
def _key_regex_py() -> re.Pattern:
    return re.compile(_key_regex())


def mask_value_text(text, *, json_keys: bool = True):
    """Python twin of :func:`mask_sql`: sensitive JSON keys (layer 2), then numbers by type."""
    if text is None or not isinstance(text, str):
        return text
    if json_keys and '"' in text:
        text = _key_regex_py().sub(lambda m: m.group(1) + "****" + m.group(2) + '"', text)
    return mask_text(text)


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object
