/* ---
code: V04
slug: private_use
title_zh: 公车私用
title_en: Official car used on rest days without a dispatch record
area: vehicles
severity: medium
route: 纪检监察
inputs: [vehicle_costs, vehicle_trips, std_calendar]
requires: [vehicle_trips]
evidence: [vehicle_costs]
entity_type: vehicle
what_zh: 公务用车在休息日（周末或法定节假日，按官方调休安排，调休上班日不算）发生加油、充电、过路过桥或停车费用，而当天该车没有派车记录。
what_en: Fuel, charging, tolls or parking of an official car on a rest day (official calendar with adjusted working days) with no dispatch record for that car that day.
why_zh: 节假日无派车单却有用车费用，是公车私用（如节假日驾车出游、办私事）的典型线索。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第二十二条（严禁公车私用）；《中国共产党纪律处分条例》第一百一十四条
exclusions_zh: 调休上班日视为工作日；当天有派车记录的不报告；维修、保养、保险、洗车费用不作为用车证据。
params: {}
template: "车牌{plate_no}在{day:date}（{day_kind}）无派车记录，发生{cost_types}费用{amount:money}元"
example_zh: 国庆假期 10 月 3 日加油 300 元、过路费 85 元，当天无派车单 → 报告 1 条。
--- */
WITH c AS (
    SELECT c.*, cal.is_holiday
    FROM vehicle_costs c
    JOIN std_calendar cal ON cal.date = c.date AND cal.is_rest_day
    WHERE c.cost_type IN ('加油', '充电', '过路过桥', '停车')
      AND NOT EXISTS (
          SELECT 1 FROM vehicle_trips t
          WHERE t.unit = c.unit AND t.plate_no = c.plate_no AND t.date = c.date)
),
g AS (
    SELECT *,
           sum(amount) OVER (PARTITION BY unit, plate_no, date) AS total,
           array_to_string(list_sort(list(DISTINCT cost_type) OVER (PARTITION BY unit, plate_no, date)), '、') AS types
    FROM c
)
SELECT unit, concat(plate_no, '|', CAST(date AS VARCHAR)) AS finding_key, 'vehicle_costs' AS ev_table,
       _key AS ev_key, 'vehicle' AS entity_type, plate_no AS entity_key, total AS amount,
       date AS period_start, date AS period_end, plate_no, date AS day,
       CASE WHEN is_holiday THEN '法定节假日' ELSE '休息日' END AS day_kind, types AS cost_types
FROM g
