-- contract_category: the 采购类别 (货物/服务/工程) inferred from the contract name for every
-- contract whose `category` is empty (real 政府采购合同公告 exports, layout ccgp_contracts, carry
-- none). The words are data: std_keywords list `procurement_category` (施工, 装修, 修缮 ... -> 工程;
-- 物业, 监理, 运维 ... -> 服务; cited to 《政府采购法》第二条 and 《政府采购品目分类目录》
-- 财库〔2022〕31号), each with exclusion phrases removed from the name before the word is looked
-- for (服务器 is not 服务, 住房和城乡建设局 is not 建设). When words of several categories occur,
-- the one ending nearest the end of the name decides, a longer word first at the same place:
-- a Chinese name ends in its head noun (建设工程监理服务 is a service, 监理用房建设工程 works).
-- One row per (unit, _key) with an inferred category and the word that decided it; a contract
-- with a recorded category or without any category word has no row (the check then applies its
-- default_category). Shared by P01, P02, P03 and P06.
WITH kw AS (
    SELECT word, upper(word) AS word_u, category, exclusion_pattern, exclusion_phrases
    FROM std_keywords
    WHERE list = 'procurement_category' AND word IS NOT NULL AND word <> ''
      AND category IN ('货物', '服务', '工程')
),
names AS (
    -- each name upper-cased once, not once per (name, word) pair in the join
    SELECT contract_name, upper(contract_name) AS name_u
    FROM (SELECT DISTINCT contract_name
          FROM contracts
          WHERE category IS NULL AND contract_name IS NOT NULL AND contract_name <> '') d
),
cand AS MATERIALIZED (
    -- the pairs found before the exclusion phrases are looked at (ledger check L01); `present`:
    -- the word's exclusion phrases the name holds
    SELECT n.contract_name, n.name_u, k.word_u, k.word, k.category, k.exclusion_pattern AS pattern,
           list_filter(k.exclusion_phrases, lambda x: strpos(n.name_u, x) > 0) AS present
    FROM names n
    JOIN kw k ON strpos(n.name_u, k.word_u) > 0
),
hits AS (
    -- the word still occurs once its exclusion phrases are removed (none in the name: nothing to
    -- remove; one: a plain replace(); more: the alternation, compiled per row — see L01);
    -- `from_end`: characters after its last occurrence in the name
    SELECT contract_name, word, category,
           strpos(reverse(name_u), reverse(word_u)) - 1 AS from_end
    FROM cand
    WHERE CASE array_length(present)
              WHEN 0 THEN strpos(name_u, word_u) > 0
              WHEN 1 THEN strpos(replace(name_u, array_to_string(present, ''), ''), word_u) > 0
              ELSE strpos(regexp_replace(name_u, pattern, '', 'g'), word_u) > 0 END
),
best AS (
    SELECT contract_name, word, category
    FROM hits
    QUALIFY row_number() OVER (
        PARTITION BY contract_name
        ORDER BY from_end, length(word) DESC, word) = 1
)
SELECT c.unit, c._key, b.category, b.word AS category_word
FROM contracts c
JOIN best b ON b.contract_name = c.contract_name
WHERE c.category IS NULL
