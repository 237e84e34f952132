-- unit_thresholds: every procurement threshold row (std_procurement_thresholds) that applies to
-- each unit — its scope (中央 for central units, else 地方), its region and its level (乡级 is
-- judged as 县级) — with `specificity`: 0 is most specific; a region-specific row comes before a
-- level-specific row, which comes before a scope-specific row (weights 4, 2, 1). A check picks,
-- per contract and kind, the row in force on the sign date with the lowest specificity, then
-- the lowest threshold. `citation` and `verified` come with the row so that a finding resting on
-- a value marked 待核实 can say so. Shared by P01, P02 and P03.
WITH ctx AS (
    SELECT u.unit, u.region,
           CASE WHEN u.level = '中央' THEN '中央' ELSE '地方' END AS scope,
           CASE WHEN u.level = '乡级' THEN '县级' ELSE u.level END AS lvl
    FROM _units u
)
SELECT u.unit, t.kind, t.category, t.threshold, t.effective_from, t.effective_to, t.citation,
       coalesce(t.verified, false) AS verified,
       CASE WHEN t.region = '*' THEN 4 ELSE 0 END + CASE WHEN t.level = '*' THEN 2 ELSE 0 END
           + CASE WHEN t.scope = '*' THEN 1 ELSE 0 END AS specificity
FROM ctx u
JOIN std_procurement_thresholds t
  ON t.scope IN ('*', u.scope) AND t.region IN ('*', u.region) AND t.level IN ('*', u.lvl)
