/* ---
code: R05
slug: duplicate_reimbursement
title_zh: 重复报销
title_en: Duplicate reimbursement - repeated invoice numbers, overlapping trips
area: reimbursement
severity: high
route: 反馈
inputs: [travel_claims, hospitality, meetings]
needs: [[travel_claims, hospitality, meetings]]
evidence: [travel_claims, hospitality, meetings]
entity_type: person
what_zh: ①同一张发票出现在两条及以上报销记录中（差旅费、公务接待、会议培训三张表合并比对；「发票号码」一格填写多个号码时按「、；;，,/」和空格拆开逐个比对；同一记录内重复填写不算）。纸质发票和旧版电子发票的 8 位号码只在同一发票代码（10 或 12 位，「发票代码」列，或号码格中写成「代码-号码」）下才是同一张发票：不同代码下相同的 8 位号码不是重复；没有代码的 8 位号码只与同样没有代码的号码比对。全电发票（数电票）20 位号码全国唯一，单独比对；②同一人两次出差的日期相互重叠（一次的出发日早于另一次的返回日且另一次的出发日早于这次的返回日；前一次返回当天再出发不算重叠）。
why_zh: 一张发票只能报销一次；同一人同一时间不可能身处两地出差，日期重叠的差旅报销可能虚报或重复报销。
regulation: 《财政违法行为处罚处分条例》（国务院令第427号）第六条（以虚报、冒领等手段骗取财政资金）
exclusions_zh: 序时账在数据规范中没有发票号码字段，不参与比对；不含数字或短于最小长度的「发票号码」（如「无」「/」）不比对。金额取重复记录中除最大一笔以外的合计（两条重复时即较小一笔），行程重叠取两次出差中较小的一笔报销总额。
rules:
  duplicate_invoice: 同一发票号码重复报销
  overlapping_trips: 同一人出差日期重叠
params:
  min_invoice_length: {type: int, default: 6, min: 1, max: 50, description_zh: 参与比对的发票号码最小长度（字符）}
template: "{detail}，可能重复报销{amount:money}元"
example_zh: 发票号码 24432000000012345678 同时出现在差旅费报销单 CL-0102 和公务接待记录 JD-0311 中。
what_en: One invoice number claimed in two or more reimbursement records (travel, hospitality, meetings; lists of numbers in one cell are split), or one person's trips whose dates overlap.
why_en: An invoice may be reimbursed once; one person cannot travel to two places at the same time.
--- */
WITH
inv_src AS (
    SELECT unit, 'travel_claims' AS ev_table, _key, '差旅费报销单' || claim_no AS rec_label, person AS who,
        depart_date AS d1, return_date AS d2,
        coalesce(lodging_amount, 0) + coalesce(meal_allowance, 0) + coalesce(local_transport_allowance, 0)
            + coalesce(transport_amount, 0) AS amt,
        invoice_no, invoice_code
    FROM travel_claims WHERE invoice_no IS NOT NULL
    UNION ALL
    SELECT unit, 'hospitality', _key, '公务接待' || record_no, handler, date, date, amount, invoice_no, invoice_code
    FROM hospitality WHERE invoice_no IS NOT NULL
    UNION ALL
    SELECT unit, 'meetings', _key, '会议培训' || record_no, handler, start_date, coalesce(end_date, start_date),
        amount, invoice_no, invoice_code
    FROM meetings WHERE invoice_no IS NOT NULL
),
rec_code AS (
    -- the record's 发票代码 when it gives exactly one (several codes for several numbers cannot be paired)
    SELECT unit, ev_table, _key,
        CASE WHEN regexp_matches(trim(invoice_code), '^[0-9]{10}$|^[0-9]{12}$') THEN trim(invoice_code) END AS code
    FROM inv_src WHERE invoice_code IS NOT NULL
),
inv_split AS (
    -- one row per number in the cell; unnest stands alone in its SELECT (Spark's explode may
    -- not be nested in an expression)
    SELECT unit, ev_table, _key, upper(trim(inv_raw)) AS inv
    FROM (
        SELECT unit, ev_table, _key,
            unnest(string_split(
                replace(replace(replace(replace(replace(replace(replace(invoice_no, '、', ','), '；', ','), ';', ','),
                    '，', ','), '/', ','), ' ', ','), '　', ','), ',')) AS inv_raw
        FROM inv_src
    ) x
),
inv_parts AS (
    -- a number written with its code in one token: 043002100111-12345678
    SELECT s.unit, s.ev_table, s._key,
        CASE WHEN regexp_matches(s.inv, '^([0-9]{10}|[0-9]{12})[-—_:：]([0-9]{8})$')
             THEN regexp_extract(s.inv, '^([0-9]{10}|[0-9]{12})[-—_:：]([0-9]{8})$', 2) ELSE s.inv END AS num,
        CASE WHEN regexp_matches(s.inv, '^([0-9]{10}|[0-9]{12})[-—_:：]([0-9]{8})$')
             THEN regexp_extract(s.inv, '^([0-9]{10}|[0-9]{12})[-—_:：]([0-9]{8})$', 1) ELSE c.code END AS code
    FROM inv_split s
    LEFT JOIN rec_code c ON c.unit = s.unit AND c.ev_table = s.ev_table AND c._key = s._key
),
inv_keys AS (
    -- the invoice's identity: an 8-digit number only under its code; a 20-digit 全电 number alone
    SELECT DISTINCT unit, ev_table, _key,
        CASE WHEN regexp_matches(num, '^[0-9]{8}$') THEN coalesce(code, '') || '|' || num ELSE num END AS inv,
        CASE WHEN regexp_matches(num, '^[0-9]{8}$') AND code IS NOT NULL THEN '发票代码' || code || '、号码' || num
             WHEN regexp_matches(num, '^[0-9]{8}$') THEN '发票号码' || num || '（未填发票代码）'
             ELSE '发票号码' || num END AS inv_label
    FROM inv_parts
    WHERE length(num) >= $min_invoice_length AND regexp_matches(num, '[0-9]')
),
dup_inv AS (
    SELECT unit, inv FROM inv_keys GROUP BY unit, inv HAVING count(*) >= 2
),
inv_rec AS (
    SELECT s.unit, s.ev_table, s._key, s.rec_label, s.who, s.d1, s.d2, s.amt, k.inv, k.inv_label
    FROM inv_keys k
    JOIN dup_inv d ON d.unit = k.unit AND d.inv = k.inv
    JOIN inv_src s ON s.unit = k.unit AND s.ev_table = k.ev_table AND s._key = k._key
),
inv_groups AS (
    SELECT unit, inv, count(*) AS n_rec, sum(amt) - max(amt) AS dup_amount,
        array_to_string(list_sort(list(rec_label)), '、') AS labels, min(who) AS who0, min(d1) AS p1, max(d2) AS p2,
        min(inv_label) AS inv_label
    FROM inv_rec
    GROUP BY unit, inv
),
invoice_rows AS (
    SELECT r.unit, 'invoice:' || r.inv AS finding_key, r.ev_table, r._key AS ev_key,
        'person' AS entity_type, coalesce(g.who0, r.inv) AS entity_key,
        CAST(g.dup_amount AS DECIMAL(18, 2)) AS amount, g.p1 AS period_start, g.p2 AS period_end,
        'duplicate_invoice' AS rule, r.who AS persons,
        g.inv_label || '在' || CAST(g.n_rec AS VARCHAR) || '条报销记录中重复出现（' || g.labels || '）' AS detail
    FROM inv_rec r
    JOIN inv_groups g ON g.unit = r.unit AND g.inv = r.inv
),
trips AS (
    SELECT unit, _key, claim_no, person, destination, depart_date, return_date,
        coalesce(lodging_amount, 0) + coalesce(meal_allowance, 0) + coalesce(local_transport_allowance, 0)
            + coalesce(transport_amount, 0) AS amt
    FROM travel_claims WHERE return_date >= depart_date
),
pairs AS (
    SELECT a.unit, a.person, a._key AS key_a, b._key AS key_b, least(a.amt, b.amt) AS amt,
        least(a.depart_date, b.depart_date) AS p1, greatest(a.return_date, b.return_date) AS p2,
        a.person || '的两次出差日期重叠：报销单' || a.claim_no || '（' || CAST(a.depart_date AS VARCHAR) || '至'
            || CAST(a.return_date AS VARCHAR) || '，' || coalesce(a.destination, '') || '）与报销单' || b.claim_no
            || '（' || CAST(b.depart_date AS VARCHAR) || '至' || CAST(b.return_date AS VARCHAR) || '，'
            || coalesce(b.destination, '') || '）' AS detail
    FROM trips a
    JOIN trips b ON a.unit = b.unit AND a.person = b.person AND a._key < b._key
     AND a.depart_date < b.return_date AND b.depart_date < a.return_date
),
trip_rows AS (
    SELECT p.unit, 'trips:' || p.key_a || '|' || p.key_b AS finding_key, 'travel_claims' AS ev_table,
        k.ev_key, 'person' AS entity_type, p.person AS entity_key, CAST(p.amt AS DECIMAL(18, 2)) AS amount,
        p.p1 AS period_start, p.p2 AS period_end, 'overlapping_trips' AS rule, p.person AS persons, p.detail
    FROM pairs p
    JOIN (SELECT unit, key_a, key_b, key_a AS ev_key FROM pairs
          UNION ALL SELECT unit, key_a, key_b, key_b FROM pairs) k
      ON k.unit = p.unit AND k.key_a = p.key_a AND k.key_b = p.key_b
)
SELECT * FROM invoice_rows
UNION ALL
SELECT * FROM trip_rows
