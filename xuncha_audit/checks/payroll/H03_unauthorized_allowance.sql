/* ---
code: H03
slug: unauthorized_allowance
title_zh: 违规发放津补贴
title_en: Pay items outside the approved list
area: payroll
severity: high
route: 纪检监察
inputs: [payroll, std_pay_items]
evidence: [payroll]
entity_type: unit
what_zh: 工资发放中出现批准清单（标准库 std_pay_items，可按本地配置调整）之外的项目：明令禁止的项目（过节费、购物卡、福利费、考核奖等）一经发放即报告；需核实的项目（加班费、误餐补助等）和清单中没有的项目，当月发放给全体（不少于设定比例）人员时报告。
what_en: "Pay items outside the approved list (configurable) — prohibited items (holiday money, shopping cards, ...) whenever paid; items to verify (overtime, meal subsidies, ...) and unlisted items when paid to (nearly) everyone in a month."
why_zh: 自行设立津补贴项目、以加班费等名义普遍发放，是违反中央八项规定精神和津贴补贴政策的突出问题。
regulation: 《关于进一步规范党政机关津贴补贴问题的通知》（中纪发〔2010〕号，待核实）；《中国共产党纪律处分条例》第一百零四条
rules:
  prohibited_item: 明令禁止的发放项目
  paid_to_everyone: 需核实或清单外的项目当月普遍发放
exclusions_zh: 合计、应发、实发、扣款、代扣代缴（个人所得税、公积金个人部分、工会会费）等非发放项目不计；金额为零的行不视为发放。
params:
  everyone_share: {type: decimal, default: 0.8, min: 0.1, max: 1, description_zh: 当月领取该项目的人数占当月发放人数的比例达到多少视为“普遍发放”}
  min_people: {type: int, default: 5, min: 1, max: 10000, description_zh: 判断“普遍发放”所需的当月最少发放人数}
template: "{month_text}以「{item}」名义向{n_people:int}人（占当月发放人数{share:pct}）发放{amount:money}元{why_text}"
example_zh: 2024 年 9 月中秋节前，以「过节费」名义向全体 45 人每人发放 1,000 元 → 报告 1 条，引用 45 行工资明细。
--- */
WITH p AS (
    SELECT *, coalesce(id_number, person_id, name) AS who
    FROM payroll
    WHERE amount IS NOT NULL AND amount > 0
      AND NOT regexp_matches(item, '合计|应发|实发|扣|代缴|所得税|个税|公积金个人|个人缴|工会会费|小计')
),
month_people AS (
    SELECT unit, month, count(DISTINCT who) AS n_month FROM p GROUP BY unit, month
),
items AS (
    SELECT p.unit, p.month, p.item, count(DISTINCT p.who) AS n_people, sum(p.amount) AS total,
           min(s.approved) AS approved, min(s.category) AS category
    FROM p LEFT JOIN std_pay_items s ON s.item = p.item
    GROUP BY p.unit, p.month, p.item
),
judged AS (
    SELECT i.*, m.n_month, CAST(i.n_people AS DOUBLE) / m.n_month AS share,
           CASE WHEN i.approved = false AND i.category = '违规发放' THEN 'prohibited_item'
                ELSE 'paid_to_everyone' END AS rule
    FROM items i JOIN month_people m ON m.unit = i.unit AND m.month = i.month
    WHERE (i.approved = false AND i.category = '违规发放')
       OR ((i.approved IS NULL OR i.approved = false)
           AND m.n_month >= $min_people
           AND CAST(i.n_people AS DOUBLE) / m.n_month >= $everyone_share)
)
SELECT j.unit, concat(CAST(j.month AS VARCHAR), '|', j.item) AS finding_key, 'payroll' AS ev_table,
       p._key AS ev_key, 'unit' AS entity_type, j.item AS entity_key, j.total AS amount,
       j.month AS period_start, j.month AS period_end, j.rule, j.item, j.n_people, j.share,
       strftime(j.month, '%Y年%m月') AS month_text,
       CASE WHEN j.rule = 'prohibited_item' THEN '，属明令禁止的发放项目'
            WHEN j.approved IS NULL THEN '，该项目不在批准的津补贴清单中'
            ELSE '，该项目需核实发放依据' END AS why_text
FROM judged j JOIN p ON p.unit = j.unit AND p.month = j.month AND p.item = j.item
