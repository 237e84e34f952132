-- ledger_texts: every distinct non-empty summary and counterparty of the ledger, upper-cased once
-- (txt_u), with in_summary = 1 when the text occurs as a summary. The keyword checks look for
-- their words in these texts, not in the ledger's lines: a real ledger's 4M lines hold ~2M
-- distinct texts, and upper() on each is the costly part of reading them (~1 s each time).
-- Read by L01 (summaries) and L02 (summaries and counterparties); each check then keeps only the
-- texts holding one of its own words (its bound alternation) before its per-word join.
SELECT txt, upper(txt) AS txt_u, max(s) AS in_summary
FROM (
    SELECT summary AS txt, 1 AS s FROM ledger WHERE summary IS NOT NULL AND summary <> ''
    UNION ALL
    SELECT counterparty AS txt, 0 AS s FROM ledger WHERE counterparty IS NOT NULL AND counterparty <> ''
) t
GROUP BY txt
