SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'value' AS column_name,
       CAST(f.value AS VARCHAR) AS value,
       coalesce('one of the numbers written in the quote that no exclusion sets aside: '
                || (SELECT string_agg(t.token || ' (' || t.value || ')', ', ' ORDER BY t.token_start)
                    FROM core.number_tokens AS t
                    WHERE t.source_id = f.source_id AND t.token_start >= f.quote_start
                      AND t.token_end <= f.quote_end
                      AND NOT EXISTS (SELECT 1 FROM core.exclusions AS e
                                      WHERE e.source_id = t.source_id AND e.token_start = t.token_start)),
                'a number in the quote that states the value and that no exclusion sets aside; this quote has none')
           AS expected,
       coalesce('value does not appear in its quote except as an excluded number ('
                || (SELECT string_agg('"' || e.token || '", ' || e.exclusion_id || ' (' || e.reason_kind || ')', '; ')
                    FROM core.exclusions AS e
                    JOIN core.number_tokens AS t USING (source_id, token_start, token_end)
                    WHERE e.source_id = f.source_id AND e.token_start >= f.quote_start
                      AND e.token_end <= f.quote_end AND t.value = f.value)
                || '): an excluded number states no value',
                'value does not appear in its quote') AS problem
FROM core.facts AS f
JOIN core.sources AS s USING (source_id)
WHERE s.kind = 'document'
  AND f.quote IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM core.fact_tokens AS ft WHERE ft.fact_id = f.fact_id)
