/* ---
code: V06
slug: subordinate_vehicles
title_zh: 占用下属单位车辆
title_en: Vehicles of another unit paid for or used by the inspected unit
area: vehicles
severity: medium
route: 反馈
inputs: [vehicles, vehicle_costs, vehicle_trips, staff, vehicle_ownership]
evidence: [vehicles, vehicle_costs, vehicle_trips]
entity_type: vehicle
what_zh: 产权属于其他单位（如下属单位、企业）的车辆，其运行费用由被巡察单位支付，或由被巡察单位工作人员使用；车牌不在本单位台账中、但在本次一并导入的其他单位台账中的车辆，同样按其他单位的车辆报告（不由 V03 按“不在台账中”报告）。
what_en: A vehicle owned by another unit (a subordinate named with the parent's prefix included, or a car in the registry of another unit of the same run) whose running costs the inspected unit pays, or which the inspected unit's staff use.
why_zh: 借用、占用下属单位或企业车辆，是变相超编配车、转嫁费用的常见手法，公车改革后明令禁止。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第十一条（不得借用、占用下级单位和其他单位的车辆）
rules:
  costs_paid: 被巡察单位为该车支付运行费用
  staff_use: 被巡察单位工作人员使用该车
exclusions_zh: 产权单位为空、为“本单位”、与被巡察单位名称相同（或只差前面的地名，如「湖南省某市某局」），或是台账中过半数车辆的产权单位（本单位在台账中的写法）的车辆视为本单位车辆；以本单位名称开头再加后缀的产权单位（如「某市某局机关服务中心」）是另一个单位（下属单位），不视为本单位；支付单位写明为产权单位的费用不计入。
params: {}
template: "{owner_unit}的车辆{plate_no}由本单位{use_text}"
example_zh: 产权属于某市住房保障服务中心的车辆，本单位为其支付加油费 12 笔 → 报告 1 条。
--- */
WITH other AS (
    SELECT v.*
    FROM vehicles v JOIN vehicle_ownership o ON o.unit = v.unit AND o._key = v._key
    WHERE NOT o.is_own
),
foreign_reg AS (
    -- a plate not in the unit's own registry but in the registry of another unit of this run: that
    -- unit's car (its owner as written, or the unit itself when blank or 本单位)
    SELECT DISTINCT f.unit, f.plate_no, f.owner_unit
    FROM (SELECT x.unit, x.plate_no,
                 min(CASE WHEN v.owner_unit IS NULL OR v.owner_unit = '本单位' THEN v.unit ELSE v.owner_unit END)
                     AS owner_unit
          FROM (SELECT unit, plate_no FROM vehicle_costs UNION SELECT unit, plate_no FROM vehicle_trips) x
          JOIN vehicles v ON v.plate_no = x.plate_no AND v.unit <> x.unit
          WHERE NOT EXISTS (SELECT 1 FROM vehicles o WHERE o.unit = x.unit AND o.plate_no = x.plate_no)
          GROUP BY x.unit, x.plate_no) f
),
cars AS (
    SELECT unit, plate_no, owner_unit FROM other
    UNION ALL
    SELECT unit, plate_no, owner_unit FROM foreign_reg
),
costs AS (
    SELECT o.unit, o.plate_no, o.owner_unit, c._key, c.amount, c.date
    FROM cars o
    JOIN vehicle_costs c ON c.unit = o.unit AND c.plate_no = o.plate_no
    WHERE c.paid_by IS NULL OR c.paid_by <> o.owner_unit
),
trips AS (
    SELECT o.unit, o.plate_no, o.owner_unit, t._key, t.date, t.user
    FROM cars o
    JOIN vehicle_trips t ON t.unit = o.unit AND t.plate_no = o.plate_no
    WHERE EXISTS (SELECT 1 FROM staff s WHERE s.unit = t.unit AND s.name IN (t.user, t.driver))
),
ev AS (
    SELECT unit, plate_no, owner_unit, 'vehicle_costs' AS ev_table, _key, amount, date, 'costs_paid' AS rule,
           CAST(NULL AS VARCHAR) AS person
    FROM costs
    UNION ALL
    SELECT unit, plate_no, owner_unit, 'vehicle_trips', _key, CAST(NULL AS DECIMAL(18,2)), date, 'staff_use', user
    FROM trips
),
summary AS (
    SELECT unit, plate_no, min(owner_unit) AS owner_unit, sum(amount) AS total, min(date) AS first_date,
           max(date) AS last_date,
           count(CASE WHEN ev_table = 'vehicle_costs' THEN 1 END) AS n_costs,
           count(CASE WHEN ev_table = 'vehicle_trips' THEN 1 END) AS n_trips
    FROM ev
    GROUP BY unit, plate_no
)
SELECT e.unit, e.plate_no AS finding_key, e.ev_table, e._key AS ev_key, 'vehicle' AS entity_type,
       e.plate_no AS entity_key, s.total AS amount, s.first_date AS period_start, s.last_date AS period_end,
       e.rule, e.person AS persons, s.owner_unit, e.plate_no,
       concat_ws('，',
           CASE WHEN s.n_costs > 0 THEN concat('支付运行费用', CAST(s.n_costs AS VARCHAR), '笔，合计',
                format('{:,.2f}', CAST(s.total AS DOUBLE)), '元') END,
           CASE WHEN s.n_trips > 0 THEN concat('工作人员使用', CAST(s.n_trips AS VARCHAR), '次') END) AS use_text
FROM ev e JOIN summary s ON s.unit = e.unit AND s.plate_no = e.plate_no
UNION ALL
SELECT o.unit, o.plate_no, 'vehicles', o._key, 'vehicle', o.plate_no, s.total, s.first_date, s.last_date,
       NULL, NULL, s.owner_unit, o.plate_no,
       concat_ws('，',
           CASE WHEN s.n_costs > 0 THEN concat('支付运行费用', CAST(s.n_costs AS VARCHAR), '笔，合计',
                format('{:,.2f}', CAST(s.total AS DOUBLE)), '元') END,
           CASE WHEN s.n_trips > 0 THEN concat('工作人员使用', CAST(s.n_trips AS VARCHAR), '次') END)
FROM other o JOIN summary s ON s.unit = o.unit AND s.plate_no = o.plate_no
