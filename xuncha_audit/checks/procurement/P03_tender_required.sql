/* ---
code: P03
slug: tender_required
title_zh: 应招未招
title_en: Tender required but not held
area: procurement
severity: high
route: 反馈
inputs: [contracts, _units, std_procurement_thresholds, unit_thresholds, std_keywords, contract_category]
evidence: [contracts]
entity_type: vendor
what_zh: >-
  合同金额达到（含等于）其采购类别的公开招标数额标准，但采购方式不是公开招标（采购方式为空也报）。数额标准取 std_procurement_thresholds 中按单位层级（中央/地方、省级/市级/县级，乡级按县级）、地区、采购类别和合同签订日有效的 open_tender 行，地区、层级专门配置优先于通用行。邀请招标默认不算招标，可由参数放开。采购类别为空的合同（如政府采购合同公告导出没有采购类别列），先按合同名称推定类别（施工、装修、修缮、改造、建设等为工程，物业、监理、设计、运维、咨询、审计等为服务；词表为标准数据 std_keywords 的 procurement_category 列表，可按地区配置；几类用词同时出现时以最靠近名称末尾的为准），名称中无这些词的按参数 default_category 判断；疑点标题写明类别是推定的还是默认的，需核对合同后确认。
why_zh: >-
  达到公开招标数额标准的采购应当公开招标；改用询价、竞争性谈判、单一来源等方式，须事先经设区的市级以上财政部门批准。未经批准改变采购方式，是规避竞争、指定供应商的常见手段。
regulation: >-
  《中华人民共和国政府采购法》第二十六条、第二十七条（采用公开招标以外方式须事先获得政府采购监督管理部门批准）；《中华人民共和国招标投标法》第三条；《必须招标的工程项目规定》（国家发展改革委令第16号）第五条；国办发〔2019〕55号（中央预算单位）/财库〔2019〕69号（地方预算单位）公开招标数额标准
exclusions_zh: >-
  合同金额低于数额标准一分钱的不报（由 P02 临界金额报告）；采购类别为空的合同先按合同名称推定（如“办公楼维修改造施工”按工程的 4,000,000 元标准判断，不按货物标准报告），名称无类别用词的按参数 default_category 的类别判断，推定或默认的类别在标题中注明，需核对；财政部门批准变更采购方式的文件不在数据中，需人工核实后排除。
rules:
  not_tendered: 达到公开招标数额标准但未公开招标
params:
  allow_invited:
    type: bool
    default: false
    description_zh: 为 true 时邀请招标也视为已招标（不报）
  default_category:
    type: text
    default: 货物
    choices: [货物, 服务, 工程]
    description_zh: 合同未填采购类别、且合同名称中无类别用词（标准数据 std_keywords 的 procurement_category 列表）时按此类别取数额标准
template: "合同{contract_no}（{contract_name}）金额{amount:money}元，达到{category}公开招标数额标准{threshold:money}元，但采购方式为{method_zh}，供应商{vendor}{category_note}{std_note}"
example_zh: 市级单位 2024 年签订物业服务合同 1,200,000 元，采购方式为竞争性磋商；湖南市级服务类公开招标数额标准 1,000,000 元，报告。
what_en: Contract amount at or above the open-tender threshold of its category (by unit level, region and sign date) and the method is not open tender. A contract without a category takes the one its name implies (std_keywords list procurement_category, e.g. 施工/装修/修缮 works, 物业/监理/运维 services; the word nearest the end of the name decides), else default_category; the finding says when the category was inferred or defaulted.
why_en: Open tendering is mandatory above the threshold unless the finance authority approved another method in advance.
--- */
WITH
con AS (
    SELECT c.unit, c._key, c.contract_no, c.contract_name, c.vendor, c.vendor_norm, c.amount,
           c.sign_date, c.procurement_method,
           coalesce(c.category, k.category, $default_category) AS category,
           CASE WHEN c.category IS NOT NULL THEN ''
                WHEN k.category IS NOT NULL
                    THEN concat('（采购类别未填，按合同名称中的「', k.category_word, '」推定为', k.category, '）')
                ELSE concat('（采购类别未填，合同名称中无类别用词，按默认类别', $default_category, '判断）') END AS category_note
    FROM contracts c
    LEFT JOIN contract_category k ON k.unit = c.unit AND k._key = c._key
    WHERE c.amount IS NOT NULL AND c.sign_date IS NOT NULL
      AND (c.procurement_method IS NULL
           OR (c.procurement_method NOT LIKE '%公开招标%'
               AND NOT ($allow_invited AND c.procurement_method LIKE '%邀请招标%')))
),
thr AS (
    SELECT c.*, t.threshold, t.verified, t.citation
    FROM con c
    JOIN unit_thresholds t
      ON t.unit = c.unit AND t.kind = 'open_tender' AND t.category = c.category
     AND c.sign_date >= t.effective_from AND (t.effective_to IS NULL OR c.sign_date <= t.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY c.unit, c._key
        ORDER BY t.specificity, t.threshold) = 1
)
SELECT unit, _key AS finding_key, 'contracts' AS ev_table, _key AS ev_key,
       'vendor' AS entity_type, vendor_norm AS entity_key, amount,
       sign_date AS period_start, sign_date AS period_end, 'not_tendered' AS rule,
       contract_no, coalesce(contract_name, '未填合同名称') AS contract_name, vendor, category, threshold, category_note,
       coalesce(procurement_method, '空（未记录）') AS method_zh,
       CASE WHEN verified THEN '' ELSE concat('（所依据的数额标准取自', citation, '，数值待核实）') END AS std_note
FROM thr
WHERE amount >= threshold
