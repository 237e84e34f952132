/* ---
code: R06
slug: holiday_spend
title_zh: 节假日公务支出
title_en: Hospitality on rest days; trips mostly over rest days to tourist destinations
area: reimbursement
severity: medium
route: 反馈
inputs: [hospitality, travel_claims, _units, std_calendar, std_places, std_tourist_destinations, travel_destination, rest_day_count]
needs: [[hospitality, travel_claims]]
evidence: [hospitality, travel_claims]
entity_type: person
what_zh: ①公务接待发生在休息日（周末或法定节假日，按官方日历 std_calendar；调休上班的周六、周日是工作日，不标记）；②出差目的地为旅游目的地（std_tourist_destinations：目的地文字含景区/旅游地名称，或目的地所属城市即旅游城市），且住宿夜晚中休息日所占比例超过阈值（默认超过一半；第 N 晚按入住当日是否休息日计）。
why_zh: 节假日安排公务接待、休息日集中出差前往旅游地，是以公务名义变相旅游、违规吃喝的常见表现，需核实公务事由。
regulation: 《党政机关国内公务接待管理规定》（中办发〔2013〕22号）第五条（禁止以各种名义和方式变相旅游）、第十条；《党政机关厉行节约反对浪费条例》第三章（国内差旅：严禁以公务差旅名义和方式变相旅游）
exclusions_zh: 日历未覆盖的日期不判断；没有住宿夜晚（当日往返）的出差不判断②；目的地无法识别城市时只按名称包含判断旅游目的地。
rules:
  hospitality_rest_day: 休息日公务接待
  rest_day_trip: 休息日为主前往旅游目的地出差
params:
  min_rest_share: {type: decimal, default: 0.5, min: 0, max: 1, description_zh: 住宿夜晚中休息日占比超过该值才标记（0.5 = 超过一半）}
template: "{detail}，金额{amount:money}元"
example_zh: 10 月 1 日（国庆节）接待来访人员 8 人，金额 2,000 元；或 5 月 1 日至 5 月 4 日赴张家界出差 3 晚全部为节假日。
what_en: Hospitality on a weekend or public holiday (official calendar, adjusted working days are workdays), or a trip to a listed tourist destination whose nights fall mostly on rest days.
why_en: Spending on rest days, especially trips to tourist spots, is a common form of disguised tourism and banquets.
--- */
WITH
hosp_rows AS (
    SELECT h.unit, 'hospitality:' || h._key AS finding_key, 'hospitality' AS ev_table, h._key AS ev_key,
        'person' AS entity_type, coalesce(h.handler, h.guest_unit, h.record_no) AS entity_key,
        h.amount, h.date AS period_start, h.date AS period_end, 'hospitality_rest_day' AS rule,
        h.handler AS persons,
        strftime(h.date, '%Y-%m-%d') || '（' || coalesce(c.holiday_name, '周末') || '，休息日）公务接待'
            || coalesce(h.guest_unit, '') || '（记录' || h.record_no || '）' AS detail
    FROM hospitality h
    JOIN std_calendar c ON c.date = h.date
    WHERE c.is_rest_day
),
trips AS (
    SELECT t.unit, t._key, t.claim_no, t.person, t.destination, t.depart_date, t.return_date, tt.tourist_place AS place,
        coalesce(t.lodging_amount, 0) + coalesce(t.meal_allowance, 0) + coalesce(t.local_transport_allowance, 0)
            + coalesce(t.transport_amount, 0) AS amt,
        datediff('day', t.depart_date, t.return_date) AS n_nights,
        -- nights = the days depart .. return-1
        c2.cum_rest - c2.rest - c1.cum_rest + c1.rest AS n_rest
    FROM travel_claims t
    LEFT JOIN _units du ON du.unit = t.unit
    JOIN travel_destination tt ON tt.destination = t.destination AND tt.unit_region = coalesce(du.region, '')
     AND tt.tourist_place IS NOT NULL
    JOIN rest_day_count c1 ON c1.date = t.depart_date
    JOIN rest_day_count c2 ON c2.date = t.return_date
    WHERE t.return_date > t.depart_date
),
trip_rows AS (
    SELECT unit, 'travel_claims:' || _key AS finding_key, 'travel_claims' AS ev_table, _key AS ev_key,
        'person' AS entity_type, person AS entity_key, CAST(amt AS DECIMAL(18, 2)) AS amount,
        depart_date AS period_start, return_date AS period_end, 'rest_day_trip' AS rule,
        person AS persons,
        person || strftime(depart_date, '%Y-%m-%d') || '至' || strftime(return_date, '%Y-%m-%d') || '赴'
            || destination || '出差（旅游目的地：' || place || '），住宿' || CAST(n_nights AS VARCHAR)
            || '晚中' || CAST(n_rest AS VARCHAR) || '晚为休息日（报销单' || claim_no || '）' AS detail
    FROM trips
    WHERE n_rest > n_nights * $min_rest_share
)
SELECT * FROM hosp_rows
UNION ALL
SELECT * FROM trip_rows
