/* ---
code: O01
slug: office_over_standard
title_zh: 办公用房面积超标
title_en: Office area per occupant above the standard
area: office
severity: medium
route: 反馈
inputs: [offices, staff, _units, std_office_area]
requires: [staff]
evidence: [offices, staff]
entity_type: room
what_zh: 办公室使用面积按使用人平均后，超过使用人中职级最高者在本单位层级对应的面积标准（取判断日当时有效的标准：2014 年 11 月 24 日起为发改投资〔2014〕2674号，此前为计投资〔1999〕2250号）；会议室、档案室等非办公用途的房间不计。使用人职级查不到时，只有结论与职级无关才判断（人均面积超过本级各职级的最高标准即报告，不超过最低标准即通过），否则作为数据质量说明，不成疑点。
what_en: A room's area divided among its occupants above the standard in force on the judgement day for the highest-ranked occupant at the unit's government level; rooms used for meetings or archives are excluded; an occupant whose rank cannot be found is judged only where the answer does not depend on the rank (above every rank's standard, or within the lowest), otherwise a data-quality note.
why_zh: 办公用房超标准配备、使用是中央八项规定精神明令整治的问题，巡察需逐间核对面积与职级。
regulation: 《党政机关办公用房建设标准》（发改投资〔2014〕2674号）第十三条办公室使用面积标准；《党政机关办公用房管理办法》（2017）第十四条
rules:
  over_standard: 人均使用面积超过标准
exclusions_zh: 用途为会议、档案、接待、活动、库房、值班的房间不计；面积恰好等于标准不报告；同名人员职级不同时按较高职级判断（从宽）；职级无法识别、不在花名册中、或判断日没有适用标准而结论取决于此的房间不报告，作为数据质量说明（_note：一个单位、一个原因一条）。
params:
  tolerance_m2: {type: decimal, default: 0, min: 0, max: 50, description_zh: 允许的面积误差（平方米/人），超过标准加误差才报告}
  as_of: {type: text, default: '', description_zh: 判断所依据的日期（YYYY-MM-DD），按当日有效的面积标准判断；留空为运行当天}
template: "{building_text}{room_no}室{area_m2:num}平方米，{n_occ:int}人使用，人均{per_person_1:num}平方米，超过{std_label}{std_value:num}平方米{partial_note}{std_note}"
example_zh: 市级单位，正处级干部一人使用 30 平方米办公室，标准 24 平方米 → 超标 6 平方米。
--- */
WITH judge_day AS (
    SELECT coalesce(CAST(nullif($as_of, '') AS DATE), current_date) AS d
),
std AS (
    -- the standard in force on the judgement day (发改投资〔2014〕2674号 from 2014-11-24, the 1999 table before)
    SELECT a.level, a.rank_norm, a.area_m2, coalesce(a.verified, false) AS verified, a.citation
    FROM std_office_area a, judge_day j
    WHERE j.d >= a.effective_from AND (a.effective_to IS NULL OR j.d <= a.effective_to)
),
level_range AS (
    SELECT level, min(area_m2) AS min_area, max(area_m2) AS max_area, bool_and(verified) AS all_verified,
           min(CASE WHEN NOT verified THEN citation END) AS unverified_citation
    FROM std
    GROUP BY level
),
rooms AS (
    SELECT o.*
    FROM offices o
    WHERE o.occupants IS NOT NULL AND o.area_m2 IS NOT NULL
      AND NOT regexp_matches(coalesce(o.use, '办公'), '会议|档案|接待|活动|库|值班|资料')
),
occ AS (
    SELECT r.unit, r._key, r.room_no, r.building, r.area_m2, trim(p.name) AS person
    FROM rooms r, unnest(string_split(r.occupants, '、')) AS p(name)
    WHERE trim(p.name) <> ''
),
ranked AS (
    SELECT o.unit, o._key, o.room_no, o.building, o.area_m2, o.person,
           s._key AS staff_key, s.rank_norm, l.ordinal,
           row_number() OVER (PARTITION BY o.unit, o._key, o.person ORDER BY l.ordinal NULLS LAST, s._key) AS pick
    FROM occ o
    LEFT JOIN staff s ON s.unit = o.unit AND s.name = o.person
    LEFT JOIN std_rank_ladder l ON l.rank_norm = s.rank_norm
),
people AS (
    SELECT * FROM ranked WHERE pick = 1
),
room_stats AS (
    SELECT unit, _key, min(room_no) AS room_no, min(building) AS building, min(area_m2) AS area_m2,
           count(*) AS n_occ, count(ordinal) AS n_known, min(ordinal) AS top_ordinal,
           array_to_string(list_sort(list(person)), '、') AS persons
    FROM people
    GROUP BY unit, _key
),
judged AS (
    SELECT rs.*, coalesce(u.level, '市级') AS level, l.rank_norm AS top_rank, a.area_m2 AS standard,
           a.verified, a.citation, lr.min_area, lr.max_area, lr.all_verified, lr.unverified_citation,
           rs.area_m2 / rs.n_occ AS per_person
    FROM room_stats rs
    JOIN _units u ON u.unit = rs.unit
    LEFT JOIN std_rank_ladder l ON l.ordinal = rs.top_ordinal
    LEFT JOIN std a ON a.level = coalesce(u.level, '市级') AND a.rank_norm = l.rank_norm
    LEFT JOIN level_range lr ON lr.level = coalesce(u.level, '市级')
),
verdict AS (
    -- over: above the top-ranked occupant's standard; over_any: above every rank's standard at the
    -- level (the answer does not depend on a rank that is unknown); note: cannot judge
    SELECT j.*,
           CASE WHEN j.n_known = j.n_occ AND j.standard IS NOT NULL THEN
                     CASE WHEN j.per_person > j.standard + $tolerance_m2 THEN 'over' END
                WHEN j.max_area IS NOT NULL AND j.per_person > j.max_area + $tolerance_m2 THEN 'over_any'
                WHEN j.min_area IS NOT NULL AND j.per_person <= j.min_area + $tolerance_m2 THEN NULL
                ELSE 'note' END AS outcome
    FROM judged j
),
flagged AS (
    SELECT v.*,
           -- numbers are formatted by the template, not here (portable to Spark)
           round(CAST(v.per_person AS DOUBLE), 1) AS per_person_1,
           CASE WHEN v.outcome = 'over' THEN concat(v.top_rank, '在', v.level, '的标准')
                ELSE concat(v.level, '各职级的最高标准') END AS std_label,
           CASE WHEN v.outcome = 'over' THEN v.standard ELSE v.max_area END AS std_value,
           CASE WHEN v.n_known < v.n_occ THEN '（部分使用人职级无法识别，不影响结论）' ELSE '' END AS partial_note,
           CASE WHEN v.outcome = 'over' AND NOT v.verified
                     THEN concat('（所依据的面积标准取自', v.citation, '，数值待核实）')
                WHEN v.outcome = 'over_any' AND NOT v.all_verified
                     THEN concat('（所依据的面积标准取自', v.unverified_citation, '，数值待核实）')
                ELSE '' END AS std_note
    FROM verdict v
    WHERE v.outcome IN ('over', 'over_any')
),
notes AS (
    SELECT v.unit, concat(v._key, '|note') AS finding_key, v._key, 'room' AS entity_type, v.room_no AS entity_key,
           concat(v.level, '在判断日期没有适用的办公用房面积标准') AS reason
    FROM verdict v
    WHERE v.outcome = 'note' AND v.max_area IS NULL
    UNION ALL
    SELECT v.unit, concat(v._key, '|note'), v._key, 'room', v.room_no,
           concat('办公室使用人职级（', v.top_rank, '）在', v.level, '没有适用的办公用房面积标准')
    FROM verdict v
    WHERE v.outcome = 'note' AND v.max_area IS NOT NULL AND v.n_known = v.n_occ
    UNION ALL
    SELECT v.unit, concat(v._key, '|unknown|', p.person), v._key, 'person', p.person,
           CASE WHEN p.staff_key IS NULL THEN '办公室使用人不在人员花名册中' ELSE '办公室使用人职级无法识别' END
    FROM verdict v
    JOIN people p ON p.unit = v.unit AND p._key = v._key AND p.ordinal IS NULL
    WHERE v.outcome = 'note' AND v.max_area IS NOT NULL AND v.n_known < v.n_occ
)
SELECT f.unit, concat(f._key, '|over') AS finding_key, 'offices' AS ev_table, f._key AS ev_key,
       'room' AS entity_type, f.room_no AS entity_key, CAST(NULL AS DECIMAL(18,2)) AS amount,
       CAST(NULL AS DATE) AS period_start, CAST(NULL AS DATE) AS period_end, 'over_standard' AS rule,
       f.persons, f.room_no, f.area_m2, coalesce(f.building, '') AS building_text, f.n_occ, f.per_person_1,
       f.std_label, f.std_value, f.partial_note, f.std_note,
       CAST(NULL AS VARCHAR) AS _note
FROM flagged f
UNION ALL
SELECT f.unit, concat(f._key, '|over'), 'staff', p.staff_key, 'room', f.room_no, CAST(NULL AS DECIMAL(18,2)),
       CAST(NULL AS DATE), CAST(NULL AS DATE), 'over_standard', f.persons, f.room_no, f.area_m2,
       coalesce(f.building, ''), f.n_occ, f.per_person_1, f.std_label, f.std_value, f.partial_note, f.std_note, NULL
FROM flagged f JOIN people p ON p.unit = f.unit AND p._key = f._key AND p.ordinal = f.top_ordinal
UNION ALL
SELECT n.unit, n.finding_key, 'offices', n._key, n.entity_type, n.entity_key, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, n.reason
FROM notes n
