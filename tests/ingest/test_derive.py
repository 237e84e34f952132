"""derive_columns: unit, line numbers, in-place normalisation, company norm, _key."""

from __future__ import annotations

import duckdb
import pytest

from xuncha_audit.contract import create_tables
from xuncha_audit.ingest.derive import (
    DEFAULT_UNIT,
    company_norm_sql,
    derive_columns,
    install_macros,
    normalize_company,
)


@pytest.fixture
def con():
    c = duckdb.connect()
    create_tables(c)
    yield c
    c.close()


def _one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()[0]


@pytest.mark.parametrize(
    ("macro", "raw", "expected"),
    [
        ("xa_norm_name", " 张\u3000三 ", "张三"),
        ("xa_norm_name", "李\u00a0四", "李四"),
        ("xa_norm_name", "买买提・艾力", "买买提·艾力"),
        ("xa_norm_name", "\u3000", None),
        ("xa_norm_plate", "湘Ａ·１２３４５", "湘A12345"),
        ("xa_norm_plate", "湘a-b 123.4", "湘AB1234"),
        ("xa_norm_phone", "+86 138-0013-8000", "13800138000"),
        ("xa_norm_phone", "8613800138000", "13800138000"),
        ("xa_norm_phone", "0731-88886666", "073188886666"),
        ("xa_norm_phone", "１３８００１３８０００", "13800138000"),
        ("xa_norm_digits", "6222 0200-1234", "622202001234"),
        ("xa_norm_code", "43010119900101123x", "43010119900101123X"),
        ("xa_norm_code", "９１４３ 0100ma4l", "91430100MA4L"),
        ("xa_norm_name_list", "李四、王五;赵六，钱七/孙八 周九；吴十,郑一", "李四、王五、赵六、钱七、孙八、周九、吴十、郑一"),
        ("xa_norm_name_list", "、李 四、、", "李四"),
    ],
)
def test_macros(con, macro, raw, expected):
    install_macros(con)
    assert _one(con, f"SELECT {macro}(?)", [raw]) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("长沙甲科技有限公司", "长沙甲科技公司"),
        ("（湖南）长沙甲科技有限公司", "长沙甲科技有限责任公司"),
        ("湖南乙建设集团有限公司", "湖南乙建设"),
        ("丙科技股份有限公司", "丙 科技有限公司"),
        ("(长沙)丁商贸有限公司", "丁商贸有限公司"),
        ("ABC科技有限公司", "ａｂｃ科技公司"),
    ],
)
def test_company_norm_equal(con, a, b):
    install_macros(con)
    sa = _one(con, f"SELECT {company_norm_sql('?')}", [a])
    sb = _one(con, f"SELECT {company_norm_sql('?')}", [b])
    assert sa == sb
    assert normalize_company(a) == normalize_company(b) == sa


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("长沙甲科技有限公司", "长沙乙科技有限公司"),
        ("湖南甲建设有限公司", "湖南甲建材有限公司"),
        ("有限公司", "公司"),  # degenerate: nothing left -> keep the cleaned name
    ],
)
def test_company_norm_different(con, a, b):
    install_macros(con)
    sa = _one(con, f"SELECT {company_norm_sql('?')}", [a])
    sb = _one(con, f"SELECT {company_norm_sql('?')}", [b])
    assert sa != sb
    assert normalize_company(a) == sa and normalize_company(b) == sb


def test_vendors_normalised_and_keyed(con):
    con.execute(
        "INSERT INTO vendors(vendor, vendor_id, legal_rep, shareholders, phone, bank_account) "
        "VALUES ('（湖南）长沙甲科技有限公司', '91430100ma4l 12345x', ' 张\u3000三 ', "
        "'李四、王五;赵六', '+86 138-0013-8000', '6222 0200 1234'), "
        "('长沙甲科技公司', NULL, '李四', NULL, NULL, NULL)"
    )
    derive_columns(con, "vendors", unit="甲局")
    rows = con.execute(
        "SELECT unit, vendor_norm, vendor_id, legal_rep, shareholders, phone, bank_account, _key "
        "FROM vendors ORDER BY vendor_id NULLS LAST"
    ).fetchall()
    assert rows[0] == (
        "甲局", "长沙甲科技", "91430100MA4L12345X", "张三", "李四、王五、赵六",
        "13800138000", "622202001234", "91430100MA4L12345X",
    )
    # key_fallback: vendor_id NULL -> vendor
    assert rows[1][0] == "甲局" and rows[1][1] == "长沙甲科技" and rows[1][-1] == "长沙甲科技公司"


