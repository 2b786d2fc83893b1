SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'value' AS column_name,
       CAST(f.value AS VARCHAR) AS value,
       'a value from ' || coalesce(CAST(u.min_value AS VARCHAR), '-inf') || ' to '
           || coalesce(CAST(u.max_value AS VARCHAR), '+inf') || ' ' || u.label AS expected,
       'value is outside the range of its unit' AS problem
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
JOIN core.units AS u USING (unit_id)
WHERE f.value < u.min_value OR f.value > u.max_value
UNION ALL
SELECT 'facts', f.fact_id, 'value', CAST(f.value AS VARCHAR),
       CASE u.step WHEN 1 THEN 'a whole number of ' || u.label
                   WHEN 0.5 THEN 'a whole or half number of ' || u.label
                   ELSE 'a multiple of ' || CAST(u.step AS VARCHAR) || ' ' || u.label END,
       'value has a fraction its unit cannot have'
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
JOIN core.units AS u USING (unit_id)
WHERE f.value % u.step <> 0
