SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'value' AS column_name,
       CAST(value AS VARCHAR) AS value,
       'a value above zero' AS expected,
       'a figure of the note is not positive' AS problem
FROM core.facts
WHERE value <= 0
