/* ---
code: R01
slug: lodging_over_cap
title_zh: 住宿费超标
title_en: Lodging above the cap for destination, rank tier and season
area: reimbursement
severity: medium
route: 反馈
inputs: [travel_claims, staff, _units, std_places, std_lodging_caps, std_rank_ladder, std_calendar, travel_destination]
evidence: [travel_claims]
entity_type: person
what_zh: 差旅住宿费超过出差人职级对应的住宿费标准合计：按出差日期逐晚（出发日至返回日前一日）取目的地、职级档次（部级/司局级/其他）和当晚所属旺淡季的标准，累加为允许总额；住宿费超过允许总额即标记。未填住宿天数时按返回日与出发日相差天数计算；填写的住宿天数与日期不一致时按逐晚平均标准乘以填写天数。
why_zh: 出差人员应在职务级别对应的住宿费标准限额内住宿，超标部分不得报销；超标报销属于违反中央八项规定精神的违规报销问题。
regulation: 《中央和国家机关差旅费管理办法》（财行〔2013〕531号）第三章（住宿费：在职务级别对应的住宿费标准限额内住宿）；财行〔2016〕71号 附件《中央和国家机关工作人员赴地方差旅住宿费标准明细表》
exclusions_zh: 目的地无法识别为标准地名（std_places）的报销单不判断；目的地为区县时归入所属城市，城市不在标准表中时按所在省份的「其他」标准判断并在疑点中注明；职级在报销单和花名册中都认不出时，只按最高档（部级）标准判断：超出部级标准才报告（是否超标不取决于职级），其余作为数据质量说明（「职级无法识别」，按单位计人数），不作为疑点。同名人员取花名册中的最高职级（从宽）。
rules:
  over_cap: 住宿费超过逐晚标准合计
params:
  tolerance: {type: decimal, default: 0, min: 0, max: 100000, description_zh: 容差（元），超出金额大于该值才标记}
template: "{person}赴{destination}出差{nights_used:int}晚，住宿费{lodging_amount:money}元，超过{rank_label}标准合计{allowed_total:money}元{cap_note}{fallback_note}，超出{amount:money}元"
example_zh: 正处级干部赴张家口出差，6月29日至7月2日住3晚，6月为淡季每晚350元、7月为旺季每晚525元，允许合计1,225元；报销1,500元即超出275元。
what_en: Lodging claimed above the sum of the nightly caps for destination city, rank tier and season on each night; districts resolve to their city, cities not in the table fall back to the region's other-places row.
why_en: Lodging above the rank's cap may not be reimbursed (Finance Ministry travel rules).
--- */
WITH
staff_rank AS (
    SELECT s.unit, s.name, l.rank_norm
    FROM staff s JOIN std_rank_ladder l ON l.rank_norm = s.rank_norm
    QUALIFY row_number() OVER (PARTITION BY s.unit, s.name ORDER BY l.ordinal) = 1
),
claims AS (
    SELECT t.unit, t._key, t.claim_no, t.person, t.destination, t.depart_date, t.return_date,
        t.lodging_amount,
        coalesce(t.nights, datediff('day', t.depart_date, t.return_date)) AS nights_used,
        CASE WHEN t.return_date > t.depart_date THEN CAST(t.return_date - INTERVAL 1 DAY AS DATE)
             ELSE t.depart_date END AS last_night,
        coalesce(t.rank_norm, sr.rank_norm) AS rank_used,
        -- unknown rank: the most generous tier, so a finding never depends on the unknown rank
        CASE WHEN coalesce(t.rank_norm, sr.rank_norm) IS NULL THEN '部级'
             ELSE coalesce(l.travel_tier, '其他') END AS tier,
        dp.region, dp.lodging_city
    FROM travel_claims t
    LEFT JOIN _units du ON du.unit = t.unit
    JOIN travel_destination dp ON dp.destination = t.destination AND dp.unit_region = coalesce(du.region, '')
     AND dp.region IS NOT NULL
    LEFT JOIN staff_rank sr ON sr.unit = t.unit AND sr.name = t.person AND t.rank_norm IS NULL
    LEFT JOIN std_rank_ladder l ON l.rank_norm = coalesce(t.rank_norm, sr.rank_norm)
    WHERE t.lodging_amount > 0 AND t.return_date >= t.depart_date
      AND coalesce(t.nights, datediff('day', t.depart_date, t.return_date)) > 0
),
cal_n AS (
    -- calendar with a day number, so nights are found by equality (depart day number + k)
    SELECT date, datediff('day', DATE '2000-01-01', date) AS dn FROM std_calendar
),
offsets AS (
    SELECT dn - (SELECT min(dn) FROM cal_n) AS k FROM cal_n
    WHERE dn - (SELECT min(dn) FROM cal_n) < 1000
),
nights AS (
    SELECT c.unit, c._key, c.region, c.tier, c.lodging_city, cal.date AS night,
        month(cal.date) * 100 + day(cal.date) AS md
    FROM claims c
    JOIN offsets o ON o.k <= datediff('day', c.depart_date, c.last_night)
    JOIN cal_n cal ON cal.dn = datediff('day', DATE '2000-01-01', c.depart_date) + o.k
),
night_caps AS (
    -- one row per (claim, night): the cap of the row in force that night (season by
    -- month*100+day); the destination's own row before the region's 其他 row
    SELECT n.unit, n._key, n.night,
        coalesce(max(CASE WHEN lc.city = n.lodging_city THEN lc.cap END),
                 max(CASE WHEN lc.city = '其他' THEN lc.cap END)) AS cap,
        coalesce(max(CASE WHEN lc.city = n.lodging_city THEN lc.season END),
                 max(CASE WHEN lc.city = '其他' THEN lc.season END)) AS season,
        CASE WHEN max(CASE WHEN lc.city = n.lodging_city THEN 1 END) IS NULL THEN '其他'
             ELSE n.lodging_city END AS cap_city
    FROM nights n
    JOIN std_lodging_caps lc
      ON lc.region = n.region AND lc.tier = n.tier
     AND (lc.city = n.lodging_city OR lc.city = '其他')
     AND n.md BETWEEN lc.start_md AND lc.end_md
     AND n.night >= lc.effective_from AND (lc.effective_to IS NULL OR n.night <= lc.effective_to)
    GROUP BY n.unit, n._key, n.night, n.lodging_city
),
allowed AS (
    SELECT unit, _key, sum(cap) AS cap_sum, count(*) AS n_nights, min(cap) AS cap_min,
        max(cap) AS cap_max, count(DISTINCT season) AS n_seasons,
        max(CASE WHEN cap_city = '其他' THEN 1 ELSE 0 END) AS used_other
    FROM night_caps GROUP BY unit, _key
),
region_has_cities AS (
    SELECT DISTINCT region FROM std_lodging_caps WHERE city <> '其他'
),
judged AS (
    SELECT c.*, a.cap_min, a.cap_max, a.n_seasons,
        CAST(round(a.cap_sum * c.nights_used / a.n_nights, 2) AS DECIMAL(18, 2)) AS allowed_total,
        a.used_other = 1 AND rh.region IS NOT NULL AS fell_back
    FROM claims c
    JOIN allowed a ON a.unit = c.unit AND a._key = c._key
    LEFT JOIN region_has_cities rh ON rh.region = c.region
)
SELECT unit, claim_no AS finding_key, 'travel_claims' AS ev_table, _key AS ev_key,
    'person' AS entity_type, person AS entity_key, CAST(NULL AS VARCHAR) AS _note,
    CAST(lodging_amount - allowed_total AS DECIMAL(18, 2)) AS amount,
    depart_date AS period_start, return_date AS period_end, 'over_cap' AS rule, person AS persons,
    person, destination, tier, nights_used, lodging_amount, allowed_total,
    CASE WHEN rank_used IS NULL THEN '职级无法识别，按最高档（部级）' ELSE rank_used || '（' || CASE WHEN tier = '其他' THEN '其他人员' ELSE tier END || '）' END AS rank_label,
    CASE WHEN n_seasons > 1 THEN '（跨旺淡季逐晚计算，每晚' || CAST(CAST(cap_min AS BIGINT) AS VARCHAR) || '–' || CAST(CAST(cap_max AS BIGINT) AS VARCHAR) || '元）'
         ELSE '（每晚' || CAST(CAST(cap_max AS BIGINT) AS VARCHAR) || '元）' END AS cap_note,
    CASE WHEN fell_back THEN '；目的地不在住宿费标准表中，按' || region || '「其他」地区标准'
         ELSE '' END AS fallback_note
FROM judged
WHERE lodging_amount - allowed_total > $tolerance
UNION ALL
-- data-quality note (not a finding): claims whose traveller's rank cannot be recognised
SELECT unit, claim_no, 'travel_claims', _key, 'person', person, '职级无法识别（住宿费只按部级标准判断）',
    NULL, depart_date, return_date, 'over_cap', person, person, destination, tier, nights_used,
    lodging_amount, NULL, NULL, NULL, NULL
FROM claims
WHERE rank_used IS NULL
