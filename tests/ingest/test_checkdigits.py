"""GB 11643 identity numbers and GB 32100 credit codes, Python and SQL agree."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit.ingest.checkdigits import (
    credit_code_check_char,
    credit_code_valid,
    id_number_check_char,
    id_number_valid,
    install_checkdigit_macros,
)

VALID_IDS = ["11010519491231002X", "11010519491231002x", "440524188001010014", "110105491231002"]
INVALID_IDS = [
    "110105194912310021",  # wrong check digit
    "11010519491331002X",  # month 13
    "1101051949123100",  # too short
    "11010519491231002Y",
    "",
    "110105491331002",  # 15 digits, bad date
]
VALID_CODES = ["91350100M000100Y43", "91110000600037341L", "91430100MA4L3FQN02"]
INVALID_CODES = ["91350100M000100Y44", "91350100M000100Y4", "91350100I000100Y43", "ABC"]


def test_check_chars():
    assert id_number_check_char("11010519491231002") == "X"
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("value", VALID_IDS)
def test_valid_ids(value):
    assert id_number_valid(value)


@pytest.mark.parametrize("value", [*INVALID_IDS, None])
def test_invalid_ids(value):
    assert not id_number_valid(value)


@pytest.mark.parametrize("value", VALID_CODES)
def test_valid_codes(value):
    assert credit_code_valid(value)


@pytest.mark.parametrize("value", [*INVALID_CODES, None])
def test_invalid_codes(value):
    assert not credit_code_valid(value)


def test_sql_matches_python():
    con = duckdb.connect()
    install_checkdigit_macros(con)
    for v in VALID_IDS + INVALID_IDS:
        assert con.execute("SELECT xa_id_number_valid(?)", [v]).fetchone()[0] == id_number_valid(v), v
    for v in VALID_CODES + INVALID_CODES:
        assert con.execute("SELECT xa_credit_code_valid(?)", [v]).fetchone()[0] == credit_code_valid(v), v
    assert con.execute("SELECT xa_id_number_valid(NULL), xa_credit_code_valid(NULL)").fetchone() == (None, None)
