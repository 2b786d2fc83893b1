SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'period_start' AS column_name,
       coalesce(CAST(f.period_start AS VARCHAR), '') || ' to ' || CAST(f.period_end AS VARCHAR) AS value,
       CAST(c.start_date AS VARCHAR) || ' to ' || CAST(c.end_date AS VARCHAR) || ', the dates of '
           || c.competition_id || ' (period_kind event)' AS expected,
       'period of a competition result differs from the competition''s dates' AS problem
FROM core.facts AS f
JOIN core.competitions AS c USING (competition_id)
WHERE f.period_kind <> 'event' OR f.period_start IS DISTINCT FROM c.start_date OR f.period_end <> c.end_date
UNION ALL
SELECT 'facts', f.fact_id, 'competition_id', NULL,
       'the competition whose dates the event period gives', 'period_kind event without a competition'
FROM core.facts AS f
WHERE f.period_kind = 'event' AND f.competition_id IS NULL
UNION ALL
SELECT 'facts', f.fact_id, 'period_end', CAST(f.period_end AS VARCHAR),
       'at most ' || CAST(s.published_on AS VARCHAR) || ', the publication date of ' || s.source_id,
       'an as_of figure is dated after its source was published'
FROM core.facts AS f
JOIN core.sources AS s USING (source_id)
WHERE f.period_kind = 'as_of' AND s.published_precision = 'day' AND f.period_end > s.published_on
