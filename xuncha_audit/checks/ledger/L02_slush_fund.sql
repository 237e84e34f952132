/* ---
code: L02
slug: slush_fund
title_zh: 小金库迹象
title_en: Signs of an off-book slush fund
area: ledger
severity: high
route: 纪检监察
inputs: [ledger, staff, std_keywords, std_places, ledger_texts]
evidence: [ledger]
entity_type: vendor
what_zh: >-
  三类迹象，一张凭证一条疑点（子规则可并列）：
  ① 以含糊摘要（往来款、暂付款、借款、代管资金等，std_keywords 的 vague_summary 列表）向食堂、工会、
  协会、学会、服务中心、培训中心等（slush_counterparty 列表，在往来单位或摘要中出现）转出资金；
  ② 以含糊摘要向个人转出资金（往来单位是本单位职工姓名，或是 2–4 个汉字且不以机构用字结尾的人名；
  中国移动、国家电网、湖南联通这类简称不是人名：以中国/国家/中华/全国开头、含 std_keywords 的
  organisation_name 用字（移动、联通、电信、电网、石化、邮政…），或以省、市名开头的都不算），
  金额不低于下限；
  ③ 大额提取现金：库存现金（1001）借方且同一凭证贷记银行存款/零余额账户（1002/1011），或摘要含提现、
  取现、现金支票等词（cash_withdrawal 列表）的现金/银行分录，金额不低于大额提现阈值。
  “资金转出”指凭证贷记银行存款、零余额账户或库存现金。词表匹配与 L01 相同：先去掉排除短语再找词。
what_en: >-
  Three signs, one finding per voucher (rules may combine): (1) money leaving bank/cash for a
  canteen, union, association, society, service or training centre (slush_counterparty words in
  the counterparty or summary) under a vague summary (vague_summary words); (2) money leaving for
  an individual (a staff name, or a 2-4 character personal name) under a vague summary, above a
  minimum; (3) large cash withdrawals: cash account 1001 debited against bank (1002/1011), or a
  cash/bank line whose summary says 提现/取现/现金支票, at or above the large-withdrawal threshold.
why_zh: >-
  小金库常见的资金来源和去向是：以往来款名义把资金转到食堂、工会、协会、下属服务中心或个人账户，
  或大额提取现金脱离银行监管后账外使用。摘要含糊是掩盖真实用途的典型手法。
why_en: >-
  Slush funds are typically fed by transfers to canteens, unions, associations, affiliated service
  centres or individuals booked as vague "current account" items, or by large cash withdrawals
  that leave the bank trail.
regulation: >-
  《中华人民共和国会计法》第十六条（各项经济业务事项应当在依法设置的会计账簿上统一登记、核算，不得私设会计账簿）；
  《关于深入开展“小金库”治理工作的意见》（中办发〔2009〕18号）；
  《现金管理暂行条例》（国务院令第12号）第五条（现金使用范围）、第十一条（不准编造用途套取现金、不准保留账外公款）
exclusions_zh: >-
  摘要具体的转账（如“拨付2024年工会经费”，不含含糊词）不报告；未贷记银行/现金的内部转账、计提分录不报告；
  付给个人的含糊款项低于 individual_min_amount（小额备用金借款属常见业务）不报告。
rules:
  vague_transfer: 以含糊摘要向食堂、工会、协会、服务中心等转出资金
  individual: 以含糊摘要向个人转出资金
  large_cash: 大额提取现金
params:
  cash_withdrawal_large: {type: decimal, default_from: ledger.cash_withdrawal_large, min: 0, description_zh: 大额提现阈值（元），单笔提现不低于此额即报告}
  individual_min_amount: {type: decimal, default: 10000, min: 0, description_zh: 以含糊摘要付给个人的金额下限（元），低于此额的小额借款不报告}
derived:
  words_any: {keywords_any: [slush_counterparty, vague_summary, cash_withdrawal]}
template: "凭证{voucher_id}（{voucher_date:date}）{reason}，金额{amount:money}元，摘要「{summary}」"
example_zh: >-
  凭证 2024-05-0311 摘要“付工会往来款”，借记其他应收款-机关工会 80,000 元、贷记银行存款 → 规则①；
  凭证摘要“提取备用金”，借库存现金 60,000 元、贷银行存款 → 规则③（阈值 50,000 元）。
--- */
WITH kw AS (
    SELECT list, word, upper(word) AS word_u, exclusion_pattern, exclusion_phrases
    FROM std_keywords
    WHERE list IN ('slush_counterparty', 'vague_summary', 'cash_withdrawal')
      AND word IS NOT NULL AND word <> ''
),
cand AS MATERIALIZED (
    -- the ledger's distinct summaries and counterparties, upper-cased once (shared relation
    -- ledger_texts, also read by L01); only the texts holding any of the words ($words_any, one
    -- bound alternation) joined to them; the pairs found before the exclusion phrases are looked
    -- at (L01)
    SELECT t.txt, t.txt_u, k.list, k.word, k.word_u, k.exclusion_pattern,
           list_filter(k.exclusion_phrases, lambda x: strpos(t.txt_u, x) > 0) AS present
    FROM (SELECT txt, txt_u FROM ledger_texts WHERE regexp_matches(txt_u, $words_any)) t
    JOIN kw k ON strpos(t.txt_u, k.word_u) > 0
),
hits AS (
    -- the word still occurs once its exclusion phrases are removed; `present`: those the text
    -- holds — none, nothing to remove; one, a plain replace(); two or more, the alternation (a
    -- pattern per word, compiled per row: the costly case, see L01)
    SELECT txt, list, word
    FROM cand
    WHERE CASE array_length(present)
              WHEN 0 THEN strpos(txt_u, word_u) > 0
              WHEN 1 THEN strpos(replace(txt_u, array_to_string(present, ''), ''), word_u) > 0
              ELSE strpos(regexp_replace(txt_u, exclusion_pattern, '', 'g'), word_u) > 0 END
),
hits_kept AS (
    -- a hit contained in a longer hit of the same text and list is not listed (工会委员会 covers 工会)
    SELECT h.txt, h.list, h.word
    FROM hits h
    WHERE NOT EXISTS (
        SELECT 1 FROM hits h2
        WHERE h2.txt = h.txt AND h2.list = h.list AND h2.word <> h.word AND strpos(h2.word, h.word) > 0
    )
),
text_flags AS (
    SELECT txt,
           array_to_string(list_sort(list(DISTINCT CASE WHEN list = 'slush_counterparty' THEN word END)), '、') AS slush_words,
           array_to_string(list_sort(list(DISTINCT CASE WHEN list = 'vague_summary' THEN word END)), '、') AS vague_words,
           max(CASE WHEN list = 'cash_withdrawal' THEN 1 ELSE 0 END) AS cash_word
    FROM hits_kept
    GROUP BY txt
),
staff_names AS (
    SELECT DISTINCT unit, name FROM staff WHERE name IS NOT NULL
),
name_like AS (
    -- 2-4 Chinese characters not ending in an organisation's word: may be a person's name
    SELECT DISTINCT unit, counterparty
    FROM ledger
    WHERE counterparty IS NOT NULL
      AND regexp_matches(counterparty, '^[一-龥·]{2,4}$')
      AND NOT regexp_matches(counterparty,
          '(公司|局|中心|会|部|厂|店|所|院|校|社|行|处|站|队|委|室|馆|团|家|堂|园|场|组|办|司|科|点|铺|坊|楼|城|村|庄|厅|台|段|库|超市|银行|医院|学校)$')
      AND NOT regexp_matches(counterparty, '^(中国|中华|国家|全国)')
),
org_short AS (
    -- short organisation names (中国移动, 国家电网, 湖南联通): an organisation word inside, or a
    -- province or city name in front of something else
    SELECT DISTINCT n.unit, n.counterparty
    FROM name_like n
    JOIN std_keywords k ON k.list = 'organisation_name' AND strpos(n.counterparty, k.word) > 0
    UNION
    SELECT DISTINCT n.unit, n.counterparty
    FROM name_like n
    JOIN std_places pl ON pl.kind IN ('region', 'city') AND length(pl.name) >= 2
     AND length(pl.name) < length(n.counterparty) AND starts_with(n.counterparty, pl.name)
),
counterparties AS (
    -- judged once per distinct (unit, counterparty), not per line
    SELECT d.unit, d.counterparty,
           coalesce(sn.name IS NOT NULL OR (nl.counterparty IS NOT NULL AND os.counterparty IS NULL), false)
               AS to_individual
    FROM (SELECT DISTINCT unit, counterparty FROM ledger WHERE counterparty IS NOT NULL) d
    LEFT JOIN staff_names sn ON sn.unit = d.unit AND sn.name = d.counterparty
    LEFT JOIN name_like nl ON nl.unit = d.unit AND nl.counterparty = d.counterparty
    LEFT JOIN org_short os ON os.unit = d.unit AND os.counterparty = d.counterparty
),
lines AS NOT MATERIALIZED (
    -- read twice (the candidate vouchers, then their lines), inlined both times: written out it
    -- was every line of the ledger with 16 columns (a province: 2.6 -> 1.1 s)
    SELECT l.unit, l.voucher_id, l._key, l.voucher_date, l.summary, l.counterparty, l.counterparty_norm,
           l.person,
           coalesce(l.debit, 0) AS debit, coalesce(l.credit, 0) AS credit,
           greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) AS amt,
           coalesce(l.account_code LIKE '1001%' OR l.account_name LIKE '%库存现金%', false) AS is_cash,
           coalesce(l.account_code LIKE '1002%' OR l.account_code LIKE '1011%'
                    OR l.account_name LIKE '%银行存款%' OR l.account_name LIKE '%零余额%', false) AS is_bank,
           coalesce(c.slush_words, s.slush_words) AS slush_words,
           s.vague_words,
           coalesce(s.cash_word, 0) AS cash_word,
           coalesce(cp.to_individual, false) AS to_individual
    FROM ledger l
    LEFT JOIN text_flags s ON s.txt = l.summary
    LEFT JOIN text_flags c ON c.txt = l.counterparty
    LEFT JOIN counterparties cp ON cp.unit = l.unit AND cp.counterparty = l.counterparty
),
cand_vouchers AS (
    -- vouchers with at least one line that can meet a rule (keeps the rest of the query small)
    SELECT DISTINCT unit, voucher_id
    FROM lines
    WHERE (slush_words IS NOT NULL AND vague_words IS NOT NULL)
       OR (to_individual AND vague_words IS NOT NULL AND amt >= $individual_min_amount)
       OR (amt >= $cash_withdrawal_large AND ((is_cash AND debit > 0) OR ((is_cash OR is_bank) AND cash_word = 1)))
),
vlines AS (
    SELECT l.*
    FROM lines l
    JOIN cand_vouchers c ON c.unit = l.unit AND c.voucher_id = l.voucher_id
),
voucher_out AS (
    -- vouchers that move money out of bank or cash
    SELECT unit, voucher_id
    FROM vlines
    WHERE credit > 0 AND (is_bank OR is_cash)
    GROUP BY unit, voucher_id
),
bank_to_cash AS (
    SELECT unit, voucher_id
    FROM vlines
    WHERE credit > 0 AND is_bank
    GROUP BY unit, voucher_id
),
tagged AS (
    SELECT l.*,
           CASE WHEN o.voucher_id IS NOT NULL AND l.slush_words IS NOT NULL AND l.vague_words IS NOT NULL
                THEN 1 ELSE 0 END AS r_vague,
           CASE WHEN o.voucher_id IS NOT NULL AND l.to_individual AND l.vague_words IS NOT NULL
                     AND l.amt >= $individual_min_amount
                THEN 1 ELSE 0 END AS r_indiv,
           CASE WHEN l.amt >= $cash_withdrawal_large
                     AND ((l.is_cash AND l.debit > 0 AND b.voucher_id IS NOT NULL)
                          OR ((l.is_cash OR l.is_bank) AND l.cash_word = 1))
                THEN 1 ELSE 0 END AS r_cash
    FROM vlines l
    LEFT JOIN voucher_out o ON o.unit = l.unit AND o.voucher_id = l.voucher_id
    LEFT JOIN bank_to_cash b ON b.unit = l.unit AND b.voucher_id = l.voucher_id
),
flagged AS (
    SELECT unit, voucher_id,
           max(r_vague) AS r_vague, max(r_indiv) AS r_indiv, max(r_cash) AS r_cash,
           array_to_string(list_sort(list(DISTINCT CASE WHEN r_vague = 1 THEN slush_words END)), '、') AS slush_words,
           array_to_string(list_sort(list(DISTINCT CASE WHEN r_vague + r_indiv > 0 THEN vague_words END)), '、') AS vague_words,
           array_to_string(list_sort(list(DISTINCT CASE WHEN r_indiv = 1 THEN counterparty END)), '、') AS individuals
    FROM tagged
    GROUP BY unit, voucher_id
    HAVING max(r_vague) + max(r_indiv) + max(r_cash) > 0
),
ev AS (
    -- the lines that match a rule, plus the bank/cash credit lines that pay them out
    SELECT t.*, f.slush_words AS f_slush, f.vague_words AS f_vague, f.individuals,
           f.r_vague AS v_vague, f.r_indiv AS v_indiv, f.r_cash AS v_cash
    FROM tagged t
    JOIN flagged f ON f.unit = t.unit AND f.voucher_id = t.voucher_id
    WHERE t.r_vague + t.r_indiv + t.r_cash > 0
       OR ((f.r_vague + f.r_indiv) > 0 AND t.credit > 0 AND (t.is_bank OR t.is_cash))
       OR (f.r_cash = 1 AND t.credit > 0 AND t.is_bank AND t.amt >= $cash_withdrawal_large)
),
per_voucher AS (
    SELECT unit, voucher_id,
           greatest(sum(abs(debit)), sum(abs(credit))) AS amount,
           min(voucher_date) AS voucher_date, max(voucher_date) AS last_date,
           min(summary) AS summary,
           min(counterparty_norm) AS counterparty_norm,
           min(counterparty) AS counterparty
    FROM ev
    GROUP BY unit, voucher_id
)
SELECT e.unit,
       e.voucher_id AS finding_key,
       'ledger' AS ev_table,
       e._key AS ev_key,
       CASE WHEN e.v_indiv = 1 AND e.v_vague = 0 THEN 'person' ELSE 'vendor' END AS entity_type,
       CASE WHEN e.v_indiv = 1 AND e.v_vague = 0 THEN e.individuals
            ELSE coalesce(p.counterparty_norm, e.f_slush, e.voucher_id) END AS entity_key,
       p.amount,
       p.voucher_date AS period_start,
       p.last_date AS period_end,
       CASE WHEN e.r_vague = 1 THEN 'vague_transfer'
            WHEN e.r_indiv = 1 THEN 'individual'
            WHEN e.r_cash = 1 THEN 'large_cash'
            WHEN e.v_vague = 1 THEN 'vague_transfer'
            WHEN e.v_indiv = 1 THEN 'individual'
            ELSE 'large_cash' END AS rule,
       CASE WHEN e.v_indiv = 1 THEN e.individuals END AS persons,
       e.voucher_id,
       p.voucher_date,
       p.summary,
       concat_ws('；',
           CASE WHEN e.v_vague = 1 THEN '以含糊摘要（' || e.f_vague || '）向「' || e.f_slush || '」类单位转出资金' END,
           CASE WHEN e.v_indiv = 1 THEN '以含糊摘要（' || e.f_vague || '）向个人「' || e.individuals || '」转出资金' END,
           CASE WHEN e.v_cash = 1 THEN '大额提取现金（阈值' || CAST(CAST($cash_withdrawal_large AS BIGINT) AS VARCHAR) || '元）' END
       ) AS reason
FROM ev e
JOIN per_voucher p ON p.unit = e.unit AND p.voucher_id = e.voucher_id
