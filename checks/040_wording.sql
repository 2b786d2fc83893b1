WITH first_token AS (
    SELECT ft.fact_id, min(ft.token_start) AS token_start
    FROM core.fact_tokens AS ft
    GROUP BY ft.fact_id
),
before AS (
    SELECT f.fact_id, coalesce(f.comparison, f.qualifier) AS qualifier, f.comparison IS NOT NULL AS is_criterion,
           f.is_cumulative,
           lower(substring(t.text, greatest(ft.token_start - 40, 0) + 1, least(ft.token_start, 40))) AS preceding
    FROM core.facts AS f
    JOIN first_token AS ft USING (fact_id)
    JOIN core.source_texts AS t USING (source_id)
),
words AS (
    -- The last two words before the number, with single spaces: "has remained above" gives
    -- "remained above"; the last word alone is its part after the space.
    SELECT b.*,
           right(b.preceding, 24) AS near,
           regexp_replace(regexp_extract(right(b.preceding, 24), '((?:[a-z]+\s+)?[a-z]+)\s+$', 1), '\s+', ' ', 'g')
               AS last_words
    FROM before AS b
),
detected AS (
    SELECT w.*, coalesce(two.qualifier, one.qualifier, 'exact') AS written
    FROM words AS w
    LEFT JOIN core.qualifiers AS two ON two.phrase = w.last_words
    LEFT JOIN core.qualifiers AS one ON one.phrase = split_part(w.last_words, ' ', -1)
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       CASE WHEN is_criterion THEN 'comparison' ELSE 'qualifier' END AS column_name,
       qualifier AS value,
       written || ', as the text before the number reads "...' || trim(near) || '"' AS expected,
       CASE WHEN is_criterion THEN 'comparison of the criterion disagrees with the words of the source'
            ELSE 'qualifier disagrees with the words of the source' END AS problem
FROM detected
WHERE written <> qualifier
UNION ALL
SELECT 'facts', fact_id, 'is_cumulative', CAST(is_cumulative AS VARCHAR),
       CAST(NOT is_cumulative AS VARCHAR) || ', as the text before the number reads "...' || trim(preceding) || '"',
       CASE WHEN is_cumulative THEN 'the source does not call this figure cumulative'
            ELSE 'the source calls this figure cumulative' END
FROM detected
WHERE is_cumulative <> contains(preceding, 'cumulativ')
