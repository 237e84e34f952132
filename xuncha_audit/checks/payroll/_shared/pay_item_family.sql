-- pay_item_family: every distinct pay item name of the payroll placed in its family of
-- std_pay_items (category, approved, who it applies to). Shared by H01, H03 and H04.
-- The name is compared without spaces and without a trailing bracket (岗位津贴（元）); an exact
-- name or synonym wins, then the name without a leading 补发/追发/补 (补发岗位工资 = 岗位工资),
-- then the families' patterns: 非发放项目 (totals, deductions) first, then 违规发放, 待核实, and
-- the approved families; the longest pattern first. A name in no family has family NULL.
WITH names AS (
    SELECT item,
           regexp_replace(regexp_replace(item, '[\s　]', '', 'g'), '[（(][^（()）]*[)）]$', '') AS item_norm
    FROM (SELECT DISTINCT item FROM payroll WHERE item IS NOT NULL) x
),
names2 AS (
    SELECT item, item_norm, regexp_replace(item_norm, '^(补发|追发|补)', '') AS item_base FROM names
),
fam_names AS (
    SELECT item AS family, item AS name FROM std_pay_items
    UNION
    SELECT family, trim(name) AS name
    FROM (SELECT item AS family, unnest(string_split(synonyms, '、')) AS name
          FROM std_pay_items WHERE synonyms IS NOT NULL AND synonyms <> '') s
),
cand AS (
    SELECT n.item, n.item_norm, f.family, 1 AS how, 0 AS cat_rank, 0 AS len
    FROM names2 n JOIN fam_names f ON f.name = n.item_norm
    UNION ALL
    SELECT n.item, n.item_norm, f.family, 2, 0, 0
    FROM names2 n JOIN fam_names f ON f.name = n.item_base
    WHERE n.item_base <> n.item_norm AND n.item_base <> ''
    UNION ALL
    SELECT n.item, n.item_norm, s.item, 3,
           CASE s.category WHEN '非发放项目' THEN 1 WHEN '违规发放' THEN 2 WHEN '待核实' THEN 3 ELSE 4 END,
           length(s.pattern)
    FROM names2 n JOIN std_pay_items s
      ON s.pattern IS NOT NULL AND s.pattern <> '' AND regexp_matches(n.item_norm, s.pattern)
),
best AS (
    SELECT item, family, how FROM cand
    QUALIFY row_number() OVER (PARTITION BY item ORDER BY how, cat_rank, len DESC, family) = 1
)
SELECT n.item, n.item_norm, b.family, b.how AS matched_by, s.approved, s.category, s.applies_to,
       s.citation, s.verified
FROM names2 n
LEFT JOIN best b ON b.item = n.item
LEFT JOIN std_pay_items s ON s.item = b.family
