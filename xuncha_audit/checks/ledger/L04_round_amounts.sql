/* ---
code: L04
slug: round_amounts
title_zh: 整数金额
title_en: Unusually many round amounts
area: ledger
severity: low
route: 反馈
inputs: [ledger]
evidence: [ledger]
entity_type: account
what_zh: >-
  按会计科目、个人（ledger.person）、往来单位分别计算整数金额（round_multiple 的整数倍，默认 1,000 元）
  所占比例，与本单位其余分录的整数金额比例（基线）比较，明显偏高时报告。
  疑点引用该对象金额最大的若干笔整数金额分录。
what_en: >-
  Per account, person and counterparty: the share of amounts that are multiples of 1,000 yuan,
  compared with the rest of the unit's ledger (baseline); reported when far above it.
why_zh: >-
  真实发生的费用（发票、合同结算）很少恰好是整千元；整数金额集中常见于虚列支出、估列套取、
  以借款或“包干”名义转出资金、虚假发票等情形，是抽查方向。
why_en: >-
  Genuine expenses rarely come to exact thousands; a concentration of round amounts is common in
  fictitious or estimated expenses and disguised transfers, and directs sampling.
regulation: >-
  《中华人民共和国会计法》第九条（必须根据实际发生的经济业务事项进行会计核算，不得以虚假的经济业务事项
  或者资料进行会计核算）；本检查是抽查方法，无直接对应条款
method_zh: >-
  笔数按（对象、凭证、金额）去重计数（一笔付款的借贷两条分录都带个人或往来单位时只计一次）。
  总体：金额 max(|借方|,|贷方|) 不低于 round_multiple 的分录（小于 1,000 元的金额不可能是千元整数倍，
  纳入会压低费用小额科目的比例）。对象 e 有 n 笔、其中 k 笔为整数倍，比例 p=k/n；基线 p0 取本单位
  除该对象外其余分录的整数比例（留一法，避免对象自身抬高基线；其余笔数不足 min_records 时，如银行存款
  科目几乎包含全部付款，改用本单位整体比例）。在“对象与基线无差异”的原假设下 k 服从二项分布 B(n,p0)，
  标准差 σ=√(p0(1−p0)/n)，z=((k−0.5)/n−p0)/σ（连续性校正）。报告条件：n ≥ min_records（默认 30 笔）、
  z ≥ z_threshold（默认 4）、且 p ≥ min_ratio×p0（默认 2 倍，避免大样本下微小差异也显著）。
  取 4 而不是 3 的理由：一个单位通常要检验数百个对象（科目、个人、往来单位），p0 约 3%、n 约 100 时
  整数笔数很少，二项分布右尾比正态分布厚；基准测试数据（40 万条分录、约 1,600 个无异常的个人和往来单位，
  整数比例约 3%）上 z≥3 误报 3 个，z≥4 为 0 个。基线为 0 时 σ 按 p0=0.5/（其余笔数+1）计算。
rules:
  round_share: 整数金额占比显著高于本单位基线
params:
  round_multiple: {type: decimal, default_from: ledger.round_multiple, min: 1, description_zh: 整数金额的倍数（元）}
  min_records: {type: int, default: 30, min: 5, description_zh: 对象金额笔数下限（不足不判断）}
  z_threshold: {type: float, default: 4.0, min: 0, description_zh: 比例超出基线的标准差倍数下限（含连续性校正）}
  min_ratio: {type: float, default: 2.0, min: 1, description_zh: 对象整数比例至少为基线的倍数}
  evidence_max: {type: int, default: 20, min: 1, max: 1000, description_zh: 每条疑点引用的分录笔数上限（金额最大的整数金额分录）}
template: "{entity_label}「{entity_key}」{n:int}笔金额中{k:int}笔为{round_multiple:int}元的整数倍，占{share:pct}，本单位其余分录为{baseline:pct}（z={z_text}），整数金额合计{round_amount:money}元"
example_zh: >-
  往来单位“某服务中心”45 笔金额中 30 笔为整千元（66.7%），本单位其余分录为 8.2%，z=14.3 → 一条疑点。
--- */
WITH units AS (
    -- units numbered: the groupings and joins below key on the number, not on a unit's name
    -- (a province's names are ~32 bytes each: its grouping sets 3.4 -> 2.7 s); the name is
    -- joined back to the rows reported
    SELECT unit, row_number() OVER (ORDER BY unit) AS unit_no FROM (SELECT DISTINCT unit FROM ledger) d
),
lines AS NOT MATERIALIZED (
    -- read three times, inlined each time: written out it was a copy of most of the ledger
    -- (a province at a 1.25 GiB cap: 1.6 GB of temporary writes)
    SELECT u.unit_no, l._key, l.voucher_id, l.voucher_date, l.person, l.counterparty_norm,
           nullif(trim(coalesce(l.account_code, '') || ' ' || coalesce(l.account_name, '')), '') AS account_key,
           greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) AS amt,
           CASE WHEN greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) % $round_multiple = 0
                THEN 1 ELSE 0 END AS is_round
    FROM ledger l
    JOIN units u ON u.unit = l.unit
    WHERE greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) >= $round_multiple
      AND coalesce(l.book, '') <> '预算会计'  -- 平行记账: count an economic event once
),
unit_tot AS (
    SELECT unit_no, count(DISTINCT hash(voucher_id, amt)) AS n_unit,
           count(DISTINCT CASE WHEN is_round = 1 THEN hash(voucher_id, amt) END) AS k_unit
    FROM lines GROUP BY unit_no
),
grouped AS (
    -- one pass over the lines for the three entity types
    SELECT unit_no, account_key, person, counterparty_norm,
           grouping(account_key) AS g_account, grouping(person) AS g_person,
           -- one amount per (entity, voucher, amount): a payment's two lines count once
           count(DISTINCT hash(voucher_id, amt)) AS n,
           count(DISTINCT CASE WHEN is_round = 1 THEN hash(voucher_id, amt) END) AS k
    FROM lines
    GROUP BY GROUPING SETS ((unit_no, account_key), (unit_no, person), (unit_no, counterparty_norm))
),
ent AS (
    SELECT unit_no,
           CASE WHEN g_account = 0 THEN 'account' WHEN g_person = 0 THEN 'person' ELSE 'vendor' END AS entity_type,
           CASE WHEN g_account = 0 THEN account_key WHEN g_person = 0 THEN person ELSE counterparty_norm END
               AS entity_key,
           n, k
    FROM grouped
),
scored AS (
    SELECT e.*,
           e.k / CAST(e.n AS DOUBLE) AS share,
           -- leave-one-out baseline; an entity holding (almost) all of the unit's amounts, such as
           -- the bank account, has no meaningful rest: then the unit's own share is the baseline
           CASE WHEN u.n_unit - e.n >= $min_records
                THEN (u.k_unit - e.k) / CAST(u.n_unit - e.n AS DOUBLE)
                ELSE u.k_unit / CAST(u.n_unit AS DOUBLE) END AS baseline,
           CASE WHEN u.n_unit - e.n >= $min_records THEN u.n_unit - e.n ELSE u.n_unit END AS n_rest
    FROM ent e JOIN unit_tot u ON u.unit_no = e.unit_no
    WHERE e.entity_key IS NOT NULL AND e.n >= $min_records
),
tested AS (
    SELECT s.*,
           -- continuity-corrected: (k - 0.5)/n against the baseline
           ((s.k - 0.5) / s.n - s.baseline)
             / sqrt(greatest(s.baseline, 0.5 / (s.n_rest + 1)) * (1 - greatest(s.baseline, 0.5 / (s.n_rest + 1)))
                    / s.n) AS z
    FROM scored s
),
hit AS (
    SELECT * FROM tested
    WHERE z >= $z_threshold AND share >= $min_ratio * baseline AND k > 0
),
round_lines AS (
    -- round lines of the units with a hit only (nothing is rescanned when there is no hit)
    SELECT l.*
    FROM lines l
    JOIN (SELECT DISTINCT unit_no FROM hit) hu ON hu.unit_no = l.unit_no
    WHERE l.is_round = 1
),
entity_lines AS (
    SELECT h.unit_no, h.entity_type, h.entity_key, l._key, l.voucher_date, l.amt
    FROM hit h JOIN round_lines l ON l.unit_no = h.unit_no AND l.account_key = h.entity_key
    WHERE h.entity_type = 'account'
    UNION ALL
    SELECT h.unit_no, h.entity_type, h.entity_key, l._key, l.voucher_date, l.amt
    FROM hit h JOIN round_lines l ON l.unit_no = h.unit_no AND l.person = h.entity_key
    WHERE h.entity_type = 'person'
    UNION ALL
    SELECT h.unit_no, h.entity_type, h.entity_key, l._key, l.voucher_date, l.amt
    FROM hit h JOIN round_lines l ON l.unit_no = h.unit_no AND l.counterparty_norm = h.entity_key
    WHERE h.entity_type = 'vendor'
),
ranked AS (
    SELECT el.unit_no, el.entity_type, el.entity_key, el._key, el.voucher_date, el.amt,
           sum(el.amt) OVER (PARTITION BY el.unit_no, el.entity_type, el.entity_key) AS round_amount,
           min(el.voucher_date) OVER (PARTITION BY el.unit_no, el.entity_type, el.entity_key) AS first_date,
           max(el.voucher_date) OVER (PARTITION BY el.unit_no, el.entity_type, el.entity_key) AS last_date,
           row_number() OVER (PARTITION BY el.unit_no, el.entity_type, el.entity_key
                              ORDER BY el.amt DESC, el._key) AS rn
    FROM entity_lines el
)
SELECT u.unit,
       r.entity_type || ':' || r.entity_key AS finding_key,
       'ledger' AS ev_table,
       r._key AS ev_key,
       r.entity_type,
       r.entity_key,
       CAST(NULL AS DECIMAL(18,2)) AS amount, r.round_amount,  -- statistical: no amount at risk
       r.first_date AS period_start,
       r.last_date AS period_end,
       'round_share' AS rule,
       CASE WHEN r.entity_type = 'person' THEN r.entity_key END AS persons,
       CASE r.entity_type WHEN 'account' THEN '科目' WHEN 'person' THEN '个人' ELSE '往来单位' END AS entity_label,
       h.n, h.k, h.share, h.baseline,
       CAST(round(h.z, 1) AS VARCHAR) AS z_text
FROM ranked r
JOIN hit h ON h.unit_no = r.unit_no AND h.entity_type = r.entity_type AND h.entity_key = r.entity_key
JOIN units u ON u.unit_no = r.unit_no
WHERE r.rn <= $evidence_max
