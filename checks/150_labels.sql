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
