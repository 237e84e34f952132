/* ---
code: H01
slug: ghost_payroll
title_zh: 吃空饷
title_en: Pay to people not on the roster or after they left
area: payroll
severity: high
route: 纪检监察
inputs: [payroll, staff, pay_item_family]
requires: [staff]
evidence: [payroll, staff]
entity_type: person
what_zh: 工资发放给人员花名册中没有的人（先按身份证号匹配，再按工号，最后按姓名，同名多人时在描述中说明），或发放给状态为退休、离职、调出、死亡且离岗日期早于发放月份的人。
what_en: Pay to a person not on the roster (matched by ID number, then staff number, then name, with the ambiguity reported), or to one whose status is 退休/离职/调出/死亡 with a leave date before the pay month.
why_zh: 向已离职、退休、死亡人员或虚构人员继续发放工资津补贴，是“吃空饷”的典型表现，属于严重违纪违法问题线索。
regulation: 《关于开展机关事业单位“吃空饷”问题集中治理工作的通知》（中组发〔2014〕号文，待核实）；《中国共产党纪律处分条例》第一百零四条（违反规定发放津贴补贴）
rules:
  not_on_roster: 花名册中没有此人
  after_leave: 离岗日期之后仍在发放
exclusions_zh: 离退休人员领取离退休项目（离退休费、基本养老金、退休补贴等，std_pay_items 中适用于离退休人员的项目族）不报告，退休后仍领取在职项目（岗位工资、绩效等）照常报告；花名册不含退休人员时，不在花名册中的人领取离退休项目无法判断，作为数据质量说明列出，不作为疑点；汇总、扣款、代扣代缴行不视为发放；离岗日期在发放月份之内或之后的不报告（当月离职、退休仍可发放当月工资）；状态为离岗但没有离岗日期的无法判断，不报告；金额为零的行不视为发放；同名多人时，只要有一人在发放月份在岗就不报告。
params: {}
template: "{name}{reason_text}，{first_month}至{last_month}共发放{n_lines:int}笔，合计{amount:money}元"
example_zh: 张某 2023 年 6 月退休（离岗日期 2023-06-30），2023 年 7 月至 12 月仍按在职人员发放基本工资和绩效 → 报告 1 条。
--- */
WITH retirees_listed AS (
    -- units whose roster lists retired people: only there does a pensioner missing from it tell anything
    SELECT DISTINCT unit FROM staff WHERE status = '退休'
),
p AS (
    -- only the columns used below: p is read four times, so DuckDB materialises it
    SELECT py.unit, py._key, py.month, py.name, py.amount, py.id_number, py.person_id,
           coalesce(f.applies_to = '离退休', false) AS pension_item
    FROM payroll py
    LEFT JOIN pay_item_family f ON f.item = py.item
    WHERE py.amount IS NOT NULL AND py.amount <> 0 AND coalesce(f.category, '') <> '非发放项目'
),
by_id AS (
    SELECT p._key, p.unit, s._key AS staff_key, s.name AS staff_name, s.status, s.leave_date
    FROM p JOIN staff s ON s.unit = p.unit AND s.id_number = p.id_number
),
by_pid AS (
    SELECT p._key, p.unit, s._key AS staff_key, s.name AS staff_name, s.status, s.leave_date
    FROM p JOIN staff s ON s.unit = p.unit AND s.person_id = p.person_id
    WHERE NOT EXISTS (SELECT 1 FROM by_id b WHERE b.unit = p.unit AND b._key = p._key)
),
by_name AS (
    SELECT p._key, p.unit, s._key AS staff_key, s.name AS staff_name, s.status, s.leave_date
    FROM p JOIN staff s ON s.unit = p.unit AND s.name = p.name
    WHERE NOT EXISTS (SELECT 1 FROM by_id b WHERE b.unit = p.unit AND b._key = p._key)
      AND NOT EXISTS (SELECT 1 FROM by_pid b WHERE b.unit = p.unit AND b._key = p._key)
      AND p.id_number IS NULL
),
cand AS (
    SELECT * FROM by_id UNION ALL SELECT * FROM by_pid UNION ALL SELECT * FROM by_name
),
line AS (
    SELECT p.unit, p._key, p.month, p.name, p.amount,
           coalesce(p.id_number, p.person_id, p.name) AS who,
           count(c.staff_key) AS n_cand,
           count(CASE WHEN c.status IN ('退休', '离职', '调出', '死亡') AND c.leave_date IS NOT NULL
                           AND c.leave_date < p.month
                           AND NOT (c.status = '退休' AND p.pension_item) THEN 1 END) AS n_gone,
           min(c.staff_key) AS staff_key, min(c.leave_date) AS leave_date, min(c.status) AS status,
           p.pension_item
    FROM p LEFT JOIN cand c ON c.unit = p.unit AND c._key = p._key
    GROUP BY p.unit, p._key, p.month, p.name, p.amount, coalesce(p.id_number, p.person_id, p.name), p.pension_item
),
flagged AS (
    SELECT l.*, CASE WHEN l.n_cand = 0 THEN 'not_on_roster' ELSE 'after_leave' END AS rule
    FROM line l
    LEFT JOIN retirees_listed r ON r.unit = l.unit
    WHERE (l.n_cand = 0 AND (NOT l.pension_item OR r.unit IS NOT NULL)) OR (l.n_cand > 0 AND l.n_gone = l.n_cand)
),
agg AS (
    SELECT *, count(*) OVER w AS n_lines, sum(amount) OVER w AS total, min(month) OVER w AS first_m,
           max(month) OVER w AS last_m, max(n_cand) OVER w AS max_cand
    FROM flagged
    WINDOW w AS (PARTITION BY unit, rule, who)
)
SELECT unit, concat(rule, '|', who) AS finding_key, 'payroll' AS ev_table, _key AS ev_key,
       'person' AS entity_type, name AS entity_key, total AS amount, first_m AS period_start,
       last_m AS period_end, rule, name AS persons, name, n_lines,
       strftime(first_m, '%Y年%m月') AS first_month, strftime(last_m, '%Y年%m月') AS last_month,
       CASE WHEN rule = 'not_on_roster' THEN '不在人员花名册中'
            ELSE concat('已于', strftime(leave_date, '%Y-%m-%d'), status,
                        CASE WHEN max_cand > 1 THEN concat('（花名册中同名', CAST(max_cand AS VARCHAR), '人，均已离岗）')
                             ELSE '' END) END AS reason_text,
       CAST(NULL AS VARCHAR) AS _note
