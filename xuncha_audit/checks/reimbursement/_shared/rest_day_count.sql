-- rest_day_count: a running count of rest days over std_calendar, so the rest days in [a, b]
-- are cum_rest(b) - cum_rest(a) + rest(a): two equality joins instead of a range join.
-- Shared by R06 and R08.
SELECT date, CASE WHEN is_rest_day THEN 1 ELSE 0 END AS rest,
       sum(CASE WHEN is_rest_day THEN 1 ELSE 0 END)
           OVER (ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_rest
FROM std_calendar
