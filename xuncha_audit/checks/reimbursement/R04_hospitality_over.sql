/* ---
code: R04
slug: hospitality_over
title_zh: 公务接待超标准
title_en: Official hospitality beyond the rules
area: reimbursement
severity: medium
route: 反馈
inputs: [hospitality, _units, std_hospitality_caps, std_keywords]
evidence: [hospitality]
entity_type: person
what_zh: 每条公务接待记录对照五项规定，违反任一项即形成一个疑点，并在疑点中列出违反的全部规定：①人均每餐费用（金额 ÷ (接待对象人数 + 陪餐人数) ÷ 餐次）超过本地区标准（std_hospitality_caps，按单位所在省份、城市，接待日期有效）；②陪餐人数超过上限（接待对象 10 人以内不超过 3 人，超过 10 人的不超过接待对象人数的三分之一，整数精确比较：10 人接待 3 人陪餐、30 人接待 10 人、60 人接待 20 人都不算超）；③无公函（「有无公函」为否）；④消费明细含禁止项目（std_keywords 的 prohibited_item：香烟、茅台、五粮液、鱼翅、燕窝等，例外短语中的出现不计）；⑤接待地点为私人会所、高消费或景区场所（std_keywords 的 private_venue，例外短语如「景区管委会」不计）。
why_zh: 公务接待应凭公函、按标准安排工作餐、严格控制陪餐人数，不得提供香烟、高档酒水和高档菜肴，不得使用私人会所、高消费餐饮场所。
regulation: 《党政机关国内公务接待管理规定》（中办发〔2013〕22号）第五条、第六条（公函）、第十条（工作餐、陪餐人数、禁止项目和场所）；《党政机关厉行节约反对浪费条例》第二十二条（无公函不予接待）
exclusions_zh: 人数、餐次缺失时不判断人均标准；「有无公函」为空时不判断公函（只有明确为否才标记）。
rules:
  per_head: 人均每餐费用超标准
  companions: 陪餐人数超上限
  no_letter: 无公函接待
  prohibited_item: 提供香烟、高档酒水或高档菜肴
  private_venue: 使用私人会所、高消费或景区场所
params:
  small_group: {type: int, default_from: hospitality.small_group_size, min: 1, max: 1000, description_zh: 接待对象「人数较少」的上限（人）}
  companions_small_max: {type: int, default_from: hospitality.companions_small_group_max, min: 0, max: 1000, description_zh: 接待对象人数不超过上限时的陪餐人数上限}
  companion_divisor: {type: int, default_from: hospitality.companion_divisor, min: 1, max: 1000, description_zh: 接待对象较多时陪餐人数不超过接待对象人数的几分之一（3 = 三分之一；按「陪餐人数 × 3 ≤ 接待对象人数」整数比较，不用 0.3333 这样的近似小数）}
  letter_required: {type: bool, default_from: hospitality.letter_required, description_zh: 是否要求公函（否则不检查公函）}
template: "{record_no}（{date:date}，{guest_label}）接待费{total:money}元：{problems}"
example_zh: 接待 4 人、陪餐 5 人，金额 2,400 元，人均 266.67 元超过标准 150 元，且陪餐超过 3 人、菜单含茅台：一个疑点列出三项。
what_en: One finding per hospitality record naming every rule it breaks - per-head cost over the regional cap, too many companions, no official letter, prohibited items, private-club or scenic venues.
why_en: The hospitality rules fix the per-head cost, companions, paperwork, food and drink, and venues.
--- */
WITH
h AS (
    SELECT h.unit, h._key, h.record_no, h.date, h.guest_unit, h.guests, h.companions, h.amount,
        h.venue, h.items, h.handler, h.has_official_letter,
        coalesce(nullif(h.meals, 0), 1) AS meals_used,
        coalesce(h.guests, 0) + coalesce(h.companions, 0) AS heads,
        u.region, u.city
    FROM hospitality h LEFT JOIN _units u ON u.unit = h.unit
),
cap_keys AS (
    SELECT DISTINCT region, city, date FROM h
),
caps AS (
    -- the most specific cap row (city, then region, then the '*' default) in force on the date
    SELECT k.region, k.city, k.date, c.per_head_cap
    FROM cap_keys k JOIN std_hospitality_caps c
      ON (c.region = k.region OR c.region = '*') AND (c.city = k.city OR c.city = '*')
     AND k.date >= c.effective_from AND (c.effective_to IS NULL OR k.date <= c.effective_to)
    QUALIFY row_number() OVER (PARTITION BY k.region, k.city, k.date
        ORDER BY CASE WHEN c.city = '*' THEN 1 ELSE 0 END, CASE WHEN c.region = '*' THEN 1 ELSE 0 END) = 1
),
texts AS (
    -- keyword matching runs once per distinct text (menus and venues repeat a lot)
    SELECT DISTINCT 'prohibited_item' AS list, items AS txt FROM h WHERE items IS NOT NULL
    UNION
    SELECT DISTINCT 'private_venue', venue FROM h WHERE venue IS NOT NULL
),
kw_hits AS (
    -- each text upper-cased once, not once per (text, word) pair in the join
    SELECT x.list, x.txt, x.txt_u, k.word_u, k.word, k.exclusions
    FROM (SELECT list, txt, upper(txt) AS txt_u FROM texts) x
    JOIN (SELECT list, word, upper(word) AS word_u, exclusions FROM std_keywords) k
      ON k.list = x.list AND position(k.word_u IN x.txt_u) > 0
),
excl_phrases AS (
    -- unnest stands alone in its SELECT (Spark: explode may not be nested in an expression)
    SELECT list, txt, txt_u, word, word_u, upper(trim(phrase_raw)) AS phrase
    FROM (SELECT list, txt, txt_u, word, word_u, unnest(string_split(exclusions, ',')) AS phrase_raw
          FROM kw_hits WHERE exclusions IS NOT NULL AND exclusions <> '') x
),
excl_counts AS (
    -- occurrences of the word that sit inside an exclusion phrase (酒店 for 酒, 景区管委会 for 景区)
    SELECT list, txt, word,
        sum(CAST((length(txt_u) - length(replace(txt_u, phrase, ''))) / length(phrase) AS BIGINT)) AS n_excl
    FROM excl_phrases
    WHERE phrase <> '' AND position(word_u IN phrase) > 0
    GROUP BY list, txt, word
),
kw_real AS (
    SELECT k.list, k.txt, k.word
    FROM kw_hits k
    LEFT JOIN excl_counts e ON e.list = k.list AND e.txt = k.txt AND e.word = k.word
    WHERE (length(k.txt_u) - length(replace(k.txt_u, k.word_u, ''))) / length(k.word_u) > coalesce(e.n_excl, 0)
),
text_hits AS (
    SELECT list, txt, array_to_string(list_sort(list(DISTINCT word)), '、') AS words FROM kw_real GROUP BY list, txt
),
judged AS (
    SELECT h.*, c.per_head_cap, ti.words AS items_found, tv.words IS NOT NULL AS venue_hit,
        CASE WHEN h.heads > 0 THEN h.amount / h.heads / h.meals_used END AS per_head,
        CASE WHEN h.guests <= $small_group THEN $companions_small_max
             ELSE CAST(floor(h.guests / $companion_divisor) AS BIGINT) END AS companion_limit
    FROM h
    LEFT JOIN caps c ON c.region IS NOT DISTINCT FROM h.region AND c.city IS NOT DISTINCT FROM h.city
     AND c.date = h.date
    LEFT JOIN text_hits ti ON ti.list = 'prohibited_item' AND ti.txt = h.items
    LEFT JOIN text_hits tv ON tv.list = 'private_venue' AND tv.txt = h.venue
),
flags AS (
    SELECT j.*,
        coalesce(per_head > per_head_cap, FALSE) AS f_per_head,
        -- exact integers: companions x 3 > guests (30/10 and 60/20 are within the rule)
        coalesce(CASE WHEN guests <= $small_group THEN companions > $companions_small_max
                      ELSE companions * $companion_divisor > guests END, FALSE) AS f_companions,
        coalesce($letter_required AND has_official_letter = FALSE, FALSE) AS f_no_letter,
        items_found IS NOT NULL AS f_items,
        venue_hit AS f_venue
    FROM judged j
),
flagged AS (
    SELECT f.*,
        concat_ws('；',
            CASE WHEN f_per_head THEN '人均每餐' || CAST(CAST(round(per_head, 2) AS DECIMAL(18, 2)) AS VARCHAR)
                || '元，超过标准' || CAST(CAST(per_head_cap AS BIGINT) AS VARCHAR) || '元' END,
            CASE WHEN f_companions THEN '陪餐' || CAST(companions AS VARCHAR) || '人，超过上限'
                || CAST(CAST(companion_limit AS BIGINT) AS VARCHAR) || '人' END,
            CASE WHEN f_no_letter THEN '无公函' END,
            CASE WHEN f_items THEN '消费明细含' || items_found END,
            CASE WHEN f_venue THEN '接待地点「' || venue || '」属私人会所、高消费或景区场所' END
        ) AS problems,
        coalesce(guest_unit, '') || '接待对象' || coalesce(CAST(guests AS VARCHAR), '?') || '人、陪餐'
            || coalesce(CAST(companions AS VARCHAR), '?') || '人' AS guest_label
    FROM flags f
    WHERE f_per_head OR f_companions OR f_no_letter OR f_items OR f_venue
),
rules AS (
    SELECT 'per_head' AS rule UNION ALL SELECT 'companions' UNION ALL SELECT 'no_letter'
    UNION ALL SELECT 'prohibited_item' UNION ALL SELECT 'private_venue'
)
SELECT f.unit, f.record_no AS finding_key, 'hospitality' AS ev_table, f._key AS ev_key,
    'person' AS entity_type, coalesce(f.handler, f.guest_unit, f.record_no) AS entity_key,
    CASE WHEN r.rule = 'per_head' THEN CAST(f.amount - f.per_head_cap * f.heads * f.meals_used AS DECIMAL(18, 2))
         ELSE f.amount END AS amount,
    f.date AS period_start, f.date AS period_end, r.rule, f.handler AS persons,
    f.record_no, f.date, f.guest_label, f.amount AS total, f.problems
FROM flagged f
JOIN rules r
  ON (r.rule = 'per_head' AND f.f_per_head) OR (r.rule = 'companions' AND f.f_companions)
  OR (r.rule = 'no_letter' AND f.f_no_letter) OR (r.rule = 'prohibited_item' AND f.f_items)
  OR (r.rule = 'private_venue' AND f.f_venue)
