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
template: "{what_text}"
example_zh: 账号 6222…1234 在 2024 年 3 月分别以「李四」「李小四」名义各领取基本工资 → 报告 1 条。
--- */
WITH p AS (
    SELECT *, coalesce(id_number, person_id, name) AS who
    FROM payroll
    WHERE amount IS NOT NULL AND amount <> 0
),
acct AS (
    SELECT *, count(DISTINCT name) OVER (PARTITION BY unit, bank_account) AS n_names,
           string_agg(DISTINCT name, '、') OVER (PARTITION BY unit, bank_account) AS names,
           sum(amount) OVER (PARTITION BY unit, bank_account) AS total,
           min(month) OVER (PARTITION BY unit, bank_account) AS m0,
           max(month) OVER (PARTITION BY unit, bank_account) AS m1
    FROM p WHERE bank_account IS NOT NULL
),
idn AS (
    SELECT *, count(DISTINCT name) OVER (PARTITION BY unit, id_number) AS n_names,
           string_agg(DISTINCT name, '、') OVER (PARTITION BY unit, id_number) AS names,
           sum(amount) OVER (PARTITION BY unit, id_number) AS total,
           min(month) OVER (PARTITION BY unit, id_number) AS m0,
           max(month) OVER (PARTITION BY unit, id_number) AS m1
    FROM p WHERE id_number IS NOT NULL
),
twice AS (
    SELECT *, count(*) OVER (PARTITION BY unit, who, month, item) AS n_times,
           sum(amount) OVER (PARTITION BY unit, who, month, item) AS total,
           max(amount) OVER (PARTITION BY unit, who, month, item) AS biggest
    FROM p
)
SELECT unit, concat('acct|', bank_account) AS finding_key, 'payroll' AS ev_table, _key AS ev_key,
       'person' AS entity_type, names AS entity_key, total AS amount, m0 AS period_start, m1 AS period_end,
       'shared_account' AS rule, names AS persons,
       concat('同一银行账号以', CAST(n_names AS VARCHAR), '个姓名（', names, '）领取工资，合计',
              format('{:,.2f}', CAST(total AS DOUBLE)), '元') AS what_text
FROM acct WHERE n_names >= 2
UNION ALL
SELECT unit, concat('id|', id_number), 'payroll', _key, 'person', names, total, m0, m1, 'shared_id_number', names,
       concat('同一身份证号以', CAST(n_names AS VARCHAR), '个姓名（', names, '）领取工资，合计',
              format('{:,.2f}', CAST(total AS DOUBLE)), '元')
FROM idn WHERE n_names >= 2
UNION ALL
SELECT unit, concat('twice|', who, '|', CAST(month AS VARCHAR), '|', item), 'payroll', _key, 'person', name,
       total - biggest, month, month, 'paid_twice', name,
       concat(name, strftime(month, '%Y年%m月'), '的「', item, '」发放', CAST(n_times AS VARCHAR), '次，合计',
              format('{:,.2f}', CAST(total AS DOUBLE)), '元')
FROM twice WHERE n_times >= 2
