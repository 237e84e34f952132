/* ---
code: R08
slug: disguised_tourism
title_zh: 以考察学习为名变相旅游
title_en: Disguised tourism - study/exchange trips or meetings at tourist spots over rest days
area: reimbursement
severity: low
route: 反馈
inputs: [travel_claims, meetings, _units, std_calendar, std_places, std_tourist_destinations, travel_destination, rest_day_count]
needs: [[travel_claims, meetings]]
evidence: [travel_claims, meetings]
entity_type: person
what_zh: 出差事由（或会议、培训的名称/事由）含「考察」「学习」「交流」「调研」等字样，目的地（会议地点）为旅游目的地（std_tourist_destinations：文字含景区/旅游地名称，或出差目的地所属城市即旅游城市），且行程（出发日至返回日，会议开始日至结束日）跨越至少一个休息日（官方日历，调休上班日不算休息日）。
why_zh: 以考察、学习、交流、调研为名前往旅游地并跨越休息日，是变相公款旅游的常见形式；属提示性线索，需结合行程安排核实。
regulation: 《党政机关国内公务接待管理规定》（中办发〔2013〕22号）第五条（禁止异地部门间没有特别需要的一般性学习交流、考察调研，禁止以各种名义和方式变相旅游，禁止违反规定到风景名胜区举办会议和活动）；《党政机关厉行节约反对浪费条例》第三章
exclusions_zh: 事由为空的记录不判断；会议地点只按名称包含判断旅游目的地。
rules:
  travel: 以考察学习为名赴旅游地出差并跨休息日
  meeting: 以考察学习为名在旅游地开会培训并跨休息日
params:
  reason_words: {type: text, default: "考察,学习,交流,调研", description_zh: 事由关键词（逗号分隔）}
template: "{detail}，金额{amount:money}元"
example_zh: 事由「赴外地学习考察」，4 月 26 日（周五）至 4 月 29 日赴黄山，跨越周末。
what_en: Travel or meeting whose reason says study/inspection/exchange/research, at a listed tourist destination, spanning a rest day.
why_en: A classic cover for tourism at public expense; a lead to verify, hence low severity.
--- */
WITH
words AS (
    SELECT DISTINCT trim(w) AS word
    FROM (SELECT unnest(string_split($reason_words, ',')) AS w) s
    WHERE trim(w) <> ''
),
trips AS (
    SELECT t.unit, t._key, t.claim_no, t.person, t.destination, t.depart_date, t.return_date, t.reason,
        tt.tourist_place AS place,
        coalesce(t.lodging_amount, 0) + coalesce(t.meal_allowance, 0) + coalesce(t.local_transport_allowance, 0)
            + coalesce(t.transport_amount, 0) AS amt,
        c2.cum_rest - c1.cum_rest + c1.rest AS n_rest
    FROM travel_claims t
    LEFT JOIN _units du ON du.unit = t.unit
    JOIN travel_destination tt ON tt.destination = t.destination AND tt.unit_region = coalesce(du.region, '')
     AND tt.tourist_place IS NOT NULL
    JOIN rest_day_count c1 ON c1.date = t.depart_date
    JOIN rest_day_count c2 ON c2.date = t.return_date
    WHERE t.return_date >= t.depart_date
      AND EXISTS (SELECT 1 FROM words w WHERE position(w.word IN t.reason) > 0)
),
trip_rows AS (
    SELECT unit, 'travel_claims:' || _key AS finding_key, 'travel_claims' AS ev_table, _key AS ev_key,
        'person' AS entity_type, person AS entity_key, CAST(amt AS DECIMAL(18, 2)) AS amount,
        depart_date AS period_start, return_date AS period_end, 'travel' AS rule, person AS persons,
        person || '以「' || reason || '」为由，' || strftime(depart_date, '%Y-%m-%d') || '至'
            || strftime(return_date, '%Y-%m-%d') || '赴' || destination || '（旅游目的地：' || place
            || '），行程含' || CAST(n_rest AS VARCHAR) || '个休息日（报销单' || claim_no || '）' AS detail
    FROM trips
    WHERE n_rest > 0
),
venues AS (
    SELECT DISTINCT venue FROM meetings WHERE venue IS NOT NULL
),
venue_tourist AS (
    SELECT v.venue, min(td.place) AS place
    FROM venues v JOIN std_tourist_destinations td ON position(td.place IN v.venue) > 0
    GROUP BY v.venue
),
mtg AS (
    SELECT m.unit, m._key, m.record_no, coalesce(m.name, m.record_no) AS title, m.venue, m.start_date,
        coalesce(m.end_date, m.start_date) AS end_d, m.amount, m.handler, vt.place,
        c2.cum_rest - c1.cum_rest + c1.rest AS n_rest
    FROM meetings m
    JOIN venue_tourist vt ON vt.venue = m.venue
    JOIN rest_day_count c1 ON c1.date = m.start_date
    JOIN rest_day_count c2 ON c2.date = coalesce(m.end_date, m.start_date)
    WHERE coalesce(m.end_date, m.start_date) >= m.start_date
      AND EXISTS (SELECT 1 FROM words w
                  WHERE position(w.word IN coalesce(m.reason, '') || ' ' || coalesce(m.name, '')) > 0)
),
mtg_rows AS (
    SELECT unit, 'meetings:' || _key AS finding_key, 'meetings' AS ev_table, _key AS ev_key,
        'person' AS entity_type, coalesce(handler, title) AS entity_key, amount,
        start_date AS period_start, end_d AS period_end, 'meeting' AS rule, handler AS persons,
        '「' || title || '」' || strftime(start_date, '%Y-%m-%d') || '至' || strftime(end_d, '%Y-%m-%d')
            || '在' || venue || '举办（旅游目的地：' || place || '），会期含' || CAST(n_rest AS VARCHAR)
            || '个休息日（记录' || record_no || '）' AS detail
    FROM mtg
    WHERE n_rest > 0
)
SELECT * FROM trip_rows
UNION ALL
SELECT * FROM mtg_rows
