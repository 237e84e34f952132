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
what_zh: 车辆购置价格或排气量超过购置日期当时有效的该类别配备标准。
what_en: Purchase price or engine displacement above the cap for the vehicle's category in force on the purchase date.
why_zh: 超标准配车是违反中央八项规定精神的典型问题，购置价、排量均有明确上限。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第十条；2017年12月5日前购置的适用《党政机关公务用车配备使用管理办法》（中办发〔2011〕2号）
rules:
  price: 购置价格超过标准
  displacement: 排气量超过标准
exclusions_zh: 没有购置日期或该类别当时没有标准的车辆不判断；新能源车辆只按价格上限判断。
params: {}
template:
  price: "{plate_no}（{category}，{purchase_date:date}购置）购置价{purchase_price:money}元，超过标准{max_price:money}元"
  displacement: "{plate_no}（{category}，{purchase_date:date}购置）排气量{displacement_l:num}L，超过标准{max_displacement_l:num}L"
  price,displacement: "{plate_no}（{category}，{purchase_date:date}购置）购置价{purchase_price:money}元，超过标准{max_price:money}元；排气量{displacement_l:num}L，超过标准{max_displacement_l:num}L"
example_zh: 2019 年购置的机要通信用车，价格 15 万元、排量 2.0L，标准为 12 万元、1.6L → 报告价格和排量均超标。
--- */
WITH v AS (
    SELECT v.*,
           (coalesce(v.energy, '') LIKE '%电%' OR coalesce(v.energy, '') LIKE '%新能源%'
            OR coalesce(v.energy, '') LIKE '%氢%') AS is_new_energy
    FROM vehicles v
    WHERE v.purchase_date IS NOT NULL
),
caps AS (
    SELECT v.unit, v._key, v.plate_no, v.category, v.purchase_date, v.purchase_price,
           v.displacement_l, c.max_price, c.max_displacement_l,
           row_number() OVER (PARTITION BY v.unit, v._key
                              ORDER BY CASE WHEN c.energy IS NOT NULL THEN 0 ELSE 1 END) AS pick
    FROM v
    JOIN std_vehicle_caps c
      ON c.category = v.category
     AND v.purchase_date >= c.effective_from
     AND (c.effective_to IS NULL OR v.purchase_date <= c.effective_to)
     AND (c.energy IS NULL OR v.is_new_energy)
),
judged AS (
    SELECT *,
           (purchase_price IS NOT NULL AND max_price IS NOT NULL AND purchase_price > max_price) AS over_price,
           (displacement_l IS NOT NULL AND max_displacement_l IS NOT NULL
            AND displacement_l > max_displacement_l) AS over_disp
    FROM caps
    WHERE pick = 1
)
SELECT unit, _key AS finding_key, 'vehicles' AS ev_table, _key AS ev_key,
       'vehicle' AS entity_type, plate_no AS entity_key,
       CASE WHEN over_price THEN purchase_price - max_price END AS amount,
       purchase_date AS period_start, purchase_date AS period_end,
       CASE WHEN over_price AND over_disp THEN 'price,displacement' WHEN over_price THEN 'price'
            ELSE 'displacement' END AS rule,
       plate_no, category, purchase_date, purchase_price, max_price, displacement_l, max_displacement_l
FROM judged
WHERE over_price OR over_disp
