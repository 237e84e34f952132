/* ---
code: L03
slug: benford
title_zh: 本福特定律
title_en: Benford's law departures
area: ledger
severity: low
route: 反馈
inputs: [ledger]
evidence: [ledger]
entity_type: account
python: benford
what_zh: >-
  ① 首位数字检验：按会计科目、个人（ledger.person）、往来单位（规范化名称）分别统计分录金额的首位数字分布，
  与本福特定律比较，平均绝对偏差 MAD 超过 Nigrini 的“不符合”界限且金额笔数足够时报告；
  ② 前两位数字检验：对本单位全部分录金额（≥10 元）做前两位数字（10–99）检验，MAD 超过界限时报告。
  疑点引用偏离最大的数字（实际占比减理论占比最大者）上的若干笔分录供抽查：先取该数字上分录最多的
  来源（往来单位，无则个人、科目）的分录，同一来源内按金额从大到小。
what_en: >-
  (1) First-digit test per account, person and counterparty: MAD against Benford's law above
  Nigrini's nonconformity bound, with enough records. (2) First-two-digits test over the unit's
  whole ledger (amounts >= 10). The finding cites lines on the most over-represented digit, for
  sampling: first those of the source (counterparty, else person, else account) with most lines
  on that digit, then by amount.
why_zh: >-
  自然发生的金额（发票、付款）首位数字服从本福特定律（1 开头约 30.1%，9 开头约 4.6%）。
  编造、拆分或围绕审批权限凑数的金额会使分布偏离，例如大量 4、9 开头（贴近 5,000、10,000 元审批线）。
  偏离只是抽查方向，不是违规结论。
why_en: >-
  Naturally occurring amounts follow Benford's law; invented, split or threshold-hugging amounts
  distort it. A departure directs sampling; it is not a finding of misconduct by itself.
regulation: >-
  《中华人民共和国会计法》第九条（必须根据实际发生的经济业务事项进行会计核算，不得以虚假的经济业务事项
  或者资料进行会计核算）；本检查是抽查方法，无直接对应条款。方法依据：Nigrini, M. J. (2012) Benford's Law:
  Applications for Forensic Accounting, Auditing, and Fraud Detection, Wiley（MAD 一致性界限）
method_zh: >-
  金额取分录 max(|借方|,|贷方|)，不低于 min_amount（默认 10 元）。科目按分录计数；个人、往来单位和
  全部分录的检验按（凭证、金额）计数，一笔付款的借、贷两条分录都带个人或往来单位时只计一次
  （否则笔数虚增、检验过严）。首位数字理论占比 P(d)=log10(1+1/d)，
  前两位 P(dd)=log10(1+1/dd)。MAD = 各数字 |实际占比−理论占比| 的平均值（首位 9 个、前两位 90 个数字）。
  Nigrini 一致性界限：首位数字 0–0.006 高度一致、0.006–0.012 可接受、0.012–0.015 勉强可接受、
  >0.015 不符合；前两位 0–0.0012、0.0012–0.0018、0.0018–0.0022、>0.0022 不符合。只报告“不符合”。
  最少笔数：首位检验默认 1,000 笔、前两位检验默认 3,000 笔。理由（按理论分布模拟 4,000 次）：
  完全服从本福特定律的数据，首位检验 MAD 的期望约为 0.25/√n，n=300 时平均 0.0136、有 33% 的样本
  超过 0.015（误报），n=500 时 7.5%，n=1,000 时 0.1%；前两位检验 n=1,000 时 94% 超过 0.0022，
  n=3,000 时 0%。笔数不足时 MAD 主要反映抽样误差，不作判断。
  分布保存在表 benford_distribution(unit, test, entity_type, entity_key, digit, count, n, observed,
  expected)（所有对象、所有数字，含 0 次出现的数字），供分析笔记本和报告作图。
rules:
  first_digit: 首位数字检验（按科目、个人、往来单位）
  first_two_digits: 前两位数字检验（全部分录）
params:
  min_records: {type: int, default: 1000, min: 50, description_zh: 首位数字检验的最少金额笔数（笔数不足不判断）}
  min_records_two_digit: {type: int, default: 3000, min: 100, description_zh: 前两位数字检验的最少金额笔数}
  mad_nonconformity: {type: float, default: 0.015, min: 0, max: 1, description_zh: 首位数字检验 MAD 的不符合界限（Nigrini 0.015）}
  mad_nonconformity_two_digit: {type: float, default: 0.0022, min: 0, max: 1, description_zh: 前两位数字检验 MAD 的不符合界限（Nigrini 0.0022）}
  min_amount: {type: decimal, default: 10, min: 0.01, description_zh: 参与检验的最小金额（元，至少 0.01）}
  evidence_max: {type: int, default: 20, min: 1, max: 1000, description_zh: 每条疑点引用的分录笔数上限（偏离最大数字上、集中来源优先、金额从大到小）}
template: "{entity_label}「{entity_key}」{n:int}笔金额的{test_label}分布偏离本福特定律：MAD={mad_text}，超过不符合界限{bound_text}；数字{top_digit}实际占{top_observed:pct}、理论占{top_expected:pct}"
example_zh: >-
  科目“500103 业务活动费用-印刷费”1,860 笔金额中 4 开头占 21.0%（理论 9.7%），MAD=0.0251 > 0.015 → 一条疑点，
  引用 4 开头金额最大的 20 笔分录。
--- */
WITH stats AS (
    SELECT unit, test, entity_type, entity_key, max(n) AS n, avg(abs(observed - expected)) AS mad
    FROM benford_distribution
    GROUP BY unit, test, entity_type, entity_key
),
flagged AS (
    SELECT s.*,
           CASE WHEN s.test = 'first' THEN $mad_nonconformity ELSE $mad_nonconformity_two_digit END AS bound
    FROM stats s
    WHERE (s.test = 'first' AND s.n >= $min_records AND s.mad > $mad_nonconformity)
       OR (s.test = 'first_two' AND s.n >= $min_records_two_digit AND s.mad > $mad_nonconformity_two_digit)
),
top_digit AS (
    SELECT d.unit, d.test, d.entity_type, d.entity_key, d.digit AS top_digit,
           d.observed AS top_observed, d.expected AS top_expected
    FROM benford_distribution d
    JOIN flagged f
      ON f.unit = d.unit AND f.test = d.test AND f.entity_type = d.entity_type AND f.entity_key = d.entity_key
    QUALIFY row_number() OVER (PARTITION BY d.unit, d.test, d.entity_type, d.entity_key
                               ORDER BY d.observed - d.expected DESC, d.digit) = 1
),
flagged_units AS (
    SELECT DISTINCT unit FROM top_digit
),
lines AS (
    -- only the units with a flagged entity are scanned again for evidence, once: each line
    -- stands for its account, person, counterparty and unit (four joins of the ledger, one
    -- per kind of entity, read it four times)
    SELECT l.unit, l._key, l.voucher_date, l.person, l.counterparty_norm, l.account_key, l.amt,
           CAST(substr(l.digits, 1, 1) AS INTEGER) AS d1,
           CASE WHEN l.amt >= 10 THEN CAST(substr(l.digits, 1, 2) AS INTEGER) END AS d2
    FROM (
        SELECT l.unit, l._key, l.voucher_date, l.person, l.counterparty_norm,
               nullif(trim(coalesce(l.account_code, '') || ' ' || coalesce(l.account_name, '')), '') AS account_key,
               greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) AS amt,
               CAST(CAST(round(greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) * 100) AS BIGINT)
                    AS VARCHAR) AS digits
        FROM ledger l
        JOIN flagged_units fu ON fu.unit = l.unit
        WHERE greatest(abs(coalesce(l.debit, 0)), abs(coalesce(l.credit, 0))) >= $min_amount
          AND coalesce(l.book, '') <> '预算会计'  -- 平行记账: count an economic event once
    ) l
),
line_entities AS (
    -- each line stands for its account, person, counterparty (first digit) and its unit
    -- (first two digits): one scan of the ledger, not one join of it per kind of entity
    SELECT l.*, k.entity_type,
           CASE k.entity_type WHEN 'account' THEN l.account_key WHEN 'person' THEN l.person
                              WHEN 'vendor' THEN l.counterparty_norm ELSE l.unit END AS entity_key,
           CASE WHEN k.entity_type = 'unit' THEN l.d2 ELSE l.d1 END AS digit
    FROM lines l
    -- as the kinds of entity flagged in its unit only
    JOIN (SELECT DISTINCT unit, entity_type FROM top_digit) k ON k.unit = l.unit
    -- only lines on a flagged entity's most over-represented digit can be cited
    WHERE l.d1 IN (SELECT top_digit FROM top_digit WHERE test = 'first')
       OR l.d2 IN (SELECT top_digit FROM top_digit WHERE test = 'first_two')
),
entity_lines AS (
    SELECT t.unit, t.test, t.entity_type, t.entity_key, l._key, l.voucher_date, l.amt, l.person,
           coalesce(l.counterparty_norm, l.person, l.account_key) AS source
    FROM top_digit t
    JOIN line_entities l
      ON l.unit = t.unit AND l.entity_type = t.entity_type AND l.entity_key = t.entity_key
     AND l.digit = t.top_digit
),
entity_dates AS (
    SELECT unit, test, entity_type, entity_key,
           min(voucher_date) AS first_date, max(voucher_date) AS last_date
    FROM entity_lines
    GROUP BY unit, test, entity_type, entity_key
),
source_counts AS (
    SELECT unit, test, entity_type, entity_key, source, count(*) AS source_lines
    FROM entity_lines
    GROUP BY unit, test, entity_type, entity_key, source
),
top_sources AS (
    -- the lines cited come from the sources with most lines: those with at least as many
    -- lines as the source at which the running count (most lines first) reaches
    -- evidence_max; the others' lines cannot rank within it, and are not sorted
    SELECT unit, test, entity_type, entity_key, source, source_lines
    FROM (
        SELECT c.*, max(CASE WHEN c.running >= $evidence_max THEN c.source_lines END)
                        OVER (PARTITION BY c.unit, c.test, c.entity_type, c.entity_key) AS cutoff
        FROM (
            SELECT s.*, sum(s.source_lines) OVER (
                       PARTITION BY s.unit, s.test, s.entity_type, s.entity_key
                       ORDER BY s.source_lines DESC, s.source
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
            FROM source_counts s
        ) c
    ) x
    WHERE cutoff IS NULL OR source_lines >= cutoff
),
cited AS (
    -- the evidence_max lines to cite of each entity: most lines of their source first, then
    -- by amount, then key. A top-N kept per entity while grouping (arg_min with a count), not
    -- a ranking window: that sorted every line of the top sources (1.8 million of a 4-million
    -- line ledger in a handful of partitions: 1.7 s against 1.0 s)
    SELECT e.unit, e.test, e.entity_type, e.entity_key,
           arg_min(e._key, {'lines': -c.source_lines, 'amt': -e.amt, 'key': e._key}, $evidence_max) AS keys
    FROM entity_lines e
    JOIN top_sources c
      ON c.unit = e.unit AND c.test = e.test AND c.entity_type = e.entity_type
     AND c.entity_key = e.entity_key AND c.source IS NOT DISTINCT FROM e.source
    GROUP BY e.unit, e.test, e.entity_type, e.entity_key
),
ranked AS (
    SELECT e.unit, e.test, e.entity_type, e.entity_key, unnest(e.keys) AS _key,
           d.first_date, d.last_date
    FROM cited e
    JOIN entity_dates d
      ON d.unit = e.unit AND d.test = e.test AND d.entity_type = e.entity_type AND d.entity_key = e.entity_key
)
SELECT r.unit,
       r.test || ':' || r.entity_type || ':' || r.entity_key AS finding_key,
       'ledger' AS ev_table,
       r._key AS ev_key,
       r.entity_type,
       r.entity_key,
       CAST(NULL AS DECIMAL(18,2)) AS amount,  -- a statistical signal: no amount at risk
       r.first_date AS period_start,
       r.last_date AS period_end,
       CASE WHEN r.test = 'first' THEN 'first_digit' ELSE 'first_two_digits' END AS rule,
       CASE WHEN r.entity_type = 'person' THEN r.entity_key END AS persons,
       CASE r.entity_type WHEN 'account' THEN '科目' WHEN 'person' THEN '个人'
                          WHEN 'vendor' THEN '往来单位' ELSE '本单位全部分录' END AS entity_label,
       CASE WHEN r.test = 'first' THEN '首位数字' ELSE '前两位数字' END AS test_label,
       f.n,
       CAST(round(f.mad, 4) AS VARCHAR) AS mad_text,
       CAST(f.bound AS VARCHAR) AS bound_text,
       t.top_digit,
       t.top_observed,
       t.top_expected
FROM ranked r
JOIN flagged f
  ON f.unit = r.unit AND f.test = r.test AND f.entity_type = r.entity_type AND f.entity_key = r.entity_key
JOIN top_digit t
  ON t.unit = r.unit AND t.test = r.test AND t.entity_type = r.entity_type AND t.entity_key = r.entity_key
