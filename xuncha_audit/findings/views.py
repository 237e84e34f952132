"""SQL views the exports read: findings and evidence with labels, masking and inline fields.

Everything here builds SQL from constants (labels, contract column names); values are never
pasted. The views are TEMP, so they work on a read-only connection too.
"""

from __future__ import annotations

from functools import cache

from xuncha_audit.db import of, quote
from xuncha_audit.findings.labels import (
    AREA_ZH,
    DEFAULT_STATUS,
    ENTITY_TYPE_ZH,
    ROUTE_ORDER,
    ROUTES,
    SEVERITY_RANK,
    SEVERITY_ZH,
    table_titles,
)
from xuncha_audit.findings.masking import mask_sql

# Evidence "main fields": first non-empty of these record keys.
MAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "record_date": ("voucher_date", "sign_date", "pay_date", "depart_date", "date", "start_date",
                    "month", "purchase_date", "hire_date", "registered_date"),
    "record_amount": ("amount", "debit", "bid_amount", "lodging_amount", "purchase_price", "credit"),
    "record_person": ("person", "claimant", "handler", "driver", "user", "name", "occupants",
                      "contact_person", "legal_rep"),
    "record_party": ("vendor", "bidder", "counterparty", "guest_unit", "relative_employer", "payee"),
    "record_summary": ("summary", "contract_name", "reason", "purpose", "items", "destination",
                       "item", "model", "room_no"),
}


# Evidence records masked and parsed once per distinct record (not per evidence row) only when
# records repeat (at most half as many as rows) and this many at most: the distinct records,
# masked and parsed (~1 KB each), are the build side of a join. 3.9 million of them ran a
# 50M-line ledger's export out of a 2.5 GiB cap; 250,000 hold ~250 MB, within the default
# 1.25 GiB cap beside the rest (a province repeats 17,172 records over 918,396 rows).
DISTINCT_RECORDS_MAX = 250_000


def _case(expr: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {expr} END"


def columns_of(con, table: str) -> list[str]:
    return [
        r[0]
        for r in of(con).fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $t "
            "ORDER BY ordinal_position",
            {"t": table},
        )
    ]


def text_or_mask(expr: str, mask: bool) -> str:
    return mask_sql(expr) if mask else f"CAST({expr} AS VARCHAR)"


def findings_select(con, *, mask: bool, source: str = "findings") -> str:
    """SELECT of the findings export (contract column names, display route)."""
    have = set(columns_of(con, source))
    src = quote(source)
    if "mark" not in have and of(con).exists("_finding_marks"):
        src = f"(SELECT f.*, m.mark FROM {src} f LEFT JOIN _finding_marks m USING (finding_id))"
        have.add("mark")

    def col(name: str, default: str = "NULL") -> str:
        return quote(name) if name in have else default

    route = col("route")
    route_rank = _case(route, {k: str(i) for i, k in enumerate(ROUTE_ORDER)})
    sev_rank = _case(col("severity"), {k: str(v) for k, v in SEVERITY_RANK.items()})
    return f"""
        SELECT finding_id, {col("run_id")} AS run_id, check_id, check_name,
            {col("severity")} AS severity,
            {_case(col("severity"), SEVERITY_ZH)} AS severity_zh,
            {col("area")} AS area, {_case(col("area"), AREA_ZH)} AS area_zh,
            unit, {_case(route, ROUTES)} AS route, {route} AS route_code,
            {col("mark")} AS mark,
            {text_or_mask("title", mask)} AS title,
            CAST(amount AS DECIMAL(18,2)) AS amount,
            {col("entity_type")} AS entity_type,
            {_case(col("entity_type"), ENTITY_TYPE_ZH)} AS entity_type_zh,
            {text_or_mask(col("entity_key"), mask)} AS entity_key,
            CAST({col("period_start")} AS DATE) AS period_start,
            CAST({col("period_end")} AS DATE) AS period_end,
            {text_or_mask(col("persons"), mask)} AS persons,
            {col("regulation")} AS regulation, {col("rule")} AS rule,
            coalesce({col("status")}, '{DEFAULT_STATUS}') AS status,
            {text_or_mask(col("note"), mask)} AS note,
            CAST({route_rank} AS INTEGER) AS _route_rank,
            CAST({sev_rank} AS INTEGER) AS _sev_rank
        FROM {src}
    """


