-- What a row credits to a document must stand in that document; what comes from a reference cites
-- it in its own column (programmes.period_source_id, name_zh_source_id, competitions.source_id).
WITH documents AS (
    SELECT s.source_id, t.text
    FROM core.sources AS s
    JOIN core.source_texts AS t USING (source_id)
    WHERE s.kind = 'document'
),
programme_periods AS (
    SELECT p.*, d.text IS NOT NULL AS from_document,
           list_filter([year(p.period_start), year(p.period_end)],
                       lambda y: y IS NOT NULL AND NOT regexp_matches(p.quote, '\b' || y || '\b')) AS unwritten
    FROM core.programmes AS p
    LEFT JOIN documents AS d ON d.source_id = p.period_source_id
    WHERE p.period_source_id IS NOT NULL
),
written_dates AS (
    SELECT e.competition_id, list(t.value) AS numbers
    FROM core.exclusions AS e
    JOIN core.number_tokens AS t USING (source_id, token_start, token_end)
    WHERE e.reason_kind = 'date' AND e.competition_id IS NOT NULL
    GROUP BY e.competition_id
),
competition_dates AS (
    SELECT c.competition_id, c.source_id,
           list_filter([day(c.start_date), day(c.end_date), year(c.start_date), year(c.end_date)],
                       lambda n: NOT list_contains(coalesce(w.numbers, []), n)) AS unwritten
    FROM core.competitions AS c
    JOIN documents AS d USING (source_id)
    LEFT JOIN written_dates AS w USING (competition_id)
),
chinese_names AS (
    SELECT 'regions' AS table_name, region_id AS row_key, name_zh, name_zh_source_id AS source_id
    FROM core.regions WHERE name_zh IS NOT NULL
    UNION ALL
    SELECT 'programmes', programme_id, coalesce(name_zh, name_zh_official), name_zh_source_id
    FROM core.programmes WHERE name_zh IS NOT NULL OR name_zh_official IS NOT NULL
),
fact_dates AS (
    -- The year may stand in the quote or in the document's title (a bulletin for a year). Plain
    -- string searches, and the month words only where the precision claims more than the year:
    -- this runs over every fact.
    SELECT f.*, s.published_on, s.kind = 'document' AS from_document,
           contains(coalesce(f.quote, '') || ' ' || s.title, CAST(year(f.period_end) AS VARCHAR)) AS year_written,
           CASE WHEN f.period_end_precision <> 'year'
                THEN regexp_matches(lower(coalesce(f.quote, '') || ' ' || s.title),
                                    '\b(january|february|march|april|may|june|july|august|september|october|'
                                    || 'november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b')
           END AS month_written
    FROM core.facts AS f
    JOIN core.sources AS s USING (source_id)
    WHERE f.period_kind IN ('as_of', 'span', 'target')
)
SELECT 'programmes' AS table_name,
       programme_id AS row_key,
       'period_source_id' AS column_name,
       period_source_id AS value,
       'a source that gives the years ' || array_to_string(unwritten, ', ')
           || ' (a reference: the quote stays the document''s words that name the programme)' AS expected,
       'the period is credited to a document whose words here do not write it' AS problem
FROM programme_periods
WHERE from_document AND len(unwritten) > 0
UNION ALL
SELECT 'programmes', programme_id, 'period_precision', period_precision,
       'year: the quote writes the year (' || year(period_end) || ') and no month or day',
       'a period read from a year is stated more precisely than its source'
FROM programme_periods
WHERE from_document AND len(unwritten) = 0 AND period_precision <> 'year'
  AND NOT regexp_matches(lower(quote), '\b(january|february|march|april|may|june|july|august|september|october|'
                                      || 'november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b')
UNION ALL
SELECT 'competitions', competition_id, 'source_id', source_id,
       'the source of the dates (a reference), or date exclusions of ' || competition_id || ' for the numbers '
           || array_to_string(unwritten, ', ') || ' where the document writes them',
       'the competition''s dates are credited to a document that does not write them'
FROM competition_dates
WHERE len(unwritten) > 0
UNION ALL
SELECT n.table_name, n.row_key, 'name_zh_source_id', n.source_id,
       'a reference that gives ' || n.name_zh || ': ' || n.source_id || ' does not write it',
       'a Chinese name is credited to a document that does not write it'
FROM chinese_names AS n
JOIN documents AS d USING (source_id)
WHERE strpos(d.text, n.name_zh) = 0
UNION ALL
SELECT 'facts', fact_id, 'period_end', CAST(period_end AS VARCHAR),
       CAST(published_on AS VARCHAR) || ', the date ' || source_id || ' reported it by (its own date is not stated: '
           || 'the year is then unknown), or a quote or title that writes ' || year(period_end)
           || ', or is_inferred with the reasoning in note',
       'a date the source does not state is credited to it'
FROM fact_dates
WHERE from_document AND period_end IS DISTINCT FROM published_on AND NOT year_written AND NOT is_inferred
UNION ALL
SELECT 'facts', fact_id, 'period_end_precision', period_end_precision,
       'year: the quote (or the title) writes the year (' || year(period_end) || ') and no month or day',
       'a date read from a year is stated more precisely than its source'
FROM fact_dates
WHERE from_document AND year_written AND NOT month_written AND period_end_precision <> 'year'
UNION ALL
SELECT 'facts', fact_id, 'period_end', CAST(period_end AS VARCHAR),
       CAST(year(period_end) || '-12-31' AS VARCHAR) || ', the last day of the year: ' || period_end_precision
           || ' precision gives no ' || CASE period_end_precision WHEN 'year' THEN 'month or day' ELSE 'day' END,
       'a period end known to the ' || period_end_precision || ' is not the last day of it'
FROM core.facts
WHERE (period_end_precision = 'year' AND period_end <> make_date(year(period_end), 12, 31))
   OR (period_end_precision = 'month' AND period_end <> last_day(period_end))