def test_idempotent(con):
    con.execute(
        "INSERT INTO ledger(voucher_no, voucher_date, _source_row, line_no, person, counterparty) VALUES "
        "('记-1', DATE '2024-01-01', 3, NULL, '张 三', '甲有限公司'),"
        "('记-1', DATE '2024-01-01', 2, NULL, NULL, NULL),"
        "('记-2', DATE '2024-01-01', 4, 5, NULL, NULL),"
        "('记-2', DATE '2024-01-01', 5, NULL, NULL, NULL)"
    )
    derive_columns(con, "ledger")
    first = con.execute("SELECT * FROM ledger ORDER BY _source_row").fetchall()
    derive_columns(con, "ledger")
    assert con.execute("SELECT * FROM ledger ORDER BY _source_row").fetchall() == first
    got = con.execute("SELECT voucher_no, line_no, _key, unit FROM ledger ORDER BY _source_row").fetchall()
    assert got == [
        ("记-1", 1, "2024-01 记-1 #1", DEFAULT_UNIT),
        ("记-1", 2, "2024-01 记-1 #2", DEFAULT_UNIT),
        ("记-2", 5, "2024-01 记-2 #5", DEFAULT_UNIT),
        ("记-2", 6, "2024-01 记-2 #6", DEFAULT_UNIT),
    ]


def test_line_no_per_unit(con):
    con.execute(
        "INSERT INTO ledger(unit, voucher_no, voucher_date, _source_row) VALUES "
        "('A', 'v1', DATE '2024-01-01', 2), ('B', 'v1', DATE '2024-01-01', 2),"
        "('A', 'v1', DATE '2024-01-01', 3)"
    )
    derive_columns(con, "ledger", unit="ignored")
    got = sorted(con.execute("SELECT unit, _key FROM ledger").fetchall())
    assert got == [("A", "2024-01 v1 #1"), ("A", "2024-01 v1 #2"), ("B", "2024-01 v1 #1")]


def test_defaults_displacement_plate(con):
    con.execute("INSERT INTO hospitality(record_no, amount) VALUES ('h1', 1)")
    con.execute("INSERT INTO offices(room_no, area_m2) VALUES ('101', 12)")
    con.execute("INSERT INTO vehicles(plate_no, displacement_l) VALUES ('湘Ａ·１２３４５', 1798), ('湘B1', 1.6)")
    for t in ("hospitality", "offices", "vehicles"):
        derive_columns(con, t, unit="u")
    assert _one(con, "SELECT meals FROM hospitality") == 1
    assert _one(con, "SELECT use FROM offices") == "办公"
    got = sorted(con.execute("SELECT _key, CAST(displacement_l AS DOUBLE) FROM vehicles").fetchall())
    assert got == [("湘A12345", 1.8), ("湘B1", 1.6)]


def test_composite_key_person_fallback(con):
    con.execute(
        "INSERT INTO payroll(month, name, item, amount, id_number, person_id) VALUES "
        "(DATE '2024-03-01', '张三', '基本工资', 100, '43010119900101123x', NULL),"
        "(DATE '2024-03-01', '李四', '基本工资', 100, NULL, NULL),"
        "(DATE '2024-03-01', '王五', '奖金', 100, NULL, 'P9')"
    )
    derive_columns(con, "payroll")
    got = sorted(r[0] for r in con.execute("SELECT _key FROM payroll").fetchall())
    assert got == [
        "2024-03-01|43010119900101123X|基本工资",
        "2024-03-01|P9|奖金",
        "2024-03-01|李四|基本工资",
    ]
    con.execute("INSERT INTO staff(name) VALUES ('赵 六')")
    derive_columns(con, "staff")
    assert _one(con, "SELECT _key FROM staff") == "赵六"


def test_rank_norm_uses_ranks_module_or_null(con):
    con.execute("INSERT INTO staff(person_id, name, rank) VALUES ('p1', '张三', '正处级')")
    derive_columns(con, "staff", level="市级")
    got = _one(con, "SELECT rank_norm FROM staff")
    try:
        from xuncha_audit.standards.ranks import normalize_rank
    except ImportError:
        assert got is None
    else:
        assert got == normalize_rank("正处级", "市级")


