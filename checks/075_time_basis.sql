WITH f AS (
    SELECT f.*, i.unit_id, i.measure_kind, s.kind AS source_kind
    FROM core.facts AS f
    JOIN core.indicators AS i USING (indicator_id)
    JOIN core.sources AS s USING (source_id)
),
-- Words that count things done (established, created, provided, graduated, received, helped): a
-- figure of them accumulates events up to its date, it is not a stock that can also shrink.
done AS (
    SELECT f.*,
           regexp_extract(lower(f.quote), '\b(establish\w*|creat\w*|provid\w*|graduat\w*|receiv\w*|help\w*)\b', 1)
               AS verb
    FROM f
    WHERE f.source_kind = 'document' AND f.quote IS NOT NULL
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'aggregation' AS column_name,
       aggregation AS value,
       CASE WHEN unit_id = 'percent' THEN 'rate, as the unit is percent'
            ELSE 'level, running_total or count_over_period: only a percentage is a rate' END AS expected,
       'aggregation disagrees with the unit' AS problem
FROM f
WHERE (aggregation = 'rate') <> (unit_id = 'percent') AND aggregation <> 'criterion'
UNION ALL
SELECT 'facts', fact_id, 'aggregation', aggregation,
       CASE WHEN measure_kind = 'threshold' THEN 'criterion, as indicator ' || indicator_id || ' is a threshold'
            ELSE 'a measurement: indicator ' || indicator_id || ' is a ' || measure_kind || ', not a threshold' END,
       'a criterion is exactly a figure of a threshold indicator'
FROM f
WHERE (aggregation = 'criterion') <> (measure_kind = 'threshold')
UNION ALL
SELECT 'facts', fact_id, 'period_kind', period_kind,
       CASE aggregation WHEN 'running_total' THEN 'as_of or span: a running total runs up to a date'
                        ELSE 'event, or span with period_start: a count over a period needs its start' END,
       'period disagrees with the aggregation ' || aggregation
FROM f
WHERE (aggregation = 'running_total' AND period_kind NOT IN ('as_of', 'span'))
   OR (aggregation = 'count_over_period' AND NOT (period_kind = 'event' OR (period_kind = 'span' AND period_start IS NOT NULL)))
UNION ALL
SELECT 'facts', fact_id, 'period_kind', period_kind,
       'span: the quote states one ("' || regexp_extract(lower(quote), '\bfor (an extended period|(?:\w+[- ])?consecutive years|the past \w+ years)\b') || '")',
       'the source states a span, not a point'
FROM f
WHERE source_kind = 'document' AND period_kind <> 'span'
  AND regexp_matches(lower(quote), '\bfor (an extended period|(?:\w+[- ])?consecutive years|the past \w+ years)\b')
UNION ALL
SELECT 'facts', fact_id, 'is_inferred', CAST(is_inferred AS VARCHAR),
       'true, with the reasoning in note: the quote does not give the year ' || year(period_start),
       'a span start the source does not state is not marked inferred'
FROM f
WHERE source_kind = 'document' AND period_kind = 'span' AND period_start IS NOT NULL AND NOT is_inferred
  AND NOT contains(quote, CAST(year(period_start) AS VARCHAR))
UNION ALL
SELECT 'facts', fact_id, 'aggregation', aggregation,
       'running_total: the quote counts things done ("' || verb || '"), accumulated up to the date',
       'a count of things done is stored as a level, a stock at a date'
FROM done
WHERE verb <> '' AND aggregation = 'level'
