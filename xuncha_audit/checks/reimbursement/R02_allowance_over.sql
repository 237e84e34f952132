/* ---
code: R02
slug: allowance_over
title_zh: 伙食补助费、市内交通费超标
title_en: Meal or local-transport allowance above days x daily rate
area: reimbursement
severity: medium
route: 反馈
inputs: [travel_claims, _units, std_places, std_travel_allowances, travel_destination]
evidence: [travel_claims]
entity_type: person
what_zh: 伙食补助费超过出差自然（日历）天数 × 日标准（一般 100 元/天，西藏、青海、新疆 120 元/天），或市内交通费超过天数 × 80 元/天。天数 = 返回日期 − 出发日期 + 1；日标准取目的地所在省份、出发日期有效的标准（std_travel_allowances，省份没有专门标准的用「*」默认行）。
why_zh: 伙食补助费和市内交通费按出差自然天数定额包干，超过定额报销即多报多领。
regulation: 《中央和国家机关差旅费管理办法》（财行〔2013〕531号）第四章（伙食补助费按出差自然（日历）天数实行定额包干）、第五章（市内交通费按出差自然天数包干）；财行〔2016〕71号 附件
exclusions_zh: 目的地无法识别时按默认标准（100 元/天）判断；出发、返回日期颠倒的记录不判断（由数据校验报告）；出发日期没有有效的伙食补助或市内交通费标准（本库自 2014-01-01 财行〔2013〕531号 施行起）的记录不判断，作为数据质量说明（_note「该日期无适用的伙食补助费、市内交通费标准」），不算通过。
rules:
  meal: 伙食补助费超过天数 × 日标准
  local_transport: 市内交通费超过天数 × 日标准
params:
  tolerance: {type: decimal, default: 0, min: 0, max: 100000, description_zh: 容差（元），超出金额大于该值才标记}
template: "{person}赴{destination}出差{days:int}天（{depart_date:date}至{return_date:date}）：{detail}，合计超出{amount:money}元"
example_zh: 赴拉萨出差 5 天，伙食补助标准 120×5=600 元，报销 800 元，超出 200 元。
what_en: Meal allowance above calendar days x daily rate (100; 120 in Tibet, Qinghai, Xinjiang) or local transport above days x 80.
why_en: The allowances are fixed per calendar day of the trip; more is over-claiming.
--- */
WITH
claims AS (
    SELECT t.unit, t._key, t.claim_no, t.person, t.destination, t.depart_date, t.return_date,
        t.meal_allowance, t.local_transport_allowance,
        datediff('day', t.depart_date, t.return_date) + 1 AS days,
        coalesce(dp.region, '*') AS dest_region
    FROM travel_claims t
    LEFT JOIN _units du ON du.unit = t.unit
    LEFT JOIN travel_destination dp ON dp.destination = t.destination AND dp.unit_region = coalesce(du.region, '')
    WHERE t.return_date >= t.depart_date
      AND (t.meal_allowance > 0 OR t.local_transport_allowance > 0)
),
rates AS (
    -- the region's own rate before the default row, in force on the departure date
    SELECT c.unit, c._key, a.item, a.daily_rate
    FROM claims c
    JOIN std_travel_allowances a
      ON a.region IN (c.dest_region, '*')
     AND c.depart_date >= a.effective_from AND (a.effective_to IS NULL OR c.depart_date <= a.effective_to)
    QUALIFY row_number() OVER (PARTITION BY c.unit, c._key, a.item
                               ORDER BY CASE WHEN a.region = '*' THEN 1 ELSE 0 END) = 1
),
judged AS (
    SELECT c.*, m.daily_rate AS meal_rate, tr.daily_rate AS transport_rate,
        CAST(c.meal_allowance - c.days * m.daily_rate AS DECIMAL(18, 2)) AS meal_excess,
        CAST(c.local_transport_allowance - c.days * tr.daily_rate AS DECIMAL(18, 2)) AS transport_excess
    FROM claims c
    LEFT JOIN rates m ON m.unit = c.unit AND m._key = c._key AND m.item = '伙食补助'
    LEFT JOIN rates tr ON tr.unit = c.unit AND tr._key = c._key AND tr.item = '市内交通'
),
flagged AS (
    SELECT j.*,
        CASE WHEN meal_excess > $tolerance THEN meal_excess ELSE 0 END
          + CASE WHEN transport_excess > $tolerance THEN transport_excess ELSE 0 END AS total_excess,
        concat_ws('；',
            CASE WHEN meal_excess > $tolerance THEN
                '伙食补助费' || CAST(meal_allowance AS VARCHAR) || '元，标准' || CAST(days AS VARCHAR) || '天×'
                || CAST(CAST(meal_rate AS BIGINT) AS VARCHAR) || '元=' || CAST(CAST(days * meal_rate AS BIGINT) AS VARCHAR) || '元' END,
            CASE WHEN transport_excess > $tolerance THEN
                '市内交通费' || CAST(local_transport_allowance AS VARCHAR) || '元，标准' || CAST(days AS VARCHAR) || '天×'
                || CAST(CAST(transport_rate AS BIGINT) AS VARCHAR) || '元=' || CAST(CAST(days * transport_rate AS BIGINT) AS VARCHAR) || '元' END
        ) AS detail
    FROM judged j
    WHERE meal_excess > $tolerance OR transport_excess > $tolerance
)
SELECT unit, claim_no AS finding_key, 'travel_claims' AS ev_table, _key AS ev_key,
    'person' AS entity_type, person AS entity_key, CAST(total_excess AS DECIMAL(18, 2)) AS amount,
    depart_date AS period_start, return_date AS period_end, r.rule, person AS persons,
    person, destination, days, depart_date, return_date, detail, CAST(NULL AS VARCHAR) AS _note
FROM flagged
JOIN (SELECT 'meal' AS rule UNION ALL SELECT 'local_transport') r
  ON (r.rule = 'meal' AND meal_excess > $tolerance)
  OR (r.rule = 'local_transport' AND transport_excess > $tolerance)
UNION ALL
-- data-quality note (not a finding): an allowance claimed with no daily rate in force on the
-- departure date (before 2014-01-01), so the claim is neither judged nor passed
SELECT unit, claim_no, 'travel_claims', _key, 'person', person, NULL, depart_date, return_date,
    CASE WHEN meal_allowance > 0 AND meal_rate IS NULL THEN 'meal' ELSE 'local_transport' END,
    person, person, destination, days, depart_date, return_date, NULL,
    '该日期无适用的伙食补助费、市内交通费标准'
FROM judged
WHERE (meal_allowance > 0 AND meal_rate IS NULL)
   OR (local_transport_allowance > 0 AND transport_rate IS NULL)
