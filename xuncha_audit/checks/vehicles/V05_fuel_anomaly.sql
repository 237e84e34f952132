/* ---
code: V05
slug: fuel_anomaly
title_zh: 油耗异常
title_en: Refuelling anomalies
area: vehicles
severity: medium
route: 纪检监察
inputs: [vehicle_costs, vehicles]
evidence: [vehicle_costs, vehicles]
entity_type: vehicle
what_zh: 单次加油量超过油箱容量（台账油箱容积，未知时按默认值；涉及金额按超出油箱容量部分折算）；同一车辆同一天加油两次及以上；为纯电动车辆报销加油费。
what_en: One refuelling above the tank capacity (registry tank size, else a default), two or more refuellings of one vehicle on one day, or fuel bought for a battery-electric vehicle.
why_zh: 超油箱容量加油、一天多次加油、电动车加油，说明油卡可能被用于给其他车辆（私家车）加油或套取现金。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第二十四条（公务用车实行单车核算，严禁虚报冒领运行费用）
rules:
  over_tank: 单次加油量超过油箱容量
  twice_a_day: 同一天加油两次及以上
  fuel_for_ev: 纯电动车辆加油
exclusions_zh: 加油量恰好等于油箱容量不报告；插电式混合动力车辆可以加油，不按纯电动处理。
params:
  default_tank_l: {type: decimal, default_from: vehicle.default_tank_l, min: 10, max: 1000, description_zh: 台账没有油箱容积时采用的油箱容量（升）}
template:
  over_tank: "车牌{plate_no}于{period_start:date}一次加油{liters:num}升，超过油箱容量{tank:num}升（涉及金额{amount:money}元）"
  twice_a_day: "车牌{plate_no}于{period_start:date}加油{n_same_day:int}次（涉及金额{amount:money}元）"
  fuel_for_ev: "车牌{plate_no}为纯电动车辆报销加油费（涉及金额{amount:money}元）"
example_zh: 一辆 1.6L 轿车一次加油 85 升（默认油箱 70 升）→ 报告超油箱容量。
--- */
WITH fuel AS (
    SELECT c.*, v._key AS vehicle_key, coalesce(v.tank_l, $default_tank_l) AS tank,
           (v.energy IS NOT NULL AND (v.energy LIKE '%纯电%' OR v.energy IN ('电', '电动', 'BEV', '纯电动'))
            AND v.energy NOT LIKE '%混%') AS is_ev,
           count(*) OVER (PARTITION BY c.unit, c.plate_no, c.date) AS n_same_day
    FROM vehicle_costs c
    LEFT JOIN vehicles v ON v.unit = c.unit AND v.plate_no = c.plate_no
    WHERE c.cost_type = '加油'
),
hits AS (
    SELECT *, 'over_tank' AS rule, CAST(_key AS VARCHAR) AS fk
    FROM fuel WHERE liters IS NOT NULL AND liters > tank
    UNION ALL
    SELECT *, 'twice_a_day', concat(plate_no, '|', CAST(date AS VARCHAR))
    FROM fuel WHERE n_same_day >= 2
    UNION ALL
    SELECT *, 'fuel_for_ev', concat(plate_no, '|ev')
    FROM fuel WHERE is_ev
),
scored AS (
    SELECT *, sum(CASE WHEN rule = 'over_tank' THEN amount * (liters - tank) / liters ELSE amount END)
               OVER (PARTITION BY unit, rule, fk) AS total,
           min(date) OVER (PARTITION BY unit, rule, fk) AS first_date,
           max(date) OVER (PARTITION BY unit, rule, fk) AS last_date
    FROM hits
)
SELECT unit, concat(rule, '|', fk) AS finding_key, 'vehicle_costs' AS ev_table, _key AS ev_key,
       'vehicle' AS entity_type, plate_no AS entity_key, total AS amount,
       first_date AS period_start, last_date AS period_end, rule, plate_no, liters, tank, n_same_day
FROM scored
UNION ALL
SELECT DISTINCT unit, concat(rule, '|', fk), 'vehicles', vehicle_key, 'vehicle', plate_no, total,
       first_date, last_date, rule, plate_no, NULL, NULL, NULL
FROM scored
WHERE rule = 'fuel_for_ev'
