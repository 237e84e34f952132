/* ---
code: P06
slug: vendor_concentration
title_zh: 供应商集中
title_en: Vendor concentration
area: procurement
severity: medium
route: 反馈
inputs: [contracts, std_keywords, contract_category]
evidence: [contracts]
entity_type: vendor
what_zh: >-
  按自然年（财政年度）统计每个供应商（按统一社会信用代码；合同未填代码时，若同名供应商在本单位只有一个代码则用该代码，否则按规范化名称）：① 一年内以非竞争方式（单一来源、直接采购、自行采购）获得的合同不少于 min_count 份（默认 3 份），证据为这些合同；② 一年内获得某一采购类别全部合同金额的比例超过 share（默认 50%），证据为该供应商当年该类别的合同。两种情形分别成条。
why_zh: >-
  同一供应商反复以不竞争的方式拿到合同，或长期包揽一类采购，说明采购人可能指定供应商、排斥竞争，存在利益输送或「关系户」的风险。
regulation: >-
  《中华人民共和国政府采购法》第三条（公开透明、公平竞争原则）、第三十一条（单一来源采购的适用情形）；《中华人民共和国政府采购法实施条例》第二十条（以不合理条件对供应商实行差别待遇或者歧视待遇）
exclusions_zh: >-
  询价、竞争性谈判、竞争性磋商、框架协议、公开招标、邀请招标算竞争性方式，不计入 ①；采购方式为空的不计入 ①。② 该类别当年只有一份合同或只有一家供应商时不计算占比（一份招标合同独占该类别不是 100% 的集中）；默认对只有一份合同的供应商也计算占比（参数 share_min_contracts 可提高要求）；采购类别为空的合同先按合同名称推定类别（施工、装修、修缮等为工程，物业、监理、运维等为服务；词表为标准数据 std_keywords 的 procurement_category 列表），名称无类别用词的按 default_category 归类；该类当年有这样的合同时，疑点中注明份数，需核对归类。
rules:
  non_competitive_count: 一年内非竞争方式合同份数达到 min_count
  category_share: 一年内占某类别采购额的比例超过 share
params:
  min_count:
    type: int
    default_from: procurement.concentration_count
    min: 2
    max: 1000
    description_zh: 一年内非竞争方式合同达到此份数即报
  share:
    type: decimal
    default_from: procurement.concentration_share
    min: 0.01
    max: 1
    description_zh: 一年内占某类别采购额超过此比例即报
  share_min_contracts:
    type: int
    default: 1
    min: 1
    max: 1000
    description_zh: 计算类别占比时，供应商当年该类别至少要有的合同份数
  default_category:
    type: text
    default: 货物
    choices: [货物, 服务, 工程]
    description_zh: 合同未填采购类别、且合同名称中无类别用词（标准数据 std_keywords 的 procurement_category 列表）时按此类别统计
template: "供应商{vendor}{detail}"
example_zh: 某供应商 2024 年以单一来源方式与本单位签订 4 份服务合同，合计 272,900 元，报告非竞争方式集中。
what_en: A vendor with >= N non-competitive contracts in a year, or more than X% of a category's yearly spend. A contract without a category takes the one its name implies (std_keywords list procurement_category, e.g. 施工/装修/修缮 works, 物业/监理/运维 services; the word nearest the end of the name decides), else default_category; the finding says when the category was inferred or defaulted.
why_en: Repeated non-competitive awards or a dominant share suggest steering.
--- */
WITH single_id AS (
    SELECT unit, vendor_norm, min(vendor_id) AS vid
    FROM contracts
    WHERE vendor_id IS NOT NULL
    GROUP BY unit, vendor_norm
    HAVING count(DISTINCT vendor_id) = 1
),
base AS (
    SELECT c.unit, c._key, c.vendor, c.vendor_norm, c.amount, c.sign_date, year(c.sign_date) AS yr,
           coalesce(c.category, k.category, $default_category) AS category,
           c.category IS NULL AS cat_guessed,
           coalesce(c.vendor_id, s.vid, c.vendor_norm) AS vkey,
           coalesce(c.procurement_method LIKE '%单一来源%' OR c.procurement_method LIKE '%直接采购%'
                    OR c.procurement_method LIKE '%自行采购%', false) AS non_comp
    FROM contracts c
    LEFT JOIN single_id s ON s.unit = c.unit AND s.vendor_norm = c.vendor_norm
    LEFT JOIN contract_category k ON k.unit = c.unit AND k._key = c._key
    WHERE c.sign_date IS NOT NULL AND c.amount IS NOT NULL
),
cnt AS (
    SELECT unit, vkey, yr, count(*) AS n, sum(amount) AS total, min(vendor) AS vendor,
           min(vendor_norm) AS vendor_norm
    FROM base
    WHERE non_comp
    GROUP BY unit, vkey, yr
    HAVING count(*) >= $min_count
),
cat_total AS (
    -- a share is only meaningful where the category had several contracts from several vendors that year
    SELECT unit, category, yr, sum(amount) AS cat_sum,
           sum(CASE WHEN cat_guessed THEN 1 ELSE 0 END) AS n_guessed
    FROM base
    GROUP BY unit, category, yr
    HAVING count(*) >= 2 AND count(DISTINCT vkey) >= 2
),
shares AS (
    SELECT b.unit, b.vkey, b.category, b.yr, count(*) AS n, sum(b.amount) AS total,
           min(b.vendor) AS vendor, min(b.vendor_norm) AS vendor_norm, max(t.cat_sum) AS cat_sum,
           max(t.n_guessed) AS n_guessed
    FROM base b
    JOIN cat_total t ON t.unit = b.unit AND t.category = b.category AND t.yr = b.yr
    GROUP BY b.unit, b.vkey, b.category, b.yr
    HAVING count(*) >= $share_min_contracts AND max(t.cat_sum) > 0
       AND sum(b.amount) > $share * max(t.cat_sum)
)
SELECT b.unit, concat('count|', c.vkey, '|', CAST(c.yr AS VARCHAR)) AS finding_key, 'contracts' AS ev_table,
       b._key AS ev_key, 'vendor' AS entity_type, c.vendor_norm AS entity_key, c.total AS amount,
       min(b.sign_date) OVER (PARTITION BY c.unit, c.vkey, c.yr) AS period_start,
       max(b.sign_date) OVER (PARTITION BY c.unit, c.vkey, c.yr) AS period_end,
       'non_competitive_count' AS rule, c.vendor,
       concat(CAST(c.yr AS VARCHAR), '年以单一来源/直接采购/自行采购等非竞争方式获得', CAST(c.n AS VARCHAR),
              '份合同，合计', CAST(c.total AS VARCHAR), '元') AS detail
