/* ---
code: H02
slug: duplicate_payee
title_zh: 重复发放
title_en: One account or ID number under several names; one item paid twice in a month
area: payroll
severity: high
route: 纪检监察
inputs: [payroll]
evidence: [payroll]
entity_type: person
what_zh: 同一银行账号或身份证号在工资发放中对应两个及以上姓名；或同一人同一月份同一工资项目发放两次及以上。
what_en: One bank account or ID number paid under two or more names, or one person paid the same item twice in one month.
why_zh: 一个账号挂多个姓名，常见于虚列人员、冒名领取；同一项目一月两发，可能是重复发放或套取资金。
regulation: 《中国共产党纪律处分条例》第一百零四条（违反有关规定自定薪酬或者滥发津贴、补贴、奖金等）；《财政违法行为处罚处分条例》第十四条
rules:
  shared_account: 一个银行账号对应多个姓名
  shared_id_number: 一个身份证号对应多个姓名
  paid_twice: 同一人同月同一项目发放两次
exclusions_zh: 金额为零的行不视为发放；同名同账号不报告；补发（项目名称含“补发”）按不同项目处理。
params: {}
template:
  shared_account: "同一银行账号以{n_names:int}个姓名（{persons}）领取工资，合计{total:money}元"
  shared_id_number: "同一身份证号以{n_names:int}个姓名（{persons}）领取工资，合计{total:money}元"
  paid_twice: "{persons}{period_start:month}的「{item}」发放{n_times:int}次，合计{total:money}元"
example_zh: 账号 6222…1234 在 2024 年 3 月分别以「李四」「李小四」名义各领取基本工资 → 报告 1 条。
--- */
WITH p AS NOT MATERIALIZED (
    -- only the columns used below; read six times, and not written out whole (DuckDB would
    -- materialise a CTE read that often: a province's payroll is 13M lines): each use scans
    -- the table again, which costs less than writing and rereading a copy
    SELECT unit, _key, month, name, id_number, bank_account, item, amount,
           coalesce(id_number, person_id, name) AS who
    FROM payroll
    WHERE amount IS NOT NULL AND amount <> 0
),
-- Group first, then join back: windowed DISTINCT aggregates are slow and memory-hungry.
people AS (
    -- one row per unit, account, ID number and name (a province's 13M pay lines are some 60,000
    -- people): the names behind an account or an ID number are counted from these, not by
    -- listing the name of every pay line
    SELECT unit, bank_account, id_number, name, sum(amount) AS total, min(month) AS m0, max(month) AS m1
    FROM p
    GROUP BY unit, bank_account, id_number, name
),
acct AS (
    SELECT unit, bank_account, count(DISTINCT name) AS n_names, array_to_string(list_sort(list_distinct(list(name))), '、') AS names,
           sum(total) AS total, min(m0) AS m0, max(m1) AS m1
    FROM people WHERE bank_account IS NOT NULL
    GROUP BY unit, bank_account
    HAVING count(DISTINCT name) >= 2
),
idn AS (
    SELECT unit, id_number, count(DISTINCT name) AS n_names, array_to_string(list_sort(list_distinct(list(name))), '、') AS names,
           sum(total) AS total, min(m0) AS m0, max(m1) AS m1
    FROM people WHERE id_number IS NOT NULL
    GROUP BY unit, id_number
    HAVING count(DISTINCT name) >= 2
),
twice_h AS (
    -- nearly every (person, month, item) is paid once: find the few repeated ones on one hash
    -- first, then group exactly only those lines (a hash shared by chance costs nothing more
    -- than a second look: the exact grouping below decides)
    SELECT hash(unit, who, month, item) AS h FROM p GROUP BY 1 HAVING count(*) >= 2
),
twice AS (
    SELECT unit, who, month, item, count(*) AS n_times, sum(amount) AS total, max(amount) AS biggest
    FROM p WHERE hash(unit, who, month, item) IN (SELECT h FROM twice_h)
    GROUP BY unit, who, month, item
    HAVING count(*) >= 2
)
SELECT a.unit, concat('acct|', a.bank_account) AS finding_key, 'payroll' AS ev_table, p._key AS ev_key,
       'person' AS entity_type, a.names AS entity_key, a.total AS amount, a.m0 AS period_start, a.m1 AS period_end,
       'shared_account' AS rule, a.names AS persons, a.n_names, a.total, NULL AS item, NULL AS n_times
FROM acct a JOIN p ON p.unit = a.unit AND p.bank_account = a.bank_account
UNION ALL
SELECT i.unit, concat('id|', i.id_number), 'payroll', p._key, 'person', i.names, i.total, i.m0, i.m1,
       'shared_id_number', i.names, i.n_names, i.total, NULL, NULL
FROM idn i JOIN p ON p.unit = i.unit AND p.id_number = i.id_number
UNION ALL
SELECT w.unit, concat('twice|', w.who, '|', CAST(w.month AS VARCHAR), '|', w.item), 'payroll', p._key, 'person',
       p.name, w.total - w.biggest, w.month, w.month, 'paid_twice', p.name, NULL, w.total, w.item, w.n_times
FROM twice w JOIN p ON p.unit = w.unit AND p.who = w.who AND p.month = w.month AND p.item = w.item
