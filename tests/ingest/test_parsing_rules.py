"""The strict parsing rules of docs/parsing.md, end to end through load_folder: wrong values
are quarantined with the reason, never loaded (issue 16 item 3)."""

from __future__ import annotations

from decimal import Decimal

from ingest_support import assert_accounting, write_csv

HEADER = ["凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额"]


def test_garbage_is_quarantined_with_the_reason(tmp_path, load):
    rows = [
        HEADER,
        ["2024-03-01", "记-1", "正常", "办公费", "1,234.50", ""],          # 2 loaded
        ["24/3/1", "记-2", "两位年份", "办公费", "1", ""],                  # 3 two-digit year
        ["10000", "记-3", "序列号", "办公费", "1", ""],                     # 4 serial out of range
        ["2024-03-01", "记-4", "分隔符", "办公费", "12,34", ""],            # 5 bad separators
        ["2024-03-01", "记-5", "NaN", "办公费", "", "NaN"],                 # 6 NaN in optional amount
        ["2024-03-01", "记-6", "#N/A", "办公费", "#N/A", ""],               # 7
        ["2024-03-01", "记-7", "--", "办公费", "--", ""],                   # 8
        ["0001-01-01", "记-8", "公元1年", "办公费", "1", ""],               # 9
        ["2024-02-29 25:00", "记-9", "25点", "办公费", "1", ""],            # 10
        ["45356", "记-10", "Excel 序列号", "办公费", "-", "（1,234.00）"],  # 11 loaded: red entry
        ["2024-03-01", "记-11", "万元", "办公费", "74.15万元", ""],         # 12 loaded
        ["2024-03-01", "--", "空凭证号", "办公费", "1", ""],                # 13 required text placeholder
    ]
    write_csv(tmp_path / "d" / "序时账.csv", rows)
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (12, 3, 9)
    q = dict(con.execute("SELECT row_no, reason_zh || '|' || coalesce(raw_value, '') FROM _quarantine").fetchall())
    assert q[3] == "无法识别的日期|24/3/1" and q[4] == "无法识别的日期|10000"
    assert q[5] == "无法识别的金额/数值|12,34" and q[6] == "无法识别的金额/数值|NaN"
    assert q[7] == "无法识别的金额/数值|#N/A" and q[8] == "无法识别的金额/数值|--"
    assert q[9] == "无法识别的日期|0001-01-01" and q[10] == "无法识别的日期|2024-02-29 25:00"
    assert q[13] == "必填项为空|--"
    got = con.execute("SELECT _source_row, voucher_date, debit, credit FROM ledger ORDER BY 1").fetchall()
    assert [(r[0], r[2], r[3]) for r in got] == [
        (2, Decimal("1234.50"), None), (11, None, Decimal("-1234.00")), (12, Decimal("741500.00"), None)]
    assert str(got[1][1]) == "2024-03-05"
    assert_accounting(con)


def test_duplicate_header_is_a_warning_naming_both_columns(tmp_path, load):
    rows = [["凭证日期", "凭证号", "摘要", "借方金额", "借方金额"], ["2024-03-01", "记-1", "a", "100", "200"]]
    write_csv(tmp_path / "d" / "序时账.csv", rows)
    report, con = load(tmp_path / "d")
    (entry,) = report.entries
    assert "表头「借方金额」重复出现在 第 4 列（借方金额）、第 5 列（借方金额_2）" in entry.message_zh
    debit, extra = con.execute("SELECT debit, _extra FROM ledger").fetchone()
    assert debit == 100 and '"借方金额_2":"200"' in extra.replace(" ", "")


def test_period_narrows_plausible_dates(tmp_path, load):
    rows = [HEADER, ["2024-03-01", "记-1", "a", "办公费", "1", ""], ["2204-03-01", "记-2", "b", "办公费", "1", ""],
            ["1950-03-01", "记-3", "c", "办公费", "1", ""]]
    write_csv(tmp_path / "d" / "序时账.csv", rows)
    report, _con = load(tmp_path / "d")  # default bounds 1900-01-01 .. 2099-12-31
    assert (report.entries[0].rows_loaded, report.entries[0].rows_quarantined) == (2, 1)
    report, con = load(tmp_path / "d", db=tmp_path / "p.duckdb", period=("2023-01-01", "2024-12-31"))
    assert (report.entries[0].rows_loaded, report.entries[0].rows_quarantined) == (1, 2)
    assert sorted(r[0] for r in con.execute("SELECT row_no FROM _quarantine").fetchall()) == [3, 4]
