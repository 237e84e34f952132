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
people AS (
    -- the roster is matched once per person as the pay lines name them (unit, ID number, staff
    -- number, name), not once per line: a person has about a hundred lines a year, and a
    -- province's payroll is millions of lines
    SELECT DISTINCT unit, id_number, person_id, name FROM payroll
),
by_id AS (
    SELECT pp.unit, pp.id_number, pp.person_id, pp.name, s._key AS staff_key, s.status, s.leave_date
    FROM people pp JOIN staff s ON s.unit = pp.unit AND s.id_number = pp.id_number
),
by_pid AS (
    -- the staff number only when the ID number finds nobody
    SELECT pp.unit, pp.id_number, pp.person_id, pp.name, s._key AS staff_key, s.status, s.leave_date
    FROM people pp JOIN staff s ON s.unit = pp.unit AND s.person_id = pp.person_id
    WHERE NOT EXISTS (SELECT 1 FROM staff s2 WHERE s2.unit = pp.unit AND s2.id_number = pp.id_number)
),
by_name AS (
    -- the name only for a line without an ID number whose staff number finds nobody
    SELECT pp.unit, pp.id_number, pp.person_id, pp.name, s._key AS staff_key, s.status, s.leave_date
    FROM people pp JOIN staff s ON s.unit = pp.unit AND s.name = pp.name
    WHERE pp.id_number IS NULL
      AND NOT EXISTS (SELECT 1 FROM staff s2 WHERE s2.unit = pp.unit AND s2.person_id = pp.person_id)
),
cand AS (
    SELECT * FROM by_id UNION ALL SELECT * FROM by_pid UNION ALL SELECT * FROM by_name
),
person AS (
    -- a line is paid after leaving when every candidate has left before its month (with a leave
    -- date), and none of them is a retiree when the item is a pension: per person, that is
    -- "all left", the latest leave date and "any retiree"
    SELECT pp.unit, pp.id_number, pp.person_id, pp.name,
           count(c.staff_key) AS n_cand,
           coalesce(bool_and(coalesce(c.status IN ('退休', '离职', '调出', '死亡') AND c.leave_date IS NOT NULL,
                                      false)), false) AS all_left,
           max(c.leave_date) AS last_leave,
           coalesce(bool_or(c.status = '退休'), false) AS any_retired,
           min(c.staff_key) AS staff_key, min(c.leave_date) AS leave_date, min(c.status) AS status
    FROM people pp
    LEFT JOIN cand c ON c.unit = pp.unit AND c.id_number IS NOT DISTINCT FROM pp.id_number
                    AND c.person_id IS NOT DISTINCT FROM pp.person_id AND c.name IS NOT DISTINCT FROM pp.name
    GROUP BY pp.unit, pp.id_number, pp.person_id, pp.name
),
line AS (
    -- only the lines that can be reported: nobody on the roster, or everyone left before the month
    SELECT py.unit, py._key, py.month, py.name, py.amount, py.id_number, py.person_id,
           coalesce(py.id_number, py.person_id, py.name) AS who,
           pe.n_cand, pe.staff_key, pe.leave_date, pe.status,
           coalesce(f.applies_to = '离退休', false) AS pension_item,
           pe.n_cand > 0 AND pe.all_left AND pe.last_leave < py.month
               AND NOT (coalesce(f.applies_to = '离退休', false) AND pe.any_retired) AS gone
    FROM payroll py
    JOIN person pe ON pe.unit = py.unit AND pe.id_number IS NOT DISTINCT FROM py.id_number
                  AND pe.person_id IS NOT DISTINCT FROM py.person_id AND pe.name IS NOT DISTINCT FROM py.name
    LEFT JOIN pay_item_family f ON f.item = py.item
    WHERE py.amount IS NOT NULL AND py.amount <> 0 AND coalesce(f.category, '') <> '非发放项目'
      AND (pe.n_cand = 0 OR (pe.all_left AND pe.last_leave < py.month))
),
flagged AS (
    SELECT l.*, CASE WHEN l.n_cand = 0 THEN 'not_on_roster' ELSE 'after_leave' END AS rule
    FROM line l
    LEFT JOIN retirees_listed r ON r.unit = l.unit
    WHERE (l.n_cand = 0 AND (NOT l.pension_item OR r.unit IS NOT NULL)) OR l.gone
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
FROM agg a JOIN cand c ON c.unit = a.unit AND c.id_number IS NOT DISTINCT FROM a.id_number
                      AND c.person_id IS NOT DISTINCT FROM a.person_id AND c.name IS NOT DISTINCT FROM a.name
WHERE a.rule = 'after_leave'
UNION ALL
-- data-quality note (not a finding): pensions paid to people missing from a roster without retirees
SELECT l.unit, concat('pension|', l.who), 'payroll', l._key, 'person', l.name, l.amount, l.month, l.month,
       'not_on_roster', l.name, l.name, 1, strftime(l.month, '%Y年%m月'), strftime(l.month, '%Y年%m月'), NULL,
       '领取离退休项目，但花名册不含离退休人员，无法判断是否在册'
FROM line l
LEFT JOIN retirees_listed r ON r.unit = l.unit
WHERE l.n_cand = 0 AND l.pension_item AND r.unit IS NULL
