/* ---
code: V02
slug: vehicle_over_standard
title_zh: 超标准配备公务用车
title_en: Vehicle price or displacement above the category cap
area: vehicles
severity: high
route: 反馈
inputs: [vehicles, std_vehicle_caps]
evidence: [vehicles]
entity_type: vehicle
what_zh: 车辆购置价格或排气量超过购置日期当时有效的该类别配备标准（新能源车辆按新能源轿车价格标准）。
what_en: Purchase price or engine displacement above the cap for the vehicle's category in force on the purchase date.
why_zh: 超标准配车是违反中央八项规定精神的典型问题，购置价、排量均有明确上限。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第十条；2017年12月5日前购置的适用《党政机关公务用车配备使用管理办法》（中办发〔2011〕2号）
rules:
  price: 购置价格超过标准
  displacement: 排气量超过标准
exclusions_zh: 没有购置日期、或该类别在购置日期没有配备标准（如领导干部用车、业务用车，2017 年 12 月 5 日前的机要通信用车）的车辆不作判断，作为数据质量说明（_note）列出，不成疑点、也不算通过；2017 年 12 月 5 日起的新能源车辆（纯电动、插电式混合动力、增程式、燃料电池，不含不可外接充电的油电混合）不论类别按新能源轿车 18 万元价格上限判断、不限排量；车改后仍记为一般公务用车的车辆按其他按照规定配备的公务用车标准（18 万元、1.8 升，待核实）判断。所依据的标准数值待核实时，疑点描述注明。
params: {}
template:
  price: "{plate_no}（{category}，{purchase_date:date}购置）购置价{purchase_price:money}元，超过{energy_label}标准{max_price:money}元{std_note}"
  displacement: "{plate_no}（{category}，{purchase_date:date}购置）排气量{displacement_l:num}L，超过标准{max_displacement_l:num}L{std_note}"
  price,displacement: "{plate_no}（{category}，{purchase_date:date}购置）购置价{purchase_price:money}元，超过{energy_label}标准{max_price:money}元；排气量{displacement_l:num}L，超过标准{max_displacement_l:num}L{std_note}"
example_zh: 2019 年购置的机要通信用车，价格 15 万元、排量 2.0L，标准为 12 万元、1.6L → 报告价格和排量均超标。
--- */
WITH v AS (
    SELECT v.*,
           -- new energy (纯电动, 插电式混合动力, 增程式, 燃料电池); 油电混合 without a plug is not new energy
           (regexp_matches(coalesce(v.energy, ''), '新能源|纯电|电动|插电|插混|增程|燃料电池|氢')
            OR coalesce(v.energy, '') = '电') AS is_new_energy
    FROM vehicles v
),
caps AS (
    -- the row in force on the purchase date: the category's own row, and for a new-energy vehicle the
    -- new-energy row of any category (category *), which takes precedence
    SELECT v.unit, v._key, v.plate_no, v.category, v.purchase_date, v.purchase_price,
           v.displacement_l, v.is_new_energy, c.category AS cap_category, c.energy AS cap_energy,
           c.max_price, c.max_displacement_l, coalesce(c.verified, false) AS verified, c.citation
    FROM v
    JOIN std_vehicle_caps c
      ON (c.category = v.category OR (c.category = '*' AND c.energy IS NOT NULL))
     AND v.purchase_date >= c.effective_from
     AND (c.effective_to IS NULL OR v.purchase_date <= c.effective_to)
     AND (c.energy IS NULL OR v.is_new_energy)
    WHERE v.purchase_date IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY v.unit, v._key
                               ORDER BY CASE WHEN c.energy IS NOT NULL THEN 0 ELSE 1 END) = 1
),
judged AS (
    SELECT *,
           (purchase_price IS NOT NULL AND max_price IS NOT NULL AND purchase_price > max_price) AS over_price,
           (displacement_l IS NOT NULL AND max_displacement_l IS NOT NULL
            AND displacement_l > max_displacement_l) AS over_disp
    FROM caps
),
unjudged AS (
    -- cannot judge: no purchase date, or no cap row for the category on the purchase date
    SELECT v.unit, v._key, v.plate_no,
           CASE WHEN v.purchase_date IS NULL THEN '没有购置日期'
                ELSE concat('类别「', coalesce(v.category, '（空）'), '」在购置日期没有适用的配备标准') END AS reason
    FROM v
    WHERE v.purchase_date IS NULL
       OR NOT EXISTS (SELECT 1 FROM caps c WHERE c.unit = v.unit AND c._key = v._key)
)
SELECT unit, _key AS finding_key, 'vehicles' AS ev_table, _key AS ev_key,
       'vehicle' AS entity_type, plate_no AS entity_key,
       CASE WHEN over_price THEN purchase_price - max_price END AS amount,
       purchase_date AS period_start, purchase_date AS period_end,
       CASE WHEN over_price AND over_disp THEN 'price,displacement' WHEN over_price THEN 'price'
            ELSE 'displacement' END AS rule,
       plate_no, category, purchase_date,
       -- the numbers are formatted by the per-rule templates, not here (portable to Spark)
       purchase_price, max_price, displacement_l, max_displacement_l,
       CASE WHEN cap_energy IS NOT NULL THEN '新能源轿车' ELSE '' END AS energy_label,
       CASE WHEN verified THEN '' ELSE concat('（所依据的标准取自', citation, '，数值待核实）') END AS std_note,
       CAST(NULL AS VARCHAR) AS _note
FROM judged
WHERE over_price OR over_disp
UNION ALL
SELECT unit, _key, 'vehicles', _key, 'vehicle', plate_no, NULL, NULL, NULL, NULL, plate_no, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, reason
FROM unjudged
