/* ---
code: P02
slug: threshold_bunching
title_zh: 临界金额（贴线采购）
title_en: Contract amounts just below a procurement threshold
area: procurement
severity: medium
route: 反馈
inputs: [contracts, _units, std_procurement_thresholds, unit_thresholds, std_keywords, contract_category]
evidence: [contracts]
entity_type: contract
what_zh: >-
  ① 单份合同：未招标合同的金额落在适用数额标准（公开招标数额标准或政府采购限额标准，按单位层级、地区、类别、签订日期取值）的 [low, 100%) 区间（默认 90%–100%），每份合同一条疑点；采购类别为空的合同先按合同名称推定类别（施工、装修、修缮等为工程，物业、监理、运维等为服务；词表为标准数据 std_keywords 的 procurement_category 列表），名称无类别用词的按参数 default_category，单份疑点中注明类别是推定的还是默认的；同时贴近两个标准时按较低的标准报告。② 单位层面的统计检验：同一单位、同一类别、同一标准下，金额落在标准下方 [low, 100%) 的合同数明显多于落在上方[100%, 2−low) 的合同数时，报告一条单位层面的疑点（证据为下方区间的全部合同）。
why_zh: >-
  金额恰好压在数额标准之下，常见于先定供应商、再把预算「做」到标准以下以规避招标或政府采购程序；成批出现时说明这是单位的惯常做法。
regulation: >-
  《中华人民共和国政府采购法》第二十八条；《中华人民共和国政府采购法实施条例》第二十八条；国办发〔2019〕55号/财库〔2019〕69号（公开招标数额标准和政府采购限额标准）
exclusions_zh: >-
  采用公开招标或邀请招标的合同不报单份疑点（已经招标，不存在规避动机）；金额恰好等于标准的不报（由 P03 判断）。统计检验只在下方区间合同数不少于 test_min_count 时进行。类别推定或默认可能有误（如名称为“办公楼改造”而实为货物），需核对合同后确认。
method_zh: >-
  统计检验（二项检验的正态近似）：若金额分布在标准附近是平滑的，落在标准下方 [low,1) 与上方 [1,2−low) 两个等宽区间的合同数应大致相等。记下方 n1 份、上方 n2 份，z = (n1 − n2) / √(n1 + n2)；n1 ≥ test_min_count 且 z ≥ test_z（默认 3.09，即单侧 p < 0.001）时报告。单位内全部合同（含已招标）参与统计。这是单位层面的汇总判断，报告中同时给出 n1、n2 和 z。
rules:
  near_threshold: 单份合同金额在标准的 low–100% 之间
  bunching_test: 单位层面金额在标准下方显著扎堆（二项检验）
params:
  low:
    type: decimal
    default_from: procurement.bunching_low
    min: 0.5
    max: 0.999
    description_zh: 贴线区间下限（占标准的比例），金额 ≥ 标准×low 且 < 标准即报
  test_min_count:
    type: int
    default: 5
    min: 2
    max: 100000
    description_zh: 统计检验要求标准下方区间至少有多少份合同
  test_z:
    type: decimal
    default: 3.09
    min: 1
    max: 10
    description_zh: 统计检验的 z 值门槛（3.09 ≈ 单侧 p<0.001）
  default_category:
    type: text
    default: 货物
    choices: [货物, 服务, 工程]
    description_zh: 合同未填采购类别、且合同名称中无类别用词（标准数据 std_keywords 的 procurement_category 列表）时按此类别取数额标准
template: "{subject}金额{amount:money}元，{detail}"
example_zh: >-
  湖南市级单位的货物类询价合同 985,000 元，为公开招标数额标准 1,000,000 元的 98.5%，报告；另如单位 2023–2024 年有 9 份服务合同落在政府采购限额标准 300,000 元的 90%–100%，而 100%–110% 只有 1 份，z = (9−1)/√10 = 2.53 < 3.09，不报告统计疑点。
what_en: >-
  Per contract: a non-tendered contract whose amount lies in [low, 100%) of an applicable threshold. Per unit, category and threshold: significantly more contracts just below than just above the threshold (binomial test, normal approximation). A contract without a category takes the one its name implies (std_keywords list procurement_category, e.g. 施工/装修/修缮 works, 物业/监理/运维 services; the word nearest the end of the name decides), else default_category; the finding says when the category was inferred or defaulted.
why_en: Amounts set just under the threshold suggest the budget was shaped to avoid tendering.
--- */
WITH
base AS (
    SELECT c.unit, c._key, c.contract_no, c.vendor, c.amount, c.sign_date,
           coalesce(c.category, k.category, $default_category) AS category,
           CASE WHEN c.category IS NOT NULL THEN ''
                WHEN k.category IS NOT NULL
                    THEN concat('（采购类别未填，按合同名称中的「', k.category_word, '」推定为', k.category, '）')
                ELSE concat('（采购类别未填，合同名称中无类别用词，按默认类别', $default_category, '判断）') END AS category_note,
           coalesce(c.procurement_method LIKE '%公开招标%' OR c.procurement_method LIKE '%邀请招标%', false)
               AS tendered
    FROM contracts c
    LEFT JOIN contract_category k ON k.unit = c.unit AND k._key = c._key
    WHERE c.amount IS NOT NULL AND c.amount > 0 AND c.sign_date IS NOT NULL
),
thr AS (
    SELECT b.*, t.kind, t.threshold, b.amount / t.threshold AS ratio, t.verified, t.citation
    FROM base b
    JOIN unit_thresholds t
      ON t.unit = b.unit AND t.kind IN ('open_tender', 'procurement_limit') AND t.category = b.category
     AND b.sign_date >= t.effective_from AND (t.effective_to IS NULL OR b.sign_date <= t.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY b.unit, b._key, t.kind
        ORDER BY t.specificity, t.threshold) = 1
),
near AS (
    SELECT *,
           CASE WHEN kind = 'open_tender' THEN '公开招标数额标准' ELSE '政府采购限额标准' END AS kind_zh
    FROM thr
    WHERE amount >= round(threshold * $low, 2) AND amount < threshold
),
per_contract AS (
    SELECT *
    FROM near
    WHERE NOT tendered
    QUALIFY row_number() OVER (PARTITION BY unit, _key ORDER BY threshold, kind) = 1
),
bands AS (
    SELECT unit, category, kind, max(threshold) AS threshold,
           sum(CASE WHEN amount >= round(threshold * $low, 2) AND amount < threshold THEN 1 ELSE 0 END) AS n_below,
           sum(CASE WHEN amount >= threshold AND amount < threshold * (2 - $low) THEN 1 ELSE 0 END) AS n_above
    FROM thr
    GROUP BY unit, category, kind
),
tested AS (
    SELECT *, (n_below - n_above) / sqrt(n_below + n_above) AS z
    FROM bands
    WHERE n_below >= $test_min_count AND (n_below - n_above) / sqrt(n_below + n_above) >= $test_z
)
SELECT unit, _key AS finding_key, 'contracts' AS ev_table, _key AS ev_key,
       'contract' AS entity_type, contract_no AS entity_key, amount,
       sign_date AS period_start, sign_date AS period_end, 'near_threshold' AS rule,
       concat('合同', contract_no, '（', coalesce(vendor, '供应商未填'), '）') AS subject,
       concat('为', category, kind_zh, CAST(CAST(threshold AS DECIMAL(18, 2)) AS VARCHAR), '元的',
              CAST(round(100 * ratio, 1) AS VARCHAR), '%，紧贴标准之下且未招标', category_note,
              CASE WHEN verified THEN '' ELSE concat('（所依据的数额标准取自', citation, '，数值待核实）') END) AS detail
