"""The honest headline amount: an evidence record counts once.

P01, P02 and P06 cite the same contracts; P02 reports each contract and the group; R01 and
R05 can cite the same claim. Summing ``findings.amount`` counts such money two or three
times. The headline instead:

1. spreads each finding's amount over its evidence records — in proportion to the record's
   own ``amount`` where the cited records have one, else evenly;
2. counts every evidence record (source table + unit + record key) once, at the largest
   share any finding gives it;
3. adds, whole, the amount of a finding that cites no evidence record.

So the deduplicated total never exceeds the plain sum, equals it when no record is cited
twice, and a contract cited by a split group, a bunching group and a concentration finding
counts once. Tables (written by ``write_amount_dedup(con)`` after the checks):

- ``_amount_records(source_table, unit, record_key, amount, findings, check_ids)``: per
  cited record, the amount it counts for and how many findings cite it;
- ``amount_headline`` (view): ``amount_raw`` (plain sum), ``amount_dedup``, ``records``,
  ``records_cited_twice`` — what the report's 涉及金额 shows, labelled 去重后;
- ``amount_by_check`` (view): per check, the plain sum and the amount after deduplication
  within the check.
"""

from __future__ import annotations

from xuncha_audit.db import of

HEADLINE_LABEL_ZH = "去重后：同一证据记录只计一次（疑点金额按其证据记录的金额分摊，取各疑点中最大的一份）"

_SHARES = """
        WITH ev AS (
            SELECT DISTINCT e.finding_id, e.check_id, e.unit, e.source_table, e.record_key,
                   greatest(coalesce(CASE WHEN json_valid(e.record) THEN
                       TRY_CAST(json_extract_string(e.record, '$.amount') AS DOUBLE) END, 0), 0) AS w
            FROM {evidence} e),
        tot AS (SELECT finding_id, sum(w) AS w_sum, count(*) AS n FROM ev GROUP BY finding_id)
        SELECT ev.finding_id, ev.check_id, ev.unit, ev.source_table, ev.record_key,
               CAST(f.amount AS DOUBLE) * CASE WHEN t.w_sum > 0 THEN ev.w / t.w_sum ELSE 1.0 / t.n END AS share
        FROM ev JOIN tot t USING (finding_id)
        JOIN (SELECT finding_id, any_value(amount) AS amount FROM {findings} GROUP BY finding_id) f
             USING (finding_id)
        WHERE f.amount IS NOT NULL"""


# A record's amount: its largest share, as an exact decimal (sums of doubles depend on the order
# DuckDB's threads add them in: a province's total came out ….39 on one run and ….40 on the next)
_RECORD_AMOUNT = "CAST(round(max(share), 2) AS DECIMAL(18,2))"


def write_amount_dedup(con) -> None:
    be = of(con)
    have = {r[0] for r in be.fetch_all(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary")}
    if "findings" not in have or "evidence" not in have:
        return
    be.execute("CREATE OR REPLACE TABLE _amount_shares AS "
               + _SHARES.format(findings="findings", evidence="evidence"))
    be.execute(
        f"""
        CREATE OR REPLACE TABLE _amount_records AS
        -- per (record, finding) first: then a record's findings are its rows (no DISTINCT
        -- aggregates, which DuckDB runs as extra groupings joined back: 0.85 -> 0.5 s at a province)
        SELECT source_table, unit, record_key, {_RECORD_AMOUNT} AS amount,
               count(*) AS findings,
               array_to_string(list_sort(list_distinct(flatten(list(check_ids)))), ',') AS check_ids
        FROM (SELECT source_table, unit, record_key, finding_id, max(share) AS share,
                     list_distinct(list(check_id)) AS check_ids
              FROM _amount_shares GROUP BY source_table, unit, record_key, finding_id)
        GROUP BY source_table, unit, record_key
        ORDER BY source_table, unit, record_key
        """
    )
    be.execute(
        """
        CREATE OR REPLACE VIEW amount_headline AS
        SELECT (SELECT coalesce(sum(amount), 0) FROM findings)::DECIMAL(18,2) AS amount_raw,
               ((SELECT coalesce(round(sum(amount), 2), 0) FROM _amount_records)
                + (SELECT coalesce(sum(amount), 0) FROM findings
                   WHERE amount IS NOT NULL
                     AND finding_id NOT IN (SELECT finding_id FROM _amount_shares)))::DECIMAL(18,2)
                   AS amount_dedup,
               (SELECT count(*) FROM _amount_records) AS records,
               (SELECT count(*) FROM _amount_records WHERE findings > 1) AS records_cited_twice
        """
    )
    be.execute(
        """
        CREATE OR REPLACE VIEW amount_by_check AS
        SELECT s.check_id, r.amount_raw, round(sum(s.share), 2)::DECIMAL(18,2) AS amount_dedup
        FROM (SELECT check_id, source_table, unit, record_key,
                     CAST(max(share) AS DECIMAL(38,6)) AS share  -- summed exactly (_RECORD_AMOUNT)
              FROM _amount_shares GROUP BY ALL) s
        JOIN (SELECT check_id, sum(amount)::DECIMAL(18,2) AS amount_raw FROM findings GROUP BY 1) r
             USING (check_id)
        GROUP BY s.check_id, r.amount_raw ORDER BY s.check_id
        """
    )


def headline(con) -> dict | None:
    """{amount_raw, amount_dedup, records, records_cited_twice, label_zh} or None."""
    try:
        row = of(con).fetch_one("SELECT * FROM amount_headline")
    except Exception:
        return None
    return {"amount_raw": float(row[0]), "amount_dedup": float(row[1]), "records": int(row[2]),
            "records_cited_twice": int(row[3]), "label_zh": HEADLINE_LABEL_ZH}


def compute_headline(con, findings: str = "findings", evidence: str = "evidence") -> dict:
    """The same headline as ``amount_headline``, by one SELECT (nothing written: works on a
    read-only connection and on the export views ``_x_findings`` / ``_x_evidence``)."""
    row = of(con).fetch_one(f"""
        WITH shares AS ({_SHARES.format(findings=findings, evidence=evidence)}),
        records AS (SELECT source_table, unit, record_key, {_RECORD_AMOUNT} AS amount,
                           count(DISTINCT finding_id) AS n
                    FROM shares GROUP BY ALL)
        SELECT (SELECT coalesce(sum(amount), 0) FROM {findings}),
               (SELECT coalesce(sum(amount), 0) FROM records)
               + (SELECT coalesce(sum(amount), 0) FROM {findings}
                  WHERE amount IS NOT NULL AND finding_id NOT IN (SELECT finding_id FROM shares)),
               (SELECT count(*) FROM records), (SELECT count(*) FROM records WHERE n > 1)
    """)
    return {"amount_raw": float(row[0]), "amount_dedup": round(float(row[1]), 2), "records": int(row[2]),
            "records_cited_twice": int(row[3]), "label_zh": HEADLINE_LABEL_ZH}

