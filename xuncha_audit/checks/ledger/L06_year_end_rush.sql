/* ---
code: L06
slug: year_end_rush
title_zh: 年底突击花钱
title_en: Year-end spending rush
area: ledger
severity: medium
route: 反馈
inputs: [ledger]
evidence: [ledger]
entity_type: account
what_zh: >-
  按费用/支出科目和年度，比较 12 月借方发生额与该科目当年 1–11 月的月平均发生额：12 月超过月均的
  factor 倍（默认 3 倍）且 12 月金额不低于下限时报告，一个科目一年一条疑点，引用 12 月金额最大的若干笔分录。
  只比较经常性支出科目（当年 1–11 月至少有 min_active_months 个月有支出），一年只发生一次的支出
  （如年度审计费、保险费）不在此列。
what_en: >-
  Per expense account and year: December debits against the account's own mean of January to
  November; reported when above factor x the mean (default 3) and above a minimum amount. Only
  recurring accounts (spending in at least min_active_months of the other months) are judged.
why_zh: >-
  年底为“花完预算”集中支出、提前支付或虚列支出是常见问题；与科目自身的月均水平比较可排除季节性较弱的
  科目间差异。需核实 12 月支出的真实性、必要性以及是否跨期预付。
why_en: >-
  Rushing to spend the budget before year end (advance payments, unnecessary purchases, fictitious
  expenses) is a common problem; comparing with the account's own monthly mean controls for
  differences between accounts.
regulation: >-
  《党政机关厉行节约反对浪费条例》（中发〔2013〕13号）第二章 经费管理（严格预算执行、从严控制支出）；
  《中华人民共和国预算法》（2018年修正）第十三条（各级政府、各部门、各单位的支出必须以经批准的预算为依据）
method_zh: >-
  支出 = 费用/支出科目的借方发生额（科目编码以 expense_prefixes 中的前缀开头，默认 5 费用类、7 预算支出类、
  66 企业期间费用；无编码时科目名称含“费”或“支出”）。期末结转是贷方，不计入。按科目编码+名称、自然年、
  月份汇总。月均 = 当年 1–11 月发生额之和 ÷ 账套覆盖的 1–11 月份数（账套从年中开始时只计覆盖的月份，
  未覆盖的月份不当作 0）。报告条件：12 月发生额 > factor × 月均、12 月发生额 ≥ min_december_amount、
  当年 1–11 月中有支出的月份 ≥ min_active_months（默认 6）。疑点金额取 12 月超出月均的部分。
params:
  factor: {type: float, default: 3.0, min: 1, description_zh: 12 月支出超过月均的倍数}
  min_december_amount: {type: decimal, default: 50000, min: 0, description_zh: 12 月支出金额下限（元）}
  min_active_months: {type: int, default: 6, min: 1, max: 11, description_zh: 1–11 月中至少有支出的月份数（经常性支出科目）}
  expense_prefixes: {type: text, default: "5,7,66", description_zh: 费用/支出科目编码前缀，逗号分隔}
  evidence_max: {type: int, default: 20, min: 1, max: 1000, description_zh: 每条疑点引用的 12 月分录笔数上限（金额最大者）}
template: "科目「{entity_key}」{year}年12月支出{december:money}元，是当年1–11月月均{mean_other:money}元的{ratio:num1}倍，占全年该科目支出的{dec_share:pct}"
example_zh: >-
  科目“500101 业务活动费用-办公费”2024 年 1–11 月月均 18,000 元，12 月 126,000 元（7.0 倍）→ 一条疑点，
  金额 108,000 元。
--- */
WITH prefixes AS (
    SELECT trim(p) AS prefix FROM (SELECT unnest(string_split($expense_prefixes, ',')) AS p) x
),
accounts AS (
    SELECT DISTINCT unit, account_code, account_name FROM ledger
),
expense_accounts AS (
    SELECT DISTINCT a.unit, a.account_code, a.account_name
    FROM accounts a
    LEFT JOIN prefixes p ON p.prefix <> '' AND a.account_code LIKE p.prefix || '%'
    WHERE p.prefix IS NOT NULL
       OR (a.account_code IS NULL AND (a.account_name LIKE '%费%' OR a.account_name LIKE '%支出%'))
),
coverage AS (
    SELECT unit, min(voucher_date) AS first_date, max(voucher_date) AS last_date FROM ledger GROUP BY unit
),
spend AS NOT MATERIALIZED (
    -- read twice, inlined both times: written out it was every expense line (a province's
    -- 4.3 million: 1.1 -> 0.95 s)
    SELECT l.unit, l._key, l.voucher_date, l.person,
           trim(coalesce(l.account_code, '') || ' ' || coalesce(l.account_name, '')) AS account_key,
           year(l.voucher_date) AS y, month(l.voucher_date) AS m,
           coalesce(l.debit, 0) AS amt
    FROM ledger l
    JOIN expense_accounts e
      ON e.unit = l.unit
     AND coalesce(e.account_code, '') = coalesce(l.account_code, '')
     AND coalesce(e.account_name, '') = coalesce(l.account_name, '')
    WHERE coalesce(l.debit, 0) <> 0
      AND coalesce(l.book, '') <> '预算会计'  -- 平行记账: count an economic event once
),
monthly AS (
    SELECT unit, account_key, y, m, sum(amt) AS amt FROM spend GROUP BY unit, account_key, y, m
),
yearly AS (
    SELECT mo.unit, mo.account_key, mo.y,
           sum(CASE WHEN mo.m = 12 THEN mo.amt ELSE 0 END) AS december,
           sum(CASE WHEN mo.m < 12 THEN mo.amt ELSE 0 END) AS other_total,
           sum(CASE WHEN mo.m < 12 AND mo.amt > 0 THEN 1 ELSE 0 END) AS active_months,
           -- covered months among January..November of the year
           12 - CASE WHEN year(c.first_date) < mo.y THEN 1 ELSE month(c.first_date) END AS covered_months
    FROM monthly mo
    JOIN coverage c ON c.unit = mo.unit
    GROUP BY mo.unit, mo.account_key, mo.y, c.first_date
),
hit AS (
    SELECT y.*,
           y.other_total / y.covered_months AS mean_other,
           y.december / (y.december + y.other_total) AS dec_share
    FROM yearly y
    WHERE y.covered_months >= 1
      AND y.active_months >= $min_active_months
      AND y.december >= $min_december_amount
      AND y.december > $factor * (y.other_total / y.covered_months)
),
ranked AS (
    SELECT s.unit, s.account_key, s.y, s._key, s.voucher_date, s.amt,
           min(s.voucher_date) OVER (PARTITION BY s.unit, s.account_key, s.y) AS first_date,
           max(s.voucher_date) OVER (PARTITION BY s.unit, s.account_key, s.y) AS last_date,
           row_number() OVER (PARTITION BY s.unit, s.account_key, s.y ORDER BY s.amt DESC, s._key) AS rn
    FROM spend s
    JOIN hit h ON h.unit = s.unit AND h.account_key = s.account_key AND h.y = s.y
    WHERE s.m = 12
)
SELECT r.unit,
       r.account_key || '|' || CAST(r.y AS VARCHAR) AS finding_key,
       'ledger' AS ev_table,
       r._key AS ev_key,
       'account' AS entity_type,
       r.account_key AS entity_key,
       h.december - h.mean_other AS amount,
       r.first_date AS period_start,
       r.last_date AS period_end,
       CAST(r.y AS VARCHAR) AS year,
       h.december,
       h.mean_other,
       CASE WHEN h.mean_other > 0 THEN h.december / h.mean_other END AS ratio,
       h.dec_share
FROM ranked r
JOIN hit h ON h.unit = r.unit AND h.account_key = r.account_key AND h.y = r.y
WHERE r.rn <= $evidence_max