FROM per_contract
UNION ALL
SELECT n.unit, concat('test|', n.category, '|', n.kind) AS finding_key, 'contracts' AS ev_table,
       n._key AS ev_key, 'unit' AS entity_type, n.unit AS entity_key,
       sum(n.amount) OVER (PARTITION BY n.unit, n.category, n.kind) AS amount,
       min(n.sign_date) OVER (PARTITION BY n.unit, n.category, n.kind) AS period_start,
       max(n.sign_date) OVER (PARTITION BY n.unit, n.category, n.kind) AS period_end,
       'bunching_test' AS rule,
       concat('本单位', n.category, '类合同中紧贴', n.kind_zh, '之下的', CAST(t.n_below AS VARCHAR), '份合同')
           AS subject,
       concat('落在标准的', CAST(CAST(round(100 * $low) AS INTEGER) AS VARCHAR), '%–100%区间的有', CAST(t.n_below AS VARCHAR),
              '份，而100%–', CAST(CAST(round(100 * (2 - $low)) AS INTEGER) AS VARCHAR), '%区间只有', CAST(t.n_above AS VARCHAR),
              '份，z=', CAST(round(t.z, 2) AS VARCHAR), '，金额明显在标准下方扎堆') AS detail
FROM near n
JOIN tested t ON t.unit = n.unit AND t.category = n.category AND t.kind = n.kind
