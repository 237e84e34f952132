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
what_zh: 办公室使用面积按使用人平均后，超过使用人中职级最高者在本单位层级对应的面积标准；会议室、档案室等非办公用途的房间不计。使用人职级查不到的，单独报告，不静默跳过。
what_en: A room's area divided among its occupants above the standard of the highest-ranked occupant at the unit's government level; rooms used for meetings or archives are excluded; an occupant whose rank can't be found is reported on its own.
why_zh: 办公用房超标准配备、使用是中央八项规定精神明令整治的问题，巡察需逐间核对面积与职级。
regulation: 《党政机关办公用房建设标准》（发改投资〔2014〕2674号）第十三条办公室使用面积标准；《党政机关办公用房管理办法》（2017）第十四条
rules:
  over_standard: 人均使用面积超过标准
  rank_unknown: 使用人职级无法确定，无法判断是否超标
exclusions_zh: 用途为会议、档案、接待、活动、库房、值班的房间不计；面积恰好等于标准不报告；同名人员职级不同时按较高职级判断（从宽）。
params:
  tolerance_m2: {type: decimal, default: 0, min: 0, max: 50, description_zh: 允许的面积误差（平方米/人），超过标准加误差才报告}
template:
  over_standard: "{building_text}{room_no}室{area_m2:num}平方米，{n_occ:int}人使用，人均{per_person:num}平方米，超过{top_rank}在{level}的标准{standard:num}平方米"
  rank_unknown: "{building_text}{room_no}室{area_m2:num}平方米，{occupant_text}"
example_zh: 市级单位，正处级干部一人使用 30 平方米办公室，标准 24 平方米 → 超标 6 平方米。
--- */
WITH rooms AS (
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
           row_number() OVER (PARTITION BY o.unit, o._key, o.person ORDER BY l.ordinal NULLS LAST) AS pick
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
    SELECT rs.*, u.level, l.rank_norm AS top_rank, a.area_m2 AS standard,
           rs.area_m2 / rs.n_occ AS per_person
    FROM room_stats rs
    JOIN _units u ON u.unit = rs.unit
    JOIN std_rank_ladder l ON l.ordinal = rs.top_ordinal
    JOIN std_office_area a ON a.level = coalesce(u.level, '市级') AND a.rank_norm = l.rank_norm
    WHERE rs.n_known = rs.n_occ
      AND rs.area_m2 / rs.n_occ > a.area_m2 + $tolerance_m2
)
SELECT j.unit, concat(j._key, '|over') AS finding_key, 'offices' AS ev_table, j._key AS ev_key,
       'room' AS entity_type, j.room_no AS entity_key, CAST(NULL AS DECIMAL(18,2)) AS amount,
       CAST(NULL AS DATE) AS period_start, CAST(NULL AS DATE) AS period_end, 'over_standard' AS rule,
       j.persons, j.room_no, j.area_m2, coalesce(j.building, '') AS building_text,
       NULL AS occupant_text, j.n_occ, round(CAST(j.per_person AS DOUBLE), 1) AS per_person, j.top_rank,
       j.level, j.standard
FROM judged j
UNION ALL
SELECT j.unit, concat(j._key, '|over'), 'staff', p.staff_key, 'room', j.room_no, CAST(NULL AS DECIMAL(18,2)),
       CAST(NULL AS DATE), CAST(NULL AS DATE), 'over_standard', j.persons, j.room_no, j.area_m2,
       coalesce(j.building, ''),
       NULL, j.n_occ, round(CAST(j.per_person AS DOUBLE), 1), j.top_rank, j.level, j.standard
FROM judged j JOIN people p ON p.unit = j.unit AND p._key = j._key AND p.ordinal = j.top_ordinal
UNION ALL
SELECT p.unit, concat(p._key, '|unknown|', p.person), 'offices', p._key, 'room', p.room_no,
       CAST(NULL AS DECIMAL(18,2)), CAST(NULL AS DATE), CAST(NULL AS DATE), 'rank_unknown', p.person,
       p.room_no, p.area_m2, coalesce(p.building, ''),
       concat('使用人', p.person, CASE WHEN p.staff_key IS NULL THEN '不在人员花名册中' ELSE '的职级无法识别' END,
              '，无法判断是否超标'), NULL, NULL, NULL, NULL, NULL
FROM people p
WHERE p.ordinal IS NULL
