-- travel_destination: every distinct travel destination text, per region of the travelling
-- unit, resolved to a place of std_places (region, city, lodging_city; NULL when it cannot
-- be resolved), and the listed tourist destination it names or lies in (tourist_place, NULL
-- when none). Shared by R01, R02, R06 and R08; built once per run by the engine.
-- Destination -> place (std_places): exact name first; else the most specific place whose
-- full name (岳麓区, 长沙市) or, for cities and regions, short name appears in the text; a
-- district/county known only by its short name, or an ambiguous name (和平区), counts only
-- when its city or region is also named. Ties go to the unit's own region. Resolved once per
-- (destination, region of the unit), not per unit.
WITH
dest AS (
    SELECT DISTINCT t.destination, coalesce(u.region, '') AS unit_region
    FROM travel_claims t LEFT JOIN _units u ON u.unit = t.unit
    WHERE t.destination IS NOT NULL
),
dest_cand AS (
    SELECT d.unit_region, d.destination, p.region, p.city, p.lodging_city, p.kind,
        CASE WHEN d.destination = p.name OR d.destination = p.full_name THEN 0 ELSE 1 END AS exact_rank,
        CASE p.kind WHEN 'district' THEN 0 WHEN 'county' THEN 0 WHEN 'area' THEN 0 WHEN 'city' THEN 1 ELSE 2 END AS kind_rank,
        length(p.name) AS name_len,
        CASE WHEN p.region = d.unit_region THEN 0 ELSE 1 END AS home_rank
    FROM dest d
    JOIN std_places p ON position(p.name IN d.destination) > 0
    WHERE d.destination = p.name OR d.destination = p.full_name
       OR ((position(p.full_name IN d.destination) > 0 OR p.kind IN ('city', 'region'))
           AND NOT coalesce(p.ambiguous, FALSE))
       OR (p.kind IN ('district', 'county', 'area')
           AND (position(p.city IN d.destination) > 0 OR position(p.region IN d.destination) > 0))
),
dest_place AS (
    SELECT unit_region, destination, region, city, lodging_city
    FROM dest_cand
    QUALIFY row_number() OVER (PARTITION BY unit_region, destination
                               ORDER BY exact_rank, kind_rank, name_len DESC, home_rank, city) = 1
),
tourist AS (
    -- tourist destinations named in the text or containing the resolved city
    SELECT d.unit_region, d.destination, min(td.place) AS tourist_place
    FROM dest d
    LEFT JOIN dest_place p ON p.unit_region = d.unit_region AND p.destination = d.destination
    JOIN std_tourist_destinations td ON position(td.place IN d.destination) > 0 OR td.place = p.city
    GROUP BY d.unit_region, d.destination
)
SELECT d.unit_region, d.destination, p.region, p.city, p.lodging_city, t.tourist_place
FROM dest d
LEFT JOIN dest_place p ON p.unit_region = d.unit_region AND p.destination = d.destination
LEFT JOIN tourist t ON t.unit_region = d.unit_region AND t.destination = d.destination
