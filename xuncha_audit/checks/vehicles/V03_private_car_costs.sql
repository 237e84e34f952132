/* ---
code: V03
slug: private_car_costs
title_zh: 私车公养
title_en: Running costs paid for a car not in the fleet or already disposed
area: vehicles
severity: high
route: 纪检监察
inputs: [vehicle_costs, vehicles]
requires: [vehicles]
evidence: [vehicle_costs, vehicles]
entity_type: vehicle
what_zh: 车辆运行费用（加油、维修、保险等）支付给不在本单位（也不在本次导入的其他单位）公务用车台账中的车牌，或支付给处置、报废日期之前已处置的车辆；台账记为已处置、报废却没有处置日期的车辆，其运行费用一并报告待核实。车牌按规范化形式比较（大小写、空格、全角）。
what_en: Fuel, repair or insurance paid for a plate in no fleet registry of the run, or for a vehicle already disposed/scrapped on the cost date; costs of a vehicle marked disposed without a disposal date are reported for verification (plates compared in normalised form).
why_zh: 用公款为私家车或已处置车辆加油、维修、投保是“私车公养”的典型表现，属于违反中央八项规定精神问题。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第二十四条（严禁为非公务用车报销运行维护费用）；《中国共产党纪律处分条例》第一百一十四条
rules:
  not_in_registry: 车牌不在公务用车台账中
  after_disposal: 费用日期晚于车辆处置（报废）日期
  disposed_undated: 车辆在台账中记为已处置（报废）但没有处置日期，其运行费用需核实
exclusions_zh: 处置日期当天及之前的费用不报告；待处置、封存的车辆不按已处置判断；车牌不在本单位台账、但在本次一并导入的其他单位台账中的，是其他单位的车辆，由 V06 报告，本检查不报。
params: {}
template: "车牌{plate_no}{reason_text}，发生运行费用{n_costs:int}笔，合计{amount:money}元"
example_zh: 油卡为「湘A12345」加油 5 笔，台账中没有该车牌 → 报告 1 条，引用 5 笔费用。
--- */
WITH c AS (
    SELECT c.*, v._key AS vehicle_key, v.status, v.disposal_date,
           CASE WHEN v._key IS NULL
                     -- a car in the registry of another unit of this run is V06's (another unit's car)
                     AND NOT EXISTS (SELECT 1 FROM vehicles x WHERE x.plate_no = c.plate_no AND x.unit <> c.unit)
                     THEN 'not_in_registry'
                WHEN v.status IN ('已处置', '报废', '已报废') AND v.disposal_date IS NOT NULL
                     AND c.date > v.disposal_date THEN 'after_disposal'
                WHEN v.status IN ('已处置', '报废', '已报废') AND v.disposal_date IS NULL THEN 'disposed_undated'
           END AS rule
    FROM vehicle_costs c
    LEFT JOIN vehicles v ON v.unit = c.unit AND v.plate_no = c.plate_no
),
flagged AS (
    SELECT *,
           count(*) OVER (PARTITION BY unit, plate_no, rule) AS n_costs,
           sum(amount) OVER (PARTITION BY unit, plate_no, rule) AS total,
           min(date) OVER (PARTITION BY unit, plate_no, rule) AS first_date,
           max(date) OVER (PARTITION BY unit, plate_no, rule) AS last_date,
           CASE rule WHEN 'not_in_registry' THEN '不在公务用车台账中'
                     WHEN 'after_disposal' THEN concat('已于', strftime(disposal_date, '%Y-%m-%d'),
                                                       regexp_replace(status, '^已', ''))
                     ELSE concat('在台账中记为', status, '但没有处置日期（无法确认费用发生时车辆仍在用，需核实）')
           END AS reason_text
    FROM c
    WHERE rule IS NOT NULL
)
SELECT unit, concat(plate_no, '|', rule) AS finding_key, 'vehicle_costs' AS ev_table, _key AS ev_key,
       'vehicle' AS entity_type, plate_no AS entity_key, total AS amount,
       first_date AS period_start, last_date AS period_end, rule, plate_no, n_costs, reason_text
FROM flagged
UNION ALL
SELECT DISTINCT unit, concat(plate_no, '|', rule), 'vehicles', vehicle_key, 'vehicle', plate_no, total,
       first_date, last_date, rule, plate_no, n_costs, reason_text
FROM flagged
WHERE vehicle_key IS NOT NULL
