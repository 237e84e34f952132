"""Helper table for L03 (Benford): the observed and expected digit distributions.

``prepare(con, params)`` (called by the engine before L03's SQL) writes the persistent table

    benford_distribution(unit, test, entity_type, entity_key, digit, count, n, observed, expected)

* ``test = 'first'``: first-digit test (digits 1-9) per entity: ``account`` (account code and
  name), ``person`` (ledger.person) and ``vendor`` (ledger.counterparty_norm);
* ``test = 'first_two'``: first-two-digits test (10-99) over the whole ledger of the unit
  (``entity_type = 'unit'``, ``entity_key`` = the unit).

One row per (unit, test, entity, digit) including digits that never occur (count 0), so the
notebooks and the report plot observed against expected straight from it; ``n`` is the
entity's number of amounts, ``observed = count / n``, ``expected = log10(1 + 1/digit)``.
Every entity is kept whatever its size (the check applies the minimum record count; plots
should show ``n``). Amounts are ``greatest(|debit|, |credit|)`` of a ledger line, at least
``min_amount`` (Nigrini: very small amounts are left out). Accounts count lines; persons,
counterparties and the whole-ledger test count one amount per (voucher, amount), so the two
lines of one payment that both carry the person or counterparty are one amount (up to two
distinct persons or counterparties per voucher amount are kept).

Why Python: a check is one SELECT; the distribution table must outlive the check for the
notebooks, so it is materialised here, set-based in DuckDB (no loop over rows).
"""

from __future__ import annotations

TABLE = "benford_distribution"
OUTPUTS = (TABLE,)  # kept in the results database whatever engine ran the check

_SQL = """
WITH counterparties AS (
    -- each counterparty numbered in the order of its text: the payments below take the min and
    -- max of these numbers, the same counterparties as min/max of the texts, without copying a
    -- text per line (a province's 5.2 million payments: 3.5 s with the texts)
    SELECT counterparty_norm, row_number() OVER (ORDER BY counterparty_norm) AS cp_no
    FROM (SELECT DISTINCT counterparty_norm FROM ledger WHERE counterparty_norm IS NOT NULL) d
),
units AS (
    -- units numbered too: the groupings below key on the number, not on a unit's name (a
    -- province's names are ~32 bytes each, hashed and compared in every grouping of its
    -- 7.3 million amounts: 4.4-4.6 -> 4.0 s), the name joined back to each entity at the end
    SELECT unit, row_number() OVER (ORDER BY unit) AS unit_no FROM (SELECT DISTINCT unit FROM ledger) d
),
amounts AS (
    SELECT u.unit_no, l.voucher_id,
           nullif(trim(coalesce(l.account_code, '') || ' ' || coalesce(l.account_name, '')), '') AS account_key,
           l.person,
           c.cp_no,
           greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) AS amt
    FROM ledger l
    JOIN units u ON u.unit IS NOT DISTINCT FROM l.unit
    LEFT JOIN counterparties c ON c.counterparty_norm = l.counterparty_norm
    WHERE greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) >= $min_amount
      AND coalesce(l.book, '') <> '预算会计'  -- 平行记账: count an economic event once
),
payments AS (
    -- one row per (voucher, amount): the debit and credit line of one payment that both carry
    -- the person or counterparty count once, else n is inflated and the test too strict
    -- (up to two distinct persons / counterparties per voucher amount are kept)
    SELECT unit_no, amt,
           CAST(CAST(round(amt * 100) AS BIGINT) AS VARCHAR) AS digits,
           min(person) AS person1, max(person) AS person2,
           min(cp_no) AS cp1, max(cp_no) AS cp2
    FROM amounts
    GROUP BY unit_no, voucher_id, amt
),
entity_digits AS (
    SELECT unit_no, 'first' AS test, 'account' AS entity_type, account_key AS entity_key,
           CAST(substr(CAST(CAST(round(amt * 100) AS BIGINT) AS VARCHAR), 1, 1) AS INTEGER) AS digit
    FROM amounts WHERE account_key IS NOT NULL
    UNION ALL
    SELECT unit_no, 'first', 'person', person1, CAST(substr(digits, 1, 1) AS INTEGER)
    FROM payments WHERE person1 IS NOT NULL
    UNION ALL
    SELECT unit_no, 'first', 'person', person2, CAST(substr(digits, 1, 1) AS INTEGER)
    FROM payments WHERE person2 <> person1
    UNION ALL
    SELECT p.unit_no, 'first', 'vendor', c.counterparty_norm, CAST(substr(p.digits, 1, 1) AS INTEGER)
    FROM payments p JOIN counterparties c ON c.cp_no = p.cp1
    UNION ALL
    SELECT p.unit_no, 'first', 'vendor', c.counterparty_norm, CAST(substr(p.digits, 1, 1) AS INTEGER)
    FROM payments p JOIN counterparties c ON c.cp_no = p.cp2 WHERE p.cp2 <> p.cp1
    UNION ALL
    SELECT unit_no, 'first_two', 'unit', NULL, CAST(substr(digits, 1, 2) AS INTEGER)  -- key: the unit's name, below
    FROM payments WHERE amt >= 10
),
counts AS (
    SELECT unit_no, test, entity_type, entity_key, digit, count(*) AS cnt
    FROM entity_digits
    GROUP BY unit_no, test, entity_type, entity_key, digit
),
entities AS (
    SELECT unit_no, test, entity_type, entity_key, sum(cnt) AS n
    FROM counts
    GROUP BY unit_no, test, entity_type, entity_key
),
digits AS (
    -- unnest(generate_series()), not range() t(d): that table function mistranslates on Spark
    SELECT 'first' AS test, unnest(generate_series(1, 9)) AS digit
    UNION ALL
    SELECT 'first_two', unnest(generate_series(10, 99))
)
SELECT u.unit, e.test, e.entity_type, CASE WHEN e.entity_type = 'unit' THEN u.unit ELSE e.entity_key END AS entity_key, g.digit,
       coalesce(c.cnt, 0) AS count,
       e.n,
       coalesce(c.cnt, 0) / CAST(e.n AS DOUBLE) AS observed,
       log10(1 + 1 / CAST(g.digit AS DOUBLE)) AS expected
FROM entities e
JOIN units u USING (unit_no)
JOIN digits g ON g.test = e.test
LEFT JOIN counts c
  ON c.unit_no = e.unit_no AND c.test = e.test AND c.entity_type = e.entity_type
 AND c.entity_key IS NOT DISTINCT FROM e.entity_key AND c.digit = g.digit
"""


def prepare(backend, params: dict) -> None:
    """(Re)build ``benford_distribution`` from the ledger; set-based, parameters bound.

    ``backend``: the engine running the checks (``xuncha_audit.db.Backend``), or a DuckDB
    connection.
    """
    from xuncha_audit.db import DuckDBBackend

    be = backend if hasattr(backend, "create_table_as") else DuckDBBackend(backend)
    be.create_table_as(TABLE, _SQL, {"min_amount": params["min_amount"]}, temp=False)
