WITH uncovered AS (
    -- Anti-joins rather than the number_coverage view: at national scale only the few failing
    -- numbers should cost more than a hash probe.
    SELECT t.*
    FROM core.number_tokens AS t
    WHERE t.in_body
      AND NOT EXISTS (SELECT 1 FROM core.fact_tokens AS ft
                      WHERE ft.source_id = t.source_id AND ft.token_start = t.token_start)
      AND NOT EXISTS (SELECT 1 FROM core.exclusions AS e
                      WHERE e.source_id = t.source_id AND e.token_start = t.token_start
                        AND e.token_end = t.token_end)
),
located AS (
    -- Line and column in the text file, computed only for the numbers that fail.
    SELECT c.*, s.text_path, t.text,
           length(substring(t.text, 1, c.token_start))
               - length(replace(substring(t.text, 1, c.token_start), chr(10), '')) + 1 AS text_line,
           coalesce(nullif(strpos(reverse(substring(t.text, 1, c.token_start)), chr(10)), 0), c.token_start + 1) AS text_column
    FROM uncovered AS c
    JOIN core.sources AS s USING (source_id)
    JOIN core.source_texts AS t USING (source_id)
)
SELECT 'source_texts' AS table_name,
       NULL AS row_key,
       CAST(text_column AS VARCHAR) AS column_name,
       token AS value,
       'a fact whose quote contains it with value ' || value || ', or a row of seeds/exclusions.csv with token_start '
           || token_start || ' and the reason' AS expected,
       'number in the article body is neither a fact nor an exclusion: "...'
           || replace(substring(text, greatest(token_start - 30, 0) + 1, least(token_start, 30) + length(token) + 20),
                      chr(10), ' ') || '..."' AS problem,
       'seeds/' || text_path AS file,
       text_line AS line
FROM located
UNION ALL
SELECT 'exclusions', e.exclusion_id, 'token_start', e.token || ' at ' || e.token_start || '-' || e.token_end,
       'the offsets of a number in the body; the text there reads "'
           || substring(t.text, e.token_start + 1, e.token_end - e.token_start) || '"',
       'no number of the body stands at these offsets', NULL, NULL
FROM core.exclusions AS e
JOIN core.source_texts AS t USING (source_id)
WHERE NOT EXISTS (SELECT 1 FROM core.number_coverage AS c
                  WHERE c.source_id = e.source_id AND c.token_start = e.token_start
                    AND c.token_end = e.token_end AND c.token = e.token)
UNION ALL
-- An ordinal of occurrence ("for the first time") is a milestone said of a fact, never a count or a
-- rank: it must be excluded as one (a fact it captures, or another reason, fails).
SELECT CASE WHEN c.exclusion_id IS NULL THEN 'facts' ELSE 'exclusions' END,
       coalesce(c.exclusion_id, split_part(c.fact_ids, ',', 1)),
       CASE WHEN c.exclusion_id IS NULL THEN 'value' ELSE 'reason_kind' END,
       coalesce(c.reason_kind, c.token || ' at ' || c.token_start),
       'milestone: "' || c.token || ' time" says how often something happened, not a quantity; a row of '
           || 'seeds/exclusions.csv for it with reason_kind milestone and the fact it is said of',
       'an ordinal of occurrence is read as ' || CASE WHEN c.exclusion_id IS NULL THEN 'the value of a fact'
                                                      ELSE 'a ' || c.reason_kind END, NULL, NULL
FROM core.number_coverage AS c
JOIN core.number_tokens AS t USING (source_id, token_start)
JOIN core.source_texts AS x USING (source_id)
WHERE t.written_as = 'ordinal'
  AND regexp_matches(substring(x.text, c.token_end + 1, 6), '^\s+times?\b')
  AND c.status <> 'uncovered' AND coalesce(c.reason_kind, '') <> 'milestone'
