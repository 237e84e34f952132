"""Masking by type, in any written form (issue 12 item 7, issue 16 item 6), property-based.

Hypothesis generates valid ID numbers (GB 11643), bank cards (Luhn, and UnionPay 62…),
mobile and landline numbers, and valid 统一社会信用代码 (GB 32100, all-digit ones included),
writes them the way people do (spaces, dashes, full-width digits, +86, inside Chinese free
text) and asserts: every personal number is gone from the masked text, every credit code is
still there, and the SQL macro gives exactly what the Python function gives.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from xuncha_audit.findings.masking import (
    CREDIT_CHARS,
    CREDIT_WEIGHTS,
    ID_CHECK,
    ID_WEIGHTS,
    ORG_WEIGHTS,
    classify,
    install_sql_macro,
    mask_sql,
    mask_text,
)

# minutes of GX/property/rerun work: part of make test, not of the fast tier
pytestmark = pytest.mark.slow

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    install_sql_macro(c)
    yield c
    c.close()


# ----------------------------------------------------------------------------- generators


@st.composite
def id_numbers(draw):
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2015, 12, 31)))
    seq = draw(st.integers(0, 999))
    first = f"{region}{born:%Y%m%d}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(first, ID_WEIGHTS, strict=True))
    return first + ID_CHECK[total % 11]


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        s = body + d
        total = sum(int(c) if i % 2 == 0 else (int(c) * 2 - 9 if int(c) > 4 else int(c) * 2)
                    for i, c in enumerate(reversed(s)))
        if total % 10 == 0:
            return s
    raise AssertionError


@st.composite
def bank_cards(draw):
    n = draw(st.integers(16, 19))
    prefix = draw(st.sampled_from(["62", "45", "52", "60", "37"]))
    body = prefix + draw(st.text("0123456789", min_size=n - 3, max_size=n - 3))
    return _luhn_complete(body)


@st.composite
def mobiles(draw):
    return "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(["010", "021", "027", "0731", "0755", "0898", "0571"]))
    n = 8 if len(area) == 3 else draw(st.sampled_from([7, 8]))
    return area + draw(st.sampled_from("23456789")) + draw(st.text("0123456789", min_size=n - 1,
                                                                     max_size=n - 1))


@st.composite
def credit_codes(draw):
    all_digits = draw(st.booleans())
    heads = ["11", "12", "13", "19", "51", "52", "91", "92", "93"] + ([] if all_digits else ["Y1", "N2"])
    head = draw(st.sampled_from(heads))
    region = f"{draw(st.integers(110000, 659999))}"
    if all_digits:
        org8 = draw(st.text("0123456789", min_size=8, max_size=8))
    else:
        org8 = draw(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in org8]
    org = (11 - sum(v * w for v, w in zip(vals, ORG_WEIGHTS, strict=True)) % 11) % 11
    org_c = "X" if org == 10 else str(org)
    first = head + region + org8 + org_c
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first, CREDIT_WEIGHTS, strict=True))
    code = first + CREDIT_CHARS[(31 - total % 31) % 31]
    assume(not all_digits or code.isdigit())
    return code


def grouped(number: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for s in sizes:
        if i >= len(number):
            break
        out.append(number[i:i + s])
        i += s
    if i < len(number):
        out.append(number[i:])
    return sep.join(out)


@st.composite
def written(draw, number: str, kind: str):
    """One way a person writes ``number``."""
    form = draw(st.sampled_from(["plain", "spaced", "dashed", "fullwidth", "plus86", "fullwidth_spaced"]))
    if kind == "mobile":
        sizes = [3, 4, 4]
    elif kind == "landline":
        sizes = [3 if number[1] in "12" else 4, 4, 4]
    elif kind == "card":
        sizes = [4, 4, 4, 4, 4]
    else:
        sizes = [6, 8, 4]
    if form == "plain":
        return number
    if form == "spaced":
        return grouped(number, sizes, " ")
    if form == "dashed":
        return grouped(number, sizes, "-")
    if form == "fullwidth":
        return number.translate(FULL)
    if form == "fullwidth_spaced":
        return grouped(number, sizes, "\u3000").translate(FULL)
    if kind == "mobile":
        return "+86 " + grouped(number, sizes, " ")
    if kind == "landline":
        return "+86-" + number[1:]
    return number


SENSITIVE = st.one_of(
    id_numbers().map(lambda n: (n, "id")),
    bank_cards().map(lambda n: (n, "card")),
    mobiles().map(lambda n: (n, "mobile")),
    landlines().map(lambda n: (n, "landline")),
)
FILLER = st.sampled_from(["联系电话：", "，", "。卡号", " 身份证 ", "；收款人张三，", "（备注）", "\n", "、"])


@st.composite
def free_texts(draw):
    """Chinese free text with personal numbers in some written form and credit codes."""
    parts, secrets, codes = [], [], []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(FILLER))
        if draw(st.booleans()):
            number, kind = draw(SENSITIVE)
            secrets.append(number)
            parts.append(draw(written(number, kind)))
        else:
            code = draw(credit_codes())
            codes.append(code)
            parts.append(code)
    parts.append(draw(FILLER))
    return "".join(parts), secrets, codes


def digit_runs(text: str) -> list[str]:
    """Every run of digits in ``text`` (single separators allowed inside), separators removed."""
    text = text.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX"))
    return [re.sub(r"[ \u3000\-－—]", "", m) for m in
            re.findall(r"[0-9]+(?:[ \u3000\-－—][0-9]+)*X?", text)]


# ----------------------------------------------------------------------------- properties


# derandomised: CI must not fail on a new random draw (the examples are fixed by the seed);
# the explicit example is one such draw, a bank card that also passes both credit-code checks
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(free_texts())
@example(("联系电话：370000000000000007联系电话：", ["370000000000000007"], []))
def test_personal_numbers_masked_credit_codes_kept(con, case):
    text, secrets, codes = case
    out = mask_text(text)
    runs = digit_runs(out)
    for s in secrets:
        core = s[-11:] if len(s) > 11 else s  # the number's digits must not survive in any form
        assert not any(core in r for r in runs), (text, out)
    for c in codes:
        if classify(c) == "credit":  # an all-digit code that also reads as an ID is masked
            assert c in out, (text, out)
    assert con.execute("SELECT xuncha_mask(?)", [text]).fetchone()[0] == out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(credit_codes())
def test_valid_credit_codes_stay_readable(con, code):
    if classify(code) != "credit":  # the rare all-digit code that is also a valid ID number
        return
    text = f"供应商统一社会信用代码{code}，法定代表人"
    assert mask_text(text) == text
    assert con.execute("SELECT xuncha_mask(?)", [text]).fetchone()[0] == text


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.text(alphabet="0123456789-: ./年月日元PZHT", max_size=40))
def test_sql_and_python_agree_on_any_text(con, text):
    assert con.execute("SELECT xuncha_mask(?)", [text]).fetchone()[0] == mask_text(text)


@pytest.mark.parametrize(("raw", "masked"), [
    ("电话138-0865-2525", "电话138****2525"),
    ("卡号6228 8192 2882 6316 864已冻结", "卡号***************6864已冻结"),
    ("手机 +86 138 0865 2525", "手机 138****2525"),
    ("１３８０８６５２５２５", "138****2525"),
    ("办公室0731-8888 8888", "办公室073*****8888"),
    ("信用代码91430100MA4L16JX4C", "信用代码91430100MA4L16JX4C"),
    ("PZ2024000123 HT-20240105-001 700000.00 2024-01-05",
     "PZ2024000123 HT-20240105-001 700000.00 2024-01-05"),
    ("身份证 430102 19850307 1236", "身份证 430***********1236"),
    (None, None),
])
def test_written_forms(con, raw, masked):
    assert mask_text(raw) == masked
    assert con.execute(f"SELECT {mask_sql('?', json_keys=False)}", [raw]).fetchone()[0] == masked


def test_all_digit_credit_code_is_not_an_id():
    # an all-digit code with valid GB 32100 and GB 11714 check characters
    code = "123456781234567890"
    for _ in range(200):
        first = code[:8] + code[8:16]
        org = (11 - sum(int(c) * w for c, w in zip(first[8:16], ORG_WEIGHTS, strict=True)) % 11) % 11
        if org == 10:
            code = str(int(code) + 10**9)[:18]
            continue
        body = first + str(org)
        total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
        check = CREDIT_CHARS[(31 - total % 31) % 31]
        if check.isdigit():
            code = body + check
            break
        code = str(int(code) + 10**9)[:18]
    assert code.isdigit() and classify(code) == "credit"
    assert mask_text(f"代码{code}") == f"代码{code}"


def test_a_card_passing_the_credit_checks_is_still_a_card(con):
    # 370000000000000007: Luhn-valid card whose digits also pass the GB 32100 check characters;
    # 3-7 is no 登记管理部门+机构类别 pair, so it is masked as the card it is
    text = "联系电话：370000000000000007联系电话："
    assert classify("370000000000000007") == "card"
    out = mask_text(text)
    assert "370000000000000007" not in out and out.endswith("0007联系电话：")
    assert con.execute("SELECT xuncha_mask(?)", [text]).fetchone()[0] == out
