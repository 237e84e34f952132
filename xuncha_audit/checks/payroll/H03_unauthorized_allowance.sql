/* ---
code: H03
slug: unauthorized_allowance
title_zh: 违规发放津补贴
title_en: Pay items outside the approved list
area: payroll
severity: high
route: 纪检监察
inputs: [payroll, std_pay_items, pay_item_family]
evidence: [payroll]
entity_type: unit
what_zh: 工资项目按项目族（std_pay_items：类别、同义名称、名称模式，可按本地配置调整）归类后：明令禁止的项目（过节费、节日补贴、购物卡、福利费等）一经发放即报告；需核实依据的项目（加班费、值班补助、误餐补助、通讯补贴、考核奖等）在某月发放给全体（不少于设定比例）人员时报告。每个项目每年一条疑点，列出涉及的月份。批准的项目（岗位工资、薪级工资、津贴补贴、规范津贴补贴、岗位津贴、车改补贴、离退休费等）不报告；清单中没有的项目由 H04 作为低风险待核实事项列出。
what_en: "Pay items placed in families (std_pay_items: category, synonyms, patterns; configurable): prohibited items (holiday money, shopping cards, welfare) whenever paid; items that need a local basis (overtime, duty, meal, phone allowances, assessment bonuses) when paid to (nearly) everyone in a month. One finding per item and year, listing its months. Approved items are never flagged; unlisted items are H04's."
why_zh: 自行设立津补贴项目、以加班费等名义普遍发放，是违反中央八项规定精神和津贴补贴政策的突出问题。
regulation: 《关于进一步规范党政机关津贴补贴问题的通知》（中纪发〔2010〕号，待核实）；《中国共产党纪律处分条例》第一百零四条
rules:
  prohibited_item: 明令禁止的发放项目
  paid_to_everyone: 需核实依据的项目当月普遍发放
exclusions_zh: 汇总、扣款、代扣代缴行（应发合计、实发、个人所得税、公积金个人部分、工会会费等，项目族「扣款及合计」）不计；金额为零的行不视为发放；补发某项目按该项目判断（补发岗位工资 = 岗位工资）。
params:
  everyone_share: {type: decimal, default: 0.8, min: 0.1, max: 1, description_zh: 当月领取该项目的人数占当月发放人数的比例达到多少视为“普遍发放”}
  min_people: {type: int, default: 5, min: 1, max: 10000, description_zh: 判断“普遍发放”所需的当月最少发放人数}
template: "{year}年{months_text}以「{item}」名义发放{amount:money}元（单月最多{n_people:int}人，占当月发放人数{share:pct}）{why_text}"
example_zh: 2024 年 9 月中秋节前，以「过节费」名义向全体 45 人每人发放 1,000 元 → 报告 1 条，引用 45 行工资明细；同年 2 月再发一次则同一条疑点列出 2 月、9 月。
--- */
WITH p AS (
    -- no record keys: the evidence lines are read from payroll again, for the items found (p held
    -- every paid line's key for them: a province's 13.4 million lines, H03 2.5 -> 0.7 s)
    SELECT py.unit, py.month, py.item, py.amount, f.family, f.category,
           coalesce(py.id_number, py.person_id, py.name) AS who
    FROM payroll py
    JOIN pay_item_family f ON f.item = py.item
    WHERE py.amount IS NOT NULL AND py.amount > 0 AND coalesce(f.category, '') <> '非发放项目'
),
month_people AS (
    SELECT unit, month, count(DISTINCT who) AS n_month FROM p GROUP BY unit, month
),
items AS (
    SELECT unit, month, item, category, count(DISTINCT who) AS n_people, sum(amount) AS total
    FROM p WHERE category IN ('违规发放', '待核实')
    GROUP BY unit, month, item, category
),
judged AS (
    SELECT i.*, m.n_month, CAST(i.n_people AS DOUBLE) / m.n_month AS share,
           CASE WHEN i.category = '违规发放' THEN 'prohibited_item' ELSE 'paid_to_everyone' END AS rule,
           year(i.month) AS y
    FROM items i JOIN month_people m ON m.unit = i.unit AND m.month = i.month
    WHERE i.category = '违规发放'
       OR (m.n_month >= $min_people AND CAST(i.n_people AS DOUBLE) / m.n_month >= $everyone_share)
),
per_year AS (
    -- one finding per item and year; the months in calendar order without an ordered aggregate
    SELECT unit, item, y, rule, sum(total) AS total, max(n_people) AS n_people, max(share) AS share,
           min(month) AS m0, max(month) AS m1,
           concat_ws('、',
               CASE WHEN max(CASE WHEN month(month) = 1 THEN 1 END) = 1 THEN '1月' END,
               CASE WHEN max(CASE WHEN month(month) = 2 THEN 1 END) = 1 THEN '2月' END,
               CASE WHEN max(CASE WHEN month(month) = 3 THEN 1 END) = 1 THEN '3月' END,
               CASE WHEN max(CASE WHEN month(month) = 4 THEN 1 END) = 1 THEN '4月' END,
               CASE WHEN max(CASE WHEN month(month) = 5 THEN 1 END) = 1 THEN '5月' END,
               CASE WHEN max(CASE WHEN month(month) = 6 THEN 1 END) = 1 THEN '6月' END,
               CASE WHEN max(CASE WHEN month(month) = 7 THEN 1 END) = 1 THEN '7月' END,
               CASE WHEN max(CASE WHEN month(month) = 8 THEN 1 END) = 1 THEN '8月' END,
               CASE WHEN max(CASE WHEN month(month) = 9 THEN 1 END) = 1 THEN '9月' END,
               CASE WHEN max(CASE WHEN month(month) = 10 THEN 1 END) = 1 THEN '10月' END,
               CASE WHEN max(CASE WHEN month(month) = 11 THEN 1 END) = 1 THEN '11月' END,
               CASE WHEN max(CASE WHEN month(month) = 12 THEN 1 END) = 1 THEN '12月' END
           ) AS months_text
    FROM judged
    GROUP BY unit, item, y, rule
)
SELECT y.unit, concat(y.rule, '|', y.item, '|', CAST(y.y AS VARCHAR)) AS finding_key, 'payroll' AS ev_table,
       py._key AS ev_key, 'unit' AS entity_type, y.item AS entity_key, y.total AS amount,
       y.m0 AS period_start, y.m1 AS period_end, y.rule, y.item, y.n_people, y.share,
       CAST(y.y AS VARCHAR) AS year, y.months_text,
       CASE WHEN y.rule = 'prohibited_item' THEN '，属明令禁止的发放项目'
            ELSE '，该项目需核实发放依据' END AS why_text
FROM per_year y
JOIN judged j ON j.unit = y.unit AND j.item = y.item AND j.y = y.y AND j.rule = y.rule
JOIN payroll py ON py.unit = j.unit AND py.month = j.month AND py.item = j.item
 AND py.amount IS NOT NULL AND py.amount > 0
