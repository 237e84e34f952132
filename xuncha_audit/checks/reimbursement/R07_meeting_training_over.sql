/* ---
code: R07
slug: meeting_training_over
title_zh: 会议费、培训费超标准
title_en: Meeting or training cost per person-day over the class cap, or too long
area: reimbursement
severity: medium
route: 反馈
inputs: [meetings, std_meeting_caps]
evidence: [meetings]
entity_type: person
what_zh: ①会议费、培训费总额超过 综合定额（每人每天，按类型和类别，开始日期有效的 std_meeting_caps）× 人数 × 天数；培训超过 30 天的部分按综合定额的 70% 计；②会期超过该类会议的最长天数（二、三、四类会议不超过 2 天；一类会议和培训标准表未规定，不判断）。天数取「天数」列，缺失时按结束日期 − 开始日期 + 1。一条记录只形成一个疑点，列出违反的各项。
why_zh: 会议费、培训费实行综合定额控制，不得超标准列支；会期应严格控制，超期即超支。
regulation: 《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十条（会期）、第十五条（综合定额）；《中央和国家机关培训费管理办法》（财行〔2016〕540号）第九条、第十条
exclusions_zh: 类型（会议/培训）、类别或人数缺失的记录不判断；会期按数据中的天数判断，若数据中的天数含报到和离开日，用参数 extra_days 放宽。开始日期没有当日有效的综合定额（会议 2013-09-13 财行〔2013〕286号 施行前、培训 2014-01-01 财行〔2013〕523号 施行前），或类别不在标准表中的记录不判断，作为数据质量说明（_note），不算通过。所依据的综合定额待核实（如 286号、523号 各行和 540号 培训一二类）时，疑点描述注明「数值待核实」及出处。
rules:
  per_person_day: 人均每天费用超过综合定额
  duration: 会期超过最长天数
params:
  full_rate_days: {type: int, default_from: training.full_rate_days, min: 1, max: 3650, description_zh: 培训按综合定额全额计算的天数，超过部分按比例计算}
  over_ratio: {type: decimal, default_from: training.over_30_ratio, min: 0, max: 1, description_zh: 培训超过全额天数部分的定额比例}
  extra_days: {type: int, default: 0, min: 0, max: 10, description_zh: 会期之外允许的天数（数据中的天数含报到、离开日时设置）}
  tolerance: {type: decimal, default: 0, min: 0, max: 1000000, description_zh: 容差（元），超出金额大于该值才标记}
template: "{title}（{kind}{class}，{start_date:date}起{days_used:int}天、{attendees:int}人）费用{total:money}元：{problems}{std_note}"
example_zh: 三类会议 50 人开 2 天，综合定额 550 元/人·天，上限 55,000 元；报销 60,000 元即超出 5,000 元。
what_en: Meeting/training spend above per-person-day cap x attendees x days (training beyond 30 days at 70%), or a meeting longer than its class allows.
why_en: Meeting and training costs are capped per person-day and meetings have maximum lengths by class.
--- */
WITH
m AS (
    SELECT m.unit, m._key, m.record_no, coalesce(m.name, m.record_no) AS title, m.kind, m.class,
        m.start_date, m.end_date, m.attendees, m.amount, m.handler,
        coalesce(m.days, datediff('day', m.start_date, m.end_date) + 1) AS days_used
    FROM meetings m
    WHERE m.kind IS NOT NULL AND m.class IS NOT NULL AND m.attendees > 0
),
judged AS (
    SELECT m.*, c.per_person_day, c.max_days, coalesce(c.verified, false) AS verified, c.citation,
        CAST(c.per_person_day * m.attendees * CASE
            WHEN m.kind = '培训' AND m.days_used > $full_rate_days
                THEN $full_rate_days + $over_ratio * (m.days_used - $full_rate_days)
            ELSE m.days_used END AS DECIMAL(18, 2)) AS allowed
    FROM m
    JOIN std_meeting_caps c
      ON c.kind = m.kind AND c.class = m.class
     AND m.start_date >= c.effective_from AND (c.effective_to IS NULL OR m.start_date <= c.effective_to)
    WHERE m.days_used > 0
),
flags AS (
    SELECT j.*,
        amount - allowed > $tolerance AS f_cost,
        coalesce(days_used > max_days + $extra_days, FALSE) AS f_duration
    FROM judged j
),
flagged AS (
    SELECT f.*,
        concat_ws('；',
            CASE WHEN f_cost THEN '人均每天' || CAST(CAST(round(amount / attendees / days_used, 2) AS DECIMAL(18, 2)) AS VARCHAR)
                || '元，综合定额' || CAST(CAST(per_person_day AS BIGINT) AS VARCHAR) || '元，上限合计'
                || CAST(allowed AS VARCHAR) || '元，超出' || CAST(CAST(amount - allowed AS DECIMAL(18, 2)) AS VARCHAR) || '元' END,
            CASE WHEN f_duration THEN '会期' || CAST(days_used AS VARCHAR) || '天，超过' || class || kind || '最长'
                || CAST(max_days AS VARCHAR) || '天' END
        ) AS problems
    FROM flags f
    WHERE f_cost OR f_duration
),
rules AS (SELECT 'per_person_day' AS rule UNION ALL SELECT 'duration')
SELECT f.unit, f.record_no AS finding_key, 'meetings' AS ev_table, f._key AS ev_key,
    'person' AS entity_type, coalesce(f.handler, f.title) AS entity_key,
    CAST(CASE WHEN r.rule = 'per_person_day' THEN f.amount - f.allowed
              ELSE f.amount * (f.days_used - f.max_days) / f.days_used END AS DECIMAL(18, 2)) AS amount,
    f.start_date AS period_start, coalesce(f.end_date, f.start_date) AS period_end, r.rule,
    f.handler AS persons, f.title, f.kind, f.class, f.start_date, f.days_used, f.attendees,
    f.amount AS total, f.problems,
    CASE WHEN f.verified THEN '' ELSE concat('（所依据的综合定额取自', f.citation, '，数值待核实）') END AS std_note,
    CAST(NULL AS VARCHAR) AS _note
FROM flagged f
JOIN rules r ON (r.rule = 'per_person_day' AND f.f_cost) OR (r.rule = 'duration' AND f.f_duration)
UNION ALL
-- data-quality note (not a finding): no cap in force for the kind and class on the start date
-- (meetings before 2013-09-13, trainings before 2014-01-01), or a class the standard does not have
SELECT m.unit, m.record_no, 'meetings', m._key, 'person', coalesce(m.handler, m.title), NULL,
    m.start_date, coalesce(m.end_date, m.start_date), 'per_person_day', m.handler, m.title, m.kind,
    m.class, m.start_date, m.days_used, m.attendees, m.amount, NULL, NULL,
    CASE WHEN EXISTS (SELECT 1 FROM std_meeting_caps c WHERE c.kind = m.kind AND c.class = m.class)
         THEN concat('开始日期无适用的', m.kind, '费综合定额')
         ELSE concat(m.kind, '类别「', m.class, '」不在综合定额标准中') END
FROM m
WHERE m.days_used > 0
  AND NOT EXISTS (SELECT 1 FROM judged j WHERE j.unit = m.unit AND j._key = m._key)
