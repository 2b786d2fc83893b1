-- The stored text of each document must be the one its sha256 pins: a quote checked against an
-- edited text proves nothing.
SELECT 'sources' AS table_name,
       s.source_id AS row_key,
       'sha256' AS column_name,
       t.sha256 AS value,
       s.sha256 AS expected,
       'the stored text seeds/' || s.text_path || ' does not match its pinned sha256 (edited, truncated or replaced?)'
           AS problem
FROM core.sources AS s
JOIN core.source_texts AS t USING (source_id)
WHERE t.sha256 <> s.sha256
UNION ALL
SELECT 'sources', s.source_id, 'body_end', CAST(s.body_end AS VARCHAR),
       'at most ' || t.n_chars || ', the length of the stored text',
       'the article body ends after the end of the stored text'
FROM core.sources AS s
JOIN core.source_texts AS t USING (source_id)
WHERE s.body_end > t.n_chars
