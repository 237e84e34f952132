/* ---
code: L01
slug: sensitive_keywords
title_zh: 敏感摘要
title_en: Voucher summaries with sensitive keywords
area: ledger
severity: medium
route: 反馈
inputs: [ledger, std_keywords, ledger_texts]
evidence: [ledger]
entity_type: person
what_zh: >-
  记账凭证摘要含有违反中央八项规定精神常见的敏感词（礼品、购物卡、烟、酒、茅台、土特产、会所、旅游、红包、
  礼金、高尔夫、按摩等，词表为标准数据 std_keywords 的 sensitive 列表，可按地区配置）。
  匹配采用“词表 + 排除短语”：先从摘要中去掉该词的排除短语（如“酒”的排除短语“酒店、酒精”，
  “烟”的排除短语“烟台、烟草专卖”），再判断摘要中是否仍含该词，因此“酒店住宿费”不算“酒”，
  “烟台出差”不算“烟”。同一凭证中命中敏感词的分录合并为一条疑点（一张凭证一条），列出命中的词；
  若一个命中词包含另一个（如“白酒”包含“酒”），只列较长的词。
what_en: >-
  Voucher summaries containing keywords typical of violations of the eight-point rules (gifts,
  shopping cards, cigarettes, liquor, Moutai, local specialties, clubs, tourism, red envelopes,
  golf, massage ...). The word list is data (std_keywords, list `sensitive`). Each word carries
  exclusion phrases that are removed from the summary before the word is looked for, so 酒店
  (hotel) is not 酒 (liquor) and 烟台 (Yantai) is not 烟 (cigarettes). One finding per voucher,
  naming the keywords it hit; a hit word contained in a longer hit word is not listed twice.
why_zh: >-
  违规公款吃喝、收送礼品礼金、公款旅游、高消费娱乐等支出往往以真实摘要入账，摘要中的敏感词是发现线索的
  最直接途径；需调阅原始凭证和附件核实支出内容、审批和事由。
why_en: >-
  Banned spending (banquets, gifts, cash gifts, tourism, entertainment) is often booked under its
  real description; the summary is the quickest lead. The voucher and its attachments must be checked.
regulation: >-
  《中共中央政治局关于改进工作作风、密切联系群众的八项规定》（2012年12月4日）及其实施细则；
  《党政机关厉行节约反对浪费条例》（中发〔2013〕13号）；《中国共产党纪律处分条例》（2023年修订）
  第八章 对违反廉洁纪律行为的处分（公款吃喝、收送礼品礼金、公款旅游、违规发放津补贴等）
exclusions_zh: >-
  摘要中的词若只出现在该词的排除短语内（如“酒店”“酒精”“烟台”“旅游局”“礼品登记上交”），不报告；
  英文词不区分大小写（KTV、ktv 均命中）。
params: {}
derived:
  sensitive_any: {keywords_any: [sensitive]}
template: "凭证{voucher_id}（{voucher_date:date}）摘要「{summary}」含敏感词「{keywords}」（{categories}），金额{amount:money}元"
example_zh: >-
  凭证 2024-03-0125 摘要“购中秋月饼及茅台酒”，命中“月饼”“茅台”“酒”，金额 8,600 元 → 一条疑点；
  凭证摘要“赴烟台出差酒店住宿费”不报告。
--- */
WITH kw AS (
    SELECT word, upper(word) AS word_u, category, exclusion_pattern, exclusion_phrases
    FROM std_keywords
    WHERE list = 'sensitive' AND word IS NOT NULL AND word <> ''
),
summaries AS (
    -- each distinct summary upper-cased once (shared relation ledger_texts, also read by L02):
    -- written in the join's condition, upper() ran for every (summary, word) pair (a real
    -- ledger's 4M lines, 2M summaries × 61 words: 17 s -> 3 s); then only the summaries holding
    -- any of the words ($sensitive_any, the list's words as one bound alternation, compiled
    -- once) go on to the per-word join (2M × 61 pairs: 8 s -> 1 s)
    SELECT txt AS summary, txt_u AS summary_u
    FROM ledger_texts
    WHERE in_summary = 1 AND regexp_matches(txt_u, $sensitive_any)
),
cand AS MATERIALIZED (
    -- the (summary, word) pairs first: inlined, DuckDB joined on both tests at once and ran the
    -- exclusion regex (a pattern per word, compiled per row) on every pair, not on the matches
    SELECT s.summary, s.summary_u, k.word, k.word_u, k.category, k.exclusion_pattern AS pattern,
           list_filter(k.exclusion_phrases, lambda x: strpos(s.summary_u, x) > 0) AS present
    FROM summaries s
    JOIN kw k ON strpos(s.summary_u, k.word_u) > 0
),
hits AS (
    -- the word still occurs once its exclusion phrases are removed. `present`: those the text
    -- holds. None: nothing to remove. One: a plain replace(), all the alternation can do then.
    -- Two or more: the alternation itself — a pattern per word, compiled for every row, which on
    -- a real ledger's 275,000 hotel and bonus lines (酒店, 年度考核奖金) cost 7 s of L01's 10
    SELECT summary, word, category
    FROM cand
    WHERE CASE array_length(present)
              WHEN 0 THEN strpos(summary_u, word_u) > 0
              WHEN 1 THEN strpos(replace(summary_u, array_to_string(present, ''), ''), word_u) > 0
              ELSE strpos(regexp_replace(summary_u, pattern, '', 'g'), word_u) > 0 END
),
hits_kept AS (
    -- a hit contained in a longer hit of the same summary is not listed (白酒 covers 酒)
    SELECT h.summary, h.word, h.category
    FROM hits h
    WHERE NOT EXISTS (
        SELECT 1 FROM hits h2
        WHERE h2.summary = h.summary AND h2.word <> h.word AND strpos(h2.word, h.word) > 0
    )
),
hit_lines AS (
    SELECT l.unit, l.voucher_id, l._key, l.voucher_date, l.summary, l.person, l.account_name,
           l.debit, l.credit, h.word, h.category
    FROM ledger l
    JOIN hits_kept h ON l.summary = h.summary
),
vouchers AS (
    SELECT unit, voucher_id,
           array_to_string(list_sort(list(DISTINCT word)), '、') AS keywords,
           array_to_string(list_sort(list(DISTINCT category)), '、') AS categories,
           min(summary) AS summary,
           min(voucher_date) AS voucher_date,
           max(voucher_date) AS last_date,
           max(person) AS person,
           min(account_name) AS account_name
    FROM hit_lines
    GROUP BY unit, voucher_id
),
voucher_amounts AS (
    SELECT unit, voucher_id,
           greatest(sum(abs(coalesce(debit, 0))), sum(abs(coalesce(credit, 0)))) AS amount,
           array_to_string(list_sort(list(DISTINCT person)), '、') AS persons
    FROM (SELECT DISTINCT unit, voucher_id, _key, debit, credit, person FROM hit_lines) d
    GROUP BY unit, voucher_id
)
SELECT v.unit,
       v.voucher_id AS finding_key,
       'ledger' AS ev_table,
       l._key AS ev_key,
       CASE WHEN v.person IS NOT NULL THEN 'person' ELSE 'account' END AS entity_type,
       coalesce(v.person, v.account_name, v.voucher_id) AS entity_key,
       a.amount,
       v.voucher_date AS period_start,
       v.last_date AS period_end,
       a.persons,
       v.voucher_id,
       v.voucher_date,
       v.summary,
       v.keywords,
       v.categories
FROM vouchers v
JOIN voucher_amounts a ON a.unit = v.unit AND a.voucher_id = v.voucher_id
JOIN (SELECT DISTINCT unit, voucher_id, _key FROM hit_lines) l
  ON l.unit = v.unit AND l.voucher_id = v.voucher_id
