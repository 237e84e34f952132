/* ---
code: L05
slug: rest_day_postings
title_zh: 节假日记账
title_en: Vouchers dated on rest days
area: ledger
severity: low
route: 反馈
inputs: [ledger, std_calendar]
evidence: [ledger]
entity_type: person
what_zh: >-
  凭证日期是休息日（周末或法定节假日）的记账凭证，一张凭证一条疑点，引用该凭证在休息日的全部分录。
  休息日按官方日历（std_calendar，含调休）判断：调休上班的周六、周日是工作日，不报告；
  法定节假日即使是周一至周五也报告。
what_en: >-
  Vouchers dated on a rest day (weekend or public holiday by the official calendar with adjusted
  working days: a working Saturday is a working day). One finding per voucher.
why_zh: >-
  财务人员一般不在休息日制单记账；休息日凭证可能是事后补记、倒签日期、突击做账或账外业务入账，
  也常与节假日公款消费相对应，需核对原始单据日期和审批流程。
why_en: >-
  Accounting staff rarely post on rest days; such vouchers may be back-dated, rushed or cover
  holiday spending, and deserve a look at the source documents.
regulation: >-
  《会计基础工作规范》（财会字〔1996〕19号，2019年财政部令第98号修改）第三章第二节 填制会计凭证；
  《国务院办公厅关于2024年部分节假日安排的通知》（国办发明电〔2023〕7号）等年度节假日安排（休息日与调休）
exclusions_zh: >-
  调休上班日（如春节前后调休的周日）不报告；日历无记录的日期不判断；月末最后一天的期末处理凭证
  （每条分录摘要都含 closing_words 中的词，如结转、计提、摊销、折旧）按会计期间惯例记在月末，不报告。
params:
  closing_words: {type: text, default: "结转,计提,摊销,折旧,期末", description_zh: 期末处理凭证的摘要用词（逗号分隔）；月末最后一天且全部分录摘要含其一的凭证不报告}
template: "凭证{voucher_id}的记账日期{voucher_date:date}是{day_kind}，涉及金额{amount:money}元"
example_zh: >-
  凭证 2024-10-0087 日期 2024-10-03（国庆节）→ 一条疑点；日期 2024-10-12（调休上班的周六）不报告。
--- */
WITH closing AS (
    SELECT trim(w) AS word FROM (SELECT unnest(string_split($closing_words, ',')) AS w) x
),
rest_lines_all AS (
    SELECT l.unit, l.voucher_id, l._key, l.voucher_date, l.summary, l.person, l.preparer,
           abs(coalesce(l.debit, 0)) AS debit, abs(coalesce(l.credit, 0)) AS credit,
           CASE WHEN c.is_holiday AND c.holiday_name IS NOT NULL THEN '法定节假日（' || c.holiday_name || '）'
                WHEN c.is_holiday THEN '法定节假日'
                ELSE '休息日（周末）' END AS day_kind
    FROM ledger l
    JOIN std_calendar c ON c.date = l.voucher_date
    WHERE c.is_rest_day
),
line_closing AS (
    -- month-end lines whose summary names a period-end operation
    SELECT DISTINCT r._key, r.unit
    FROM rest_lines_all r
    JOIN closing c ON c.word <> '' AND strpos(r.summary, c.word) > 0
    WHERE last_day(r.voucher_date) = r.voucher_date
),
closing_vouchers AS (
    -- every rest-day line of the voucher is a period-end line
    SELECT r.unit, r.voucher_id
    FROM rest_lines_all r
    LEFT JOIN line_closing lc ON lc.unit = r.unit AND lc._key = r._key
    GROUP BY r.unit, r.voucher_id
    HAVING count(*) = count(lc._key)
),
rest_lines AS (
    SELECT r.*
    FROM rest_lines_all r
    LEFT JOIN closing_vouchers cv ON cv.unit = r.unit AND cv.voucher_id = r.voucher_id
    WHERE cv.voucher_id IS NULL
),
vouchers AS (
    SELECT unit, voucher_id,
           greatest(sum(debit), sum(credit)) AS amount,
           min(voucher_date) AS voucher_date,
           max(voucher_date) AS last_date,
           min(day_kind) AS day_kind,
           max(preparer) AS preparer,
           max(person) AS person
    FROM rest_lines
    GROUP BY unit, voucher_id
)
SELECT r.unit,
       r.voucher_id AS finding_key,
       'ledger' AS ev_table,
       r._key AS ev_key,
       CASE WHEN coalesce(v.preparer, v.person) IS NULL THEN 'unit' ELSE 'person' END AS entity_type,
       coalesce(v.preparer, v.person, r.unit) AS entity_key,
       v.amount,
       v.voucher_date AS period_start,
       v.last_date AS period_end,
       nullif(concat_ws('、', v.preparer, CASE WHEN v.person <> coalesce(v.preparer, '') THEN v.person END), '') AS persons,
       r.voucher_id,
       v.voucher_date,
       v.day_kind
FROM rest_lines r
JOIN vouchers v ON v.unit = r.unit AND v.voucher_id = r.voucher_id
