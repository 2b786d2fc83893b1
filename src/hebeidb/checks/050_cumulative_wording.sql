-- A document fact is cumulative exactly when its source says so ("cumulatively 17,000", "a
-- cumulative 1.42 million") in the words right before the number.
WITH first_token AS (
    SELECT ft.fact_id, min(ft.token_start) AS token_start
    FROM core.fact_tokens AS ft
    GROUP BY ft.fact_id
),
before AS (
    SELECT f.fact_id, f.is_cumulative,
           lower(substring(t.text, greatest(ft.token_start - 40, 0) + 1, least(ft.token_start, 40))) AS preceding
    FROM core.facts AS f
    JOIN first_token AS ft USING (fact_id)
    JOIN core.source_texts AS t USING (source_id)
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'is_cumulative' AS column_name,
       CAST(is_cumulative AS VARCHAR) AS value,
       CAST(NOT is_cumulative AS VARCHAR) || ', as the text before the number reads "...' || trim(preceding) || '"'
           AS expected,
       CASE WHEN is_cumulative THEN 'the source does not call this figure cumulative'
            ELSE 'the source calls this figure cumulative' END AS problem
FROM before
WHERE is_cumulative <> contains(preceding, 'cumulativ')
