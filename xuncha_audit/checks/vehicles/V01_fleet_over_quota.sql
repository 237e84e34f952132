/* ---
code: V01
slug: fleet_over_quota
title_zh: 公务用车超编
title_en: Active vehicles above the quota
area: vehicles
severity: high
route: 反馈
inputs: [vehicles, vehicle_quota, vehicle_ownership]
requires: [vehicle_quota]
evidence: [vehicles, vehicle_quota]
entity_type: unit
what_zh: 单位某一车辆类别在用（含封存）车辆数超过核定编制数；有车辆但没有编制记录的类别单独报告。状态为已处置、报废、待处置的车辆不计入。
what_en: Active vehicles of a unit and category above the approved quota; a category with vehicles and no quota row is reported on its own.
why_zh: 超编制配备公务用车是公车改革后的重点问题，往往伴随借用、调用下属单位车辆或以其他名义购置车辆。
regulation: 《党政机关公务用车管理办法》（中办发〔2017〕71号）第八条、第九条（公务用车实行编制管理，不得超编制配备）
rules:
  over_quota: 在用车辆数超过编制数
  no_quota: 该类别有车辆但没有编制数
exclusions_zh: 已处置、报废、待处置状态的车辆不计入；产权属于其他单位的车辆不计入本单位车辆数（见 V06）。产权单位为空、为“本单位”、与单位名称相同，或是台账中过半数车辆的产权单位（即本单位在台账中的写法）时，视为本单位车辆。
params: {}
template: "{category}在用车辆{n_active:int}辆，核定编制{quota_text}"
example_zh: 某局「一般公务用车」编制 2 辆，台账在用 3 辆 → 报告 1 条，列出 3 辆车和编制记录。
--- */
WITH own AS (
    SELECT v.*
    FROM vehicles v JOIN vehicle_ownership o ON o.unit = v.unit AND o._key = v._key
    WHERE coalesce(v.status, '在用') NOT IN ('已处置', '报废', '待处置') AND o.is_own
),
per_cat AS (
    SELECT o.unit, coalesce(o.category, '未填类别') AS category, count(*) AS n_active,
           min(o.purchase_date) AS first_date, max(o.purchase_date) AS last_date
    FROM own o
    GROUP BY o.unit, coalesce(o.category, '未填类别')
),
judged AS (
    SELECT p.*, q.quota, q._key AS quota_key,
           CASE WHEN q.quota IS NULL THEN 'no_quota' ELSE 'over_quota' END AS rule
    FROM per_cat p
    LEFT JOIN vehicle_quota q ON q.unit = p.unit AND q.category = p.category
    WHERE q.quota IS NULL OR p.n_active > q.quota
)
SELECT j.unit, j.category AS finding_key, 'vehicles' AS ev_table, o._key AS ev_key,
       'unit' AS entity_type, j.category AS entity_key, CAST(NULL AS DECIMAL(18,2)) AS amount,
       j.first_date AS period_start, j.last_date AS period_end, j.rule,
       j.category, j.n_active,
       CASE WHEN j.quota IS NULL THEN '：无编制记录' ELSE concat(CAST(j.quota AS VARCHAR), '辆，超编', CAST(j.n_active - j.quota AS VARCHAR), '辆') END AS quota_text
FROM judged j
JOIN own o ON o.unit = j.unit AND coalesce(o.category, '未填类别') = j.category
UNION ALL
SELECT j.unit, j.category, 'vehicle_quota', j.quota_key, 'unit', j.category, CAST(NULL AS DECIMAL(18,2)),
       j.first_date, j.last_date, j.rule, j.category, j.n_active,
       concat(CAST(j.quota AS VARCHAR), '辆，超编', CAST(j.n_active - j.quota AS VARCHAR), '辆')
FROM judged j
WHERE j.quota_key IS NOT NULL
