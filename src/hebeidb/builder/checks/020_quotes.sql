-- Every quote stands verbatim in its source's stored text at the offsets recorded with it, inside
-- the article body. Documents are quoted; references are cited, never quoted.
-- The rows come from every table of the data set that quotes its sources (the view quoted_rows, made by
-- the check runner from the catalog: each core table with source_id, quote, quote_start and quote_end).
WITH quoted AS (
    SELECT table_name, row_key, source_id, quote, quote_start, quote_end FROM quoted_rows
),
compared AS (
    SELECT q.*, s.kind, s.body_start, s.body_end,
           substring(t.text, q.quote_start + 1, q.quote_end - q.quote_start) AS at_offsets
    FROM quoted AS q
    JOIN core.sources AS s USING (source_id)
    LEFT JOIN core.source_texts AS t USING (source_id)
),
misplaced AS (
    -- Searching a whole text costs time in proportion to its length: only for the quotes that are
    -- not where they should be.
    SELECT c.*, strpos(t.text, c.quote) - 1 AS found_at
    FROM compared AS c
    JOIN core.source_texts AS t USING (source_id)
    WHERE c.kind = 'document' AND c.quote IS NOT NULL AND c.at_offsets IS DISTINCT FROM c.quote
)
SELECT table_name, row_key, 'quote' AS column_name, quote AS value,
       'words that appear in the stored text of ' || source_id AS expected,
       'quote does not appear in the source text' AS problem
FROM misplaced
WHERE found_at < 0
UNION ALL
SELECT table_name, row_key, 'quote_start',
       quote_start || '-' || quote_end || ' reads "' || coalesce(at_offsets, '') || '"',
       found_at || '-' || (found_at + length(quote)) || ', where the quote first appears',
       'quote is not at its recorded offsets'
FROM misplaced
WHERE found_at >= 0
UNION ALL
SELECT table_name, row_key, 'quote_start', quote_start || '-' || quote_end,
       'offsets within the article body, ' || body_start || '-' || body_end,
       'quote lies outside the article body (page furniture is not a source of facts)'
FROM compared
WHERE kind = 'document' AND at_offsets = quote AND (quote_start < body_start OR quote_end > body_end)
UNION ALL
SELECT table_name, row_key, 'quote', NULL,
       'the words of ' || source_id || ' that state it, with quote_start and quote_end',
       'a row from a document source has no quote'
FROM compared
WHERE kind = 'document' AND quote IS NULL
UNION ALL
SELECT table_name, row_key, 'quote', quote,
       'an empty quote: ' || source_id || ' is a reference source, cited but not stored',
       'a quote from a reference source cannot be checked'
FROM compared
WHERE kind = 'reference' AND quote IS NOT NULL
