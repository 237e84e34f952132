"""Short readable finding numbers (P01-0007) next to the stable 16-hex finding ids.

Rule: within a check, findings are numbered in the order the triage store first saw them
(``first_seen_at``, then ``first_seen_run``, then the finding id for findings first seen in
the same run). The store never forgets a finding (gone ones stay), so a number is never
reused and never changes across reruns. Findings not in the store yet (an export without a
store) are numbered after the store's, by severity, amount and id.
"""

from __future__ import annotations

from xuncha_audit.db import of

NUMBERS_TABLE = "_x_numbers"


def short_no_sql(check: str, n: str) -> str:
    return f"{check} || '-' || CASE WHEN {n} < 10000 THEN lpad(CAST({n} AS VARCHAR), 4, '0') ELSE CAST({n} AS VARCHAR) END"


def create_numbers(con, store=None) -> None:
    """TEMP table ``_x_numbers(finding_id, check_id, short_no)`` for the findings and the
    gone findings of ``_x_findings``/``_x_gone`` (create the views first)."""
    be = of(con)
    from xuncha_audit.findings.triage import SEEN_TABLE, TriageStore

    st = None
    if store is not None:
        st = store if isinstance(store, TriageStore) else TriageStore(store)
        if not st.exists():
            st = None
    be.execute("CREATE OR REPLACE TEMP TABLE _x_store_seen (finding_id VARCHAR, check_id VARCHAR, "
               "first_seen_at VARCHAR, first_seen_run VARCHAR)")
    if be.exists(SEEN_TABLE, temporary=True):
        # A run merged the store and saves it after the exports: number from that.
        be.execute("INSERT INTO _x_store_seen SELECT finding_id, check_id, first_seen_at, "
                   f"first_seen_run FROM {SEEN_TABLE}")
    elif st is not None:
        st.load_into(con, "_x_store_tmp")
        be.execute("INSERT INTO _x_store_seen SELECT finding_id, check_id, first_seen_at, "
                   "first_seen_run FROM _x_store_tmp")
        be.execute("DROP TABLE _x_store_tmp")
    gone = "UNION ALL SELECT finding_id, check_id, _sev_rank, amount FROM _x_gone" \
        if be.exists("_x_gone") else ""
    be.execute(f"""
        CREATE OR REPLACE TEMP TABLE {NUMBERS_TABLE} AS
        WITH seen AS (
            SELECT finding_id, check_id,
                row_number() OVER (PARTITION BY check_id
                                   ORDER BY first_seen_at NULLS LAST, first_seen_run NULLS LAST,
                                            finding_id) AS n
            FROM _x_store_seen),
        top AS (SELECT check_id, max(n) AS m FROM seen GROUP BY check_id),
        cur AS (SELECT DISTINCT finding_id, check_id, _sev_rank, amount FROM _x_findings {gone}),
        fresh AS (
            SELECT c.finding_id, c.check_id,
                coalesce(t.m, 0) + row_number() OVER (PARTITION BY c.check_id
                    ORDER BY c._sev_rank DESC, c.amount DESC NULLS LAST, c.finding_id) AS n
            FROM cur c LEFT JOIN top t USING (check_id)
            WHERE c.finding_id NOT IN (SELECT finding_id FROM seen))
        SELECT finding_id, check_id, {short_no_sql("check_id", "n")} AS short_no
        FROM (SELECT * FROM seen UNION ALL SELECT * FROM fresh)
    """)
    be.execute("DROP TABLE _x_store_seen")