FROM cnt c
JOIN base b ON b.unit = c.unit AND b.vkey = c.vkey AND b.yr = c.yr AND b.non_comp
UNION ALL
SELECT b.unit, concat('share|', s.vkey, '|', s.category, '|', CAST(s.yr AS VARCHAR)), 'contracts', b._key,
       'vendor', s.vendor_norm, s.total,
       min(b.sign_date) OVER (PARTITION BY s.unit, s.vkey, s.category, s.yr),
       max(b.sign_date) OVER (PARTITION BY s.unit, s.vkey, s.category, s.yr),
       'category_share', s.vendor,
       concat(CAST(s.yr AS VARCHAR), '年获得本单位', s.category, '类采购额的',
              CAST(round(100 * s.total / s.cat_sum, 1) AS VARCHAR), '%（', CAST(s.n AS VARCHAR), '份合同',
              CAST(s.total AS VARCHAR), '元，该类当年合计', CAST(s.cat_sum AS VARCHAR), '元）',
              CASE WHEN s.n_guessed > 0 THEN concat('（该类中有', CAST(s.n_guessed AS VARCHAR),
                   '份合同采购类别未填，按合同名称推定或默认归类，需核对）') ELSE '' END)
FROM shares s
JOIN base b ON b.unit = s.unit AND b.vkey = s.vkey AND b.category = s.category AND b.yr = s.yr
