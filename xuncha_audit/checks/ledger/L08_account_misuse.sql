/* ---
code: L08
slug: account_misuse
title_zh: 科目串用
title_en: Hospitality, gifts or meals booked under other expense accounts
area: ledger
severity: medium
route: 反馈
inputs: [ledger, std_keywords]
evidence: [ledger]
entity_type: account
what_zh: >-
  摘要写明接待、宴请、餐费等（std_keywords 的 hospitality_word 列表及 sensitive 列表“公款吃喝”类）
  或礼品、购物卡、烟酒等（sensitive 列表“礼品礼金”“烟酒”类），却记入会议费、培训费、办公费、印刷费、
  劳务费、差旅费等其他费用科目（other_accounts，按科目名称包含判断；公务接待费科目本身不报告）的借方分录。
  会议费、培训费综合定额本就包含伙食费，记入这两类科目的一般用餐词（餐、餐费、用餐、工作餐等，
  meal_words）不报告，但接待、宴请、礼品等仍报告。一张凭证一条疑点。词表匹配与 L01 相同：先去掉排除短语再找词。
what_en: >-
  Debit lines whose summary names hospitality, banquets or meals, or gifts, cards, cigarettes and
  liquor, booked under another expense account (meetings, training, office, printing, labour,
  travel ... by account name; the hospitality account itself is fine). Plain meal words are
  accepted under meeting and training accounts, whose flat rate includes meals. One finding per voucher.
why_zh: >-
  把接待费、礼品费混入会议费、培训费、办公费等科目列支，是规避公务接待费预算控制和“三公”经费公开的
  常见手法，也可能掩盖违规吃喝和送礼。
why_en: >-
  Booking hospitality and gifts under meeting, training or office expenses evades the hospitality
  budget cap and the public "three public expenses" disclosure, and can hide banned banquets and gifts.
regulation: >-
  《党政机关国内公务接待管理规定》（中办发〔2013〕22号）第十七条（禁止以举办会议、培训为名列支、转移、
  隐匿接待费开支；禁止借公务接待名义列支其他支出）；《中央和国家机关会议费管理办法》（财行〔2016〕214号）；
  《党政机关厉行节约反对浪费条例》（中发〔2013〕13号）第四章 公务接待
exclusions_zh: >-
  记入公务接待费科目的分录；会议费、培训费科目中的一般用餐词；排除短语（如“餐具”“酒店”）；贷方分录。
rules:
  hospitality: 接待、宴请、餐费记入其他科目
  gift: 礼品、购物卡、烟酒记入其他科目
params:
  other_accounts: {type: text, default: "会议费,培训费,办公费,印刷费,劳务费,差旅费,咨询费,委托业务费,维修费,维护费,专用材料费,邮电费,物业管理费,租赁费,其他商品和服务支出", description_zh: 其他费用科目名称关键词（逗号分隔），科目名称包含其一即视为其他费用科目}
  meal_words: {type: text, default: "餐,餐费,餐饮,用餐,工作餐", description_zh: 一般用餐词（逗号分隔），记入 meal_ok_accounts 科目时不报告}
  meal_ok_accounts: {type: text, default: "会议费,培训费", description_zh: 综合定额含伙食费的科目名称关键词（逗号分隔）}
derived:
  words_any: {keywords_any: [hospitality_word, sensitive]}
template: "凭证{voucher_id}（{voucher_date:date}）摘要「{summary}」含「{words}」，却记入「{accounts}」，金额{amount:money}元"
example_zh: >-
  摘要“接待省厅检查组晚餐”记入“业务活动费用-会议费”3,200 元 → 一条疑点（rule=hospitality）；
  摘要“培训班学员用餐”记入“培训费”不报告。
--- */
WITH kw AS (
    SELECT word, upper(word) AS word_u, exclusion_pattern, exclusion_phrases,
           CASE WHEN list = 'hospitality_word' OR category = '公款吃喝' THEN 'hospitality' ELSE 'gift' END AS rule
    FROM std_keywords
    WHERE (list = 'hospitality_word' OR (list = 'sensitive' AND category IN ('礼品礼金', '公款吃喝', '烟酒')))
      AND word IS NOT NULL AND word <> ''
),
other_acc AS (
    SELECT trim(a) AS pat FROM (SELECT unnest(string_split($other_accounts, ',')) AS a) x
),
meal_ok_acc AS (
    SELECT trim(a) AS pat FROM (SELECT unnest(string_split($meal_ok_accounts, ',')) AS a) x
),
meal AS (
    SELECT trim(w) AS word FROM (SELECT unnest(string_split($meal_words, ',')) AS w) x
),
accounts AS (
    SELECT DISTINCT unit, account_name FROM ledger WHERE account_name IS NOT NULL
),
acc_class AS (
    SELECT a.unit, a.account_name,
           max(CASE WHEN m.pat IS NOT NULL THEN 1 ELSE 0 END) AS meal_ok
    FROM accounts a
    JOIN other_acc o ON o.pat <> '' AND strpos(a.account_name, o.pat) > 0
    LEFT JOIN meal_ok_acc m ON m.pat <> '' AND strpos(a.account_name, m.pat) > 0
    WHERE strpos(a.account_name, '接待') = 0
    GROUP BY a.unit, a.account_name
),
summaries AS (
    SELECT DISTINCT l.summary
    FROM ledger l
    JOIN acc_class c ON c.unit = l.unit AND c.account_name = l.account_name
    WHERE l.summary IS NOT NULL AND coalesce(l.debit, 0) > 0
),
cand AS MATERIALIZED (
    -- each distinct summary upper-cased once, not once per (summary, word) pair in the join; only
    -- the summaries holding any word of the two lists ($words_any: one bound alternation, a
    -- superset of kw's words) joined to them; the pairs found before the exclusion phrases are
    -- looked at (L01; a real ledger's 4M lines: 31 -> 3.9 s)
    SELECT s.summary, s.summary_u, k.word, k.word_u, k.rule, k.exclusion_pattern,
           list_filter(k.exclusion_phrases, lambda x: strpos(s.summary_u, x) > 0) AS present
    FROM (SELECT summary, summary_u
          FROM (SELECT summary, upper(summary) AS summary_u FROM summaries) u
          WHERE regexp_matches(summary_u, $words_any)) s
    JOIN kw k ON strpos(s.summary_u, k.word_u) > 0
),
hits AS (
    -- the word still occurs once its exclusion phrases are removed; `present`: those the text
    -- holds — none, nothing to remove; one, a plain replace(); two or more, the alternation (a
    -- pattern per word, compiled per row: the costly case, see L01)
    SELECT summary, word, rule
    FROM cand
    WHERE CASE array_length(present)
              WHEN 0 THEN strpos(summary_u, word_u) > 0
              WHEN 1 THEN strpos(replace(summary_u, array_to_string(present, ''), ''), word_u) > 0
              ELSE strpos(regexp_replace(summary_u, exclusion_pattern, '', 'g'), word_u) > 0 END
),
hits_kept AS (
    SELECT DISTINCT h.summary, h.word, h.rule
    FROM hits h
    WHERE NOT EXISTS (
        SELECT 1 FROM hits h2
        WHERE h2.summary = h.summary AND h2.word <> h.word AND strpos(h2.word, h.word) > 0
    )
),
hit_lines AS (
    SELECT l.unit, l.voucher_id, l._key, l.voucher_date, l.summary, l.account_name, l.person,
           coalesce(l.debit, 0) AS debit, h.word, h.rule
    FROM ledger l
    JOIN acc_class c ON c.unit = l.unit AND c.account_name = l.account_name
    JOIN hits_kept h ON h.summary = l.summary
    LEFT JOIN meal m ON m.word = h.word
    WHERE coalesce(l.debit, 0) > 0
      AND NOT (c.meal_ok = 1 AND m.word IS NOT NULL)
),
vouchers AS (
    SELECT unit, voucher_id,
           array_to_string(list_sort(list(DISTINCT word)), '、') AS words,
           array_to_string(list_sort(list(DISTINCT account_name)), '、') AS accounts,
           min(summary) AS summary,
           min(voucher_date) AS voucher_date,
           max(voucher_date) AS last_date,
           min(account_name) AS account_name
    FROM hit_lines
    GROUP BY unit, voucher_id
),
amounts AS (
    SELECT unit, voucher_id, sum(debit) AS amount
    FROM (SELECT DISTINCT unit, voucher_id, _key, debit FROM hit_lines) d
    GROUP BY unit, voucher_id
)
SELECT h.unit,
       h.voucher_id AS finding_key,
       'ledger' AS ev_table,
       h._key AS ev_key,
       'account' AS entity_type,
       v.account_name AS entity_key,
       a.amount,
       v.voucher_date AS period_start,
       v.last_date AS period_end,
       h.rule,
       h.person AS persons,
       v.voucher_id,
       v.voucher_date,
       v.summary,
       v.words,
       v.accounts
FROM hit_lines h
JOIN vouchers v ON v.unit = h.unit AND v.voucher_id = h.voucher_id
JOIN amounts a ON a.unit = h.unit AND a.voucher_id = h.voucher_id
