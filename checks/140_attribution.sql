WITH named AS (
    SELECT f.fact_id, f.programme_id, f.source_id,
           CASE WHEN p.quote_start >= f.quote_start AND p.quote_end <= f.quote_end THEN p.quote_start
                WHEN strpos(lower(f.quote), lower(p.name_en)) > 0
                THEN f.quote_start + strpos(lower(f.quote), lower(p.name_en)) - 1 END AS named_at
    FROM core.facts AS f
    JOIN core.programmes AS p USING (programme_id)
    WHERE f.quote IS NOT NULL
),
before AS (
    SELECT n.*,
           lower(substring(t.text, greatest(n.named_at - 30, 0) + 1, least(n.named_at, 30))) AS preceding
    FROM named AS n
    JOIN core.source_texts AS t USING (source_id)
    WHERE n.named_at IS NOT NULL
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'programme_id' AS column_name,
       programme_id AS value,
       'the programme group the source names (a row of kind programme_group with ' || programme_id
           || ' as a member): the text before the name reads "...' || trim(preceding) || '"' AS expected,
       'the figure is credited to one member of a group the source names' AS problem
FROM before
WHERE regexp_matches(preceding, '\b(including|like|such as|among)\b[^.]*$')
