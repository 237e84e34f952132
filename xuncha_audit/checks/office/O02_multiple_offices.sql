/* ---
code: O02
slug: multiple_offices
title_zh: 多处占用办公用房
title_en: One person occupying two or more office rooms
area: office
severity: medium
route: 反馈
inputs: [offices]
evidence: [offices]
entity_type: person
what_zh: 同一人被登记为两间及以上办公室的使用人（会议室、档案室等非办公用途的房间不计）。
what_en: One person listed as occupant of two or more office rooms (meeting rooms, archives and the like excluded).
why_zh: 多处占用办公用房是办公用房清理整改的重点，常见于调任后未腾退原办公室、在下属单位另设办公室。
regulation: 《党政机关办公用房管理办法》（2017）第十六条（不得在不同单位同时占用办公用房，调动后应及时腾退）
exclusions_zh: 用途为会议、档案、接待、活动、库房、值班的房间不计；同一房间在台账中登记两次不算两处。
params: {}
template: "{person}同时占用{n_rooms:int}间办公室：{rooms}"
example_zh: 张某同时登记为 301 室和 5 号楼 102 室使用人 → 报告 1 条，引用 2 间办公室。
--- */
WITH occ AS (
    SELECT o.unit, o._key, o.room_no, coalesce(o.building, '') AS building, trim(p.name) AS person
    FROM offices o, unnest(string_split(o.occupants, '、')) AS p(name)
    WHERE o.occupants IS NOT NULL AND trim(p.name) <> ''
      AND NOT regexp_matches(coalesce(o.use, '办公'), '会议|档案|接待|活动|库|值班|资料')
),
multi AS (
    -- per person aggregate joined back (Spark has no DISTINCT window aggregates); rooms sorted
    SELECT occ.*, per.n_rooms, per.rooms
    FROM occ
    JOIN (SELECT unit, person, count(DISTINCT _key) AS n_rooms,
                 array_to_string(list_sort(list(concat(building, room_no))), '、') AS rooms
          FROM occ GROUP BY unit, person) per
      ON per.unit = occ.unit AND per.person = occ.person
)
SELECT unit, person AS finding_key, 'offices' AS ev_table, _key AS ev_key, 'person' AS entity_type,
       person AS entity_key, CAST(NULL AS DECIMAL(18,2)) AS amount, CAST(NULL AS DATE) AS period_start,
       CAST(NULL AS DATE) AS period_end, person AS persons, person, n_rooms, rooms
FROM multi
WHERE n_rooms >= 2
