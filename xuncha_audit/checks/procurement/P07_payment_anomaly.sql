/* ---
code: P07
slug: payment_anomaly
title_zh: 超合同付款/先付款后签合同
title_en: Payments above the contract amount, or before the contract was signed
area: procurement
severity: high
route: 反馈
inputs: [contracts, payments]
evidence: [contracts, payments]
entity_type: contract
what_zh: >-
  按合同汇总付款：累计付款超过合同金额且超出部分大于容差（默认 0.5%）的，报「超合同付款」；任一笔付款日期早于合同签订日期的，报「先付款后签合同」。每份合同一条疑点，两种情形同时存在时合并说明。
why_zh: >-
  超合同金额付款意味着存在未签补充合同的追加采购、重复付款或虚增结算；签订合同前就付款，说明先有交易后补合同，采购程序流于形式，可能掩盖未经采购程序的指定交易。
regulation: >-
  《中华人民共和国政府采购法》第四十六条（中标、成交通知书发出之日起三十日内签订政府采购合同）、第四十九条（追加采购须签订补充合同，且不得超过原合同采购金额的百分之十）；《中华人民共和国政府采购法实施条例》第五十一条（采购人应当按照政府采购合同规定支付采购资金）
exclusions_zh: >-
  付款日期与签订日期为同一天的不算先付后签；累计付款恰好等于合同金额×(1+容差) 的不报；付款单上的合同编号在合同台账中找不到的付款不在本检查范围（无法比对合同金额）。
rules:
  overpayment: 累计付款超过合同金额×(1+容差)
  pay_before_sign: 有付款早于合同签订日期
params:
  tolerance:
    type: decimal
    default_from: procurement.overpay_tolerance
    min: 0
    max: 1
    description_zh: 允许累计付款超过合同金额的比例（0.005 = 0.5%），超出部分大于此比例才报
template: "合同{contract_no}（{vendor}，合同金额{contract_amount:money}元，{sign_date:date}签订）{detail}"
example_zh: >-
  合同 HT-2024-031 金额 500,000 元，先后付款 300,000 元和 230,000 元，累计 530,000 元，超出 30,000 元（6.0%），报超合同付款，涉及金额 30,000 元。
what_en: >-
  Per contract: total payments above the contract amount by more than the tolerance (default 0.5%), or any payment dated before the sign date. One finding per contract; amount = the excess paid, or (pay-before-sign only) the sum paid before signing, whichever is larger.
why_en: Overpayment hints at unrecorded add-ons or double payment; paying before signing means the contract was papered afterwards.
--- */
WITH paid AS (
    SELECT c.unit, c.contract_no, c._key AS c_key, c.vendor, c.amount AS contract_amount,
           c.sign_date,
           sum(p.amount) AS total_paid,
           sum(CASE WHEN p.pay_date < c.sign_date THEN p.amount ELSE 0 END) AS early_paid,
           sum(CASE WHEN p.pay_date < c.sign_date THEN 1 ELSE 0 END) AS n_early,
           min(p.pay_date) AS first_pay, max(p.pay_date) AS last_pay
    FROM contracts c
    JOIN payments p ON p.unit = c.unit AND p.contract_no = c.contract_no
    WHERE p.amount IS NOT NULL AND c.amount IS NOT NULL
    GROUP BY c.unit, c.contract_no, c._key, c.vendor, c.amount, c.sign_date
),
flagged AS (
    SELECT *,
           total_paid > round(contract_amount * (1 + $tolerance), 2) AS is_over,
           n_early > 0 AS is_early,
           total_paid - contract_amount AS excess
    FROM paid
    WHERE total_paid > round(contract_amount * (1 + $tolerance), 2) OR n_early > 0
),
described AS (
    SELECT *,
           concat_ws('；',
               CASE WHEN is_over THEN concat('累计付款', CAST(total_paid AS VARCHAR),
                   '元，超出合同金额', CAST(excess AS VARCHAR), '元')
               END,
               CASE WHEN is_early THEN concat('有', CAST(n_early AS VARCHAR), '笔付款早于签订日期，合计',
                   CAST(early_paid AS VARCHAR), '元，最早付款日',
                   CAST(first_pay AS VARCHAR))
               END) AS detail,
           greatest(CASE WHEN is_over THEN excess ELSE 0 END,
                    CASE WHEN is_early THEN early_paid ELSE 0 END) AS at_risk
    FROM flagged
)
SELECT d.unit, d.contract_no AS finding_key, ev.ev_table, ev.ev_key,
       'contract' AS entity_type, d.contract_no AS entity_key, d.at_risk AS amount,
       least(d.sign_date, d.first_pay) AS period_start, greatest(d.sign_date, d.last_pay) AS period_end,
       ev.rule, d.contract_no, d.vendor, d.contract_amount, d.sign_date, d.detail
FROM described d
JOIN (
    SELECT unit, contract_no, 'contracts' AS ev_table, c_key AS ev_key,
           CASE WHEN is_over THEN 'overpayment' ELSE 'pay_before_sign' END AS rule
    FROM described
    UNION ALL
    SELECT unit, contract_no, 'contracts', c_key, 'pay_before_sign'
    FROM described WHERE is_over AND is_early
    UNION ALL
    -- overpayment cites every payment; pay-before-sign cites the early ones
    SELECT f.unit, f.contract_no, 'payments', p._key,
           CASE WHEN f.is_over THEN 'overpayment' ELSE 'pay_before_sign' END
    FROM described f
    JOIN payments p ON p.unit = f.unit AND p.contract_no = f.contract_no
    WHERE p.amount IS NOT NULL AND (f.is_over OR p.pay_date < f.sign_date)
) ev ON ev.unit = d.unit AND ev.contract_no = d.contract_no
