/* ---
code: P01
slug: split_tender
title_zh: 拆分规避招标
title_en: Split tenders that dodge the tender threshold
area: procurement
severity: high
route: 纪检监察
inputs: [contracts, _units, std_procurement_thresholds, unit_thresholds]
evidence: [contracts]
entity_type: vendor
what_zh: >-
  同一单位的多份未招标合同，单份金额均低于适用的数额标准，但合计达到该标准。两种归组方式：① 同一供应商（按统一社会信用代码；合同未填代码时，若同名供应商在本单位只出现过一个代码则用该代码，否则按规范化名称）、同一采购类别；② 同一需求部门、同一采购类别、合同名称「近似相同」（去掉期次/批次/标段/序号/年月/数字和标点后完全相同，如「办公楼维修（一期）」与「办公楼维修二期」）。组内合同按签订日期排序，相邻两份相隔不超过 window_days 天（默认 180 天）即连成一组（链式归组），因此每组是极大的、互不重叠的一串合同。分别对公开招标数额标准和政府采购限额标准（std_procurement_thresholds，按单位层级、地区、类别、签订日期取值）判断；同一串合同同时构成两种规避时只按公开招标报告，一组合同是另一组的子集时只报告较大的一组。每组一条疑点，列出组内全部合同，金额为合计。
why_zh: >-
  把应当公开招标（或纳入政府采购）的采购化整为零、分次签订，使每份合同都低于数额标准，是规避招标、向特定供应商输送利益最常见的手法。
regulation: >-
  《中华人民共和国政府采购法》第二十八条（不得将应当以公开招标方式采购的货物或者服务化整为零规避公开招标）；《中华人民共和国政府采购法实施条例》第二十八条（一个财政年度内同一品目或类别多次采购累计超过公开招标数额标准属化整为零）；《中华人民共和国招标投标法》第四条（不得将依法必须进行招标的项目化整为零规避招标）
exclusions_zh: >-
  采用公开招标或邀请招标的合同不参与归组（组内只要其余合同合计不足标准就不报）；单份达到标准的合同不参与归组（由 P03 报告）；相邻两份合同相隔超过 window_days 天的断开为两组；两种归组方式得到的组部分重叠时分别报告。
method_zh: >-
  链式归组：在（单位、标准种类、归组方式、采购类别、供应商或部门+名称主干）内按签订日期排序，与前一份合同相隔超过 window_days 天时开始新组；组的标准取组内各合同适用标准的最大值；合计 ≥ 标准且每份 < 标准才报告。
rules:
  same_vendor: 同一供应商、同一类别的多份合同
  similar_name: 同一部门、同一类别、名称近似的多份合同
params:
  window_days:
    type: int
    default_from: procurement.split_window_days
    min: 1
    max: 3650
    description_zh: 相邻两份合同签订日期相隔不超过此天数才归入同一组
  default_category:
    type: text
    default: 货物
    choices: [货物, 服务, 工程]
    description_zh: 合同未填采购类别时按此类别取数额标准
template: "{subject}在{period_start:date}至{period_end:date}期间签订{n_contracts:int}份{category}合同，合计{amount:money}元，达到{kind_zh}{threshold:money}元，但每份均低于该标准且均未招标（最大单份{max_amount:money}元）"
example_zh: >-
  市级单位办公室 2024 年 1 月 5 日、3 月 2 日、4 月 18 日与同一公司签订三份办公设备采购合同，金额分别为400,000、350,000、300,000 元，合计 1,050,000 元，达到湖南市级货物公开招标数额标准 1,000,000 元，三份均为询价，报告一条疑点。
what_en: >-
  Non-tendered contracts of one unit, each below the open-tender threshold (or the government procurement limit), same vendor (or same department and near-identical names), same category, chained when consecutive sign dates are at most window_days apart, whose sum reaches the threshold. One finding per maximal group.
why_en: Splitting a purchase into pieces below the threshold is the classic way to dodge tendering.
--- */
WITH
base AS (
    SELECT c.unit, c._key, c.contract_name, c.vendor, c.vendor_norm, c.vendor_id, c.department,
           c.amount, c.sign_date, coalesce(c.category, $default_category) AS category,
           -- name stem: drop sequence words (第一期, 二批, 3标段, 2024年, 上半年 ...), digits, punctuation
           regexp_replace(regexp_replace(regexp_replace(lower(coalesce(c.contract_name, '')),
               '第?[0-9一二三四五六七八九十百零〇两]+(期|批次|批|次|标段|包|号|阶段|部分|季度|月份|月|年度|年)', '', 'g'),
               '上半年|下半年|[一二三四]季度', '', 'g'),
               '[^\p{L}]+', '', 'g') AS name_stem
    FROM contracts c
    WHERE c.amount IS NOT NULL AND c.amount > 0 AND c.sign_date IS NOT NULL
      AND (c.procurement_method IS NULL
           OR (c.procurement_method NOT LIKE '%公开招标%' AND c.procurement_method NOT LIKE '%邀请招标%'))
),
single_id AS (
    SELECT unit, vendor_norm, min(vendor_id) AS vid
    FROM contracts
    WHERE vendor_id IS NOT NULL
    GROUP BY unit, vendor_norm
    HAVING count(DISTINCT vendor_id) = 1
),
thr AS (
    SELECT b.*, t.kind, t.threshold
    FROM base b
    JOIN unit_thresholds t
      ON t.unit = b.unit AND t.kind IN ('open_tender', 'procurement_limit') AND t.category = b.category
     AND b.sign_date >= t.effective_from AND (t.effective_to IS NULL OR b.sign_date <= t.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY b.unit, b._key, t.kind
        ORDER BY t.specificity, t.threshold) = 1
),
keyed AS (
    SELECT t.*, 'same_vendor' AS grouping, coalesce(t.vendor_id, s.vid, t.vendor_norm) AS gkey
    FROM thr t
    LEFT JOIN single_id s ON s.unit = t.unit AND s.vendor_norm = t.vendor_norm
    WHERE t.amount < t.threshold
    UNION ALL
    SELECT t.*, 'similar_name' AS grouping, concat(t.department, '|', t.name_stem) AS gkey
    FROM thr t
    WHERE t.amount < t.threshold AND t.department IS NOT NULL AND length(t.name_stem) >= 2
),
starts AS (
    SELECT k.*,
           CASE WHEN datediff('day',
                    lag(k.sign_date) OVER (PARTITION BY k.unit, k.kind, k.grouping, k.category, k.gkey
                                           ORDER BY k.sign_date, k._key),
                    k.sign_date) <= $window_days
                THEN 0 ELSE 1 END AS is_start
    FROM keyed k
),
chained AS (
    SELECT s.*,
           concat(s.kind, '|', s.grouping, '|', s.category, '|', s.gkey, '|',
                  CAST(sum(s.is_start) OVER (PARTITION BY s.unit, s.kind, s.grouping, s.category, s.gkey
                                             ORDER BY s.sign_date, s._key
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS VARCHAR)) AS gid
    FROM starts s
),
groups AS (
    SELECT unit, gid, kind, grouping, category, min(department) AS department,
           count(*) AS n_contracts, sum(amount) AS total, max(amount) AS max_amount,
           max(threshold) AS threshold, min(sign_date) AS first_sign, max(sign_date) AS last_sign,
           count(DISTINCT vendor_norm) AS n_vendors, min(vendor) AS vendor, min(vendor_norm) AS vendor_norm,
           min(contract_name) AS contract_name, min(name_stem) AS name_stem,
           concat(CASE WHEN kind = 'open_tender' THEN '1' ELSE '2' END,
                  CASE WHEN grouping = 'same_vendor' THEN '1' ELSE '2' END, gid) AS prio
    FROM chained
    GROUP BY unit, gid, kind, grouping, category
    HAVING count(*) >= 2 AND sum(amount) >= max(threshold)
),
members AS (
    SELECT c.unit, c.gid, c._key
    FROM chained c
    JOIN groups g ON g.unit = c.unit AND g.gid = c.gid
),
shared_counts AS (
    SELECT a.unit, a.gid AS g, b.gid AS h, count(*) AS n_shared
    FROM members a
    JOIN members b ON b.unit = a.unit AND b._key = a._key AND b.gid <> a.gid
    GROUP BY a.unit, a.gid, b.gid
),
dominated AS (
    -- a group whose contracts all lie in a larger group (or an identical group of higher priority)
    SELECT DISTINCT o.unit, o.g AS gid
    FROM shared_counts o
    JOIN groups gg ON gg.unit = o.unit AND gg.gid = o.g
    JOIN groups hh ON hh.unit = o.unit AND hh.gid = o.h
    WHERE o.n_shared = gg.n_contracts
      AND (hh.n_contracts > gg.n_contracts OR hh.prio < gg.prio)
),
final AS (
    SELECT g.*
    FROM groups g
    LEFT JOIN dominated d ON d.unit = g.unit AND d.gid = g.gid
    WHERE d.gid IS NULL
)
SELECT f.unit, f.gid AS finding_key, 'contracts' AS ev_table, m._key AS ev_key,
       CASE WHEN f.n_vendors = 1 THEN 'vendor' ELSE 'project' END AS entity_type,
       CASE WHEN f.n_vendors = 1 THEN f.vendor_norm ELSE concat(f.department, '|', f.name_stem) END AS entity_key,
       f.total AS amount, f.first_sign AS period_start, f.last_sign AS period_end,
       f.grouping AS rule, f.n_contracts, f.category, f.threshold, f.max_amount,
       CASE WHEN f.kind = 'open_tender' THEN '公开招标数额标准' ELSE '政府采购限额标准' END AS kind_zh,
       CASE WHEN f.grouping = 'same_vendor' THEN concat('与供应商', f.vendor)
            WHEN f.n_vendors = 1 THEN concat(f.department, '以名称相近的「', f.contract_name, '」等与', f.vendor)
            ELSE concat(f.department, '以名称相近的「', f.contract_name, '」等与', CAST(f.n_vendors AS VARCHAR),
                        '家供应商') END AS subject
FROM final f
JOIN members m ON m.unit = f.unit AND m.gid = f.gid