def _staged(con, table: str, rows_sql: str, *, year_numbering: bool = False, level: str = "市级"):
    """The loader's route: derived_select while inserting, then line numbers, repeated keys, ranks
    and, once every file is in, the 平行记账 tags of the units loaded."""
    from xuncha_audit.contract import load_contract
    from xuncha_audit.ingest.derive import (
        _derive_book,
        derive_keys,
        derive_ranks,
        derived_select,
        line_number_column,
        number_lines,
        number_repeated_keys,
    )

    tdef = load_contract().table(table)
    install_macros(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE src AS {rows_sql}")
    present = {r[0] for r in con.execute("DESCRIBE src").fetchall()}
    gen_lines = line_number_column(tdef) is not None
    sql, params = derived_select(tdef, "SELECT * FROM src", present, keys=not gen_lines,
                                 year_numbering=year_numbering)
    con.execute(f"INSERT INTO {table} BY NAME {sql}", params)
    if gen_lines:
        number_lines(con, tdef, table)
        derive_keys(con, tdef, table)
    else:
        number_repeated_keys(con, tdef, table)
    derive_ranks(con, tdef, table, level)
    if "book" in tdef.columns:
        _derive_book(con, tdef, table, units=[u for (u,) in con.execute(f"SELECT DISTINCT unit FROM {table}").fetchall()])
    return con.execute(f"SELECT * FROM {table} ORDER BY _source_row").fetchall()


_LEDGER_ROWS = {
    # no 分录号 anywhere (the usual export): numbered in file order within each voucher
    "no_line_numbers": """SELECT * FROM (VALUES
        ('A', '记-1', DATE '2024-01-05', 3, NULL::INT), ('A', '记-1', DATE '2024-01-05', 2, NULL),
        ('B', '记-1', DATE '2024-01-05', 4, NULL), ('A', '记-2', DATE '2024-02-01', 5, NULL),
        ('A', '记-1', DATE '2024-03-01', 6, NULL)) v(unit, voucher_no, voucher_date, _source_row, line_no)""",
    # some lines numbered by the export: the others continue after the voucher's highest
    "some_line_numbers": """SELECT * FROM (VALUES
        ('A', '记-1', DATE '2024-01-05', 2, 4::INT), ('A', '记-1', DATE '2024-01-05', 3, NULL),
        ('A', '记-2', DATE '2024-01-05', 4, NULL)) v(unit, voucher_no, voucher_date, _source_row, line_no)""",
    # 政府会计 平行记账 in unit A (8xxx 资金结存 lines): its 6-8xxx lines are 预算会计; unit B
    # (an enterprise ledger, 6xxx 损益类) keeps every line 财务会计
    "parallel_books": """SELECT * FROM (VALUES
        ('A', '记-1', DATE '2024-01-05', 2, NULL::INT, '5001'), ('A', '记-1', DATE '2024-01-05', 3, NULL, '1002'),
        ('A', '记-1', DATE '2024-01-05', 4, NULL, '7201'), ('A', '记-1', DATE '2024-01-05', 5, NULL, '8001'),
        ('B', '记-1', DATE '2024-01-05', 6, NULL, '6601'), ('B', '记-1', DATE '2024-01-05', 7, NULL, '1002'))
        v(unit, voucher_no, voucher_date, _source_row, line_no, account_code)""",
}


@pytest.mark.parametrize("scenario", sorted(_LEDGER_ROWS))
def test_staged_route_equals_derive_columns(con, scenario):
    """The loader's one-pass staging gives the rows derive_columns gives (keys included)."""
    staged = _staged(con, "ledger", _LEDGER_ROWS[scenario])
    con.execute("DELETE FROM ledger")
    con.execute(f"INSERT INTO ledger BY NAME {_LEDGER_ROWS[scenario]}")
    derive_columns(con, "ledger", normalised=True)
    assert staged == con.execute("SELECT * FROM ledger ORDER BY _source_row").fetchall()
    keys = con.execute("SELECT unit, _key FROM ledger").fetchall()
    assert len(keys) == len(set(keys)) and all(k for _, k in keys)
    # in _source_row order within (unit, voucher id), after the voucher's highest number
    lines = [r[0] for r in con.execute("SELECT line_no FROM ledger ORDER BY _source_row").fetchall()]
    assert lines == {"no_line_numbers": [1, 2, 1, 1, 1], "some_line_numbers": [4, 5, 1],
                     "parallel_books": [1, 2, 3, 4, 1, 2]}[scenario]
    books = [r[0] for r in con.execute("SELECT book FROM ledger ORDER BY _source_row").fetchall()]
    assert books == (["财务会计", "财务会计", "预算会计", "预算会计", "财务会计", "财务会计"]
                     if scenario == "parallel_books" else ["财务会计"] * len(lines))


def test_staged_route_year_numbering_and_defaults(con):
    got = _staged(con, "ledger", """SELECT * FROM (VALUES ('A', '记-15', DATE '2024-03-05', 2))
                  v(unit, voucher_no, voucher_date, _source_row)""", year_numbering=True)
    cols = [r[0] for r in con.execute("DESCRIBE ledger").fetchall()]
    row = dict(zip(cols, got[0], strict=True))
    assert (row["fiscal_year"], row["period"], row["voucher_id"], row["line_no"], row["_key"]) == (
        2024, 3, "2024 记-15", 1, "2024 记-15 #1")
    con.execute("DELETE FROM hospitality")
    got = _staged(con, "hospitality", "SELECT 'u' AS unit, 'h1' AS record_no, 1 AS amount, 2 AS _source_row")
    cols = [r[0] for r in con.execute("DESCRIBE hospitality").fetchall()]
    assert dict(zip(cols, got[0], strict=True))["meals"] == 1  # the contract's default


def test_staged_route_numbers_repeated_payroll_items(con):
    rows = """SELECT * FROM (VALUES ('u', DATE '2024-03-01', '张三', '基本工资', 100, 2),
              ('u', DATE '2024-03-01', '张三', '基本工资', 100, 3)) v(unit, month, name, item, amount, _source_row)"""
    _staged(con, "payroll", rows)
    got = [r[0] for r in con.execute("SELECT _key FROM payroll ORDER BY _source_row").fetchall()]
    assert got == ["2024-03-01|张三|基本工资", "2024-03-01|张三|基本工资#2"]


@pytest.mark.parametrize(("rows", "every", "unique"), [
    # every line numbered here: the keys cannot repeat, no grouping needed to know it
    (_LEDGER_ROWS["no_line_numbers"], True, True),
    # lines numbered by the export may repeat a number: the loader must look
    (_LEDGER_ROWS["some_line_numbers"], False, False),
    # a voucher read as NULL and one read as '': both keys are ' #1' — the one exception
    ("""SELECT * FROM (VALUES ('A', NULL::VARCHAR, NULL::DATE, 2, NULL::INT), ('A', '', NULL, 3, NULL))
        v(unit, voucher_no, voucher_date, _source_row, line_no)""", True, False),
])
def test_keys_unique_by_numbering(con, rows, every, unique):
    from dataclasses import replace

    from xuncha_audit.contract import load_contract
    from xuncha_audit.ingest.derive import (
        derive_keys,
        derived_select,
        keys_unique_by_numbering,
        number_lines,
    )

    tdef = load_contract().table("ledger")
    install_macros(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE src AS {rows}")
    present = {r[0] for r in con.execute("DESCRIBE src").fetchall()}
    sql, params = derived_select(tdef, "SELECT * FROM src", present, keys=False)
    con.execute(f"INSERT INTO ledger BY NAME {sql}", params)
    assert number_lines(con, tdef, "ledger") is every
    derive_keys(con, tdef, "ledger")
    claimed = every and keys_unique_by_numbering(con, tdef, "ledger")
    assert claimed is unique
    repeats = _one(con, "SELECT count(*) FROM (SELECT unit, _key FROM ledger GROUP BY ALL HAVING count(*) > 1)")
    assert not (claimed and repeats)  # never claimed where a key repeats
    if every and not unique:
        assert repeats == 1
    # the default key (columns joined by "|") splits as surely as " #"
    assert (every and keys_unique_by_numbering(con, replace(tdef, key_format=None), "ledger")) is unique
    # a key whose separator could be read as part of a number is never claimed unique
    assert not keys_unique_by_numbering(con, replace(tdef, key_format="{voucher_id}1{line_no}"), "ledger")
    assert not keys_unique_by_numbering(con, replace(tdef, key=("voucher_no", "line_no")), "ledger")
