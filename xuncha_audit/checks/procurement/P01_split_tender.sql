/* ---
code: P01
slug: split_tender
title_zh: 拆分规避招标
title_en: Split tenders that dodge the tender threshold
area: procurement
severity: high
route: 纪检监察
inputs: [contracts, _units, std_procurement_thresholds, unit_thresholds, std_keywords, contract_category]
evidence: [contracts]
entity_type: vendor
what_zh: >-
  同一单位的多份未招标合同，单份金额均低于适用的数额标准，但合计达到该标准。三种归组方式：① 法定口径（《政府采购法实施条例》第二十八条）：同一财政年度内、同一采购类别（货物、服务）、同一品目（合同名称去掉期次/批次/标段/序号/年月/数字和标点后相同）的多次采购，不论供应商和需求部门，合计达到公开招标数额标准；② 同一供应商（按统一社会信用代码；合同未填代码时，若同名供应商在本单位只出现过一个代码则用该代码，否则按规范化名称）、同一采购类别；③ 同一需求部门、同一采购类别、合同名称「近似相同」（如「办公楼维修（一期）」与「办公楼维修二期」）。②③ 按签订日期排序，从组内第一份合同起不超过 window_days 天（默认 180 天）的合同归为一组，超出后从下一份合同重新起算，因此一组的跨度不超过 window_days 天、各组互不重叠。分别对公开招标数额标准和政府采购限额标准（std_procurement_thresholds，按单位层级、地区、类别、签订日期取值）判断；询价、竞争性谈判、竞争性磋商、单一来源、框架协议本身就是政府采购方式，只可能规避公开招标，不算规避政府采购限额。同一串合同同时构成两种规避时只按公开招标报告，一组合同是另一组的子集时只报告较大的一组（相同时法定口径优先）。每组一条疑点，列出组内全部合同，金额为合计；合同编号前后相连、多份同日签订作为佐证写入疑点描述。所依据的标准数值待核实时，疑点描述注明。采购类别为空的合同先按合同名称推定类别（施工、装修、修缮等为工程，物业、监理、运维等为服务；词表为标准数据 std_keywords 的 procurement_category 列表），名称无类别用词的按参数 default_category；组内有这样的合同时，疑点描述注明份数。
why_zh: >-
  把应当公开招标（或纳入政府采购）的采购化整为零、分次签订，使每份合同都低于数额标准，是规避招标、向特定供应商输送利益最常见的手法。
regulation: >-
  《中华人民共和国政府采购法》第二十八条（不得将应当以公开招标方式采购的货物或者服务化整为零规避公开招标）；《中华人民共和国政府采购法实施条例》第二十八条（一个财政年度内同一品目或类别多次采购累计超过公开招标数额标准属化整为零）；《中华人民共和国招标投标法》第四条（不得将依法必须进行招标的项目化整为零规避招标）
exclusions_zh: >-
  采用公开招标或邀请招标的合同不参与归组（组内只要其余合同合计不足标准就不报）；单份达到标准的合同不参与归组（由 P03 报告）；以政府采购方式（询价、竞争性谈判、竞争性磋商、单一来源、框架协议）签订的合同不按政府采购限额标准归组；②③ 从组内第一份合同起超过 window_days 天的合同另起一组（30 个月每月一份 4 万元的合同不会连成一组 120 万元）；工程类不按法定口径归组（工程按招标投标法，由 ②③ 判断）；三种归组方式得到的组部分重叠时分别报告。采购类别推定或默认可能有误，疑点描述注明时需核对合同确认类别。签订日期没有适用公开招标数额标准的合同不作判断，作为数据质量说明（_note），不成疑点。
method_zh: >-
  法定口径：在（单位、财政年度、采购类别、品目）内合计。②③：在（单位、标准种类、归组方式、采购类别、供应商或部门+名称主干）内按签订日期排序，从组的第一份合同跳到其后第一份超过 window_days 天的合同，作为下一组的起点（递归 CTE，每组一步）。组的标准取组内各合同适用标准的最大值；合计 ≥ 标准且每份 < 标准、至少两份才报告。合同编号按「前缀 + 末尾数字」拆开，同一前缀下数字相差 1 记为一处「编号前后相连」。
rules:
  statutory: 同一财政年度、同一品目的多次采购（实施条例第二十八条），不论供应商和部门
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
    description_zh: 合同未填采购类别、且合同名称中无类别用词（标准数据 std_keywords 的 procurement_category 列表）时按此类别取数额标准
template: "{subject}在{period_start:date}至{period_end:date}期间签订{n_contracts:int}份{category}合同，合计{amount:money}元，达到{kind_zh}{threshold:money}元，但每份均低于该标准且均未招标（最大单份{max_amount:money}元）{signals}{category_note}{std_note}"
example_zh: >-
  市级单位办公室 2024 年 1 月 5 日、3 月 2 日、4 月 18 日与同一公司签订三份办公设备采购合同，金额分别为400,000、350,000、300,000 元，合计 1,050,000 元，达到湖南市级货物公开招标数额标准 1,000,000 元，三份均为询价，报告一条疑点。
what_en: >-
  Non-tendered contracts of one unit, each below the open-tender threshold (or the government procurement limit), whose sum reaches it: the same item and category in one fiscal year whatever the vendor or department (the statute's test), or the same vendor, or the same department with near-identical names, where a group spans at most window_days from its first contract. Government procurement methods (询价, 竞争性谈判/磋商, 单一来源, 框架协议) do not count as dodging the procurement limit. Sequential contract numbers and same-day signing are reported as supporting signals. A contract without a category takes the one its name implies (std_keywords list procurement_category, e.g. 施工/装修/修缮 works, 物业/监理/运维 services; the word nearest the end of the name decides), else default_category; the finding says when the category was inferred or defaulted.
why_en: Splitting a purchase into pieces below the threshold is the classic way to dodge tendering.
--- */
WITH RECURSIVE
base AS (
    SELECT c.unit, c._key, c.contract_no, c.contract_name, c.vendor, c.vendor_norm, c.vendor_id, c.department,
           c.amount, c.sign_date, year(c.sign_date) AS fy,
           coalesce(c.category, k.category, $default_category) AS category,
           -- a method of the 政府采购法 (第二十六条; 竞争性磋商 and 框架协议 added by 财政部): the contract went
           -- through a government procurement procedure, so it cannot dodge the procurement limit
           regexp_matches(coalesce(c.procurement_method, ''), '招标|谈判|磋商|询价|单一来源|框架协议') AS gp_method,
           -- name stem: drop sequence words (第一期, 二批, 3标段, 2024年, 上半年 ...), digits, punctuation
           regexp_replace(regexp_replace(regexp_replace(lower(coalesce(c.contract_name, '')),
               '第?[0-9一二三四五六七八九十百零〇两]+(期|批次|批|次|标段|包|号|阶段|部分|季度|月份|月|年度|年)', '', 'g'),
               '上半年|下半年|[一二三四]季度', '', 'g'),
               '[^\p{L}]+', '', 'g') AS name_stem,
           -- contract number as prefix + trailing serial (HT-2024-031 -> HT-2024-, 31): consecutive serials
           -- are a supporting signal
           regexp_extract(c.contract_no, '^(.*?)[0-9]{1,9}[^0-9]*$', 1) AS no_prefix,
           TRY_CAST(regexp_extract(c.contract_no, '([0-9]{1,9})[^0-9]*$', 1) AS BIGINT) AS no_serial
    FROM contracts c
    LEFT JOIN contract_category k ON k.unit = c.unit AND k._key = c._key
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
    SELECT b.*, t.kind, t.threshold, t.verified, t.citation
    FROM base b
    JOIN unit_thresholds t
      ON t.unit = b.unit AND t.kind IN ('open_tender', 'procurement_limit') AND t.category = b.category
     AND b.sign_date >= t.effective_from AND (t.effective_to IS NULL OR b.sign_date <= t.effective_to)
     AND (t.kind = 'open_tender' OR NOT b.gp_method)
    QUALIFY row_number() OVER (
        PARTITION BY b.unit, b._key, t.kind
        ORDER BY t.specificity, t.threshold) = 1
),
unjudged AS (
    -- no open-tender threshold in force on the sign date: a data-quality note, not a finding
    SELECT b.unit, b._key, b.contract_no
    FROM base b
    WHERE NOT EXISTS (SELECT 1 FROM thr t WHERE t.unit = b.unit AND t._key = b._key AND t.kind = 'open_tender')
),
keyed AS (
    -- 实施条例第二十八条: one fiscal year, the same 品目 (name stem) and category, whatever the vendor or
    -- department; 货物 and 服务 only (工程 follows the 招标投标法)
    SELECT t.*, 'statutory' AS grouping, concat(CAST(t.fy AS VARCHAR), '|', t.name_stem) AS gkey
    FROM thr t
    WHERE t.kind = 'open_tender' AND t.category IN ('货物', '服务') AND t.amount < t.threshold
      AND length(t.name_stem) >= 2
    UNION ALL
    SELECT t.*, 'same_vendor' AS grouping, coalesce(t.vendor_id, s.vid, t.vendor_norm) AS gkey
    FROM thr t
    LEFT JOIN single_id s ON s.unit = t.unit AND s.vendor_norm = t.vendor_norm
    WHERE t.amount < t.threshold
    UNION ALL
    SELECT t.*, 'similar_name' AS grouping, concat(t.department, '|', t.name_stem) AS gkey
    FROM thr t
    WHERE t.amount < t.threshold AND t.department IS NOT NULL AND length(t.name_stem) >= 2
),
ordered AS (
    SELECT k.*,
           row_number() OVER (PARTITION BY k.unit, k.kind, k.grouping, k.category, k.gkey
                              ORDER BY k.sign_date, k._key) AS rn,
           -- the position of the first contract more than window_days after this one (rows in date order)
           count(*) OVER (PARTITION BY k.unit, k.kind, k.grouping, k.category, k.gkey
                          ORDER BY datediff('day', DATE '2000-01-01', k.sign_date)
                          RANGE BETWEEN UNBOUNDED PRECEDING AND $window_days FOLLOWING) + 1 AS next_rn
    FROM keyed k
    WHERE k.grouping <> 'statutory'
),
seg(unit, kind, grouping, category, gkey, start_rn) AS (
    -- a chain never spans more than window_days from its first contract: a group starts at the first
    -- contract of its key, the next group at the first contract more than window_days after that start,
    -- and so on (one step per group, not per contract)
    SELECT unit, kind, grouping, category, gkey, rn
    FROM ordered
    WHERE rn = 1
    UNION ALL
    SELECT o.unit, o.kind, o.grouping, o.category, o.gkey, o.next_rn
    FROM seg s
    JOIN ordered o
      ON o.unit = s.unit AND o.kind = s.kind AND o.grouping = s.grouping AND o.category = s.category
     AND o.gkey = s.gkey AND o.rn = s.start_rn
    WHERE EXISTS (SELECT 1 FROM ordered x
                  WHERE x.unit = o.unit AND x.kind = o.kind AND x.grouping = o.grouping
                    AND x.category = o.category AND x.gkey = o.gkey AND x.rn = o.next_rn)
),
segmented AS (
    SELECT o.*,
           sum(CASE WHEN s.start_rn IS NOT NULL THEN 1 ELSE 0 END) OVER (
               PARTITION BY o.unit, o.kind, o.grouping, o.category, o.gkey
               ORDER BY o.rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seg_no
    FROM ordered o
    LEFT JOIN seg s
      ON s.unit = o.unit AND s.kind = o.kind AND s.grouping = o.grouping AND s.category = o.category
     AND s.gkey = o.gkey AND s.start_rn = o.rn
),
chained AS (
    SELECT o.unit, o._key, o.contract_no, o.contract_name, o.vendor, o.vendor_norm, o.department, o.amount,
           o.sign_date, o.category, o.name_stem, o.no_prefix, o.no_serial, o.kind, o.threshold, o.verified,
           o.citation, o.grouping, o.fy,
           concat(o.kind, '|', o.grouping, '|', o.category, '|', o.gkey, '|', CAST(o.seg_no AS VARCHAR)) AS gid
    FROM segmented o
    UNION ALL
    SELECT k.unit, k._key, k.contract_no, k.contract_name, k.vendor, k.vendor_norm, k.department, k.amount,
           k.sign_date, k.category, k.name_stem, k.no_prefix, k.no_serial, k.kind, k.threshold, k.verified,
           k.citation, k.grouping, k.fy,
           concat(k.kind, '|', k.grouping, '|', k.category, '|', k.gkey)
    FROM keyed k
    WHERE k.grouping = 'statutory'
),
candidates AS (
    -- the chains that make a finding: at least two contracts whose sum reaches the threshold. Most
    -- chains are one contract (a province: 611,200 rows in 442,200 chains), so the windows and the
    -- aggregates of text below run on the candidates' rows alone
    SELECT unit, gid
    FROM chained
    GROUP BY unit, gid
    HAVING count(*) >= 2 AND sum(amount) >= max(threshold)
),
marked AS (
    SELECT c.*,
           CASE WHEN lag(c.no_serial) OVER (PARTITION BY c.unit, c.gid, c.no_prefix ORDER BY c.no_serial, c._key)
                     = c.no_serial - 1 THEN 1 ELSE 0 END AS is_next_no,
           count(*) OVER (PARTITION BY c.unit, c.gid, c.sign_date) AS n_that_day
    FROM chained c
    JOIN candidates k ON k.unit = c.unit AND k.gid = c.gid
),
groups AS (
    SELECT unit, gid, kind, grouping, category, min(fy) AS fy, min(department) AS department,
           count(DISTINCT department) AS n_depts,
           count(*) AS n_contracts, sum(amount) AS total, max(amount) AS max_amount,
           max(threshold) AS threshold, min(sign_date) AS first_sign, max(sign_date) AS last_sign,
           count(DISTINCT vendor_norm) AS n_vendors, min(vendor) AS vendor, min(vendor_norm) AS vendor_norm,
           min(contract_name) AS contract_name, min(name_stem) AS name_stem,
           sum(is_next_no) AS n_next_no, max(n_that_day) AS max_same_day,
           bool_and(verified) AS all_verified, min(CASE WHEN NOT verified THEN citation END) AS unverified_citation,
           concat(CASE WHEN kind = 'open_tender' THEN '1' ELSE '2' END,
                  CASE grouping WHEN 'statutory' THEN '0' WHEN 'same_vendor' THEN '1' ELSE '2' END, gid) AS prio
    FROM marked
    GROUP BY unit, gid, kind, grouping, category
),
members AS (
    SELECT c.unit, c.gid, c._key, g.n_contracts, g.prio
    FROM chained c
    JOIN groups g ON g.unit = c.unit AND g.gid = c.gid
),
dominated AS (
    -- a group whose contracts all lie in a larger group (or an identical group of higher priority)
    SELECT DISTINCT unit, gid
    FROM (SELECT a.unit, a.gid, count(*) AS n_shared, min(a.n_contracts) AS n_contracts
          FROM members a
          JOIN members b ON b.unit = a.unit AND b._key = a._key AND b.gid <> a.gid
          WHERE b.n_contracts > a.n_contracts OR b.prio < a.prio
          GROUP BY a.unit, a.gid, b.gid)
    WHERE n_shared = n_contracts
),
final AS (
    SELECT g.*
    FROM groups g
    LEFT JOIN dominated d ON d.unit = g.unit AND d.gid = g.gid
    WHERE d.gid IS NULL
),
cat_src AS (
    -- how many of a group's contracts had no recorded category (inferred from the name or defaulted)
    SELECT m.unit, m.gid,
           sum(CASE WHEN c.category IS NULL AND k.category IS NOT NULL THEN 1 ELSE 0 END) AS n_inferred,
           sum(CASE WHEN c.category IS NULL AND k.category IS NULL THEN 1 ELSE 0 END) AS n_defaulted
    FROM members m
    JOIN contracts c ON c.unit = m.unit AND c._key = m._key
    LEFT JOIN contract_category k ON k.unit = m.unit AND k._key = m._key
    GROUP BY m.unit, m.gid
)
SELECT f.unit, f.gid AS finding_key, 'contracts' AS ev_table, m._key AS ev_key,
       CASE WHEN f.n_vendors = 1 THEN 'vendor' ELSE 'project' END AS entity_type,
       CASE WHEN f.n_vendors = 1 THEN f.vendor_norm
            WHEN f.grouping = 'statutory' THEN concat(CAST(f.fy AS VARCHAR), '|', f.name_stem)
            ELSE concat(f.department, '|', f.name_stem) END AS entity_key,
       f.total AS amount, f.first_sign AS period_start, f.last_sign AS period_end,
       f.grouping AS rule, f.n_contracts, f.category, f.threshold, f.max_amount,
       CASE WHEN f.kind = 'open_tender' THEN '公开招标数额标准' ELSE '政府采购限额标准' END AS kind_zh,
       CASE WHEN f.grouping = 'same_vendor' THEN concat('与供应商', f.vendor)
            WHEN f.grouping = 'statutory' THEN
                concat(CAST(f.fy AS VARCHAR), '财政年度内',
                       CASE WHEN f.n_depts > 1 THEN concat(CAST(f.n_depts AS VARCHAR), '个部门')
                            ELSE coalesce(f.department, '') END,
                       '多次采购同一品目「', f.contract_name, '」等',
                       CASE WHEN f.n_vendors = 1 THEN concat('（供应商', f.vendor, '）')
                            ELSE concat('（', CAST(f.n_vendors AS VARCHAR), '家供应商）') END)
            WHEN f.n_vendors = 1 THEN concat(f.department, '以名称相近的「', f.contract_name, '」等与', f.vendor)
            ELSE concat(f.department, '以名称相近的「', f.contract_name, '」等与', CAST(f.n_vendors AS VARCHAR),
                        '家供应商') END AS subject,
       concat_ws('', CASE WHEN f.n_next_no > 0 OR f.max_same_day > 1 THEN '；另：' END,
                 concat_ws('，',
                     CASE WHEN f.n_next_no > 0 THEN concat(CAST(f.n_next_no AS VARCHAR), '处合同编号前后相连') END,
                     CASE WHEN f.max_same_day > 1 THEN concat(CAST(f.max_same_day AS VARCHAR), '份合同同日签订') END))
           AS signals,
       CASE WHEN f.all_verified THEN '' ELSE concat('（所依据的数额标准取自', f.unverified_citation, '，数值待核实）') END
           AS std_note,
       CASE WHEN cs.n_inferred + cs.n_defaulted = 0 THEN ''
            ELSE concat('（其中', CAST(cs.n_inferred + cs.n_defaulted AS VARCHAR), '份合同采购类别未填，',
                        CASE WHEN cs.n_defaulted = 0 THEN concat('按合同名称推定为', f.category)
                             WHEN cs.n_inferred = 0 THEN concat('合同名称中无类别用词，按默认类别', f.category, '判断')
                             ELSE concat(CAST(cs.n_inferred AS VARCHAR), '份按合同名称推定为', f.category, '、',
                                         CAST(cs.n_defaulted AS VARCHAR), '份按默认类别判断') END,
                        '）') END AS category_note,
       CAST(NULL AS VARCHAR) AS _note
FROM final f
JOIN members m ON m.unit = f.unit AND m.gid = f.gid
JOIN cat_src cs ON cs.unit = f.unit AND cs.gid = f.gid
UNION ALL
SELECT u.unit, u._key, 'contracts', u._key, 'contract', u.contract_no, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, '签订日期没有适用的公开招标数额标准'
FROM unjudged u
