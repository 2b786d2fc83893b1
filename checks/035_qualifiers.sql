WITH expected AS (
    SELECT q.*,
           CASE WHEN q.low_from_value AND q.high_from_value THEN '='
                WHEN q.low_from_value THEN CASE WHEN q.low_inclusive THEN '≥' ELSE '>' END
                WHEN q.high_from_value THEN CASE WHEN q.high_inclusive THEN '≤' ELSE '<' END
                ELSE '~' END AS side_symbol,
           CASE WHEN q.low_from_value AND q.high_from_value THEN 'the value is both ends: ='
                WHEN q.low_from_value THEN 'the value is the lower end only'
                WHEN q.high_from_value THEN 'the value is the upper end only'
                ELSE 'the value bounds neither side' END AS sides
    FROM core.qualifiers AS q
)
SELECT 'qualifiers' AS table_name,
       qualifier AS row_key,
       'symbol' AS column_name,
       symbol AS value,
       side_symbol || ': ' || sides || ' (low_from_value ' || low_from_value || ', high_from_value '
           || high_from_value || ')' AS expected,
       'the symbol does not say which side of the interval the stated value bounds' AS problem
FROM expected
WHERE symbol <> side_symbol
