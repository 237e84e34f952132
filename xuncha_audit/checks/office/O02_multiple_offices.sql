/* ---
code: O02
slug: multiple_offices
title_zh: 多处占用办公用房
title_en: One person occupying two or more office rooms
area: office
severity: medium
route: 反馈
inputs: [offices, staff]
evidence: [offices]
entity_type: person
what_zh: 同一人被登记为两间及以上办公室的使用人（会议室、档案室等非办公用途的房间不计），包括在本次一并导入的两个单位各占一间办公室（按姓名对应；两个单位花名册中同名者身份证号不同的视为两人，不报告；一方无身份证号时可能是其中任何一人，与双方分别对应）。在多个单位出现时，描述中列出其他单位中按名称排序的前五个，并注明共几个单位。
what_en: One person listed as occupant of two or more office rooms (meeting rooms, archives and the like excluded), also across two units of the same run (matched by name unless the two rosters give different ID numbers; an entry without an ID number may be either namesake and is matched with both). Across many units the title names five others and gives the count.
why_zh: 多处占用办公用房是办公用房清理整改的重点，常见于调任后未腾退原办公室、在下属单位另设办公室。
regulation: 《党政机关办公用房管理办法》（2017）第十六条（不得在不同单位同时占用办公用房，调动后应及时腾退）
exclusions_zh: 用途为会议、档案、接待、活动、库房、值班的房间不计；同一房间在台账中登记两次不算两处。
rules:
  same_unit: 在本单位占用两间及以上办公室
  two_units: 在本单位和本次导入的其他单位同时占用办公室
params: {}
template: "{person}同时占用{n_rooms:int}间办公室：{rooms}"
example_zh: 张某同时登记为 301 室和 5 号楼 102 室使用人 → 报告 1 条，引用 2 间办公室；李某在市住建局登记 201 室、在下属服务中心又登记 105 室 → 两个单位各报告 1 条。
--- */
WITH occ AS (
    SELECT o.unit, o._key, o.room_no, coalesce(o.building, '') AS building, trim(p.name) AS person
    FROM offices o, unnest(string_split(o.occupants, '、')) AS p(name)
    WHERE o.occupants IS NOT NULL AND trim(p.name) <> ''
      AND NOT regexp_matches(coalesce(o.use, '办公'), '会议|档案|接待|活动|库|值班|资料')
),
per_unit AS (
    SELECT unit, person, count(DISTINCT _key) AS n_rooms, array_to_string(list_sort(list(DISTINCT concat(building, room_no))), '、') AS rooms
    FROM occ
    GROUP BY unit, person
),
ids AS (
    SELECT unit, name, min(id_number) AS id_number
    FROM staff
    WHERE id_number IS NOT NULL
    GROUP BY unit, name
),
pu AS (
    -- entries whose name occurs in another unit of this run, with the roster's ID number if any
    SELECT p.unit, p.person, p.n_rooms, p.rooms, i.id_number AS pid
    FROM per_unit p
    LEFT JOIN ids i ON i.unit = p.unit AND i.name = p.person
    WHERE p.person IN (SELECT person FROM per_unit GROUP BY person HAVING count(*) > 1)
),
classes AS (
    -- the same person across units: same name, unless both rosters give different ID numbers.
    -- Class (name, X) holds the entries with ID number X or none; class (name, NULL) holds every
    -- entry and is the class of an entry without one. Linear in the entries, not in their pairs
    -- (a common name in every unit of a province would make a million pairs).
    SELECT person, pid AS cls, unit, n_rooms, rooms FROM pu WHERE pid IS NOT NULL
    UNION ALL
    SELECT person, NULL, unit, n_rooms, rooms FROM pu
    UNION ALL
    SELECT c.person, c.pid, m.unit, m.n_rooms, m.rooms
    FROM (SELECT DISTINCT person, pid FROM pu WHERE pid IS NOT NULL) c
    JOIN pu m ON m.person = c.person AND m.pid IS NULL
),
class_size AS (
    SELECT person, cls, count(*) AS n_units, sum(n_rooms) AS n_rooms
    FROM classes
    GROUP BY person, cls
),
class_first AS (
    -- the first six units of each class by name: enough to name five others of any member
    SELECT * FROM classes
    QUALIFY row_number() OVER (PARTITION BY person, cls ORDER BY unit) <= 6
),
elsewhere AS (
    SELECT a.unit, a.person, s.n_rooms - a.n_rooms AS n_other, s.n_units - 1 AS n_units_other,
           array_to_string(array_slice(list_sort(list(concat(f.unit, '占用', f.rooms))), 1, 5), '；')
           || CASE WHEN s.n_units - 1 > 5 THEN concat('等', CAST(s.n_units - 1 AS VARCHAR), '个单位') ELSE '' END
           AS other_rooms
    FROM pu a
    JOIN class_size s ON s.person = a.person AND s.cls IS NOT DISTINCT FROM a.pid
    JOIN class_first f ON f.person = a.person AND f.cls IS NOT DISTINCT FROM a.pid AND f.unit <> a.unit
    WHERE s.n_units > 1
    GROUP BY a.unit, a.person, s.n_rooms, a.n_rooms, s.n_units
),
flagged AS (
    SELECT p.unit, p.person, p.n_rooms, p.rooms, coalesce(e.n_other, 0) AS n_other, e.other_rooms
    FROM per_unit p
    LEFT JOIN elsewhere e ON e.unit = p.unit AND e.person = p.person
    WHERE p.n_rooms >= 2 OR e.person IS NOT NULL
)
SELECT o.unit, o.person AS finding_key, 'offices' AS ev_table, o._key AS ev_key, 'person' AS entity_type,
       o.person AS entity_key, CAST(NULL AS DECIMAL(18,2)) AS amount, CAST(NULL AS DATE) AS period_start,
       CAST(NULL AS DATE) AS period_end, CASE WHEN f.n_other > 0 THEN 'two_units' ELSE 'same_unit' END AS rule,
       o.person AS persons, o.person, f.n_rooms + f.n_other AS n_rooms,
       concat('本单位', f.rooms, CASE WHEN f.n_other > 0 THEN concat('；另在', f.other_rooms) ELSE '' END) AS rooms
FROM occ o
JOIN flagged f ON f.unit = o.unit AND f.person = o.person
