-- vehicle_ownership: whether each registered vehicle is the unit's own (V01 counts own vehicles
-- against the quota; V06 looks at the others). A vehicle is the unit's own when its owner is
-- blank, 本单位, the unit's name, the unit's name with a place prefix (湖南省某市某局 for 某市某局, or
-- the other way round), or the unit's name as its registry spells it: the owner of over half (and
-- at least 3) of all the unit's vehicles. An owner that starts with the unit's name and goes on
-- (某市某局机关服务中心, 某市某局执法支队) is a different unit: a subordinate named with the parent's
-- prefix, never the unit itself.
WITH home AS (
    SELECT unit, owner_unit AS home_owner
    FROM (SELECT unit, owner_unit, count(*) AS n, sum(count(*)) OVER (PARTITION BY unit) AS total
          FROM vehicles GROUP BY unit, owner_unit)
    WHERE owner_unit IS NOT NULL AND n * 2 > total AND n >= 3
      AND NOT (length(owner_unit) > length(unit) AND left(owner_unit, length(unit)) = unit)
)
SELECT v.unit, v._key,
       (v.owner_unit IS NULL OR v.owner_unit IN ('本单位', v.unit, coalesce(h.home_owner, ''))
        OR (length(v.owner_unit) < length(v.unit) AND right(v.unit, length(v.owner_unit)) = v.owner_unit)
        OR (length(v.owner_unit) > length(v.unit) AND right(v.owner_unit, length(v.unit)) = v.unit)) AS is_own
FROM vehicles v
LEFT JOIN home h ON h.unit = v.unit
