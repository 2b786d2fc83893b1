SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'value' AS column_name,
       CAST(f.value AS VARCHAR) AS value,
       coalesce('one of the numbers written in the quote: '
                || (SELECT string_agg(t.token || ' (' || t.value || ')', ', ' ORDER BY t.token_start)
                    FROM core.number_tokens AS t
                    WHERE t.source_id = f.source_id AND t.token_start >= f.quote_start
                      AND t.token_end <= f.quote_end),
                'a quote that states the value; this one holds no number') AS expected,
       'value does not appear in its quote' AS problem
FROM core.facts AS f
JOIN core.sources AS s USING (source_id)
WHERE s.kind = 'document'
  AND f.quote IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM core.fact_tokens AS ft WHERE ft.fact_id = f.fact_id)
