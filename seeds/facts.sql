-- Rows for core.facts: the CSV columns plus the interval each qualifier implies.
-- An end the qualifier leaves open is closed by the unit's natural limit where it has one
-- ("above 98%" is (98, 100]; "nearly 3,000" persons is [0, 3000)); otherwise it stays NULL
-- (unbounded). Unknown qualifiers or indicators leave the interval NULL and are reported by the
-- foreign-key validation.
SELECT f.*,
       CASE WHEN q.low_from_value THEN f.value ELSE u.min_value END AS value_low,
       CASE WHEN q.low_from_value THEN q.low_inclusive WHEN u.min_value IS NOT NULL THEN true END
           AS low_inclusive,
       CASE WHEN q.high_from_value THEN f.value ELSE u.max_value END AS value_high,
       CASE WHEN q.high_from_value THEN q.high_inclusive WHEN u.max_value IS NOT NULL THEN true END
           AS high_inclusive
FROM stage_facts AS f
LEFT JOIN core.qualifiers AS q ON q.qualifier = f.qualifier
LEFT JOIN core.indicators AS i ON i.indicator_id = f.indicator_id
LEFT JOIN core.units AS u ON u.unit_id = i.unit_id
