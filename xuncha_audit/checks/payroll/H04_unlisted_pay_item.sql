/* ---
code: H04
slug: unlisted_pay_item
title_zh: 清单外工资项目（待核实）
title_en: Pay items in no known family (to verify)
area: payroll
severity: low
route: 反馈
inputs: [payroll, std_pay_items, pay_item_family]
evidence: [payroll]
entity_type: unit
what_zh: 工资发放中出现不属于任何项目族（std_pay_items 的名称、同义名称和名称模式都对不上）的项目：每个项目每年一条待核实事项，列出发放的月份、人数和金额，请核对该项目的批准文件；核实为合规项目的，可在本地标准配置中加入 std_pay_items。
what_en: A pay item that matches no family of std_pay_items (name, synonym or pattern) - one low-severity item to verify per item and year, listing its months, people and amount; add it to the local std_pay_items once its basis is confirmed.
why_zh: 工资表中出现未列入批准清单的项目，可能是地方已批准但清单未收录的项目，也可能是自定名目发放的津补贴，需要核对发放依据后才能定性。
regulation: 《中国共产党纪律处分条例》第一百零四条（违反有关规定自定薪酬或者滥发津贴、补贴、奖金）；津贴补贴项目以国家和省级批准文件为准
rules:
  unlisted_item: 不属于任何项目族的发放项目
exclusions_zh: 汇总、扣款、代扣代缴行不计；金额为零的行不视为发放；明令禁止或需核实依据的项目由 H03 判断。
params: {}
template: "{year}年{months_text}发放清单外项目「{item}」{n_lines:int}笔、{n_people:int}人，合计{amount:money}元，请核对发放依据"
example_zh: 工资表中出现「交通费补助」，2024 年 1–12 月每月向 40 人发放 → 一条待核实事项，列出 12 个月；若本地有批准文件，可在标准配置中把它加入「公务交通补贴」项目族。
--- */
WITH p AS (
    SELECT py.unit, py._key, py.month, py.item, py.amount, year(py.month) AS y,
           coalesce(py.id_number, py.person_id, py.name) AS who
    FROM payroll py
    JOIN pay_item_family f ON f.item = py.item
    WHERE py.amount IS NOT NULL AND py.amount > 0 AND f.family IS NULL
),
per_year AS (
    SELECT unit, item, y, sum(amount) AS total, count(*) AS n_lines, count(DISTINCT who) AS n_people,
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
    FROM p
    GROUP BY unit, item, y
)
SELECT y.unit, concat(y.item, '|', CAST(y.y AS VARCHAR)) AS finding_key, 'payroll' AS ev_table,
       p._key AS ev_key, 'unit' AS entity_type, y.item AS entity_key, y.total AS amount,
       y.m0 AS period_start, y.m1 AS period_end, 'unlisted_item' AS rule, y.item, y.n_lines, y.n_people,
       CAST(y.y AS VARCHAR) AS year, y.months_text
FROM per_year y
JOIN p ON p.unit = y.unit AND p.item = y.item AND p.y = y.y
