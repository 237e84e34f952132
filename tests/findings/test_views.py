"""The evidence view ``_x_evidence``: records masked and parsed once per distinct record where
records repeat, row by row where they do not (or are too many to hold) — the same table."""

from __future__ import annotations

import json

import duckdb
import pytest

from xuncha_audit.findings import views


def _evidence(con) -> list[tuple]:
    return con.execute("SELECT * FROM _x_evidence").fetchall()  # in the table's order


@pytest.mark.parametrize("repeat", [1, 4], ids=["records-cited-once", "records-cited-four-times"])
def test_both_ways_of_masking_records_give_the_same_table(run_db, monkeypatch, repeat):
    con = duckdb.connect(str(run_db))
    fid = con.execute("SELECT finding_id FROM findings ORDER BY finding_id LIMIT 1").fetchone()[0]
    records = [
        json.dumps({"voucher_date": "2024-03-05", "debit": 1200.5, "person": "张三",
                    "phone": "13812345678", "summary": f"报销 {i} 联系 13900001111"}, ensure_ascii=False)
        for i in range(6)
    ] + ["{not json 13812345678", None]
    for k, rec in enumerate(records):
        for j in range(repeat):
            con.execute("INSERT INTO evidence VALUES (?, 'L07', '市林业局', 'ledger', ?, ?)",
                        [fid, f"2024-03 记-{k} #{j + 1}", rec])
    rows, distinct = con.execute("SELECT count(*), approx_count_distinct(record) FROM evidence").fetchone()
    assert (distinct * 2 <= rows) == (repeat > 1), (rows, distinct)  # the two cases take the two ways

    views.create_views(con, mask=True)
    chosen = _evidence(con)
    monkeypatch.setattr(views, "DISTINCT_RECORDS_MAX", -1)  # every record row by row
    views.create_views(con, mask=True)
    row_by_row = _evidence(con)
    assert chosen == row_by_row
    mine = [r for r in chosen if r[0] == fid and r[5].startswith("2024-03 记-")]
    assert len(mine) == len(records) * repeat
    assert not any("13812345678" in (r[-1] or "") or "13900001111" in (r[-1] or "") for r in mine)
    parsed = [r for r in mine if r[-1] and r[-1].startswith("{\"")]
    assert parsed and all(str(r[6]) == "2024-03-05" and float(r[7]) == 1200.5 for r in parsed)
    con.close()
