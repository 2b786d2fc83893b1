-- Rows for core.facts: the CSV columns plus the interval each stated figure implies.
-- The convention, in order:
-- 1. The qualifier first: a side it fixes comes from the value ("over 96,700" is above 96,700,
--    exclusive; "nearly 3,000" is below 3,000, exclusive; "at least" includes the value).
-- 2. Then the precision p (the step of the figure's last significant digit): a side the qualifier
--    leaves open is closed, inclusive, at the qualifier's reach in steps of p. "over" reaches one
--    step, because a figure one step larger would have been written ("over 96,700" at precision 100
--    is (96700, 96800]); "nearly" reaches half a step, because the figure written is the one nearest
--    the value ("nearly 3,000" at precision 1000 is [2500, 3000)). A figure without a qualifier is
--    the value itself when stated in full (rounding none), [v - p/2, v + p/2) when rounded to the
--    nearest, [v, v + p) when cut ("55%" for 55.6% is [55, 56)) and the union of both,
--    [v - p/2, v + p), when the source's convention is unknown ("17,000" is [16500, 18000)).
--    A criterion (a rule's threshold) has no precision: it is the value itself.
-- 3. Last the unit's limits clip both sides ("above 98%" can reach no more than 100).
-- Unknown qualifiers or indicators leave the interval NULL and are reported by the foreign-key
-- validation.
WITH sides AS (
    SELECT f.*,
           u.min_value AS unit_min,
           u.max_value AS unit_max,
           CASE WHEN f.qualifier = 'exact' THEN
                    CASE WHEN f.rounding IN ('nearest', 'nearest_or_down') THEN f.value - f.precision / 2
                         ELSE f.value END
                WHEN q.low_from_value THEN f.value
                ELSE f.value - q.reach * f.precision END AS low,
           CASE WHEN f.qualifier = 'exact' THEN true
                WHEN q.low_from_value THEN q.low_inclusive
                ELSE true END AS low_closed,
           CASE WHEN f.qualifier = 'exact' THEN
                    CASE f.rounding WHEN 'nearest' THEN f.value + f.precision / 2
                                    WHEN 'down' THEN f.value + f.precision
                                    WHEN 'nearest_or_down' THEN f.value + f.precision ELSE f.value END
                WHEN q.high_from_value THEN f.value
                ELSE f.value + q.reach * f.precision END AS high,
           CASE WHEN f.qualifier = 'exact' THEN f.rounding = 'none'
                WHEN q.high_from_value THEN q.high_inclusive
                ELSE true END AS high_closed
    FROM stage_facts AS f
    LEFT JOIN core.qualifiers AS q ON q.qualifier = f.qualifier
    LEFT JOIN core.indicators AS i ON i.indicator_id = f.indicator_id
    LEFT JOIN core.units AS u ON u.unit_id = i.unit_id
)
SELECT * EXCLUDE (unit_min, unit_max, low, low_closed, high, high_closed),
       CAST(CASE WHEN unit_min IS NOT NULL AND low <= unit_min THEN unit_min ELSE low END AS DECIMAL(18, 2))
           AS value_low,
       CASE WHEN low IS NULL THEN NULL WHEN unit_min IS NOT NULL AND low <= unit_min THEN true ELSE low_closed END
           AS low_inclusive,
       CAST(CASE WHEN unit_max IS NOT NULL AND high >= unit_max THEN unit_max ELSE high END AS DECIMAL(18, 2))
           AS value_high,
       CASE WHEN high IS NULL THEN NULL
            WHEN unit_max IS NOT NULL AND high > unit_max THEN true
            ELSE high_closed END AS high_inclusive
FROM sides
