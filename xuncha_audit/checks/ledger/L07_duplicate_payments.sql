/* ---
code: L07
slug: duplicate_payments
title_zh: 重复付款
title_en: Duplicate payments
area: ledger
severity: high
route: 反馈
inputs: [ledger, payments]
# a ledger without 往来单位 (明细账, 记账凭证表) cannot show a payment to the same counterparty twice
needs: [ledger.counterparty]
evidence: [ledger]
entity_type: vendor
what_zh: >-
  同一往来单位（规范化名称）、相同金额、不同凭证、相隔不超过 window_days 天（默认 30 天）的两笔付款。
  付款 = 贷记银行存款/零余额账户/库存现金的凭证中该往来单位的金额（有该单位的银行/现金贷方分录时取其金额，
  否则取该单位的借方分录合计）。每笔较晚的付款与其之前最近的一笔相同付款组成一条疑点，引用两张凭证中
  该往来单位的分录。同一合同的分期付款不报告：两张凭证分别对应（合同付款表 payments 的凭证号 voucher_no
  相同，或凭证摘要写明付款单号）同一合同下不同付款单号的付款时，视为分期付款。按月固定支付（如每月 15 日付房租、
  物业费）不报告：同一往来单位同一金额至少在 regular_min_months 个不同月份各付一次时，相隔至少 regular_min_gap_days
  天、分属不同月份、且较晚一笔是该月第一笔的两笔付款视为相邻两期；同月两笔照常报告（某月多付一笔即报告这一笔与当月正常一期）。
what_en: >-
  Two payments to the same counterparty (normalised name) of the same amount on different vouchers
  within window_days (default 30). The later payment and the nearest earlier one form a finding.
  Installments are not duplicates: when the two vouchers are linked (payments.voucher_no, or the
  payment number quoted in the summary) to different payment numbers of one contract. Fixed monthly
  payments (rent on the 15th) are not duplicates: when the counterparty receives the amount in at least
  regular_min_months months, two payments in different months at least regular_min_gap_days apart, the
  later one the first of its month, are consecutive instalments; two in one month are still reported.
why_zh: >-
  重复付款可能是工作失误，也可能是利用重复报账、重复支付套取资金后由收款方返还；需核对两次付款的发票、
  合同和验收依据，确认是否多付并追回。
why_en: >-
  Paying twice may be an error or a way to extract money that the payee hands back; check the
  invoices, contract and acceptance documents behind both payments.
regulation: >-
  《中华人民共和国会计法》第二十七条（单位内部会计监督制度）；
  《行政事业单位内部控制规范（试行）》（财会〔2012〕21号）第四章 业务层面内部控制（支出审核与支付控制）
exclusions_zh: >-
  同一合同不同付款单号的分期付款；同一凭证内的重复分录；金额低于 min_amount 的小额付款；
  相隔超过 window_days 天的相同金额付款；按月固定支付的相邻两期（见上）。
params:
  window_days: {type: int, default_from: ledger.duplicate_window_days, min: 0, max: 3650, description_zh: 两笔相同付款相隔的最长天数}
  min_amount: {type: decimal, default: 1000, min: 0, description_zh: 付款金额下限（元），小额付款不报告}
  regular_min_months: {type: int, default: 3, min: 2, max: 120, description_zh: 同一单位同一金额至少在多少个不同月份付款才视为按月固定支付}
  regular_min_gap_days: {type: int, default: 20, min: 1, max: 366, description_zh: 按月固定支付的相邻两期至少相隔的天数}
template: "向「{counterparty}」两次支付相同金额{amount:money}元，相隔{days}天：凭证{first_voucher}（{first_date:date}）与凭证{voucher_id}（{voucher_date:date}）"
example_zh: >-
  2024-03-05 凭证 0123 与 2024-03-19 凭证 0301 各向“长沙甲建设”支付 286,400 元，且未对应同一合同的不同付款单 → 一条疑点。
--- */
WITH units AS (
    -- units numbered: the payments' groupings and self-join key on the number, not on a unit's
    -- name (a province's names are ~32 bytes each); the name joined back where the pairs meet
    -- the ledger and the contract payments again
    SELECT unit, row_number() OVER (ORDER BY unit) AS unit_no FROM (SELECT DISTINCT unit FROM ledger) d
),
cash_lines AS NOT MATERIALIZED (
    -- read twice, inlined both times: materialised it held every column of every line (a
    -- province: 3 GB written to temporary files at a 1.25 GiB cap)
    SELECT l.* EXCLUDE (unit), u.unit_no,
           coalesce(l.account_code LIKE '1001%' OR l.account_code LIKE '1002%' OR l.account_code LIKE '1011%'
                    OR l.account_name LIKE '%库存现金%' OR l.account_name LIKE '%银行存款%'
                    OR l.account_name LIKE '%零余额%', false) AS is_money
    FROM ledger l
    JOIN units u ON u.unit = l.unit
    WHERE coalesce(l.book, '') <> '预算会计'  -- 平行记账: the 财务会计 lines count the payment once
),
paying_vouchers AS (
    SELECT unit_no, voucher_id FROM cash_lines WHERE is_money AND coalesce(credit, 0) > 0 GROUP BY unit_no, voucher_id
),
cp_lines AS (
    SELECT c.unit_no, c.voucher_id, c._key, c.voucher_date, c.person,
           c.counterparty_norm, c.counterparty, c.is_money,
           coalesce(c.debit, 0) AS debit, coalesce(c.credit, 0) AS credit
    FROM cash_lines c
    JOIN paying_vouchers p ON p.unit_no = c.unit_no AND p.voucher_id = c.voucher_id
    WHERE c.counterparty_norm IS NOT NULL
      AND ((c.is_money AND coalesce(c.credit, 0) > 0) OR (NOT c.is_money AND coalesce(c.debit, 0) > 0))
),
pay AS (
    -- (the counterparty's text is taken for the pairs found, in the final SELECT: a min of a text
    -- here copied one per payment, a province's 2.7 million)
    SELECT unit_no, voucher_id, counterparty_norm,
           min(voucher_date) AS voucher_date,
           CASE WHEN sum(CASE WHEN is_money THEN credit ELSE 0 END) > 0
                THEN sum(CASE WHEN is_money THEN credit ELSE 0 END)
                ELSE sum(CASE WHEN NOT is_money THEN debit ELSE 0 END) END AS amount
    FROM cp_lines
    GROUP BY unit_no, voucher_id, counterparty_norm
),
pairs AS (
    SELECT b.unit_no, u.unit, b.counterparty_norm, b.amount,
           a.voucher_id AS first_voucher, a.voucher_date AS first_date,
           b.voucher_id, b.voucher_date,
           datediff('day', a.voucher_date, b.voucher_date) AS days
    FROM pay a
    JOIN pay b
      ON a.unit_no = b.unit_no AND a.counterparty_norm = b.counterparty_norm AND a.amount = b.amount
     AND a.voucher_id <> b.voucher_id
     AND (a.voucher_date < b.voucher_date OR (a.voucher_date = b.voucher_date AND a.voucher_id < b.voucher_id))
    JOIN units u ON u.unit_no = b.unit_no
    WHERE datediff('day', a.voucher_date, b.voucher_date) <= $window_days
      AND b.amount >= $min_amount
),
pay_m AS (
    -- each payment's place within its month, and in how many months the same amount was paid
    SELECT *, row_number() OVER (PARTITION BY unit_no, counterparty_norm, amount, pay_month
                                 ORDER BY voucher_date, voucher_id) AS nth_in_month
    FROM (SELECT p.*, date_trunc('month', p.voucher_date) AS pay_month
          FROM pay p
          -- only the counterparty-amounts of candidate pairs need their monthly pattern
          JOIN (SELECT DISTINCT unit_no, counterparty_norm, amount FROM pairs) k
            ON k.unit_no = p.unit_no AND k.counterparty_norm = p.counterparty_norm AND k.amount = p.amount) x
),
series AS (
    SELECT unit_no, counterparty_norm, amount, count(DISTINCT pay_month) AS n_months
    FROM pay_m
    GROUP BY unit_no, counterparty_norm, amount
),
regular AS (
    -- consecutive instalments of a fixed monthly payment: not duplicates
    SELECT pr.unit_no, pr.voucher_id, pr.first_voucher, pr.counterparty_norm
    FROM pairs pr
    JOIN series sr ON sr.unit_no = pr.unit_no AND sr.counterparty_norm = pr.counterparty_norm AND sr.amount = pr.amount
    JOIN pay_m pb ON pb.unit_no = pr.unit_no AND pb.counterparty_norm = pr.counterparty_norm
     AND pb.voucher_id = pr.voucher_id
    WHERE sr.n_months >= $regular_min_months AND pb.nth_in_month = 1
      AND date_trunc('month', pr.first_date) <> date_trunc('month', pr.voucher_date)
      AND pr.days >= $regular_min_gap_days
),
pair_vouchers AS (
    SELECT DISTINCT unit, first_voucher AS voucher_id FROM pairs
    UNION
    SELECT DISTINCT unit, voucher_id FROM pairs
),
voucher_summaries AS (
    SELECT DISTINCT l.unit, l.voucher_id, l.summary
    FROM ledger l JOIN pair_vouchers v ON v.unit = l.unit AND v.voucher_id = l.voucher_id
    WHERE l.summary IS NOT NULL
),
pair_voucher_nos AS MATERIALIZED (
    -- the pairs' vouchers' numbers, found first (a few per pair) and only then matched with the
    -- payments: left to itself the planner joined the whole ledger with the payments on a
    -- voucher number that restarts every period (a province: 9.6 s for no row)
    SELECT DISTINCT v.unit, v.voucher_id, lv.voucher_no, lv.voucher_type
    FROM pair_vouchers v
    JOIN ledger lv ON lv.unit = v.unit AND lv.voucher_id = v.voucher_id
),
linked AS (
    -- contract payments a voucher stands for: by payments.voucher_id, or the payment number in the summary
    -- (two equi-joins, not one join on an OR: an OR joins on the unit alone and compares
    -- every payment with every line of the pairs' vouchers)
    SELECT n.unit, n.voucher_id, p.contract_no, p.payment_no
    FROM pair_voucher_nos n
    JOIN payments p ON p.unit = n.unit AND p.voucher_no = n.voucher_no
    UNION
    SELECT n.unit, n.voucher_id, p.contract_no, p.payment_no
    FROM pair_voucher_nos n
    JOIN payments p ON p.unit = n.unit AND p.voucher_no = n.voucher_type || '-' || n.voucher_no
    UNION
    SELECT s.unit, s.voucher_id, p.contract_no, p.payment_no
    FROM voucher_summaries s
    JOIN payments p ON p.unit = s.unit AND p.payment_no IS NOT NULL AND p.payment_no <> ''
     AND strpos(s.summary, p.payment_no) > 0
),
real_pairs AS (
    SELECT pr.*
    FROM pairs pr
    WHERE NOT EXISTS (
        SELECT 1 FROM regular g
        WHERE g.unit_no = pr.unit_no AND g.voucher_id = pr.voucher_id AND g.first_voucher = pr.first_voucher
          AND g.counterparty_norm = pr.counterparty_norm
    )
    AND NOT EXISTS (
        SELECT 1 FROM linked x JOIN linked y
          ON x.unit = y.unit AND x.contract_no = y.contract_no AND x.payment_no <> y.payment_no
        WHERE x.unit = pr.unit AND x.voucher_id = pr.first_voucher AND y.voucher_id = pr.voucher_id
    )
    QUALIFY row_number() OVER (PARTITION BY pr.unit_no, pr.voucher_id, pr.counterparty_norm
                               ORDER BY pr.first_date DESC, pr.first_voucher DESC) = 1
),
pair_ev AS (
    -- each pair once per voucher it cites (the two differ): the evidence lines are then an
    -- equi-join; a join on "either voucher" compared each pair with every line of the
    -- counterparty (a 50M-line ledger: most of the check's 749 s)
    SELECT r.*, r.voucher_id AS ev_voucher FROM real_pairs r
    UNION ALL
    SELECT r.*, r.first_voucher AS ev_voucher FROM real_pairs r
)
SELECT r.unit,
       r.voucher_id || '|' || r.counterparty_norm AS finding_key,
       'ledger' AS ev_table,
       c._key AS ev_key,
       'vendor' AS entity_type,
       r.counterparty_norm AS entity_key,
       r.amount,
       r.first_date AS period_start,
       r.voucher_date AS period_end,
       c.person AS persons,
       -- the later payment's counterparty as written (the least text of its lines)
       min(CASE WHEN c.voucher_id = r.voucher_id THEN c.counterparty END)
           OVER (PARTITION BY r.unit_no, r.voucher_id, r.counterparty_norm) AS counterparty,
       CAST(r.days AS VARCHAR) AS days,
       r.first_voucher,
       r.first_date,
       r.voucher_id,
       r.voucher_date
FROM pair_ev r
JOIN cp_lines c
  ON c.unit_no = r.unit_no AND c.counterparty_norm = r.counterparty_norm AND c.voucher_id = r.ev_voucher