# The order findings are listed in (the report's 重点疑点 and route tables, the closing summary's
# top findings): severity, then amount, then the id (stable across reruns). Alias ``x``.
LISTING_ORDER = "x._sev_rank DESC NULLS LAST, x.amount DESC NULLS LAST, x.finding_id"


def create_views(con, *, mask: bool) -> None:
    """Create TEMP tables ``_x_findings``, ``_x_evidence``, ``_x_gone`` (materialised once:
    masking is regex work, and every sheet and figure reads them)."""
    be = of(con)
    be.execute(
        "CREATE OR REPLACE TEMP TABLE _x_findings AS " + findings_select(con, mask=mask)
        + " ORDER BY _route_rank, check_id, _sev_rank DESC, amount DESC NULLS LAST, finding_id"
    )
    if be.exists("evidence"):
        titles = _case("source_table", table_titles())
        # every key the main fields come from, extracted in one parse of the record (a
        # json_extract_string per key parsed it 40 times: 0.35 s for 92,000 records)
        paths = [k for keys in MAIN_FIELDS.values() for k in keys]
        main = []
        for out, keys in MAIN_FIELDS.items():
            vals = ", ".join(f"_vals[{paths.index(k) + 1}]" for k in keys)
            expr = f"coalesce({vals})"
            if out == "record_amount":
                expr = f"TRY_CAST({expr} AS DECIMAL(18,2))"
            elif out == "record_date":
                expr = f"TRY_CAST(left({expr}, 10) AS DATE)"
            main.append(f"{expr} AS {out}")
        rows, distinct = be.fetch_one("SELECT count(*), approx_count_distinct(record) FROM evidence")
        parsed = "CASE WHEN json_valid(_rec) THEN json_extract_string(_rec, $paths) END AS _vals"
        masked = f"{text_or_mask('record', mask)} AS _rec"
        rows_sql = f"SELECT e.*, {titles} AS source_title, {text_or_mask('record_key', mask)} AS _rk"
        if distinct * 2 <= rows and distinct <= DISTINCT_RECORDS_MAX:
            # each distinct record masked and parsed once where records repeat: a record is
            # evidence of several findings (100 units: 91,836 evidence rows, 17,172 records)
            source = f"""({rows_sql} FROM evidence e) e
                LEFT JOIN (SELECT record, _rec, {parsed}
                           FROM (SELECT record, {masked} FROM (SELECT DISTINCT record FROM evidence))) r
                  ON r.record = e.record"""
        else:
            # records mostly cited once (one large ledger: 297,416 records for 297,560 rows),
            # or too many to hold: each row's record masked and parsed where it is, streamed
            # into the sort (the distinct records and the join on them ran a 50M-line
            # ledger's 3.9 million evidence rows out of a 2.5 GiB cap)
            source = f"(SELECT *, {parsed} FROM ({rows_sql}, {masked} FROM evidence e)) e"
        rec_sql = (f"SELECT e.finding_id, e.check_id, e.unit, e.source_table, e.source_title, "
                   f"e._rk AS record_key, {', '.join(main)}, _rec AS record FROM {source}")
        be.execute(
            f"""CREATE OR REPLACE TEMP TABLE _x_evidence AS
            SELECT * FROM ({rec_sql})
            ORDER BY check_id, finding_id, source_table, record_key""",
            {"paths": [f"$.{k}" for k in paths]},
        )
    else:
        cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in (
            "finding_id", "check_id", "unit", "source_table", "source_title", "record_key",
            *MAIN_FIELDS, "record"))
        be.execute(f"CREATE OR REPLACE TEMP TABLE _x_evidence AS SELECT {cols} WHERE false")
    # (no findings gone, as in every first run: the masked SELECT is not planned for nothing,
    # ~0.1 s of binding the masking expressions)
    if be.exists("findings_gone") and be.scalar("SELECT count(*) FROM findings_gone"):
        be.execute(
            "CREATE OR REPLACE TEMP TABLE _x_gone AS "
            + findings_select(con, mask=mask, source="findings_gone")
            + " ORDER BY check_id, finding_id"
        )
    else:
        be.execute(
            "CREATE OR REPLACE TEMP TABLE _x_gone AS SELECT * FROM _x_findings WHERE false"
        )


@cache
def record_field_types() -> dict[str, str]:
    """Contract type of each record key (first table that has it wins)."""
    from xuncha_audit.contract import load_contract

    out: dict[str, str] = {}
    for table in load_contract().tables.values():
        for c in table.column_list():
            out.setdefault(c.name, c.type)
    return out
