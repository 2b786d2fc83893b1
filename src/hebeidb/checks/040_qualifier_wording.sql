-- The qualifier of a document fact is the one its source writes right before the number: "over
-- 1.3 million" is over, "nearly 3,000" is nearly, a bare number is exact. A qualifier lost or
-- invented in transcription fails here.
WITH first_token AS (
    SELECT ft.fact_id, min(ft.token_start) AS token_start
    FROM core.fact_tokens AS ft
    GROUP BY ft.fact_id
),
before AS (
    SELECT f.fact_id, f.qualifier, ft.token_start,
           lower(substring(t.text, greatest(ft.token_start - 24, 0) + 1, least(ft.token_start, 24))) AS preceding
    FROM core.facts AS f
    JOIN first_token AS ft USING (fact_id)
    JOIN core.source_texts AS t USING (source_id)
),
detected AS (
    SELECT b.*,
           coalesce((SELECT q.qualifier FROM core.qualifiers AS q
                     WHERE q.phrase IS NOT NULL
                       AND regexp_matches(b.preceding, '(^|[^a-z])' || q.phrase || '\s+$')
                     ORDER BY length(q.phrase) DESC
                     LIMIT 1), 'exact') AS written
    FROM before AS b
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'qualifier' AS column_name,
       qualifier AS value,
       written || ', as the text before the number reads "...' || trim(preceding) || '"' AS expected,
       'qualifier disagrees with the words of the source' AS problem
FROM detected
WHERE written <> qualifier
