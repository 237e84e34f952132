-- vehicle_ownership: whether each registered vehicle is the unit's own (V01 counts own vehicles
-- against the quota; V06 looks at the others). A vehicle is the unit's own when its owner is
-- blank, 本单位, the unit's name (either containing the other), or the unit's name as its
-- registry spells it: the owner of over half (and at least 3) of all the unit's vehicles.
WITH home AS (
    SELECT unit, owner_unit AS home_owner
    FROM (SELECT unit, owner_unit, count(*) AS n, sum(count(*)) OVER (PARTITION BY unit) AS total
          FROM vehicles GROUP BY unit, owner_unit)
    WHERE owner_unit IS NOT NULL AND n * 2 > total AND n >= 3
)
SELECT v.unit, v._key,
       (v.owner_unit IS NULL OR v.owner_unit IN ('本单位', v.unit, coalesce(h.home_owner, ''))
        OR strpos(v.unit, v.owner_unit) > 0 OR strpos(v.owner_unit, v.unit) > 0) AS is_own
FROM vehicles v
LEFT JOIN home h ON h.unit = v.unit