FROM agg
UNION ALL
SELECT DISTINCT a.unit, concat(a.rule, '|', a.who), 'staff', c.staff_key, 'person', a.name, a.total, a.first_m,
       a.last_m, a.rule, a.name, a.name, a.n_lines, strftime(a.first_m, '%Y年%m月'),
       strftime(a.last_m, '%Y年%m月'),
       concat('已于', strftime(a.leave_date, '%Y-%m-%d'), a.status,
              CASE WHEN a.max_cand > 1 THEN concat('（花名册中同名', CAST(a.max_cand AS VARCHAR), '人，均已离岗）')
                   ELSE '' END), NULL
FROM agg a JOIN cand c ON c.unit = a.unit AND c._key = a._key
WHERE a.rule = 'after_leave'
UNION ALL
-- data-quality note (not a finding): pensions paid to people missing from a roster without retirees
SELECT l.unit, concat('pension|', l.who), 'payroll', l._key, 'person', l.name, l.amount, l.month, l.month,
       'not_on_roster', l.name, l.name, 1, strftime(l.month, '%Y年%m月'), strftime(l.month, '%Y年%m月'), NULL,
       '领取离退休项目，但花名册不含离退休人员，无法判断是否在册'
FROM line l
LEFT JOIN retirees_listed r ON r.unit = l.unit
WHERE l.n_cand = 0 AND l.pension_item AND r.unit IS NULL
