WITH documented AS (
    SELECT DISTINCT f.indicator_id, f.source_id
    FROM core.facts AS f JOIN core.sources AS s USING (source_id)
    WHERE s.kind = 'document'
),
described AS (
    SELECT 'indicators' AS table_name, i.indicator_id AS row_key, 'label_en' AS column_name, i.label_en AS words,
           d.source_id
    FROM core.indicators AS i JOIN documented AS d USING (indicator_id)
    UNION ALL
    SELECT 'programmes', p.programme_id, 'name_en', p.name_en, p.source_id
    FROM core.programmes AS p JOIN core.sources AS s USING (source_id)
    WHERE s.kind = 'document'
),
participles AS (
    SELECT d.*, unnest(regexp_extract_all(lower(d.words), '\b[a-z]{4,}ed\b')) AS word
    FROM described AS d
),
plurals AS (
    SELECT d.*, unnest(regexp_extract_all(lower(d.words), '\b[a-z]{3,}s\b')) AS word
    FROM described AS d
    WHERE d.column_name = 'label_en'
),
done AS (
    -- The word of a quote that counts things done, nearest before the number (else the first after
    -- it), and its stem: "established ... has cumulatively graduated 2,221" counts graduations.
    SELECT d.fact_id, d.label_en, d.stem,
           row_number() OVER (
               PARTITION BY d.fact_id
               ORDER BY CASE WHEN strpos(d.before, d.stem) > 0 THEN 0 ELSE 1 END,
                        CASE WHEN strpos(d.before, d.stem) > 0 THEN strpos(reverse(d.before), reverse(d.stem))
                             ELSE strpos(lower(d.quote), d.stem) END) AS position
    FROM (
        SELECT f.fact_id, f.quote, i.label_en,
               lower(substring(f.quote, 1, t.token_start - f.quote_start)) AS before,
               unnest(list_distinct(regexp_extract_all(lower(f.quote),
                                                       '\b(establish|creat|provid|graduat|receiv|help)', 1))) AS stem
        FROM core.facts AS f
        JOIN core.indicators AS i USING (indicator_id)
        -- The first number of each running total's quote (only theirs: the other facts' numbers are most of them).
        JOIN (SELECT fact_id, min(token_start) AS token_start FROM core.fact_tokens
              WHERE fact_id IN (SELECT fact_id FROM core.facts WHERE aggregation = 'running_total')
              GROUP BY fact_id) AS t
          USING (fact_id)
        WHERE f.aggregation = 'running_total'
    ) AS d
)
SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'quote' AS column_name,
       f.quote AS value,
       'words that contain "' || i.population || '", the population of ' || i.indicator_id AS expected,
       'the quote does not name the population its indicator counts' AS problem
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
WHERE i.population IS NOT NULL AND f.quote IS NOT NULL AND NOT contains(lower(f.quote), lower(i.population))
UNION ALL
SELECT 'indicators', i.indicator_id, 'label_en', i.label_en,
       'a label that contains the population "' || i.population || '" with every qualifying part',
       'the label drops part of the population it counts'
FROM core.indicators AS i
WHERE i.population IS NOT NULL AND NOT contains(lower(i.label_en), lower(i.population))
UNION ALL
SELECT p.table_name, p.row_key, p.column_name, p.word,
       'a word of ' || p.source_id || ', which never writes "' || p.word || '"',
       CASE p.column_name WHEN 'label_en' THEN 'the label' ELSE 'the name' END || ' uses a word the source does not'
FROM participles AS p
JOIN core.source_texts AS t USING (source_id)
WHERE NOT regexp_matches(lower(t.text), '\b' || p.word || '\b')
UNION ALL
SELECT p.table_name, p.row_key, p.column_name, p.word,
       '"' || left(p.word, -1) || '''s", the possessive as ' || p.source_id || ' writes it',
       'the label drops the apostrophe of a possessive'
FROM plurals AS p
JOIN core.source_texts AS t USING (source_id)
WHERE NOT regexp_matches(lower(t.text), '\b' || p.word || '\b')
  AND regexp_matches(lower(t.text), '\b' || left(p.word, -1) || '''s\b')
UNION ALL
SELECT 'indicators', i.indicator_id, 'label_en', d.label_en,
       'a label that names what was done, as the quote of ' || d.fact_id || ' does ("' || d.stem || '...")',
       'the label of a running total does not say what it counts was done'
FROM done AS d
JOIN core.facts AS i USING (fact_id)
WHERE d.position = 1 AND NOT contains(lower(d.label_en), d.stem)
UNION ALL
SELECT 'indicators', i.indicator_id, 'description', i.description,
       CASE WHEN i.population IS NULL
            THEN 'a description that is no share of a population: the quotes name none (population is empty)'
            ELSE 'a description that names the population "' || i.population || '" in the article''s words' END,
       'the description of a rate names a population the article does not'
FROM core.indicators AS i
WHERE i.measure_kind = 'rate'
  AND i.indicator_id IN (SELECT indicator_id FROM documented)
  AND CASE WHEN i.population IS NULL THEN regexp_matches(lower(i.description), '^(share|percentage|proportion) of ')
           ELSE NOT contains(lower(i.description), lower(i.population)) END
